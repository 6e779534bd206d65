"""`sowhat sync`: compute every KR from the events and record what it says, once a week.

For each week of the period up to the as-of, a KR's automatic check-in holds the KR's
measure as of the end of that week (sowhat.domain.measure): a level over its trailing
window, or a cumulative total from the period start — what a sync run at that moment would
have seen. The as-of is clipped to the data watermark, so no week that starts after the last
complete data gets a check-in. Past weeks are written once and left alone — unless the
metric's definition (or the KR's measure or segment) changed, in which case every automatic
weekly value is recomputed under the new definition, with one audit entry saying so; the
current week is refreshed on every run. People's confidence, notes and blockers are kept
(the check-in service only touches the fields it is given). A KR whose metric cannot be
computed — an event the data never contains, a query that fails — is an error for that KR
(the others still sync); nothing is stored for it.

The weekly series (each week its own window) and the pre-period history are stored too, for
charts, forecasts and the ambition check, and each KR's current window, data watermark and
measured baseline (the same measure just before the period) go to `kr_measures`.

Nothing here commits: the caller runs one sync in one transaction, so a sync killed halfway
leaves the last good state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sowhat.domain.measure import MeasureWindow
from sowhat.domain.okr import CheckInSource
from sowhat.domain.period import Period
from sowhat.errors import UserError
from sowhat.metrics.coverage import filter_warnings
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.presence import event_names, missing_events
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue
from sowhat.metrics.watermark import earliest_event_time
from sowhat.services.checkins import record_checkin
from sowhat.services.plans import period_row
from sowhat.services.sync.guardrails import GuardrailResult, evaluate_guardrails
from sowhat.services.sync.measures import (
    KRMeasure,
    WindowRequest,
    compute_windows,
    kr_measure,
    measure_fingerprint,
)
from sowhat.spec.metric_defs import MetricsFile, metric_definition_hash
from sowhat.stats.forecast import HISTORY_WEEKS as FORECAST_HISTORY_WEEKS
from sowhat.store import audit, repositories
from sowhat.store.models import CheckInRow, KeyResultRow, PeriodRow
from sowhat.store.sync_models import KRMeasureRow, SeriesPointRow, SyncRunRow

HISTORY_WEEKS = FORECAST_HISTORY_WEEKS
"""Weeks of pre-period history kept per KR: half a year for the trend and its noise, and a
year and a month so a forecast can see a yearly swing (`sowhat.stats.forecast`). One metric
query per window, so the longer window costs one wider scan, not more queries."""

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
    measure: str | None = None
    window_start: datetime | None = None
    window_end: datetime | None = None
    measured_baseline: float | None = None
    recomputed: bool = False  # weekly values recomputed after a definition change


@dataclass(frozen=True)
class SyncReport:
    period: str
    as_of: datetime
    key_results: tuple[KRSync, ...]
    guardrails: tuple[GuardrailResult, ...]
    checkins_written: int
    run_id: int
    errors: tuple[str, ...] = field(default=())
    data_through: datetime | None = None
    warnings: tuple[str, ...] = field(default=())  # filters that match nothing, per KR

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
    data_through: datetime | None = None,
) -> SyncReport:
    """Compute, record and log one sync of a period (default: the open one covering as_of).

    `as_of` should already be clipped to the watermark (`resolve_as_of`); `data_through`
    is that watermark, recorded with the run and on each KR's measure.
    """
    started = datetime.now(UTC)
    as_of = _aware(as_of)
    row = resolve_period(session, period, as_of)
    span = Period.between(row.start, row.end, row.label)
    period_start = _midnight(span.start)
    cutoff = min(as_of, _midnight(span.end))
    if cutoff <= period_start:
        raise UserError(f"period {span.label} starts after {as_of:%Y-%m-%d %H:%M}",
                        hint="nothing to compute yet; the data (or --as-of) ends before it")
    contents = repositories.period_contents(session, row)
    krs = [k for k in contents.key_results if k.archived_at is None and k.metric]
    errors: list[str] = []
    usable: list[KeyResultRow] = []
    present = event_names(events)
    for kr in krs:
        metric = kr.metric or ""
        if metric not in catalog.metrics:
            errors.append(f"{kr.key}: metric {metric!r} is not defined in metrics.yaml")
        elif kr.segment and kr.segment not in catalog.segments:
            errors.append(f"{kr.key}: segment {kr.segment!r} is not defined in metrics.yaml")
        elif missing := missing_events(catalog, metric, present):
            errors.append(
                f"{kr.key}: metric {metric!r} needs event(s) {', '.join(missing)} that the data "
                "never contains; nothing recorded (check the names in metrics.yaml against "
                "`sowhat tracking check`)")
        else:
            usable.append(kr)

    requests = [MetricRequest(k.metric or "", k.segment) for k in usable]
    measures = [kr_measure(metric=k.metric or "", catalog=catalog, measure=k.measure,
                           over_days=k.over_days) for k in usable]
    prints = [measure_fingerprint(metric=k.metric or "", segment=k.segment, catalog=catalog,
                                  m=m) for k, m in zip(usable, measures, strict=True)]
    stored = _stored_measures(session, [k.id for k in usable])
    redefined = {i for i, k in enumerate(usable)
                 if k.id in stored and stored[k.id].metric_hash not in (None, prints[i])}
    written: dict[int, int] = dict.fromkeys(range(len(usable)), 0)
    failed: dict[int, str] = {}
    latest: dict[int, MetricValue | None] = {}
    weeks = [w for w in span.weeks() if _midnight(max(w, span.start)) < cutoff]
    existing = _auto_weeks(session, [k.id for k in usable])
    current_week = weeks[-1] if weeks else None
    now = as_of if as_of < started else started
    for step, week in enumerate(weeks):
        week_end = min(_midnight(week + timedelta(days=7)), cutoff)
        todo = [i for i, k in enumerate(usable) if i not in failed and (
            week == current_week or i in redefined or (k.id, week) not in existing)]
        if progress:
            progress(f"week of {week.isoformat()}", step, len(weeks))
        if not todo:
            continue
        results = compute_windows(
            [WindowRequest(requests[i], measures[i].window(as_of=week_end,
                                                           period_start=period_start))
             for i in todo], catalog=catalog, events=events)
        for i, result in zip(todo, results, strict=True):
            if result.error:
                failed[i] = result.error
                continue
            value = result.values[0] if result.values else None
            if week == current_week:
                latest[i] = value
            if value is None or value.value is None:
                continue
            before = _stored_value(session, usable[i].id, week)
            kept = record_checkin(session=session, kr_id=usable[i].key, period=row.label,
                                  value=value.value, confidence=None, note=None, blockers=None,
                                  source=CheckInSource.AUTO, actor=actor, week=week, now=now)
            if kept.value != before:
                written[i] += 1

    for i in sorted(redefined - set(failed)):
        audit.record(session=session, actor=actor, action=audit.AuditAction.UPDATE,
                     entity_type="key_result", entity_key=f"{row.label}/{usable[i].key}",
                     before={"definition": stored[usable[i].id].metric_hash},
                     after={"definition": prints[i],
                            "recomputed_weeks": written[i]},
                     at=now)
    _store_series(session, usable, requests, catalog, events, span, cutoff, failed)
    baselines = _measured_baselines(usable, requests, measures, catalog, events, span,
                                    failed, earliest=earliest_event_time(events))
    for i, k in enumerate(usable):
        if i in failed:
            continue
        _store_measure(session, k, measures[i], prints[i], latest.get(i), baselines.get(i),
                       cutoff=cutoff, period_start=period_start, data_through=data_through,
                       now=started, existing=stored.get(k.id))
    warnings = _filter_warnings(usable, requests, measures, catalog, events, failed,
                                cutoff=cutoff, period_start=period_start)
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
            value=(v.value if (v := latest.get(i)) is not None else None),
            checkins_written=written[i], error=failed.get(i),
            definition_changed=bool(k.baselined_metric_hash)
            and k.baselined_metric_hash != hashes.get(k.metric or ""),
            measure=str(measures[i].measure),
            window_start=_window(measures[i], cutoff, period_start).start,
            window_end=_window(measures[i], cutoff, period_start).end,
            measured_baseline=baselines[i].value if i in baselines else None,
            recomputed=i in redefined and i not in failed,
        )
        for i, k in enumerate(usable)
    )
    errors.extend(f"{usable[i].key}: {msg}" for i, msg in failed.items())
    total = sum(written.values())
    run = SyncRunRow(period_label=row.label, as_of=as_of, started_at=started,
                     finished_at=datetime.now(UTC), krs_computed=len(usable) - len(failed),
                     checkins_written=total, errors=errors, actor=actor,
                     data_through=data_through)
    session.add(run)
    session.flush()
    return SyncReport(period=row.label, as_of=as_of, key_results=kr_results,
                      guardrails=tuple(guardrails), checkins_written=total, run_id=run.id,
                      errors=tuple(errors), data_through=data_through,
                      warnings=tuple(warnings))


def _filter_warnings(
    usable: list[KeyResultRow], requests: list[MetricRequest], measures: list[KRMeasure],
    catalog: MetricsFile, events: EventSource, failed: dict[int, str], *, cutoff: datetime,
    period_start: datetime,
) -> list[str]:
    """A KR whose segment or filters match nothing in its window reads 0 or nothing: say so,
    so a silent 0 is never shown as a fact."""
    out = []
    for i, k in enumerate(usable):
        if i in failed:
            continue
        w = measures[i].window(as_of=cutoff, period_start=period_start)
        for warning in filter_warnings([requests[i]], catalog=catalog, events=events,
                                       start=w.start, end=w.end, as_of=w.as_of):
            out.append(f"{k.key}: {warning.render()}")
    return out


def _window(m: KRMeasure, cutoff: datetime, period_start: datetime) -> MeasureWindow:
    return m.window(as_of=cutoff, period_start=period_start)


def _stored_measures(session: Session, kr_ids: list[int]) -> dict[int, KRMeasureRow]:
    if not kr_ids:
        return {}
    rows = session.scalars(select(KRMeasureRow).where(KRMeasureRow.key_result_id.in_(kr_ids)))
    return {r.key_result_id: r for r in rows}


def _measured_baselines(
    usable: list[KeyResultRow], requests: list[MetricRequest], measures: list[KRMeasure],
    catalog: MetricsFile, events: EventSource, span: Period, failed: dict[int, str],
    *, earliest: datetime | None,
) -> dict[int, MetricValue]:
    """The same measure just before the period — only where the data reaches back that far
    (a window before the first event would read as a 0 nobody measured)."""
    todo = []
    for i in range(len(usable)):
        if i in failed:
            continue
        window = measures[i].baseline(period_start=_midnight(span.start),
                                      period_end=_midnight(span.end))
        if earliest is not None and earliest <= window.start:
            todo.append((i, window))
    results = compute_windows([WindowRequest(requests[i], w) for i, w in todo],
                              catalog=catalog, events=events)
    out = {}
    for (i, _), result in zip(todo, results, strict=True):
        if not result.error and result.values and result.values[0].value is not None:
            out[i] = result.values[0]
    return out


def _store_measure(
    session: Session, kr: KeyResultRow, m: KRMeasure, fingerprint: str,
    current: MetricValue | None, baseline: MetricValue | None, *, cutoff: datetime,
    period_start: datetime, data_through: datetime | None, now: datetime,
    existing: KRMeasureRow | None,
) -> None:
    row = existing or KRMeasureRow(key_result_id=kr.id)
    if existing is None:
        session.add(row)
    window = m.window(as_of=cutoff, period_start=period_start)
    row.measure, row.over_days = str(m.measure), m.over_days
    row.window_start, row.window_end = window.start, window.end
    row.data_through = data_through
    if current is not None:
        row.current, row.entities = current.value, current.entities
    row.measured_baseline = baseline.value if baseline is not None else None
    row.baseline_start = baseline.start if baseline is not None else None
    row.baseline_end = baseline.end if baseline is not None else None
    row.metric_hash = fingerprint
    row.computed_at = now


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


