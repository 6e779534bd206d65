"""Creating and archiving objectives, key results, guardrails and bets.

Input is validated by the same pydantic models that validate the OKR files
(`sowhat.spec.okr_models`), so whatever the web or API creates, `sowhat export` can write
and `sowhat apply` reads back unchanged. Metrics and segments must exist in metrics.yaml; a
KR with a metric and a baseline records the metric definition's hash as apply does, and a KR
whose id existed in an earlier period continues its history (`carried_from`).

Each function checks the person's team next to the write, writes one audit entry (actor =
the person; keys as `sowhat apply` writes them) and returns the new row's version, the ETag.
Archiving needs the version the person read. Nothing commits: the caller owns the transaction.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.okr import Guardrail
from sowhat.errors import Conflict, Forbidden, NotFound, ScaleError, UserError
from sowhat.services.accounts import Principal
from sowhat.services.apply.run import guardrail_keys
from sowhat.spec.metric_defs import MetricsFile, metric_definition_hash, over_too_short
from sowhat.spec.metric_units import impossible_numbers
from sowhat.spec.okr_models import BetModel, GuardrailModel, KeyResultModel, ObjectiveModel
from sowhat.store import audit, mapping, repositories
from sowhat.store.base import utcnow
from sowhat.store.db import flush
from sowhat.store.models import BetRow, GuardrailRow, KeyResultRow, ObjectiveRow, PeriodRow

__all__ = [
    "archive_bet",
    "archive_key_result",
    "archive_objective",
    "create_bet",
    "create_guardrail",
    "create_key_result",
    "create_objective",
    "delete_guardrail",
    "find_guardrail",
    "guardrail_key",
    "list_guardrails",
]

M = TypeVar("M", bound=BaseModel)


def create_objective(
    *, session: Session, principal: Principal, period: str, fields: Mapping[str, Any],
    now: datetime | None = None,
) -> int:  # fmt: skip
    """`fields`: id, title, team, owner, aligns_to, description."""
    model = _validate(ObjectiveModel, _clean(fields), "objective")
    principal.require_team(model.team, f"objective {model.id}")
    prow = open_period(session, period)
    contents = repositories.period_contents(session, prow)
    _unique(contents.objectives, model.id, "objective", period)
    domain = model.to_domain()
    row = ObjectiveRow(key=model.id, period_id=prow.id)
    mapping.write_fields(row, mapping.objective_fields(domain, _next(contents.objectives)))
    session.add(row)
    flush(session)
    _created(session, principal, "objective", f"{period}/{model.id}",
             mapping.objective_row_fields(row), now)  # fmt: skip
    return int(row.version)


def create_key_result(
    *, session: Session, principal: Principal, period: str, fields: Mapping[str, Any],
    metrics: MetricsFile | None, now: datetime | None = None,
) -> int:  # fmt: skip
    """`fields`: id, objective, title, metric, segment, baseline, target, and optionally
    indicator, owner, unit, output_waiver + waiver_expires."""
    values = _clean(fields)
    objective_key = values.pop("objective", None)
    if not objective_key:
        raise UserError("a key result needs its objective", hint="send `objective`: its id")
    model = _validate(KeyResultModel, values, "key result")
    if model.target is None and model.output_waiver is None:
        raise UserError("a key result needs a target", hint="give the value to reach")
    check_metric(metrics, model.metric, model.segment)
    check_numbers(metrics, model.metric, model.baseline, model.target, model.title)
    # the rule `sowhat validate` and a KR edit apply: an active metric's window must hold one
    # whole day, week or month, or the KR never has a value (the web's new-KR form, the API
    # and the CSV import all create KRs here)
    if metrics is not None and model.metric is not None:
        domain = model.to_domain()
        short = over_too_short(metrics.metrics.get(model.metric), domain.over_days, metrics)
        if short is not None:
            raise UserError(short[0], hint=short[1])
    prow = open_period(session, period)
    objective = live_one(session, ObjectiveRow, prow, objective_key, "objective")
    principal.require_team(objective.team, f"key result {model.id}")
    contents = repositories.period_contents(session, prow)
    _unique(contents.key_results, model.id, "key result", period)
    siblings = [k for k in contents.key_results if k.objective_id == objective.id]
    predecessor = repositories.latest_earlier_key_result(session, model.id, prow.start)
    row = KeyResultRow(key=model.id, period_id=prow.id, objective_id=objective.id,
                       carried_from_id=predecessor.id if predecessor else None)  # fmt: skip
    mapping.write_fields(row, mapping.key_result_fields(model.to_domain(), objective.key,
                                                        _next(siblings)))  # fmt: skip
    row.baselined_metric_hash = baseline_hash(metrics, row.metric, row.baseline)
    session.add(row)
    flush(session)
    _created(session, principal, "key_result", f"{period}/{model.id}",
             mapping.key_result_row_fields(row, objective.key), now)  # fmt: skip
    return int(row.version)


def create_guardrail(
    *, session: Session, principal: Principal, period: str, objective: str,
    fields: Mapping[str, Any], metrics: MetricsFile | None, now: datetime | None = None,
) -> tuple[str, int]:  # fmt: skip
    """`fields`: metric, segment, max_change, min_change, max, min. Returns (key, version);
    the key (`metric`, `metric@segment`, `metric#2`) names it within its objective."""
    model = _validate(GuardrailModel, _clean(fields), "guardrail")
    check_metric(metrics, model.metric, model.segment)
    if metrics is not None:  # the same rule `sowhat validate` applies to the file
        short = over_too_short(metrics.metrics.get(model.metric),
                               model.to_domain().over_days, metrics)
        if short is not None:
            raise UserError(short[0], hint=short[1])
    prow = open_period(session, period)
    orow = live_one(session, ObjectiveRow, prow, objective, "objective")
    principal.require_team(orow.team, f"a guardrail of objective {objective}")
    rows = _guardrails_of(session, orow)
    row = GuardrailRow(objective_id=orow.id)
    mapping.write_fields(row, mapping.guardrail_fields(model.to_domain(), len(rows)))
    session.add(row)
    flush(session)
    key = guardrail_key([*rows, row], row)
    _created(session, principal, "guardrail", f"{period}/{objective}/guardrail:{key}",
             mapping.guardrail_row_fields(row), now)  # fmt: skip
    return key, int(row.version)


def create_bet(
    *, session: Session, principal: Principal, period: str, fields: Mapping[str, Any],
    now: datetime | None = None,
) -> int:  # fmt: skip
    """`fields`: id, objective, title, status, opportunity, hypothesis, expects
    ({key_result, change}), change_mind_if, shipped_on, experiment, owner."""
    values = _clean(fields)
    objective_key = values.pop("objective", None)
    if not objective_key:
        raise UserError("a bet needs its objective", hint="send `objective`: its id")
    model = _validate(BetModel, values, "bet")
    prow = open_period(session, period)
    orow = live_one(session, ObjectiveRow, prow, objective_key, "objective")
    principal.require_team(orow.team, f"bet {model.id}")
    contents = repositories.period_contents(session, prow)
    _unique(contents.bets, model.id, "bet", period)
    if model.expects is not None:
        live_one(session, KeyResultRow, prow, model.expects.key_result, "key result")
    siblings = [b for b in contents.bets if b.objective_id == orow.id]
    row = BetRow(key=model.id, period_id=prow.id, objective_id=orow.id)
    mapping.write_fields(row, mapping.bet_fields(model.to_domain(), orow.key, _next(siblings)))
    session.add(row)
    flush(session)
    _created(session, principal, "bet", f"{period}/{model.id}",
             mapping.bet_row_fields(row, orow.key), now)  # fmt: skip
    return int(row.version)


def archive_objective(
    *, session: Session, principal: Principal, period: str, objective_id: str,
    expected_version: int, now: datetime | None = None,
) -> None:  # fmt: skip
    """Archive an objective with its KRs and bets (check-ins stay; apply can restore it)."""
    now = now or utcnow()
    prow = open_period(session, period)
    row = live_one(session, ObjectiveRow, prow, objective_id, "objective")
    principal.require_team(row.team, f"objective {objective_id}")
    _check_version(row.version, expected_version, f"objective {objective_id}")
    contents = repositories.period_contents(session, prow)
    for kr in contents.key_results:
        if kr.objective_id == row.id and kr.archived_at is None:
            _archive(session, principal, kr, "key_result", f"{period}/{kr.key}",
                     mapping.key_result_row_fields(kr, row.key), now)  # fmt: skip
    for bet in contents.bets:
        if bet.objective_id == row.id and bet.archived_at is None:
            _archive(session, principal, bet, "bet", f"{period}/{bet.key}",
                     mapping.bet_row_fields(bet, row.key), now)  # fmt: skip
    _archive(session, principal, row, "objective", f"{period}/{objective_id}",
             mapping.objective_row_fields(row), now)  # fmt: skip


def archive_key_result(
    *, session: Session, principal: Principal, period: str, kr_id: str,
    expected_version: int, now: datetime | None = None,
) -> None:  # fmt: skip
    row, objective = writable_child(session, principal, period, KeyResultRow, kr_id, "key result")
    _check_version(row.version, expected_version, f"key result {kr_id}")
    _archive(session, principal, row, "key_result", f"{period}/{kr_id}",
             mapping.key_result_row_fields(row, objective.key), now or utcnow())  # fmt: skip


def archive_bet(
    *, session: Session, principal: Principal, period: str, bet_id: str,
    expected_version: int, now: datetime | None = None,
) -> None:  # fmt: skip
    row, objective = writable_child(session, principal, period, BetRow, bet_id, "bet")
    _check_version(row.version, expected_version, f"bet {bet_id}")
    _archive(session, principal, row, "bet", f"{period}/{bet_id}",
             mapping.bet_row_fields(row, objective.key), now or utcnow())  # fmt: skip


def delete_guardrail(
    *, session: Session, principal: Principal, period: str, objective: str, key: str,
    expected_version: int, now: datetime | None = None,
) -> None:  # fmt: skip
    """Guardrails have no history of their own: removing one deletes it (the audit log keeps
    what it said), as `sowhat apply` does when one leaves the file."""
    prow = open_period(session, period)
    orow = live_one(session, ObjectiveRow, prow, objective, "objective")
    principal.require_team(orow.team, f"a guardrail of objective {objective}")
    rows = _guardrails_of(session, orow)
    found = next((r for r in rows if guardrail_key(rows, r) == key), None)
    if found is None:
        raise NotFound(f"no guardrail {key!r} on objective {objective}")
    _check_version(found.version, expected_version, f"guardrail {key}")
    before = mapping.guardrail_row_fields(found)
    session.delete(found)
    flush(session)
    audit.record(session=session, actor=principal.email, action=audit.AuditAction.DELETE,
                 entity_type="guardrail", entity_key=f"{period}/{objective}/guardrail:{key}",
                 before=before, after=None, at=now or utcnow())  # fmt: skip


# -- shared checks --------------------------------------------------------------------------


def open_period(session: Session, label: str) -> PeriodRow:
    found = repositories.periods_by_label(session, [label])
    if label not in found:
        raise NotFound(f"no stored period {label!r}",
                       hint="GET /api/v1/periods lists them; plan a new one first")  # fmt: skip
    row = found[label]
    if row.closed_at is not None:
        raise Forbidden(f"period {label} is closed; its plans are final",
                        hint="edit the current period instead")  # fmt: skip
    return row


def live_one(session: Session, model: Any, period: PeriodRow, key: str, what: str) -> Any:
    row = session.scalars(
        select(model).where(model.period_id == period.id, model.key == key)
    ).first()
    if row is None or row.archived_at is not None:
        raise NotFound(f"no {what} {key!r} in {period.label}")
    return row


def writable_child(
    session: Session, principal: Principal, period: str, model: Any, key: str, what: str
) -> tuple[Any, ObjectiveRow]:
    """A live KR or bet in an open period, and its objective, once the principal may write
    that objective's team: what every edit and archive of a child row starts from."""
    row = live_one(session, model, open_period(session, period), key, what)
    objective = session.get(ObjectiveRow, row.objective_id)
    assert objective is not None
    principal.require_team(objective.team, f"{what} {key}")
    return row, objective


def check_metric(metrics: MetricsFile | None, metric: str | None, segment: str | None) -> None:
    if metric is None:
        return
    known = sorted(metrics.metrics) if metrics else []
    if metric not in known:
        raise UserError(f"metric {metric!r} is not defined in metrics.yaml",
                        hint=f"known metrics: {', '.join(known) or 'none yet'}")  # fmt: skip
    assert metrics is not None
    if segment is not None and segment not in metrics.segments:
        raise UserError(f"segment {segment!r} is not defined in metrics.yaml",
                        hint=f"known segments: {', '.join(sorted(metrics.segments)) or 'none'}")


def check_numbers(metrics: MetricsFile | None, metric: str | None, baseline: float | None,
                  target: float | None, title: str | None = None) -> None:  # fmt: skip
    """Refuse a baseline or target the metric can never take, or typed as the title shows
    them ("from 20 to 15 per 1,000" with 20 and 15), as `sowhat validate` does for the files
    (a rate of 32: "did you mean 0.32?")."""
    problems = impossible_numbers(metric=metric, baseline=baseline, target=target,
                                  catalog=metrics, title=title)  # fmt: skip
    if problems:
        _field, message, hint = problems[0]
        raise ScaleError(message, hint=hint, forceable=False)


def baseline_hash(metrics: MetricsFile | None, metric: str | None,
                  baseline: float | None) -> str | None:  # fmt: skip
    """The hash `sowhat apply` records for a baselined metric KR."""
    if metrics is None or metric is None or baseline is None or metric not in metrics.metrics:
        return None
    return metric_definition_hash(metrics.metrics[metric], catalog=metrics)


def guardrail_key(rows: list[GuardrailRow], row: GuardrailRow) -> str:
    ordered = sorted(rows, key=lambda r: (r.position, r.id or 0))
    keyed = guardrail_keys([(r.metric, r.segment) for r in ordered], ordered)
    return next(k for k, r in keyed if r is row)


def _guardrails_of(session: Session, objective: ObjectiveRow) -> list[GuardrailRow]:
    return list(session.scalars(
        select(GuardrailRow).where(GuardrailRow.objective_id == objective.id)
        .order_by(GuardrailRow.position, GuardrailRow.id)))  # fmt: skip


def _clean(fields: Mapping[str, Any]) -> dict[str, Any]:
    """Blank text means "not set", as in the edit forms."""
    return {k: (v.strip() or None) if isinstance(v, str) else v for k, v in fields.items()
            if not (isinstance(v, str) and not v.strip())}  # fmt: skip


def _validate(model: type[M], values: dict[str, Any], what: str) -> M:
    try:
        return model.model_validate(values)
    except ValidationError as exc:
        err = exc.errors()[0]
        where = ".".join(str(p) for p in err["loc"]) or what
        message = str(err["msg"]).removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = f"unknown field {where!r}"
        elif err["type"] == "string_pattern_mismatch":
            message = (f"{where} {err.get('input')!r} is not an id: use lowercase letters, "
                       "digits and - _ / .")
        raise UserError(f"{what}: {where}: {message}" if where != what else
                        f"{what}: {message}",
                        hint="the same rules as in okrs/<period>.yaml; see docs/okrs.md") from None


def _unique(rows: Any, key: str, what: str, period: str) -> None:
    for r in rows:
        if r.key == key:
            state = "an archived" if r.archived_at is not None else "a"
            raise Conflict(f"{state} {what} {key!r} exists already in {period}",
                           hint="pick another id" + ("; or restore it by adding it to the "
                                "OKR file and running `sowhat apply`"
                                if r.archived_at is not None else ""))  # fmt: skip


def _next(rows: Any) -> int:
    live = [r.position for r in rows if getattr(r, "archived_at", None) is None]
    return max(live, default=-1) + 1


def _created(session: Session, principal: Principal, entity_type: str, key: str,
             after: dict[str, Any], now: datetime | None) -> None:  # fmt: skip
    audit.record(session=session, actor=principal.email, action=audit.AuditAction.CREATE,
                 entity_type=entity_type, entity_key=key, before=None, after=after,
                 at=now or utcnow())  # fmt: skip


def _archive(session: Session, principal: Principal, row: Any, entity_type: str, key: str,
             before: dict[str, Any], now: datetime) -> None:  # fmt: skip
    row.archived_at = now
    flush(session)
    audit.record(session=session, actor=principal.email, action=audit.AuditAction.ARCHIVE,
                 entity_type=entity_type, entity_key=key, before={**before, "archived_at": None},
                 after={**before, "archived_at": now}, at=now)  # fmt: skip


def _check_version(stored: int, expected: int, what: str) -> None:
    if stored != expected:
        raise Conflict(
            f"{what} changed since you read it (stored version {stored}, yours {expected})",
            hint="reload it and make your edit again",
        )


@dataclass(frozen=True)
class GuardrailInfo:
    """A stored guardrail as the API shows it: its objective, its key there, its version."""

    period: str
    objective: str
    key: str
    guardrail: Guardrail
    version: int

    @property
    def ref(self) -> str:
        return f"{self.objective}/guardrail:{self.key}"


def list_guardrails(*, session: Session, period: str) -> list[GuardrailInfo]:
    """Every guardrail of the period's live objectives, in file order."""
    prow = repositories.periods_by_label(session, [period]).get(period)
    if prow is None:
        raise NotFound(f"no stored period {period!r}", hint="GET /api/v1/periods lists them")
    contents = repositories.period_contents(session, prow)
    out = []
    for orow in sorted((o for o in contents.objectives if o.archived_at is None),
                       key=lambda o: (o.position, o.id)):  # fmt: skip
        rows = _guardrails_of(session, orow)
        for row in rows:
            out.append(GuardrailInfo(period, orow.key, guardrail_key(rows, row),
                                     mapping.to_guardrail(row), int(row.version)))  # fmt: skip
    return out


def find_guardrail(*, session: Session, period: str, ref: str) -> GuardrailInfo:
    """`ref` is `<objective>/guardrail:<key>`."""
    for info in list_guardrails(session=session, period=period):
        if info.ref == ref:
            return info
    raise NotFound(f"no guardrail {ref!r} in {period}",
                   hint=f"GET /api/v1/periods/{period}/guardrails lists them")  # fmt: skip
