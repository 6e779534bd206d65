"""`sowhat sync`: compute every KR from the events and record what it says, once a week.

For each week of the period up to the as-of time, a KR's automatic check-in holds the metric
over [period start, end of that week) — what a sync run at that moment would have seen. Past
weeks are written once and then left alone; the current week's value is refreshed on every
run, and people's confidence, notes and blockers on it are kept (the check-in service only
touches the fields it is given). The weekly series (each week its own window) and the
pre-period history are stored too, for charts, forecasts and the ambition check. Guardrails
are evaluated against the same-length window before the period.

Nothing here commits: the caller runs one sync in one transaction, so a sync killed halfway
leaves the last good state.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sowhat.domain.okr import Change, CheckInSource, Guardrail
from sowhat.domain.period import Period
from sowhat.errors import UserError
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue
from sowhat.services.checkins import record_checkin
from sowhat.services.plans import period_row
from sowhat.spec.metric_defs import MetricsFile, metric_definition_hash
from sowhat.store import repositories
from sowhat.store.models import CheckInRow, GuardrailRow, KeyResultRow, ObjectiveRow, PeriodRow
from sowhat.store.sync_models import GuardrailCheckRow, SeriesPointRow, SyncRunRow

HISTORY_WEEKS = 26
"""Weeks of pre-period history kept per KR: enough for a trend and its noise."""

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class KRSync:
    kr_id: str
    metric: str
    segment: str | None
    value: float | None
    checkins_written: int
    error: str | None = None
    definition_changed: bool = False


@dataclass(frozen=True)
class GuardrailResult:
    objective_id: str
    metric: str
    segment: str | None
    baseline: float | None
    current: float | None
    breach: str | None


@dataclass(frozen=True)
class SyncReport:
    period: str
    as_of: datetime
    key_results: tuple[KRSync, ...]
    guardrails: tuple[GuardrailResult, ...]
    checkins_written: int
    run_id: int
    errors: tuple[str, ...] = field(default=())

    @property
    def breached(self) -> tuple[GuardrailResult, ...]:
        return tuple(g for g in self.guardrails if g.breach)


def _aware(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def resolve_period(session: Session, period: str | None, as_of: datetime) -> PeriodRow:
    if period is not None:
        return period_row(session=session, label=period)
    periods = repositories.all_periods(session)
    day = as_of.date()
    covering = [p for p in periods if p.start <= day < p.end and p.closed_at is None]
    if not covering:
        raise UserError(f"no open period covers {day.isoformat()}",
                        hint="pass --period, or --as-of a date inside a period")
    return min(covering, key=lambda p: (p.end - p.start, p.start))


def sync(
    *,
    session: Session,
    catalog: MetricsFile,
    events: EventSource,
    as_of: datetime,
    actor: str = "sync",
    period: str | None = None,
    progress: Progress | None = None,
) -> SyncReport:
    """Compute, record and log one sync of a period (default: the open one covering as_of)."""
    started = datetime.now(UTC)
    as_of = _aware(as_of)
    row = resolve_period(session, period, as_of)
    span = Period.between(row.start, row.end, row.label)
    cutoff = min(as_of, _midnight(span.end))
    if cutoff <= _midnight(span.start):
        raise UserError(f"period {span.label} starts after {as_of.isoformat()}",
                        hint="nothing to compute yet; pass a later --as-of")
    contents = repositories.period_contents(session, row)
    krs = [k for k in contents.key_results if k.archived_at is None and k.metric]
    errors: list[str] = []
    usable: list[KeyResultRow] = []
    for kr in krs:
        if kr.metric not in catalog.metrics:
            errors.append(f"{kr.key}: metric {kr.metric!r} is not defined in metrics.yaml")
        elif kr.segment and kr.segment not in catalog.segments:
            errors.append(f"{kr.key}: segment {kr.segment!r} is not defined in metrics.yaml")
        else:
            usable.append(kr)

    requests = [MetricRequest(k.metric or "", k.segment) for k in usable]
    written: dict[int, int] = dict.fromkeys(range(len(usable)), 0)
    failed: dict[int, str] = {}
    latest: dict[int, float | None] = {}
    weeks = [w for w in span.weeks() if _midnight(max(w, span.start)) < cutoff]
    existing = _auto_weeks(session, [k.id for k in usable])
    current_week = weeks[-1] if weeks else None
    for step, week in enumerate(weeks):
        week_end = min(_midnight(week + timedelta(days=7)), cutoff)
        todo = [i for i, k in enumerate(usable)
                if week == current_week or (k.id, week) not in existing]
        if progress:
            progress(f"week of {week.isoformat()}", step, len(weeks))
        if not todo:
            continue
        results = compute_many([requests[i] for i in todo], catalog=catalog, events=events,
                               start=_midnight(span.start), end=week_end, as_of=week_end)
        for i, result in zip(todo, results, strict=True):
            if result.error:
                failed[i] = result.error
                continue
            value = result.values[0].value if result.values else None
            latest[i] = value
            if value is None:
                continue
            before = _stored_value(session, usable[i].id, week)
            stored = record_checkin(session=session, kr_id=usable[i].key, period=row.label,
                                    value=value, confidence=None, note=None, blockers=None,
                                    source=CheckInSource.AUTO, actor=actor, week=week,
                                    now=as_of if as_of < started else started)
            if stored.value != before:
                written[i] += 1

    _store_series(session, usable, requests, catalog, events, span, cutoff, failed)
    guardrails = evaluate_guardrails(session=session, catalog=catalog, events=events,
                                     period=span, objectives=contents.objectives,
                                     guardrails=contents.guardrails, cutoff=cutoff,
                                     evaluated_at=started)
    # The same hash `sowhat apply` records as baselined_metric_hash (services.files), or
    # every ratio KR would always look redefined.
    hashes = {name: metric_definition_hash(d, catalog=catalog)
              for name, d in catalog.metrics.items()}
    kr_results = tuple(
        KRSync(
            kr_id=k.key, metric=k.metric or "", segment=k.segment,
            value=latest.get(i), checkins_written=written[i], error=failed.get(i),
            definition_changed=bool(k.baselined_metric_hash)
            and k.baselined_metric_hash != hashes.get(k.metric or ""),
        )
        for i, k in enumerate(usable)
    )
    errors.extend(f"{usable[i].key}: {msg}" for i, msg in failed.items())
    total = sum(written.values())
    run = SyncRunRow(period_label=row.label, as_of=as_of, started_at=started,
                     finished_at=datetime.now(UTC), krs_computed=len(usable) - len(failed),
                     checkins_written=total, errors=errors, actor=actor)
    session.add(run)
    session.flush()
    return SyncReport(period=row.label, as_of=as_of, key_results=kr_results,
                      guardrails=tuple(guardrails), checkins_written=total, run_id=run.id,
                      errors=tuple(errors))


def _auto_weeks(session: Session, kr_ids: list[int]) -> set[tuple[int, date]]:
    if not kr_ids:
        return set()
    rows = session.execute(
        select(CheckInRow.key_result_id, CheckInRow.week).where(
            CheckInRow.key_result_id.in_(kr_ids), CheckInRow.value.is_not(None)
        )
    )
    return {(r[0], r[1]) for r in rows}


def _stored_value(session: Session, kr_id: int, week: date) -> float | None:
    return session.scalars(
        select(CheckInRow.value).where(CheckInRow.key_result_id == kr_id, CheckInRow.week == week)
    ).first()


def _store_series(
    session: Session, usable: list[KeyResultRow], requests: list[MetricRequest],
    catalog: MetricsFile, events: EventSource, span: Period, cutoff: datetime,
    failed: dict[int, str],
) -> None:
    """Replace each KR's weekly series: the period so far, and the weeks before it."""
    ok = [i for i in range(len(usable)) if i not in failed]
    if not ok:
        return
    history_start = _midnight(span.start) - timedelta(weeks=HISTORY_WEEKS)
    now = datetime.now(UTC)
    windows = [("history", history_start, _midnight(span.start)),
               ("period", _midnight(span.start), cutoff)]
    session.execute(delete(SeriesPointRow).where(
        SeriesPointRow.key_result_id.in_([usable[i].id for i in ok])))
    for phase, start, end in windows:
        results = compute_many([requests[i] for i in ok], catalog=catalog, events=events,
                               start=start, end=end, grain="week", as_of=cutoff)
        for i, result in zip(ok, results, strict=True):
            for v in result.values:
                session.add(_point(usable[i].id, phase, v, now))
    session.flush()


def _point(kr_id: int, phase: str, v: MetricValue, now: datetime) -> SeriesPointRow:
    return SeriesPointRow(key_result_id=kr_id, week=v.start.date(), phase=phase, value=v.value,
                          entities=v.entities, n=v.n, sum=v.sum, sum_squares=v.sum_squares,
                          computed_at=now)


def evaluate_guardrails(
    *, session: Session, catalog: MetricsFile, events: EventSource, period: Period,
    objectives: Sequence[ObjectiveRow], guardrails: Sequence[GuardrailRow], cutoff: datetime,
    evaluated_at: datetime,
) -> list[GuardrailResult]:
    """Each guardrail's value to date against the same-length window just before the period.

    Comparing like with like (same number of days, as of the same relative point) keeps a
    count metric from looking "breached" merely because the period is further along.
    """
    live_objectives = {o.id: o for o in objectives if o.archived_at is None}
    live = [g for g in guardrails if g.objective_id in live_objectives
            and g.metric in catalog.metrics
            and (g.segment is None or g.segment in catalog.segments)]
    if not live:
        return []
    elapsed = cutoff - _midnight(period.start)
    base_end = _midnight(period.start)
    base_start = base_end - elapsed
    reqs = [MetricRequest(g.metric, g.segment) for g in live]
    current = compute_many(reqs, catalog=catalog, events=events, start=_midnight(period.start),
                           end=cutoff, as_of=cutoff)
    baseline = compute_many(reqs, catalog=catalog, events=events, start=base_start,
                            end=base_end, as_of=base_end)
    out = []
    for g, cur, base in zip(live, current, baseline, strict=True):
        cur_v = cur.values[0].value if cur.values and not cur.error else None
        base_v = base.values[0].value if base.values and not base.error else None
        rule = _domain_guardrail(g)
        breach = rule.breached(base_v, cur_v)
        out.append(GuardrailResult(live_objectives[g.objective_id].key, g.metric, g.segment,
                                   base_v, cur_v, breach))
        check = session.scalars(
            select(GuardrailCheckRow).where(GuardrailCheckRow.guardrail_id == g.id)
        ).first()
        if check is None:
            check = GuardrailCheckRow(guardrail_id=g.id)
            session.add(check)
        check.baseline, check.current = base_v, cur_v
        check.breached, check.reason = breach is not None, breach
        check.evaluated_at, check.as_of = evaluated_at, cutoff
    session.flush()
    return out


def _domain_guardrail(g: GuardrailRow) -> Guardrail:
    def change(amount: float | None, kind: str | None) -> Change | None:
        return Change(amount, kind or "absolute") if amount is not None else None

    return Guardrail(
        metric=g.metric, segment=g.segment,
        max_change=change(g.max_change_amount, g.max_change_kind),
        min_change=change(g.min_change_amount, g.min_change_kind),
        max=g.max_value, min=g.min_value,
    )
