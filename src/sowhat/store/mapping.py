"""Translation between rows and domain values, and the flat "fields" both are compared on.

A fields dict holds what the files say about one entity, under the names the files use
(`max_change`, `expects_change`, `objective`), so that a diff reads like the YAML and the
audit log shows what a person wrote. The same dict is built from a domain value (the
desired state) and from a row (the stored state); equal dicts mean nothing to do.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Row

from sowhat.domain.okr import (
    Bet,
    BetStatus,
    Change,
    CheckIn,
    CheckInSource,
    Expectation,
    Guardrail,
    Indicator,
    KeyResult,
    Objective,
    OutputWaiver,
    Team,
)
from sowhat.domain.period import Period
from sowhat.store.models import (
    BetRow,
    CheckInRow,
    GuardrailRow,
    KeyResultRow,
    ObjectiveRow,
    PeriodRow,
    TeamRow,
)

Fields = dict[str, Any]


# -- fields from domain values (what the files say) -----------------------------------------


def team_fields(team: Team, position: int) -> Fields:
    return {
        "name": team.name,
        "parent": team.parent,
        "members": list(team.members),
        "position": position,
    }


def period_fields(period: Period, north_star: str | None) -> Fields:
    return {"start": period.start, "end": period.end, "north_star": north_star}


def objective_fields(objective: Objective, position: int) -> Fields:
    return {
        "title": objective.title,
        "team": objective.team,
        "owner": objective.owner,
        "aligns_to": objective.aligns_to,
        "description": objective.description,
        "position": position,
    }


def key_result_fields(kr: KeyResult, objective: str, position: int) -> Fields:
    """Without `baselined_metric_hash`: that one depends on what is stored (see apply)."""
    waiver = kr.output_waiver
    return {
        "objective": objective,
        "title": kr.title,
        "metric": kr.metric,
        "segment": kr.segment,
        "baseline": kr.baseline,
        "target": kr.target,
        "indicator": str(kr.indicator) if kr.indicator is not None else None,
        "waiver_reason": waiver.reason if waiver else None,
        "waiver_expires": waiver.expires if waiver else None,
        "owner": kr.owner,
        "unit": kr.unit,
        "measure": kr.measure,
        "over_days": kr.over_days,
        "position": position,
    }


def guardrail_fields(guardrail: Guardrail, position: int) -> Fields:
    return {
        "metric": guardrail.metric,
        "segment": guardrail.segment,
        "max_change": guardrail.max_change,
        "min_change": guardrail.min_change,
        "max": guardrail.max,
        "min": guardrail.min,
        "over_days": guardrail.over_days,
        "position": position,
    }


def bet_fields(bet: Bet, objective: str, position: int) -> Fields:
    return {
        "objective": objective,
        "title": bet.title,
        "status": str(bet.status),
        "opportunity": bet.opportunity,
        "hypothesis": bet.hypothesis,
        "expects_key_result": bet.expects.key_result if bet.expects else None,
        "expects_change": bet.expects.change if bet.expects else None,
        "change_mind_if": bet.change_mind_if,
        "shipped_on": bet.shipped_on,
        "experiment": bet.experiment,
        "owner": bet.owner,
        "position": position,
    }


# -- fields from rows (what is stored) ------------------------------------------------------


def team_row_fields(row: TeamRow) -> Fields:
    return {
        "name": row.name,
        "parent": row.parent,
        "members": list(row.members or []),
        "position": row.position,
    }


def period_row_fields(row: PeriodRow) -> Fields:
    return {"start": row.start, "end": row.end, "north_star": row.north_star}


def objective_row_fields(row: ObjectiveRow) -> Fields:
    return {
        "title": row.title,
        "team": row.team,
        "owner": row.owner,
        "aligns_to": row.aligns_to,
        "description": row.description,
        "position": row.position,
    }


def key_result_row_fields(row: KeyResultRow, objective: str) -> Fields:
    return {
        "objective": objective,
        "title": row.title,
        "metric": row.metric,
        "segment": row.segment,
        "baseline": row.baseline,
        "target": row.target,
        "indicator": row.indicator,
        "waiver_reason": row.waiver_reason,
        "waiver_expires": row.waiver_expires,
        "owner": row.owner,
        "unit": row.unit,
        "measure": row.measure,
        "over_days": row.over_days,
        "position": row.position,
    }


def guardrail_row_fields(row: GuardrailRow) -> Fields:
    return {
        "metric": row.metric,
        "segment": row.segment,
        "max_change": _change(row.max_change_amount, row.max_change_kind),
        "min_change": _change(row.min_change_amount, row.min_change_kind),
        "max": row.max_value,
        "min": row.min_value,
        "over_days": row.over_days,
        "position": row.position,
    }


def bet_row_fields(row: BetRow, objective: str) -> Fields:
    return {
        "objective": objective,
        "title": row.title,
        "status": row.status,
        "opportunity": row.opportunity,
        "hypothesis": row.hypothesis,
        "expects_key_result": row.expects_key_result,
        "expects_change": _change(row.expects_change_amount, row.expects_change_kind),
        "change_mind_if": row.change_mind_if,
        "shipped_on": row.shipped_on,
        "experiment": row.experiment,
        "owner": row.owner,
        "position": row.position,
    }


# -- writing fields onto rows ---------------------------------------------------------------

# Fields whose column has the same name and needs no translation.
_PLAIN = {
    "name", "parent", "position", "start", "end", "north_star", "title", "team", "owner",
    "aligns_to", "description", "metric", "segment", "baseline", "target", "indicator",
    "waiver_reason", "waiver_expires", "unit", "measure", "over_days",
    "baselined_metric_hash", "status",
    "opportunity", "hypothesis", "expects_key_result", "change_mind_if", "shipped_on",
    "experiment",
}  # fmt: skip
_CHANGES = {"max_change", "min_change", "expects_change"}
_RENAMED = {"max": "max_value", "min": "min_value"}


def write_fields(row: Any, fields: Mapping[str, Any]) -> None:
    """Set row columns from a fields dict; references (`objective`, ...) are the caller's."""
    for name, value in fields.items():
        if name in _PLAIN:
            setattr(row, name, value)
        elif name == "members":
            row.members = list(value)
        elif name in _CHANGES:
            setattr(row, f"{name}_amount", value.amount if value is not None else None)
            setattr(row, f"{name}_kind", value.kind if value is not None else None)
        elif name in _RENAMED:
            setattr(row, _RENAMED[name], value)


# -- rows to domain values ------------------------------------------------------------------


def to_team(row: TeamRow) -> Team:
    return Team(id=row.key, name=row.name, parent=row.parent, members=tuple(row.members or []))


def to_period(row: PeriodRow) -> Period:
    return Period(start=row.start, end=row.end, label=row.label)


def to_key_result(row: KeyResultRow) -> KeyResult:
    waiver = None
    if row.waiver_reason is not None or row.waiver_expires is not None:
        waiver = OutputWaiver(reason=row.waiver_reason, expires=row.waiver_expires)
    return KeyResult(
        id=row.key,
        title=row.title,
        metric=row.metric,
        segment=row.segment,
        baseline=row.baseline,
        target=row.target,
        indicator=Indicator(row.indicator) if row.indicator else None,
        output_waiver=waiver,
        owner=row.owner,
        unit=row.unit,
        measure=row.measure,
        over_days=row.over_days,
    )


def to_guardrail(row: GuardrailRow) -> Guardrail:
    return Guardrail(
        metric=row.metric,
        segment=row.segment,
        max_change=_change(row.max_change_amount, row.max_change_kind),
        min_change=_change(row.min_change_amount, row.min_change_kind),
        max=row.max_value,
        min=row.min_value,
        over_days=row.over_days,
    )


def to_bet(row: BetRow) -> Bet:
    change = _change(row.expects_change_amount, row.expects_change_kind)
    expects = None
    if row.expects_key_result is not None and change is not None:
        expects = Expectation(key_result=row.expects_key_result, change=change)
    return Bet(
        id=row.key,
        title=row.title,
        status=BetStatus(row.status),
        opportunity=row.opportunity,
        hypothesis=row.hypothesis,
        expects=expects,
        change_mind_if=row.change_mind_if,
        shipped_on=row.shipped_on,
        experiment=row.experiment,
        owner=row.owner,
    )


def to_objective(
    row: ObjectiveRow,
    key_results: Sequence[KeyResultRow],
    guardrails: Sequence[GuardrailRow],
    bets: Sequence[BetRow],
) -> Objective:
    return Objective(
        id=row.key,
        title=row.title,
        team=row.team,
        owner=row.owner,
        aligns_to=row.aligns_to,
        description=row.description,
        key_results=tuple(to_key_result(r) for r in key_results),
        guardrails=tuple(to_guardrail(r) for r in guardrails),
        bets=tuple(to_bet(r) for r in bets),
    )


def to_checkin(row: CheckInRow | Row[Any], kr_key: str, period_label: str) -> CheckIn:
    """`extra` carries the row's version (for optimistic edits) and the KR's period."""
    return CheckIn(
        kr_id=kr_key,
        week=row.week,
        value=row.value,
        confidence=row.confidence,
        note=row.note,
        blockers=row.blockers,
        source=CheckInSource(row.source),
        recorded_at=row.recorded_at,
        author=row.author,
        extra={"version": str(row.version), "period": period_label},
    )


def checkin_fields(row: CheckInRow) -> Fields:
    return {
        "week": row.week,
        "value": row.value,
        "source": row.source,
        "confidence": row.confidence,
        "note": row.note,
        "blockers": row.blockers,
        "author": row.author,
        "version": row.version,
    }


def _change(amount: float | None, kind: str | None) -> Change | None:
    if amount is None:
        return None
    return Change(amount=amount, kind=kind or "absolute")
