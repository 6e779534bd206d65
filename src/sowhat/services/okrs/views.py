"""Read models for the JSON API and the web pages: a period's plan with versions and teams.

Scores, progress and confidence come from `status_rows` (the same numbers `sowhat status`
prints); this module only adds what a client needs to edit safely — each row's version (its
ETag) and the team that owns it — and the lists the pages show (series, audit pages).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import cached_property
from typing import Any, TypeVar

from sqlalchemy import ColumnElement, Row, func, or_, select
from sqlalchemy.orm import Session

from sowhat.domain.okr import Bet, CheckIn, Guardrail, Team
from sowhat.errors import NotFound
from sowhat.services.accounts import Principal, Scope
from sowhat.services.checkins import checkin_history
from sowhat.services.forecasts import MIN_WEEK_ENTITIES
from sowhat.services.plans import (
    KeyResultStatus,
    ObjectiveStatus,
    PeriodStatus,
    _resolve_period,
    status_rows,
)
from sowhat.spec.metric_defs import MetricsFile
from sowhat.store import audit, mapping, repositories
from sowhat.store.models import AuditEntryRow, CheckInRow, KeyResultRow, PeriodRow
from sowhat.store.sync_models import GuardrailCheckRow, SeriesPointRow

__all__ = [
    "AuditPage",
    "BetView",
    "CheckInView",
    "GuardrailView",
    "KeyResultView",
    "ObjectiveView",
    "PlanView",
    "SeriesPoint",
    "audit_page",
    "checkin_for_week",
    "checkin_records_many",
    "checkins",
    "checkins_many",
    "page",
    "plan_bets",
    "plan_guardrails",
    "plan_view",
    "series",
    "series_many",
    "series_values_many",
    "teams",
]

# Audit entries about accounts: who is admin, which tokens exist. Admins only.
ACCOUNT_ENTITIES = ("user", "api_token")

T = TypeVar("T")


@dataclass(frozen=True)
class ObjectiveView:
    period: str
    version: int
    description: str | None
    status: ObjectiveStatus

    @property
    def id(self) -> str:
        return self.status.id


@dataclass(frozen=True)
class KeyResultView:
    period: str
    objective: str
    team: str | None
    version: int
    status: KeyResultStatus

    @property
    def id(self) -> str:
        return self.status.id


@dataclass(frozen=True)
class BetView:
    period: str
    objective: str
    team: str | None
    version: int
    bet: Bet

    @property
    def id(self) -> str:
        return self.bet.id


@dataclass(frozen=True)
class GuardrailView:
    """A guardrail and its latest evaluation by `sowhat sync` (None until a sync ran)."""

    objective: str
    guardrail: Guardrail
    baseline: float | None = None
    current: float | None = None
    breached: bool | None = None
    reason: str | None = None
    evaluated_at: datetime | None = None


@dataclass(frozen=True)
class PlanView:
    status: PeriodStatus
    objectives: tuple[ObjectiveView, ...]
    key_results: tuple[KeyResultView, ...]
    bets: tuple[BetView, ...]
    guardrails: tuple[GuardrailView, ...]

    @property
    def period(self) -> str:
        return self.status.period

    @cached_property
    def _objectives_by_id(self) -> dict[str, ObjectiveView]:
        return {o.id: o for o in self.objectives}

    @cached_property
    def _key_results_by_id(self) -> dict[str, KeyResultView]:
        return {k.id: k for k in self.key_results}

    def objective(self, objective_id: str) -> ObjectiveView:
        """By id, in constant time: pages of large plans look many up."""
        found = self._objectives_by_id.get(objective_id)
        return found if found is not None else _find((), objective_id, "objective", self.period)

    def key_result(self, kr_id: str) -> KeyResultView:
        found = self._key_results_by_id.get(kr_id)
        return found if found is not None else _find((), kr_id, "key result", self.period)

    def bet(self, bet_id: str) -> BetView:
        return _find(self.bets, bet_id, "bet", self.period)

    def key_results_of(self, objective_id: str) -> tuple[KeyResultView, ...]:
        return tuple(k for k in self.key_results if k.objective == objective_id)


@dataclass(frozen=True)
class CheckInView:
    checkin: CheckIn
    version: int
    period: str


@dataclass(frozen=True)
class SeriesPoint:
    week: date
    value: float | None
    phase: str  # history | period


@dataclass(frozen=True)
class AuditPage:
    entries: tuple[audit.AuditEntry, ...]
    total: int
    limit: int
    offset: int


def plan_view(
    *, session: Session, period: str | None = None, today: date | None = None,
    catalog: MetricsFile | None = None, contents: repositories.PeriodContents | None = None,
) -> PlanView:
    """Everything stored about one period (default: the current one), with versions; with
    the metric `catalog`, KR values carry their metric's unit. `contents` (some of the
    period's rows) builds the plan of those objectives only: the cached plan's update after
    a write (services.listing.incremental)."""
    row = _resolve_period(session, period, today or datetime.now(UTC).date())
    if contents is None or contents.period.id != row.id:
        contents = repositories.period_contents(session, row)  # read once, for both
    status = status_rows(session=session, period=row.label, today=today, catalog=catalog,
                         contents=contents)
    live_objectives = {o.id: o for o in contents.objectives if o.archived_at is None}
    objective_rows = {o.key: o for o in live_objectives.values()}
    kr_rows = {k.key: k for k in contents.key_results if k.archived_at is None}
    objectives, key_results = [], []
    for o in status.objectives:
        orow = objective_rows[o.id]
        objectives.append(ObjectiveView(status.period, orow.version, orow.description, o))
        for kr in o.key_results:
            key_results.append(
                KeyResultView(status.period, o.id, o.team, kr_rows[kr.id].version, kr)
            )
    bets = plan_bets(status.period, contents.bets, live_objectives)
    guardrails = plan_guardrails(session, contents.guardrails, live_objectives)
    return PlanView(status, tuple(objectives), tuple(key_results), bets, guardrails)


def plan_bets(period: str, bets: Sequence[Any], live_objectives: Mapping[int, Any]
              ) -> tuple[BetView, ...]:  # fmt: skip
    """The plan's bets, by position: those of live objectives (rows or plain rows with
    `key` and `team`, by row id)."""
    return tuple(
        BetView(period, live_objectives[b.objective_id].key,
                live_objectives[b.objective_id].team, b.version, mapping.to_bet(b))
        for b in sorted(bets, key=lambda b: (b.position, b.id))
        if b.archived_at is None and b.objective_id in live_objectives
    )  # fmt: skip


def plan_guardrails(session: Session, rows: Sequence[Any], live_objectives: Mapping[int, Any]
                    ) -> tuple[GuardrailView, ...]:  # fmt: skip
    """The plan's guardrails (of live objectives), each with its latest evaluation."""
    checks = {
        c.guardrail_id: c
        for c in session.scalars(
            select(GuardrailCheckRow).where(
                GuardrailCheckRow.guardrail_id.in_([g.id for g in rows])
            )
        )
    } if rows else {}  # fmt: skip
    guardrails = []
    for g in rows:
        if g.objective_id not in live_objectives:
            continue
        check = checks.get(g.id)
        rule = mapping.to_guardrail(g)
        # evaluated but not judgeable (services.sync.guardrails): not measured, not holding
        judged = check is not None and rule.judged(check.baseline, check.current)
        guardrails.append(GuardrailView(
            live_objectives[g.objective_id].key, rule,
            check.baseline if check else None, check.current if check else None,
            check.breached if check and judged else None, check.reason if check else None,
            check.evaluated_at if check else None,
        ))  # fmt: skip
    return tuple(guardrails)


def teams(*, session: Session) -> list[Team]:
    return [mapping.to_team(r) for r in repositories.all_teams(session) if r.archived_at is None]


def checkins(*, session: Session, period: str, kr_id: str) -> list[CheckInView]:
    """The KR's check-ins, oldest first, including those of the periods it was carried from."""
    return [
        CheckInView(c, int(c.extra.get("version", "0")), c.extra.get("period", period))
        for c in checkin_history(session=session, kr_id=kr_id, period=period)
    ]


def checkins_many(*, session: Session, period: str) -> dict[str, list[CheckInView]]:
    """`checkins` for every KR of the period at once (three queries, not three per KR):
    by KR id, oldest first, with the check-ins of the KRs each was carried from."""
    return {key: [CheckInView(mapping.to_checkin(r, kr_key, label), r.version, label)
                  for r, kr_key, label in history]
            for key, history in checkin_records_many(session=session, period=period).items()}


def checkin_records_many(*, session: Session, period: str,
                         keys: Collection[str] | None = None,
                         ) -> dict[str, list[tuple[Row[Any], str, str]]]:  # fmt: skip
    """What `checkins_many` reads, as plain rows: by KR id, oldest first, each check-in row
    (every column by name) with the key and period of the KR it was recorded on (the KR or
    one it was carried from). For readers of a whole large plan: no object per check-in.
    `keys`: only these KRs of the period."""
    query = (select(KeyResultRow.id, KeyResultRow.key, KeyResultRow.carried_from_id,
                    PeriodRow.label)
             .join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
             .where(PeriodRow.label == period))  # fmt: skip
    if keys is not None:
        query = query.where(KeyResultRow.key.in_(list(keys)))
    rows = session.execute(query).all()
    known = {r.id: (r.key, r.label, r.carried_from_id) for r in rows}
    missing = {r.carried_from_id for r in rows if r.carried_from_id} - set(known)
    while missing:  # earlier periods' KRs, one query per generation (carries are rare)
        found = session.execute(
            select(KeyResultRow.id, KeyResultRow.key, KeyResultRow.carried_from_id,
                   PeriodRow.label)
            .join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
            .where(KeyResultRow.id.in_(list(missing)))
        ).all()  # fmt: skip
        for r in found:
            known[r.id] = (r.key, r.label, r.carried_from_id)
        missing = {r.carried_from_id for r in found if r.carried_from_id} - set(known)
    # in checkins_for's order (week, row id), as `checkin_history` returns them
    by_row: dict[int, list[tuple[int, Row[Any], str, str]]] = {}
    for n, c in enumerate(repositories.checkin_records(session, list(known))):
        key, label, _ = known[c.key_result_id]
        by_row.setdefault(c.key_result_id, []).append((n, c, key, label))
    out: dict[str, list[tuple[Row[Any], str, str]]] = {}
    for r in rows:
        chain, seen, at = [], set(), r.id
        while at is not None and at not in seen and at in known:  # the KR, then its sources
            seen.add(at)
            chain.append(at)
            at = known[at][2]
        picked = sorted((x for row_id in chain for x in by_row.get(row_id, [])),
                        key=lambda x: x[0])
        out[r.key] = [(c, key, label) for _, c, key, label in picked]
    return out


def series_values_many(*, session: Session, period: str, keys: Collection[str] | None = None,
                       ) -> dict[str, list[tuple[date, float]]]:  # fmt: skip
    """Each KR's stored weekly values that count (weeks resting on fewer than
    MIN_WEEK_ENTITIES entities left out, as `series` reads them as None), by KR id, oldest
    first — `series_many` without an object per point, for readers of a whole large plan.
    `keys`: only these KRs of the period."""
    query = (
        select(KeyResultRow.key, SeriesPointRow.week, SeriesPointRow.value)
        .join(SeriesPointRow, SeriesPointRow.key_result_id == KeyResultRow.id)
        .join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
        .where(PeriodRow.label == period, SeriesPointRow.value.is_not(None),
               or_(SeriesPointRow.entities.is_(None),
                   SeriesPointRow.entities >= MIN_WEEK_ENTITIES))
        .order_by(SeriesPointRow.key_result_id, SeriesPointRow.week)
    )  # fmt: skip
    if keys is not None:
        query = query.where(KeyResultRow.key.in_(list(keys)))
    rows = session.execute(query).all()
    out: dict[str, list[tuple[date, float]]] = {}
    for key, week, value in rows:
        if value is not None:  # never: the query keeps values only
            out.setdefault(key, []).append((week, value))
    return out


def series_many(*, session: Session, period: str) -> dict[str, list[SeriesPoint]]:
    """`series` for every KR of the period at once, by KR id."""
    rows = session.execute(  # plain columns: no ORM objects for thousands of points
        select(KeyResultRow.key, SeriesPointRow.week, SeriesPointRow.value,
               SeriesPointRow.entities, SeriesPointRow.phase)
        .join(SeriesPointRow, SeriesPointRow.key_result_id == KeyResultRow.id)
        .join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
        .where(PeriodRow.label == period)
        .order_by(SeriesPointRow.key_result_id, SeriesPointRow.week)
    ).all()  # fmt: skip
    out: dict[str, list[SeriesPoint]] = {}
    for key, week, value, entities, phase in rows:
        out.setdefault(key, []).append(SeriesPoint(
            week, value if entities is None or entities >= MIN_WEEK_ENTITIES else None, phase))
    return out


def _point(r: SeriesPointRow) -> SeriesPoint:
    return SeriesPoint(r.week, r.value if r.entities is None or r.entities >= MIN_WEEK_ENTITIES
                       else None, r.phase)  # fmt: skip


def checkin_for_week(
    *, session: Session, period: str, kr_id: str, week: date
) -> CheckInView | None:
    """The check-in of one KR-week, or None (its version for a first write is then 0)."""
    kr = _kr_row(session, period, kr_id)
    row = session.scalars(
        select(CheckInRow).where(CheckInRow.key_result_id == kr.id, CheckInRow.week == week)
    ).first()
    if row is None:
        return None
    return CheckInView(mapping.to_checkin(row, kr_id, period), row.version, period)


def series(*, session: Session, period: str, kr_id: str) -> list[SeriesPoint]:
    """The KR's weekly metric series as `sowhat sync` stored it (empty before any sync).

    A week resting on fewer than MIN_WEEK_ENTITIES entities reads as None, the same rule
    the forecasts apply: a 0% or 100% from three accounts is noise, not a level."""
    kr = _kr_row(session, period, kr_id)
    rows = session.scalars(
        select(SeriesPointRow).where(SeriesPointRow.key_result_id == kr.id)
        .order_by(SeriesPointRow.week)
    )  # fmt: skip
    return [_point(r) for r in rows]


def audit_page(
    *,
    session: Session,
    entity_type: str | None = None,
    entity_key: str | None = None,
    key_prefix: str | None = None,
    since: datetime | None = None,
    limit: int = 50,
    offset: int = 0,
    visible_to: Principal | None = None,
) -> AuditPage:
    """Newest first. `key_prefix` selects an object and everything under it (a KR's
    check-ins are keyed `<period>/<kr>/<week>`, an objective's guardrails
    `<period>/<objective>/guardrail:<metric>`).

    Entries about accounts (users' roles, API token prefixes) are for admins acting with
    full rights: anyone else — a read-only token too, and a caller who names nobody — sees
    only those about their own account."""
    query = select(AuditEntryRow)
    if visible_to is None or not (visible_to.is_admin and visible_to.scope == Scope.WRITE):
        own = visible_to.email if visible_to is not None else None
        query = query.where(_visible_accounts(own))
    if entity_type is not None:
        query = query.where(AuditEntryRow.entity_type == entity_type)
    if entity_key is not None:
        query = query.where(AuditEntryRow.entity_key == entity_key)
    if key_prefix is not None:
        # The object itself, and what hangs off it (`<kr key>/<week>`), but not another
        # object whose key merely starts the same (`gr-activation` vs `gr-activation-mid`).
        base = key_prefix.rstrip("/")
        escaped = base.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        query = query.where(or_(AuditEntryRow.entity_key == base,
                                AuditEntryRow.entity_key.like(escaped + "/%", escape="\\")))
    if since is not None:
        query = query.where(AuditEntryRow.at >= since)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    # Newest first by when it happened, then by the order of recording (the same order on
    # a live workspace, whose entries are stamped with the wall clock as they are written).
    rows = session.scalars(query.order_by(AuditEntryRow.at.desc(), AuditEntryRow.id.desc())
                           .limit(limit).offset(offset))
    entries = tuple(
        audit.AuditEntry(r.id, r.at, r.actor, r.action, r.entity_type, r.entity_key, r.before,
                         r.after)
        for r in rows
    )  # fmt: skip
    return AuditPage(entries, int(total), limit, offset)


def _visible_accounts(email: str | None) -> ColumnElement[bool]:
    others = AuditEntryRow.entity_type.not_in(ACCOUNT_ENTITIES)
    if email is None:
        return others
    escaped = email.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return or_(others, AuditEntryRow.entity_key == email,
               AuditEntryRow.entity_key.like(escaped + "/%", escape="\\"))


def page(items: Sequence[T], *, limit: int, offset: int) -> tuple[list[T], int]:
    """One page of an in-memory list and the total, for lists a period keeps small."""
    return list(items[offset : offset + limit]), len(items)


def _find(items: Sequence[T], key: str, what: str, period: str) -> T:
    for item in items:
        if getattr(item, "id", None) == key:
            return item
    raise NotFound(f"no {what} {key!r} in {period}")


def _kr_row(session: Session, period: str, kr_id: str) -> KeyResultRow:
    row = session.scalars(
        select(KeyResultRow).join(PeriodRow, KeyResultRow.period_id == PeriodRow.id)
        .where(PeriodRow.label == period, KeyResultRow.key == kr_id)
    ).first()  # fmt: skip
    if row is None:
        raise NotFound(f"no key result {kr_id!r} in {period}")
    return row
