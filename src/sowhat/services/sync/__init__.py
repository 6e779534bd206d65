"""`sowhat sync` and what it shares with every command that reads events: the watermark
that clips every as-of (`asof`), each KR's measure and its windows (`measures`), the sync run
itself (`run`) and guardrail evaluation (`guardrails`)."""

from sowhat.services.sync.asof import AsOf, resolve_as_of
from sowhat.services.sync.guardrails import GuardrailResult, evaluate_guardrails
from sowhat.services.sync.measures import KRMeasure, kr_measure
from sowhat.services.sync.run import KRSync, SyncReport, resolve_period, sync

__all__ = [
    "AsOf",
    "GuardrailResult",
    "KRMeasure",
    "KRSync",
    "SyncReport",
    "evaluate_guardrails",
    "kr_measure",
    "resolve_as_of",
    "resolve_period",
    "sync",
]
