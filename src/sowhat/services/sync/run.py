"""`sowhat sync`: compute every KR from the events and record what it says, once a week.

For each week of the period up to the as-of, a KR's automatic check-in holds the KR's
measure as of the end of that week (sowhat.domain.measure): a level over its trailing
window, or a cumulative total from the period start — what a sync run at that moment would
have seen. The as-of is clipped to the data watermark, so no week that starts after the last
complete data gets a check-in.

Sync is incremental (sowhat.services.sync.inputs): every stored week, series point and
baseline carries the key of what it was computed from — the definition, the window and the
digests of the days it reads — and only values whose key changed are recomputed: the current
week, a week that just finished, the weeks whose window reads a day that got late events.
When the metric's definition (or the KR's measure or segment) changes every automatic weekly
value is recomputed under the new definition, with one audit entry saying so. `full=True`
(`sowhat sync --full`) ignores the stored keys and recomputes everything; both give the same
stored values. People's confidence, notes and blockers are kept
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
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from sowhat.domain.measure import MeasureWindow, baseline_disagrees
from sowhat.domain.okr import CheckInSource
from sowhat.domain.period import Period
from sowhat.domain.words import plural
from sowhat.errors import UserError
from sowhat.metrics import day_ledger
from sowhat.metrics.digest import day_digests, traits_digest
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.presence import event_names, lookalike_hint, missing_events
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue
from sowhat.metrics.watermark import earliest_event_time
from sowhat.services.checkins import record_auto_values
from sowhat.services.listing.forecasts import store_forecasts
from sowhat.services.plans import period_row, status_rows
from sowhat.services.sync.before_data import DataStart
from sowhat.services.sync.guardrails import (
    GuardrailResult,
    evaluate_guardrails,
    guardrail_windows,
    pre_period_windows,
)
from sowhat.services.sync.input_store import InputStore
from sowhat.services.sync.inputs import InputKeys, Reads, reads_of
from sowhat.services.sync.measures import (
    KRMeasure,
    kr_measure,
    measure_fingerprint,
)
from sowhat.services.sync.partials import DayPartials
from sowhat.spec.metric_defs import (
    MetricDef,
    MetricsFile,
    metric_definition_hash,
    rate_trials,
)
from sowhat.spec.metric_units import kr_scale
from sowhat.store import audit, repositories
from sowhat.store.models import CheckInRow, KeyResultRow, PeriodRow
from sowhat.store.sync_models import KRMeasureRow, SeriesPointRow, SyncRunRow

HISTORY_WEEKS = 56
"""Weeks of pre-period history kept per KR: half a year for the trend and its noise, and a
year and a month so a forecast can see a yearly swing (`sowhat.stats.forecast`). One metric
query per window, so the longer window costs one wider scan, not more queries. The same
number as sowhat.stats.forecast.HISTORY_WEEKS (a test keeps them equal), written out so a
sync does not import the statistics (NumPy, SciPy: seconds of a whole process's CPU)."""

HISTORY_DAYS_SPAN = timedelta(weeks=2)
"""The longest run of stale history weeks merged from day rows, like the period's points,
instead of the weekly query: a daily sync finds one or two — a 90-day retention's week
whose anchors are maturing (its days are the ones the KR's own window reads and keeps) —
and its day query then computes only the day that matured, where a weekly query re-read
the whole week every day. Longer runs (the first sync, a redefinition) keep the weekly
query: no year of day rows to store."""

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
    weeks_computed: int = 0  # weekly values computed this run (the rest were kept)
    unit: str | None = None  # the KR's scale, so shells show "22.2%", not 0.2218


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
    # KRs with no value because their window reaches back before the first event
    before_data: tuple[str, ...] = field(default=())
    unchecked_baselines: tuple[str, ...] = field(default=())  # typed, the data starts later
    # KRs whose metric's events carry none of the ids it counts (metrics.coverage, "entity")
    unmeasurable: tuple[str, ...] = field(default=())
    full: bool = False  # every value recomputed, stored inputs ignored
    incremental: bool = True  # the events could be digested (else every sync is full)
    stale_ledger: bool = False
    """A full sync found the store's per-day ledger out of step with its rows (events edited
    outside `sowhat ingest`): incremental syncs miss that until `sowhat ingest --reindex`."""

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
    full: bool = False,
    recorded_at: datetime | None = None,
) -> SyncReport:
    """Compute, record and log one sync of a period (default: the open one covering as_of).

    `as_of` should already be clipped to the watermark (`resolve_as_of`); `data_through`
    is that watermark, recorded with the run and on each KR's measure. `full` recomputes
    every value, ignoring what the stored ones were computed from.

    Check-ins and audit entries are stamped with the wall clock, not the as-of: the as-of is
    where the data ends (often last midnight), and a KR's history that said "14 h ago" for a
    sync run a minute earlier would misdate it. `recorded_at` is for a simulation that
    replays its own calendar (the demo, whose "today" is fixed).
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
            fix = (lookalike_hint(missing, present)
                   or "check the names in metrics.yaml against `sowhat tracking check`")
            errors.append(
                f"{kr.key}: metric {metric!r} needs {plural(len(missing), 'event')} "
                f"{', '.join(missing)} that the data never contains; nothing recorded ({fix})")
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
    computed: dict[int, int] = dict.fromkeys(range(len(usable)), 0)
    failed: dict[int, str] = {}
    latest: dict[int, MetricValue | None] = {}
    reads = [reads_of(catalog, k.metric or "", k.segment) for k in usable]
    # Not the source's path: a copied or moved workspace keeps its keys (the digests are of
    # the content); a remapped column changes every key.
    if full:  # the rows themselves, not what ingest recorded about them
        events.trust_ledger = False
        events.trust_first_events = False
    digests = day_digests(events, cached=not full)
    stale = full and digests is not None and day_ledger.stale(events, digests)
    keys = InputKeys(digests, traits_digest(events),
                     f"{events.dialect()}|{events.table_name}|{events.columns.model_dump_json()}")
    inputs = InputStore(session, [k.id for k in usable], full=full)
    partials = DayPartials(catalog=catalog, events=events, keys=keys, enabled=not full)
    earliest = earliest_event_time(events)
    data_start = DataStart.of(earliest)
    defs = [catalog.metrics.get(k.metric or "") for k in usable]
    weeks = [w for w in span.weeks() if _midnight(max(w, span.start)) < cutoff]
    current_week = weeks[-1] if weeks else None
    now = _aware(recorded_at) if recorded_at is not None else started
    plans: list[tuple[list[int], dict[int, MeasureWindow]]] = []
    blind: set[tuple[date, int]] = set()  # (week, KR) whose window reads days before the data
    for week in weeks:
        week_end = min(_midnight(week + timedelta(days=7)), cutoff)
        todo: list[int] = []
        windows: dict[int, MeasureWindow] = {}
        for i, k in enumerate(usable):
            w = measures[i].window(as_of=week_end, period_start=period_start)
            early = data_start.window_before(defs[i], w.start, w.end)
            if early:
                blind.add((week, i))
            key = keys.key(fingerprint=prints[i] + ("|before-data" if early else ""),
                           reads=reads[i], start=w.start, end=w.end, as_of=w.as_of)
            if week == current_week or not inputs.unchanged(k.id, "checkin", week, key):
                todo.append(i)
                windows[i] = w
                inputs.pending(k.id, "checkin", week, key)
        plans.append((todo, windows))
    # Every day the windows below lack, in one query — the weeks to recompute, the guardrails'
    # windows, the series points to recompute — and the other types' windows in one more
    # (DayPartials.prefetch), instead of a query per window and step.
    if current_week is not None:
        partials.prefetch(
            [(requests[i], windows[i]) for todo, windows in plans for i in todo]
            + guardrail_windows(catalog=catalog, period=span, objectives=contents.objectives,
                                guardrails=contents.guardrails, cutoff=cutoff),
            points=_series_windows(usable, requests, failed,
                                   _Keyed(keys, inputs, prints, reads),
                                   period_start=period_start, cutoff=cutoff,
                                   data_start=data_start, defs=defs),
            backwards=pre_period_windows(catalog=catalog, period=span,
                                         objectives=contents.objectives,
                                         guardrails=contents.guardrails, cutoff=cutoff))
    wrote: set[tuple[int, date]] = set()  # (KR, week) whose value this sync changed
    for step, (week, (todo, windows)) in enumerate(zip(weeks, plans, strict=True)):
        todo = [i for i in todo if i not in failed]
        if progress:
            progress(f"week of {week.isoformat()}", step, len(weeks))
        if not todo:
            continue
        results = partials.windows([(requests[i], windows[i]) for i in todo])
        stored_values = _stored_values(session, [usable[i].id for i in todo], week)
        values: list[tuple[int, float]] = []
        for i, result in zip(todo, results, strict=True):
            if result.error:
                failed[i] = result.error
                continue
            computed[i] += 1
            value = result.values[0] if result.values else None
            if (week, i) in blind:  # a 0 over days with no events yet is not a measurement
                value = None
            if week == current_week:
                latest[i] = value
            if value is None or value.value is None:
                if _clear_auto_value(session, usable[i], row.label, week, actor, now):
                    written[i] += 1
                continue
            values.append((i, value.value))
        # The week's values in one write (a person's value kept, each change audited).
        after = record_auto_values(session=session, period=row, week=week, actor=actor,
                                   now=now, values=[(usable[i], v) for i, v in values])
        for i, _ in values:
            if after.get(usable[i].id) != stored_values.get(usable[i].id):
                written[i] += 1
                wrote.add((i, week))

    # A KR whose metric counts ids none of its window's events carries read 0 or nothing
    # (metrics.coverage, "entity"): that 0 was never measured, so it is not stored.
    unread = {i for w, i in blind if w == current_week and i not in failed}
    found = _filter_warnings(usable, requests, measures, catalog, events,
                             {**failed, **dict.fromkeys(unread, "")}, cutoff=cutoff,
                             period_start=period_start, latest=latest)
    gaps: dict[int, date] = {}  # KR -> the first week whose values are not measurements
    for i in sorted({i for i, _, kind in found if kind == "entity"}):
        assert current_week is not None  # a value was read this week
        # None of the metric's events ever carried the ids: no week of it was measured.
        # Else (ids lost lately, a tracking change) only this week's window is known bad.
        gaps[i] = date.min if _never_has_ids(requests[i], catalog, events) else current_week
        latest[i] = None
        for week in (w for w in weeks if w >= gaps[i]):
            if _clear_auto_value(session, usable[i], row.label, week, actor, now):
                # undoing this sync's own write of the 0 is no change; an earlier sync's is
                written[i] += -1 if (i, week) in wrote else 1
    for i in sorted(redefined - set(failed)):
        audit.record(session=session, actor=actor, action=audit.AuditAction.UPDATE,
                     entity_type="key_result", entity_key=f"{row.label}/{usable[i].key}",
                     before={"definition": stored[usable[i].id].metric_hash},
                     after={"definition": prints[i],
                            "recomputed_weeks": written[i]},
                     at=now)
    _store_series(session, usable, requests, catalog, events, span, cutoff, failed,
                  keyed=_Keyed(keys, inputs, prints, reads), partials=partials,
                  data_start=data_start, defs=defs,
                  unmeasured_from=gaps)
    baselines, kept_baselines, unreached = _measured_baselines(
        usable, requests, measures, span, failed, earliest=earliest,
        keyed=_Keyed(keys, inputs, prints, reads), stored=stored, partials=partials)
    for i, k in enumerate(usable):
        if i in failed:
            continue
        _store_measure(session, k, measures[i], prints[i], latest.get(i), baselines.get(i),
                       cutoff=cutoff, period_start=period_start, data_through=data_through,
                       now=started, existing=stored.get(k.id),
                       keep_baseline=i in kept_baselines, unreached=unreached.get(i),
                       trials=rate_trials(defs[i], baselines[i].n) if i in baselines
                       else None)
    unchecked = [_unchecked_baseline(usable[i], w, data_start)
                 for i, w in sorted(unreached.items()) if usable[i].baseline is not None]
    inputs.save({usable[i].id for i in failed})
    before_data = [_before_data_warning(usable[i], measures[i], defs[i], data_start,
                                        cutoff=cutoff, period_start=period_start)
                   for i in sorted(unread)]
    # a churn metric's history gap is `sowhat tracking check`'s to say, for every value
    warnings = [text for _, text, kind in found if kind == "filter"]
    unmeasurable = [text for _, text, kind in found if kind == "entity"]
    guardrails = evaluate_guardrails(session=session, catalog=catalog, events=events,
                                     period=span, objectives=contents.objectives,
                                     guardrails=contents.guardrails, cutoff=cutoff,
                                     evaluated_at=started, partials=partials,
                                     data_start=data_start)
    partials.finish()
    # The same hash `sowhat apply` records as baselined_metric_hash (services.files), or
    # every ratio KR would always look redefined.
    hashes = {name: metric_definition_hash(d, catalog=catalog)
              for name, d in catalog.metrics.items()}
    measured = {i: baselines[i].value if i in baselines else
                stored[k.id].measured_baseline if i in kept_baselines else None
                for i, k in enumerate(usable)}
    trials = {i: rate_trials(defs[i], baselines[i].n) if i in baselines else
              stored[k.id].baseline_trials if i in kept_baselines else None
              for i, k in enumerate(usable)}
    kr_results = tuple(
        KRSync(
            kr_id=k.key, metric=k.metric or "", segment=k.segment,
            value=(v.value if (v := latest.get(i)) is not None else None),
            checkins_written=written[i], error=failed.get(i),
            definition_changed=bool(k.baselined_metric_hash)
            and k.baselined_metric_hash != hashes.get(k.metric or "")
            and not _confirmed(k, catalog, measured[i], trials[i]),
            measure=str(measures[i].measure),
            window_start=_window(measures[i], cutoff, period_start).start,
            window_end=_window(measures[i], cutoff, period_start).end,
            measured_baseline=measured[i],
            recomputed=i in redefined and i not in failed,
            weeks_computed=computed[i],
            unit=kr_scale(metric=k.metric, kr_unit=k.unit, catalog=catalog).text,
        )
        for i, k in enumerate(usable)
    )
    errors.extend(f"{usable[i].key}: {msg}" for i, msg in failed.items())
    # Fit each KR's forecast now, with the series it reads, so pages read it instead of
    # fitting hundreds on their first request (services.listing.forecasts). The run is
    # recorded below: the status names this sync's as-of, as readers will see it, since it
    # decides the complete weeks a forecast is fitted on.
    status = status_rows(session=session, period=row.label, today=as_of.date(), catalog=catalog)
    store_forecasts(session=session, catalog=catalog,
                    status=replace(status, last_sync=as_of, data_through=data_through))
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
                      warnings=tuple(warnings), before_data=tuple(before_data), full=full,
                      unchecked_baselines=tuple(unchecked),
                      unmeasurable=tuple(unmeasurable),
                      incremental=keys.usable,
                      stale_ledger=stale)


def _filter_warnings(
    usable: list[KeyResultRow], requests: list[MetricRequest], measures: list[KRMeasure],
    catalog: MetricsFile, events: EventSource, failed: dict[int, str], *, cutoff: datetime,
    period_start: datetime, latest: dict[int, MetricValue | None],
) -> list[tuple[int, str, str]]:
    """A KR whose segment or filters match nothing in its window reads 0 or nothing: say so,
    so a silent 0 is never shown as a fact. (KR index, text, kind: coverage.FilterWarning)

    Only KRs whose current value is 0 or nothing are checked: a filter or segment that
    matches nothing makes every metric type read 0 (counts, conversions, sums) or nothing
    (averages, durations, ratios over it), so a KR with any other value has none to report —
    and the check compiles its queries afresh (≈1 s a KR), which a daily sync should not pay
    for every KR.
    """
    out = []
    for i, k in enumerate(usable):
        current = latest.get(i)
        if i in failed or (current is not None and current.value not in (None, 0)):
            continue
        from sowhat.metrics.coverage import filter_warnings  # imports Ibis: only when needed

        w = measures[i].window(as_of=cutoff, period_start=period_start)
        for warning in filter_warnings([requests[i]], catalog=catalog, events=events,
                                       start=w.start, end=w.end, as_of=w.as_of):
            out.append((i, f"{k.key}: {warning.render()}", warning.kind))
    return out


def _never_has_ids(request: MetricRequest, catalog: MetricsFile, events: EventSource) -> bool:
    """Whether none of the events the metric reads, in all the data, carries the ids it
    counts (a second coverage check, over no window: only for KRs the first one flagged)."""
    from sowhat.metrics.coverage import filter_warnings  # imports Ibis: only when needed

    return any(w.kind == "entity" for w in filter_warnings([request], catalog=catalog,
                                                           events=events))


def _before_data_warning(kr: KeyResultRow, m: KRMeasure, defn: MetricDef | None,
                         data_start: DataStart, *, cutoff: datetime,
                         period_start: datetime) -> str:  # fmt: skip
    """Why a KR synced to no value: its window reaches back before the first event."""
    w = m.window(as_of=cutoff, period_start=period_start)
    assert data_start.first_day is not None
    kind = defn.type if defn is not None else "count"
    if str(m.measure) == "cumulative":
        when = "the period's total cannot be read this period"
    else:
        when = "it has a value once its window lies after it"
    return (f"{kr.key}: no value: the events begin on {data_start.first_day:%Y-%m-%d}, after "
            f"this KR's window starts ({w.start:%Y-%m-%d}); {_article(kind)} {kind} metric "
            "over days with no events yet would read 0, which nobody measured — "
            f"{when} (or ingest the earlier events)")


def _confirmed(kr: KeyResultRow, catalog: MetricsFile, measured: float | None,
               trials: float | None = None) -> bool:
    """The data, read with the metric's current definition, agrees with the typed baseline
    (the test of SW114): a definition change then left the starting point as typed, and
    flagging it on every sync asked the owner to check what the data already had."""
    if measured is None or kr.baseline is None:
        return False
    share = kr_scale(metric=kr.metric, kr_unit=kr.unit, catalog=catalog).text == "percent"
    return not baseline_disagrees(kr.baseline, measured, share=share, trials=trials)


def _unchecked_baseline(kr: KeyResultRow, window: MeasureWindow,
                        data_start: DataStart) -> str:
    """Why a typed baseline was not compared with the data (lint's SW114 cannot judge it)."""
    assert data_start.first_day is not None  # only windows the data does not reach
    return (f"{kr.key}: the window before the period its baseline is measured over starts "
            f"{window.start:%Y-%m-%d}, before the first event ({data_start.first_day:%Y-%m-%d})"
            ": the typed baseline stands unchecked (ingest the earlier events to check it)")


def _article(word: str) -> str:
    return "an" if word[:1] in "aeiou" else "a"


def _window(m: KRMeasure, cutoff: datetime, period_start: datetime) -> MeasureWindow:
    return m.window(as_of=cutoff, period_start=period_start)


def _stored_measures(session: Session, kr_ids: list[int]) -> dict[int, KRMeasureRow]:
    if not kr_ids:
        return {}
    rows = session.scalars(select(KRMeasureRow).where(KRMeasureRow.key_result_id.in_(kr_ids)))
    return {r.key_result_id: r for r in rows}


def _measured_baselines(
    usable: list[KeyResultRow], requests: list[MetricRequest], measures: list[KRMeasure],
    span: Period, failed: dict[int, str], *, earliest: datetime | None, keyed: _Keyed,
    stored: dict[int, KRMeasureRow], partials: DayPartials,
) -> tuple[dict[int, MetricValue], set[int], dict[int, MeasureWindow]]:
    """The same measure just before the period — only where the data reaches back that far
    (a window before the first event would read as a 0 nobody measured) — the KRs whose
    stored baseline is kept (its inputs did not change), and the windows of those the data
    does not reach back to (their typed baseline stands unchecked, and every screen says so)."""
    todo = []
    kept: set[int] = set()
    unreached: dict[int, MeasureWindow] = {}
    week = span.start
    for i, k in enumerate(usable):
        if i in failed:
            continue
        window = measures[i].baseline(period_start=_midnight(span.start),
                                      period_end=_midnight(span.end))
        reaches = earliest is not None and earliest <= window.start
        if earliest is not None and not reaches:
            unreached[i] = window
        key = keyed.keys.key(fingerprint=f"{keyed.prints[i]}|baseline|{reaches}",
                             reads=keyed.reads[i], start=window.start, end=window.end,
                             as_of=window.as_of)
        if k.id in stored and keyed.inputs.unchanged(k.id, "baseline", week, key):
            kept.add(i)
            continue
        keyed.inputs.pending(k.id, "baseline", week, key)
        if reaches:
            todo.append((i, window))
    results = partials.windows([(requests[i], w) for i, w in todo])
    out = {}
    for (i, _), result in zip(todo, results, strict=True):
        if not result.error and result.values and result.values[0].value is not None:
            out[i] = result.values[0]
    return out, kept, unreached


def _store_measure(
    session: Session, kr: KeyResultRow, m: KRMeasure, fingerprint: str,
    current: MetricValue | None, baseline: MetricValue | None, *, cutoff: datetime,
    period_start: datetime, data_through: datetime | None, now: datetime,
    existing: KRMeasureRow | None, keep_baseline: bool = False,
    unreached: MeasureWindow | None = None, trials: float | None = None,
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
    if not keep_baseline:
        # a window the data does not reach back to is kept without a value: the screens say
        # the typed baseline is unchecked, and over which days it would be measured
        span = baseline if baseline is not None else unreached
        row.measured_baseline = baseline.value if baseline is not None else None
        row.baseline_trials = trials if baseline is not None else None
        row.baseline_start = span.start if span is not None else None
        row.baseline_end = span.end if span is not None else None
    elif unreached is not None and row.measured_baseline is None and row.baseline_start is None:
        # a row an earlier version stored without the window
        row.baseline_start, row.baseline_end = unreached.start, unreached.end
    row.metric_hash = fingerprint
    row.computed_at = now


def _stored_values(session: Session, kr_ids: list[int], week: date) -> dict[int, float | None]:
    """Each KR's stored check-in value of `week` (one query for the whole week)."""
    rows = session.execute(select(CheckInRow.key_result_id, CheckInRow.value).where(
        CheckInRow.key_result_id.in_(kr_ids), CheckInRow.week == week))
    return {int(r[0]): r[1] for r in rows}


def _store_series(
    session: Session, usable: list[KeyResultRow], requests: list[MetricRequest],
    catalog: MetricsFile, events: EventSource, span: Period, cutoff: datetime,
    failed: dict[int, str], *, keyed: _Keyed, partials: DayPartials,
    data_start: DataStart | None = None, defs: list[MetricDef | None] | None = None,
    unmeasured_from: dict[int, date] | None = None,
) -> None:
    """Each KR's weekly series: the period so far, and the weeks before it.

    `unmeasured_from`: KRs whose points from that week on are not measurements (their
    events carry none of the ids the metric counts) and are stored empty, as sync leaves
    their check-ins.

    Every point is its own ISO week (clipped to the phase), as of the cutoff; the points whose
    inputs changed are recomputed — one weekly query per KR group, over the span from the
    first changed week to the last — and the rest are kept. The period's points are merged
    from per-day rows where the metric allows (sowhat.services.sync.partials): the current
    week's point, recomputed every day, then reads only the new days. The history's weeks
    seldom change and keep the weekly query (no year of day rows to store) — except a short
    run of them (`HISTORY_DAYS_SPAN`): a long cohort's maturing week, whose anchors' days
    the KR's own window has already kept, or an old week a late event landed in.
    """
    ok = [i for i in range(len(usable)) if i not in failed]
    if not ok:
        return
    history_start = _midnight(span.start) - timedelta(weeks=HISTORY_WEEKS)
    now = datetime.now(UTC)
    phases = [("history", history_start, _midnight(span.start)),
              ("period", _midnight(span.start), cutoff)]
    valid: dict[int, set[date]] = {usable[i].id: set() for i in ok}
    for phase, start, end in phases:
        buckets = _buckets(start, end)
        groups: dict[tuple[datetime, datetime], list[int]] = {}
        for i in ok:
            kr_id = usable[i].id
            valid[kr_id].update(lo.date() for lo, _ in buckets)
            stale = _stale_points(keyed, i, kr_id, buckets, cutoff,
                                  before=_before(data_start, defs, i))
            for lo, _, key in stale:
                keyed.inputs.pending(kr_id, "series", lo.date(), key)
            if stale:
                groups.setdefault((stale[0][0], stale[-1][1]), []).append(i)
        for (lo, hi), idx in groups.items():
            if phase == "period" or hi - lo <= HISTORY_DAYS_SPAN:
                results = partials.weekly([requests[i] for i in idx], start=lo, end=hi,
                                          as_of=cutoff)
            else:
                results = compute_many([requests[i] for i in idx], catalog=catalog,
                                       events=events, start=lo, end=hi, grain="week",
                                       as_of=cutoff)
            # One statement per group, not per KR: each is a round trip and an autoflush.
            session.execute(delete(SeriesPointRow).where(
                SeriesPointRow.key_result_id.in_([usable[i].id for i in idx]),
                SeriesPointRow.week >= lo.date(),
                SeriesPointRow.week < hi.date() if hi.time() == _MIDNIGHT
                else SeriesPointRow.week <= hi.date()))
            for i, result in zip(idx, results, strict=True):
                before = _before(data_start, defs, i)
                blank = (unmeasured_from or {}).get(i)
                for v in result.values:
                    if before(v.start) or (blank is not None and v.start.date() >= blank):
                        # a week before the first event, or without the ids: not a 0
                        v = replace(v, value=None, entities=None, n=None, sum=None,
                                    sum_squares=None)
                    session.add(_point(usable[i].id, phase, v, now))
    # A point outside today's phases (an earlier as-of) goes; every KR has the same weeks.
    weeks = {w for ws in valid.values() for w in ws}
    session.execute(delete(SeriesPointRow).where(
        SeriesPointRow.key_result_id.in_(list(valid)), SeriesPointRow.week.not_in(weeks)))
    session.flush()


_MIDNIGHT = datetime.min.time()


def _before(data_start: DataStart | None, defs: list[MetricDef | None] | None,
            i: int) -> Callable[[datetime], bool]:
    """Whether a weekly point of KR `i` starting at a moment lies before the data."""
    if data_start is None or defs is None:
        return lambda start: False
    return lambda start: data_start.point_before(defs[i], start)


def _stale_points(keyed: _Keyed, i: int, kr_id: int, buckets: list[tuple[datetime, datetime]],
                  cutoff: datetime, before: Callable[[datetime], bool] | None = None,
                  ) -> list[tuple[datetime, datetime, str | None]]:  # fmt: skip
    """The series points of KR `i` whose inputs changed since they were stored, with their
    new keys (which say whether the point lies before the data: events loaded for earlier
    days move the first event and turn such a point into a measurement)."""
    out = []
    for lo, hi in buckets:
        mark = "|before-data" if before is not None and before(lo) else ""
        key = keyed.keys.key(fingerprint=f"{keyed.prints[i]}|series{mark}",
                             reads=keyed.reads[i], start=lo, end=hi, as_of=cutoff)
        if not keyed.inputs.unchanged(kr_id, "series", lo.date(), key):
            out.append((lo, hi, key))
    return out


def _series_windows(usable: list[KeyResultRow], requests: list[MetricRequest],
                    failed: dict[int, str], keyed: _Keyed, *, period_start: datetime,
                    cutoff: datetime, data_start: DataStart | None = None,
                    defs: list[MetricDef | None] | None = None,
                    ) -> list[tuple[MetricRequest, MeasureWindow]]:  # fmt: skip
    """The series points `_store_series` will merge from day rows — every week of each
    KR's span from its first stale point to its last, in the period and in a short stale
    span of the history — as windows, for `DayPartials.prefetch`."""
    history_start = period_start - timedelta(weeks=HISTORY_WEEKS)
    out = []
    for start, end, short in ((period_start, cutoff, False),
                              (history_start, period_start, True)):
        buckets = _buckets(start, end)
        for i, k in enumerate(usable):
            if i in failed:
                continue
            stale = _stale_points(keyed, i, k.id, buckets, cutoff,
                                  before=_before(data_start, defs, i))
            if not stale or (short and stale[-1][1] - stale[0][0] > HISTORY_DAYS_SPAN):
                continue
            out += [(requests[i], MeasureWindow(lo, hi, cutoff)) for lo, hi in buckets
                    if stale[0][0] <= lo and hi <= stale[-1][1]]
    return out


def _buckets(start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    """The ISO weeks of [start, end), each clipped to it: the buckets of a weekly series."""
    out = []
    lo = start
    while lo < end:
        monday = _midnight(lo.date() - timedelta(days=lo.weekday()))
        hi = min(monday + timedelta(days=7), end)
        out.append((lo, hi))
        lo = hi
    return out


@dataclass(frozen=True)
class _Keyed:
    """What deciding keep-or-recompute needs: the key maker, the stored keys, each KR's
    fingerprint and what its metric reads."""

    keys: InputKeys
    inputs: InputStore
    prints: list[str]
    reads: list[Reads]


def _clear_auto_value(session: Session, kr: KeyResultRow, period: str, week: date, actor: str,
                      now: datetime) -> bool:
    """A recomputed week that has no value any more (its events were removed) loses the value
    sync wrote there; a person's override, confidence and notes stay."""
    row = session.scalars(select(CheckInRow).where(
        CheckInRow.key_result_id == kr.id, CheckInRow.week == week)).first()
    if row is None or row.value is None or row.source != str(CheckInSource.AUTO):
        return False
    before = row.value
    row.value = None
    row.recorded_at = now
    session.flush()
    audit.record(session=session, actor=actor, action=audit.AuditAction.UPDATE,
                 entity_type="check_in", entity_key=f"{period}/{kr.key}/{week.isoformat()}",
                 before={"value": before}, after={"value": None}, at=now)
    return True


def _point(kr_id: int, phase: str, v: MetricValue, now: datetime) -> SeriesPointRow:
    return SeriesPointRow(key_result_id=kr_id, week=v.start.date(), phase=phase, value=v.value,
                          entities=v.entities, n=v.n, sum=v.sum, sum_squares=v.sum_squares,
                          computed_at=now)


