"""The metrics page: each definition as its author wrote it, and what in the plan reads it.

"Every number shown has its definition one click away": a KR page links its metric here, so
this page must say what the number counts — the events, the entity, the window — not only a
description someone may not have written. The definition is the block of metrics.yaml
itself (`spec.yamlio.source_block`), so it is the operational definition, word for word.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session

from sowhat.errors import NotFound
from sowhat.services.standing.period import cached_plan
from sowhat.spec.metric_defs import default_indicator, outcome_window
from sowhat.spec.workspace import Workspace
from sowhat.spec.yamlio import source_block

__all__ = ["MetricEntry", "MetricUse", "metric_catalog"]


@dataclass(frozen=True)
class MetricUse:
    kind: str  # "key result" | "guardrail"
    id: str  # KR id, or the guarded objective's id
    title: str


@dataclass(frozen=True)
class MetricEntry:
    name: str
    type: str
    description: str | None
    indicator: str  # leading | lagging
    outcome_days: float | None  # a cohort metric's outcome window, in days
    source: str | None  # the definition's lines in metrics.yaml
    location: str | None  # "metrics.yaml:11"
    uses: tuple[MetricUse, ...]  # in the current period


def metric_catalog(*, session: Session, workspace: Workspace) -> tuple[str | None,
                                                                       list[MetricEntry]]:
    """The current period's label (None without one) and every metric, by name."""
    catalog = workspace.metrics
    if catalog is None:
        return None, []
    try:
        plan = cached_plan(session=session, catalog=catalog)
    except NotFound:  # no period stored yet: the definitions still stand
        plan = None
    doc = workspace.metrics_document
    entries = []
    for name, m in sorted(catalog.metrics.items()):
        uses: list[MetricUse] = []
        if plan is not None:
            uses += [MetricUse("key result", k.status.id, k.status.title)
                     for k in plan.key_results if k.status.metric == name]
            uses += [MetricUse("guardrail", g.objective, plan.objective(g.objective).status.title)
                     for g in plan.guardrails if g.guardrail.metric == name]
        window = outcome_window(m)
        where = doc.locate(("metrics", name)) if doc is not None else None
        entries.append(MetricEntry(
            name=name, type=m.type, description=m.description,
            indicator=str(default_indicator(m, catalog=catalog)),
            outcome_days=window.total_seconds() / 86400 if window else None,
            source=source_block(doc, ("metrics", name)) if doc is not None else None,
            location=str(where) if where is not None and where.line else None,
            uses=tuple(uses),
        ))  # fmt: skip
    return (plan.period if plan is not None else None), entries
