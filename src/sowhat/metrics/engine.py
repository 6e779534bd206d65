"""Compute metrics: compile definitions to Ibis, run them on an event source, return values.

`compute` answers one metric by compiling its single Ibis expression and running it.
`compute_many` answers a batch in one round trip: ratio parts are computed once, every
non-ratio definition's SQL comes from the compiled-SQL cache (sowhat.metrics.sqlcache) and
all of them run as one UNION ALL query; a failure is isolated to its definition so one broken
metric never sinks a whole sync. `compile_sql` shows the SQL a definition becomes, for
`sowhat metrics show` and the golden files. Both paths are tested against each other.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sowhat.errors import DataError, SowhatError, UserError
from sowhat.metrics.query import LATEST_DAY, RESULT_COLUMNS, ZERO_WHEN_EMPTY, Query, slottable
from sowhat.metrics.source import EventSource
from sowhat.metrics.sqlcache import SqlCache, run_sql, union_sql
from sowhat.metrics.values import (
    MetricValue,
    day_windows,
    to_utc,
    to_utc_naive,
    week_start,
    week_windows,
)
from sowhat.spec.metric_defs import (
    ActiveMetric,
    AverageMetric,
    ChurnMetric,
    DurationMetric,
    MetricDef,
    MetricsFile,
    NpsMetric,
    RatioMetric,
    SegmentDef,
    SumMetric,
    UniqueMetric,
)

if TYPE_CHECKING:
    import ibis.expr.types as ir

EVENTS_SCHEMA = {
    "event": "string",
    "timestamp": "timestamp",
    "user_id": "string",
    "account_id": "string",
    "properties": "json",
}


@dataclass(frozen=True)
class MetricRequest:
    metric: str
    segment: str | None = None


@dataclass(frozen=True)
class MetricResult:
    """A batch answer: the values, or the error that kept this one metric from computing."""

    request: MetricRequest
    values: tuple[MetricValue, ...] = field(default=())
    error: str | None = None


def compute(
    defn_name: str,
    *,
    catalog: MetricsFile,
    events: EventSource,
    start: datetime | date,
    end: datetime | date,
    grain: str | None = None,
    segment: str | None = None,
    as_of: datetime | date | None = None,
) -> list[MetricValue]:
    """One metric over [start, end) (or each ISO week of it), as known at `as_of` (default end)."""
    from sowhat.metrics.compile import compile_metric
    from sowhat.metrics.trait_join import traits_for

    q = _query(catalog, start, end, grain, segment, as_of)
    traits = traits_for(catalog, [defn_name], [q.segment], events)
    expr = compile_metric(defn_name, catalog, events.events(), q, traits=traits)
    rows = _run(expr)
    return _assemble(defn_name, catalog.metrics[defn_name], segment, q, rows)


def compute_many(
    requests: Sequence[str | MetricRequest],
    *,
    catalog: MetricsFile,
    events: EventSource,
    start: datetime | date,
    end: datetime | date,
    grain: str | None = None,
    as_of: datetime | date | None = None,
) -> list[MetricResult]:
    """Many metrics (each with its own segment) over one window, in one query when possible.

    Results come back in request order. The batch is planned: every distinct non-ratio
    (metric, segment) is computed once — in one UNION ALL query — and ratios are divided
    from their parts afterwards (the same rule as their single expression), so a ratio and
    its parts never scan the events twice. A definition that cannot compile or run gets its
    error in `MetricResult.error`; the others are still computed.
    """
    reqs = [r if isinstance(r, MetricRequest) else MetricRequest(r) for r in requests]
    plan_errors: dict[MetricRequest, str] = {}
    base: list[MetricRequest] = []
    for req in reqs:
        try:
            for part in _base_parts(catalog, req.metric, ()):
                if MetricRequest(part, req.segment) not in base:
                    base.append(MetricRequest(part, req.segment))
        except SowhatError as exc:
            plan_errors[req] = _message(exc)
    computed = _compute_base(base, catalog, events, start, end, grain, as_of)
    out = []
    for req in reqs:
        if req in plan_errors:
            out.append(MetricResult(req, error=plan_errors[req]))
            continue
        values, error = _combine(catalog, req, computed)
        out.append(MetricResult(req, tuple(values), error) if error is None
                   else MetricResult(req, error=error))
    return out


def _base_parts(catalog: MetricsFile, name: str, stack: tuple[str, ...]) -> list[str]:
    """The non-ratio metrics a metric needs (itself, unless it is a ratio)."""
    if name in stack:
        raise UserError(f"ratio cycle: {' -> '.join([*stack, name])}",
                        hint="a ratio must end in non-ratio metrics")
    m = catalog.metrics.get(name)
    if m is None:
        close = difflib.get_close_matches(name, list(catalog.metrics), n=1)
        raise UserError(f"unknown metric {name!r}", hint=f"did you mean {close[0]!r}?" if close
                        else "see `sowhat metrics list`")
    if isinstance(m, RatioMetric):
        return [*_base_parts(catalog, m.numerator, (*stack, name)),
                *_base_parts(catalog, m.denominator, (*stack, name))]
    return [name]


Computed = dict[MetricRequest, tuple[list[MetricValue], str | None]]


def _compute_base(
    base: list[MetricRequest], catalog: MetricsFile, events: EventSource,
    start: datetime | date, end: datetime | date, grain: str | None,
    as_of: datetime | date | None,
) -> Computed:
    out: Computed = {}
    queries: dict[int, Query] = {}
    for i, req in enumerate(base):
        try:
            queries[i] = _query(catalog, start, end, grain, req.segment, as_of)
        except SowhatError as exc:
            out[req] = ([], _message(exc))
    if queries:
        parts = _Parts(catalog, events, base)
        rows_by, failed = parts.run(queries)
    else:
        rows_by, failed = {}, {}
    for i, message in failed.items():
        out[base[i]] = ([], message)
    for i, q in queries.items():
        req = base[i]
        if req not in out:
            out[req] = (_assemble(req.metric, catalog.metrics[req.metric], req.segment, q,
                                  rows_by[i]), None)
    return out


def _combine(catalog: MetricsFile, req: MetricRequest, computed: Computed
             ) -> tuple[list[MetricValue], str | None]:
    m = catalog.metrics[req.metric]
    if not isinstance(m, RatioMetric):
        return computed[req]
    num, num_error = _combine(catalog, MetricRequest(m.numerator, req.segment), computed)
    den, den_error = _combine(catalog, MetricRequest(m.denominator, req.segment), computed)
    if num_error or den_error:
        return [], num_error or den_error
    out = []
    for a, b in zip(num, den, strict=True):
        value = None if a.value is None or not b.value else a.value / b.value
        out.append(MetricValue(metric=req.metric, segment=req.segment, start=a.start, end=a.end,
                               value=value, n=b.value, sum=a.value))
    return out, None


def base_parts(catalog: MetricsFile, name: str) -> list[str]:
    """The non-ratio metrics `name` is computed from (itself unless a ratio); UserError for
    an unknown metric or a ratio cycle."""
    return _base_parts(catalog, name, ())


def _firsts(events: EventSource) -> tuple[Callable[[], Any], frozenset[tuple[str, str]]] | None:
    """The store's first-event table for cohorts, when it may be read (else None)."""
    pairs = events.first_event_pairs()
    return (events.first_events_table, pairs) if pairs else None


def combine(catalog: MetricsFile, req: MetricRequest, computed: Computed
            ) -> tuple[list[MetricValue], str | None]:
    """`req`'s values from its base parts' (`computed`: each part's values, or its error),
    dividing ratios as `compute_many` does."""
    return _combine(catalog, req, computed)


def run_windows(
    items: Sequence[tuple[MetricRequest, datetime, datetime, datetime]], *,
    catalog: MetricsFile, events: EventSource, grain: str | None,
    grains: Sequence[str | None] | None = None,
) -> list[tuple[list[dict[str, Any]], str | None]]:
    """The raw result rows (RESULT_COLUMNS, one per bucket that has any) of each non-ratio
    metric over its *own* window [start, end) as of its own instant, all in one UNION ALL
    query; a definition that fails gets its error and no rows, the others still run.

    `compute_many` asks one window for a whole batch; sync's per-day partials
    (sowhat.services.sync.partials) ask each metric for the run of days it lacks.
    `grains`, one per item, overrides `grain`: windows and latest-day rows in one query.
    """
    out: list[tuple[list[dict[str, Any]], str | None]] = [([], None) for _ in items]
    if not items:
        return out
    queries: dict[int, Query] = {}
    for i, (req, start, end, as_of) in enumerate(items):
        try:
            queries[i] = _query(catalog, start, end, grains[i] if grains is not None else grain,
                                req.segment, as_of)
        except SowhatError as exc:
            out[i] = ([], _message(exc))
    if not queries:
        return out
    rows_by, failed = _Parts(catalog, events, [r for r, *_ in items]).run(queries)
    for i, message in failed.items():
        out[i] = ([], message)
    for i, rows in rows_by.items():
        out[i] = (rows, None)
    return out


class _Parts:
    """The parts of one UNION ALL query answering requests (`reqs[i]` over `queries[i]`).

    The requests for one metric over the same window, grain and as-of under several
    segments are one *slotted* part where the type allows (`query.slottable`;
    sowhat.metrics.compile's `slots`): one scan of the events, and for a cohort one
    grouping of its anchors and one join to its outcomes, instead of one per segment —
    sync's day query asks each metric for the same new day under every segment of its
    KRs. Each request's rows are exactly its own part's. A
    slotted part that fails to compile or run is split into its requests' own parts, so a
    broken segment fails alone."""

    def __init__(self, catalog: MetricsFile, events: EventSource,
                 reqs: Sequence[MetricRequest]) -> None:
        from sowhat.metrics.trait_join import traits_for

        self.catalog, self.events, self.reqs = catalog, events, reqs
        self.cache = SqlCache(events.cache_dir)
        self.dialect = events.dialect()
        self.source_id, self.schema = events.source_id(), events.schema_key()
        self.firsts = _firsts(events)
        try:
            self.traits = traits_for(catalog, [r.metric for r in reqs],
                                     {resolve_segment(catalog, r.segment) for r in reqs},
                                     events)
        except SowhatError:
            self.traits = None  # the definitions that need traits report it one by one

    def sql(self, name: str, q: Query, slots: tuple[SegmentDef | None, ...] | None = None
            ) -> str:
        return self.cache.sql(name, self.catalog, q, source_id=self.source_id,
                              schema=self.schema, dialect=self.dialect,
                              table=self.events.events, traits=self.traits,
                              firsts=self.firsts, slots=slots)

    def run(self, queries: dict[int, Query]
            ) -> tuple[dict[int, list[dict[str, Any]]], dict[int, str]]:
        """Rows of each request by index, and the error of each that failed."""
        groups: dict[tuple[str, datetime, datetime, datetime, str | None], list[int]] = {}
        for i, q in queries.items():
            groups.setdefault((self.reqs[i].metric, q.start, q.end, q.as_of, q.grain),
                              []).append(i)
        parts: list[tuple[int | tuple[int, ...], str]] = []
        failed: dict[int, str] = {}
        singles: list[int] = []
        for (name, *_), members in groups.items():
            segments = [queries[i].segment for i in members]
            if (len(members) > 1 and len(set(map(_segment_key, segments))) == len(members)
                    and slottable(self.catalog.metrics[name], queries[members[0]].grain)):
                q = replace(queries[members[0]], segment=None)
                try:
                    parts.append((tuple(members), self.sql(name, q, tuple(segments))))
                    continue
                except SowhatError:
                    pass  # each on its own: the failing one reports its error
            singles += members
        for i in sorted(singles):
            try:
                parts.append((i, self.sql(self.reqs[i].metric, queries[i])))
            except SowhatError as exc:
                failed[i] = _message(exc)
        rows_by, run_failed = self._run_parts(parts, queries)
        return rows_by, {**failed, **run_failed}

    def _run_parts(self, parts: list[tuple[int | tuple[int, ...], str]],
                   queries: dict[int, Query],
                   ) -> tuple[dict[int, list[dict[str, Any]]], dict[int, str]]:
        """Rows of each part of one UNION ALL query by index, and the error of each part
        that failed: when the whole query fails, each part runs alone to isolate the
        failing one (a slotted part, each of its requests alone)."""
        rows_by: dict[int, list[dict[str, Any]]] = {
            i: [] for index, _ in parts for i in _indices(index)}
        failed: dict[int, str] = {}
        if not parts:
            return rows_by, failed
        try:
            for row in _run_text(self.events, union_sql(parts)):
                rows_by[int(row["req_index"])].append(row)
            return rows_by, failed
        except SowhatError:
            pass
        for index, sql in parts:  # isolate the failing definition
            try:
                for row in _run_text(self.events, union_sql([(index, sql)])):
                    rows_by[int(row["req_index"])].append(row)
                continue
            except SowhatError as exc:
                if isinstance(index, int):
                    failed[index] = _message(exc)
                    del rows_by[index]
                    continue
            for i in index:
                rows_by[i] = []
                try:
                    alone = (i, self.sql(self.reqs[i].metric, queries[i]))
                    rows_by[i] = _run_text(self.events, union_sql([alone]))
                except SowhatError as exc:
                    failed[i] = _message(exc)
                    del rows_by[i]
        return rows_by, failed


def _indices(index: int | tuple[int, ...]) -> tuple[int, ...]:
    return (index,) if isinstance(index, int) else index


def _segment_key(segment: SegmentDef | None) -> str:
    return segment.model_dump_json() if segment is not None else "-"


def window_value(
    req: MetricRequest, *, catalog: MetricsFile, start: datetime, end: datetime,
    as_of: datetime, row: dict[str, Any] | None,
) -> MetricValue:
    """The value of non-ratio `req` over [start, end) from its result row (None: the query
    had no row), read exactly as `compute_many` reads its own rows."""
    q = _query(catalog, start, end, None, req.segment, as_of)
    rows = [] if row is None else [{**row, "bucket": q.start}]
    return _assemble(req.metric, catalog.metrics[req.metric], req.segment, q, rows)[0]


def compile_expr(
    defn_name: str,
    *,
    catalog: MetricsFile,
    events: EventSource | ir.Table | None = None,
    start: datetime | date,
    end: datetime | date,
    grain: str | None = None,
    segment: str | None = None,
    as_of: datetime | date | None = None,
) -> ir.Table:
    """The Ibis expression behind `compute` (over a canonical unbound table when no source)."""
    import ibis

    from sowhat.metrics.compile import compile_metric
    from sowhat.metrics.trait_join import TraitContext, traits_for

    q = _query(catalog, start, end, grain, segment, as_of)
    source = events if isinstance(events, EventSource) else None
    traits = traits_for(catalog, [defn_name], [q.segment], source)
    if traits is None and source is None and q.segment is not None and q.segment.trait:
        traits = TraitContext.unbound()
    if events is None:
        table = ibis.table(EVENTS_SCHEMA, name="events")  # a canonical stand-in
    elif isinstance(events, EventSource):
        table = events.events()
    else:
        table = events
    return compile_metric(defn_name, catalog, table, q, traits=traits)


def compile_sql(
    defn_name: str,
    *,
    catalog: MetricsFile,
    events: EventSource | None = None,
    start: datetime | date,
    end: datetime | date,
    grain: str | None = None,
    segment: str | None = None,
    as_of: datetime | date | None = None,
    dialect: str | None = None,
) -> str:
    """The SQL text a definition compiles to, in the source's dialect (DuckDB by default)."""
    expr = compile_expr(defn_name, catalog=catalog, events=events, start=start, end=end,
                        grain=grain, segment=segment, as_of=as_of)
    import ibis

    name = dialect or (events.dialect() if events is not None else "duckdb")
    return str(ibis.to_sql(expr, dialect=name))


# ------------------------------------------------------------------ internals


def _query(
    catalog: MetricsFile,
    start: datetime | date,
    end: datetime | date,
    grain: str | None,
    segment: str | None,
    as_of: datetime | date | None,
) -> Query:
    s, e = to_utc_naive(start), to_utc_naive(end)
    if e <= s:
        raise UserError(f"the window ends ({e:%Y-%m-%d %H:%M}) before it starts "
                        f"({s:%Y-%m-%d %H:%M})", hint="pass --from earlier than --to")
    if grain not in (None, "week", "day", LATEST_DAY):
        raise UserError(f"unknown grain {grain!r}", hint="use --grain week, or no grain")
    return Query(
        start=s,
        end=e,
        as_of=to_utc_naive(as_of) if as_of is not None else e,
        grain=grain,
        segment=resolve_segment(catalog, segment),
    )


def resolve_segment(catalog: MetricsFile, segment: str | None) -> SegmentDef | None:
    if segment is None:
        return None
    try:
        return catalog.segments[segment]
    except KeyError:
        close = difflib.get_close_matches(segment, list(catalog.segments), n=1)
        hint = f"did you mean {close[0]!r}?" if close else (
            "define it under `segments:` in metrics.yaml")
        raise UserError(f"unknown segment {segment!r}", hint=hint) from None


def _run(expr: ir.Table) -> list[dict[str, Any]]:
    return _guard(lambda: expr.to_pyarrow().to_pylist())


def _run_text(events: EventSource, sql: str) -> list[dict[str, Any]]:
    return _guard(lambda: run_sql(events, sql))


def _guard(fetch: Any) -> list[dict[str, Any]]:
    try:
        rows: list[dict[str, Any]] = fetch()
    except SowhatError:
        raise
    except Exception as exc:  # backend errors: turn into something a person can act on
        # Py4J (Spark) puts "An error occurred while calling oNN.method." before the cause.
        lines = [ln.strip().removeprefix(": ") for ln in str(exc).strip().splitlines()
                 if ln.strip() and not ln.startswith("An error occurred while calling")]
        first = lines[0] if lines else type(exc).__name__
        raise DataError(f"the events backend could not compute this metric: {first}",
                        hint="check the metric's events and properties against the data "
                        "(`sowhat tracking check`)") from exc
    return rows


def _message(exc: SowhatError) -> str:
    return exc.render() if isinstance(exc, UserError) else str(exc)


def _clean(x: Any) -> float | None:
    if x is None:
        return None
    f = float(x)
    return None if math.isnan(f) or math.isinf(f) else f


def _int(x: Any) -> int | None:
    return None if x is None else int(x)


def _assemble(
    name: str, m: MetricDef, segment: str | None, q: Query, rows: list[dict[str, Any]]
) -> list[MetricValue]:
    by_bucket = {to_utc_naive(r["bucket"]): r for r in rows}
    single = [(q.start, q.start, q.end)]
    windows = (week_windows(q.start, q.end) if q.grain == "week" else
               day_windows(q.start, q.end) if q.grain == "day" else single)
    out = []
    for bucket, w_start, w_end in windows:
        row = by_bucket.get(bucket)
        if row is None:
            row = _empty_row(m, complete_periods(m, w_start, min(w_end, q.as_of)))
        out.append(
            MetricValue(
                metric=name,
                segment=segment,
                start=to_utc(w_start),
                end=to_utc(w_end),
                value=_clean(row.get("value")),
                entities=_int(row.get("entities")),
                excluded_immature=_int(row.get("excluded_immature")),
                n=_clean(row.get("n")),
                sum=_clean(row.get("total")) if row.get("n") != 0 else 0.0,
                sum_squares=_clean(row.get("total_sq")) if row.get("n") != 0 else 0.0,
                without_outcome=_int(row.get("without_outcome")),
            )
        )
    return out


def complete_periods(m: MetricDef, start: datetime, end: datetime) -> int:
    """Whole days / ISO weeks / calendar months of an active metric inside [start, end).

    The Python twin of `compile.complete_periods_expr`, for windows with no rows at all.
    """
    if not isinstance(m, ActiveMetric):
        return 0
    first, count = _period_floor(start, m.per), 0
    if first < start:
        first = _next_period(first, m.per)
    while _next_period(first, m.per) <= end:
        count += 1
        first = _next_period(first, m.per)
    return count


def complete_span(start: datetime, end: datetime, per: str) -> tuple[datetime, datetime] | None:
    """[first, last) covering the whole `per` periods (UTC days, ISO weeks, calendar months)
    inside [start, end), naive UTC; None when none fits.

    An active or churn metric reads only those periods (compile's `_active`, `_churn`: a
    period counts when it starts at or after the window's start and ends by its end or
    as-of), so this span — not the window — is what its value depends on
    (sowhat.services.sync.inputs keys it so)."""
    first = _period_floor(start, per)
    if first < start:
        first = _next_period(first, per)
    last = first
    while _next_period(last, per) <= end:
        last = _next_period(last, per)
    return (first, last) if last > first else None


def _period_floor(t: datetime, per: str) -> datetime:
    day = datetime(t.year, t.month, t.day)
    if per == "week":
        return week_start(day)
    if per == "month":
        return datetime(t.year, t.month, 1)
    return day


def _next_period(t: datetime, per: str) -> datetime:
    if per == "month":
        return datetime(t.year + t.month // 12, t.month % 12 + 1, 1)
    return t + timedelta(days=7 if per == "week" else 1)


def _empty_row(m: MetricDef, periods: int = 0) -> dict[str, Any]:
    """What a window with no rows means for each type (0 events vs an undefined value).

    An active metric with complete periods had no one active: 0 over `periods` periods;
    without a complete period its value is undefined.
    """
    row: dict[str, Any] = dict.fromkeys(RESULT_COLUMNS)
    if isinstance(m, ActiveMetric):
        row.update(n=float(periods), total=0.0, total_sq=0.0, entities=0,
                   value=0.0 if periods else None)
    elif isinstance(m, ZERO_WHEN_EMPTY):
        row.update(value=0.0, total=0.0)
        if isinstance(m, UniqueMetric):
            row["entities"] = 0
        if isinstance(m, SumMetric):
            row.update(n=0.0, total_sq=0.0)
    elif isinstance(m, AverageMetric):
        row.update(n=0.0, total=0.0, total_sq=0.0)
    elif isinstance(m, NpsMetric | ChurnMetric):
        # nobody answered / nobody was a customer: no cohort, so nothing held back either
        row.update(entities=0, n=0.0, total=0.0, total_sq=0.0)
    elif not isinstance(m, RatioMetric):
        row.update(entities=0, excluded_immature=0, n=0.0, total=0.0, total_sq=0.0)
        if isinstance(m, DurationMetric):
            row["without_outcome"] = 0
    return row
