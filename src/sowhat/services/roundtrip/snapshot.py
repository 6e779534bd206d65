"""A plan as flat, JSON-ready fields per entity: what file, database and ancestor are compared on.

The keys and field names are the ones `sowhat apply` uses (`<period>/<id>`, guardrails as
`<period>/<objective>/guardrail:<metric>`), prefixed with the entity type because an
objective and a KR may share an id. Values go through `audit.jsonable`, so a snapshot stored
as JSON and read back compares equal to one freshly built.
"""

from __future__ import annotations

from typing import Any

from sowhat.domain.okr import Plan
from sowhat.services.apply.run import guardrail_keys
from sowhat.store import audit, mapping

__all__ = ["Snapshot", "entity_label", "plan_snapshot"]

Snapshot = dict[str, dict[str, Any]]
"""{"<entity type> <key>": {field: JSON value}}"""


def plan_snapshot(plan: Plan) -> Snapshot:
    label = plan.period.label
    out: Snapshot = {f"period {label}": mapping.period_fields(plan.period, plan.north_star)}
    for position, objective in enumerate(plan.objectives):
        out[f"objective {label}/{objective.id}"] = mapping.objective_fields(objective, position)
        for kr_position, kr in enumerate(objective.key_results):
            out[f"key_result {label}/{kr.id}"] = mapping.key_result_fields(
                kr, objective.id, kr_position
            )
        keyed = guardrail_keys(
            [(g.metric, g.segment) for g in objective.guardrails], list(objective.guardrails)
        )
        for g_position, (gkey, guardrail) in enumerate(keyed):
            out[f"guardrail {label}/{objective.id}/guardrail:{gkey}"] = (
                mapping.guardrail_fields(guardrail, g_position)
            )
        for bet_position, bet in enumerate(objective.bets):
            out[f"bet {label}/{bet.id}"] = mapping.bet_fields(bet, objective.id, bet_position)
    return {key: audit.jsonable(fields) for key, fields in out.items()}


def entity_label(key: str) -> tuple[str, str]:
    """("key result", "2026-Q4/activation") from a snapshot key."""
    kind, _, rest = key.partition(" ")
    return kind.replace("_", " "), rest
