"""Per-day partial aggregates: a growing window read as the merge of its days.

Most of what an incremental sync still computes after a new day is windows that grow with
the period — each KR's period-to-date (or trailing) measure window, the current week's series
point, the guardrails' period-to-date and pre-period windows — so their own input keys
(sowhat.services.sync.inputs) change every day and each was a query over the whole window.
For the metric types whose window value is a merge of per-day sufficient statistics, sync
instead keeps each UTC day's result row (the engine's columns: entities, excluded_immature,
n, total, total_sq, without_outcome) and merges the days of every window:

- count: the sum of the days' counts; sum: of their totals, n and squares;
- average (the mean, not a median or percentile): total / n of the summed totals and n;
- conversion and retention: the cohort is the entities whose first anchor ever lies in the
  window, and each entity has exactly one anchor, so the cohort splits by its anchor's day:
  mature entities, hits and immature anchors add up (sowhat.metrics.compile's window
  semantics — maturity is anchor + outcome window <= as_of, per anchor, the same in a day as
  in the window);
- a ratio divides its parts' merged values, as `compute_many` does.

unique, active, NPS, duration and the quantile averages do not add up over days; they keep
the direct query over their window, and that window's row is kept whole under a key of the
same kind (over the window instead of a day). Windows that move every day (a period to date,
a guardrail's pre-period of the same length) get a new key every day — but a unique or NPS
pre-period, which only grows backwards from the period start, is summed from a kept tail of
latest-day rows (`_tails`, `sowhat.metrics.query.LATEST_DAY`), and the unique or NPS
windows of one sync that end at the same instant (a period to date, a trailing window, the
current week's point) are summed from one query of such rows (`_shared`); a sync that finds
nothing new in a window's days — a second sync the same day, an hourly schedule between
daily loads — reuses it (benchmarks/README.md, incremental.py). A whole day of a plain count
is read from its digest (`_counted`), not queried.

A day's row is stored under the same kind of key as a stored weekly value: `InputKeys.key`
of the day as a window [day, day + 1) read as of the window's instant — the definition and
segment, the digests of every day it reads (history for first-ever anchors, the lookahead of
an outcome window, the trait tables), and the instant it is read up to where that still
matters (a cohort day whose outcome window has not elapsed, the day the as-of falls in). So
a late event re-keys exactly the days that read it, a redefinition, a segment or a column
mapping change re-keys every day, and a day whose key did not change is never queried again.
Unlike a weekly value, a cohort day is keyed by its events even while none of its anchors is
mature (no "immature" shortcut that reads nothing): its count of immature anchors must stay
exact. That count is all such a day holds, though, and the events before the day's end
decide it, so its key reads those and not the instant it is read up to
(`DayPartials._immature_key`): a daily sync computes the day that arrived and the days whose
anchors start to mature, not every day of the outcome window. A window's
edges that are not midnights are days of their own (keyed by their bounds), and days at or
after the as-of read nothing, so they are left out.

The days a sync lacks are computed in one query (`DayPartials.prefetch`, before sync steps
through its weeks) — each metric over the run of days it lacks, with a daily grain — and the
rows live under `.sowhat/cache/partials/` beside the
digest cache: content-addressed by key, so a lost, stale or corrupt file only costs the time
to compute the days again. A source without a cache folder keeps them for one sync only.
`sowhat sync --full` does not use them at all (every window from the rows) and removes the
file, so the next sync recomputes each day from the rows.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sowhat.domain.measure import MeasureWindow
from sowhat.errors import SowhatError, UserError
from sowhat.metrics.engine import (
    Computed,
    MetricRequest,
    MetricResult,
    base_parts,
    combine,
    compute_many,
    run_windows,
    window_value,
)
from sowhat.metrics.query import LATEST_DAY
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue, to_utc, to_utc_naive, week_windows
from sowhat.services.sync.inputs import InputKeys, Reads, reads_of
from sowhat.spec.metric_defs import (
    AverageMetric,
    ConversionMetric,
    CountMetric,
    MetricsFile,
    NpsMetric,
    RetentionMetric,
    SumMetric,
    UniqueMetric,
    metric_definition_hash,
    outcome_window,
)

PARTIAL_FORMAT = 1
"""Part of every day's key: bumped when what a stored day holds changes."""
KEEP_SYNCS = 8
"""A day no sync used in this many runs leaves the file (a period synced now and then
recomputes its days; nothing else is lost)."""
_FIELDS = ("value", "entities", "excluded_immature", "n", "total", "total_sq",
           "without_outcome")

Row = tuple[Any, ...] | None
"""A day's result row in `_FIELDS` order; None: the day had no row (nothing matched)."""


def _as_row(result: dict[str, Any]) -> tuple[Any, ...]:
    """A query's result row as kept: `_FIELDS` in order. DuckDB's sums of decimal literals
    (NPS points) come back as Decimals; they are kept as the floats the value is read as
    anyway (`engine._clean`), so the JSON file can hold them."""
    return tuple(float(v) if isinstance(v, Decimal) else v
                 for v in (result.get(f) for f in _FIELDS))


def decomposable(catalog: MetricsFile, metric: str) -> bool:
    """Whether a non-ratio metric's window value is a merge of its days' rows."""
    m = catalog.metrics.get(metric)
    if isinstance(m, CountMetric | SumMetric | ConversionMetric | RetentionMetric):
        return True
    return isinstance(m, AverageMetric) and m.quantile() is None


def merge_rows(catalog: MetricsFile, metric: str, rows: Sequence[Row]) -> dict[str, Any] | None:
    """One window's result row from its days' rows, as the window's own query computes it
    (None: no day had a row, so neither would the window)."""
    present = [r for r in rows if r is not None]
    if not present:
        return None
    m = catalog.metrics[metric]

    def total(field: str) -> float:
        i = _FIELDS.index(field)
        return math.fsum(float(r[i]) for r in present if r[i] is not None)

    def count(field: str) -> int:
        i = _FIELDS.index(field)
        return sum(int(r[i]) for r in present if r[i] is not None)

    out: dict[str, Any] = dict.fromkeys(_FIELDS)
    if isinstance(m, CountMetric):
        out.update(value=total("total"), total=total("total"))
    elif isinstance(m, SumMetric | AverageMetric):
        n, t = total("n"), total("total")
        out.update(n=n, total=t, total_sq=total("total_sq"),
                   value=t if isinstance(m, SumMetric) else (t / n if n else None))
    else:  # conversion, retention
        entities, hits = count("entities"), count("total")
        out.update(entities=entities, excluded_immature=count("excluded_immature"),
                   n=float(entities), total=float(hits), total_sq=float(hits),
                   value=hits / entities if entities > 0 else None)
    return out


def _merge_latest(m: object, rows: Sequence[Row]) -> Row:
    """A unique or NPS window's result row from the latest-day rows of its days (None when
    no entity's latest event lies in it, as the window's query then has no row): each
    entity is in exactly one day's row, so counts and NPS points add up."""
    present = [r for r in rows if r is not None]
    if not present:
        return None

    def total(field: str) -> float:
        i = _FIELDS.index(field)
        return math.fsum(float(r[i]) for r in present if r[i] is not None)

    out: dict[str, Any] = dict.fromkeys(_FIELDS)
    if isinstance(m, UniqueMetric):
        count = total("value")
        out.update(value=count, entities=int(count), total=count)
    else:  # NPS: the mean of the latest answers' points
        n, points = total("n"), total("total")
        out.update(n=n, entities=int(n), total=points, total_sq=total("total_sq"),
                   value=points / n)
    return tuple(out[f] for f in _FIELDS)


def day_pieces(start: datetime, end: datetime, as_of: datetime
               ) -> list[tuple[datetime, datetime]]:
    """[start, min(end, as_of)) cut at every UTC midnight: the days a window merges.

    Nothing at or after the as-of is read (an event metric's events, a cohort's anchors),
    so those days are left out rather than stored as empty.
    """
    hi = min(end, as_of)
    out = []
    lo = start
    while lo < hi:
        day = lo.astimezone(UTC)
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        nxt = min(midnight + timedelta(days=1), hi)
        out.append((lo, nxt))
        lo = nxt
    return out


MAX_GAP = timedelta(days=7)
"""The longest run of days a query computes only to drop them, rather than start another
part (a part costs a few milliseconds whatever it reads). Runs are far apart when a daily
sync needs a day at each end of a long stretch: a count guardrail's new pre-period day and
its new day in the period, or a long cohort's day that starts to mature and its new day
(`DayPartials._immature_key`): a 90-day retention's run bridged 97 days of anchors and
their outcomes for those two."""


def _joins(run_end: datetime, start: datetime) -> bool:
    """Whether a day starting at `start` can extend a run ending at `run_end` (a daily-grain
    query's buckets are whole days, so only from a midnight to a midnight: two pieces of
    one day would share its bucket), across a gap of at most `MAX_GAP`."""
    return (run_end <= start <= run_end + MAX_GAP and _is_midnight(run_end)
            and _is_midnight(start))


def _is_midnight(moment: datetime) -> bool:
    return moment.astimezone(UTC).time() == datetime.min.time()


class PartialCache:
    """The day rows kept across syncs: one JSON file, key -> [last used sync, row]."""

    def __init__(self, folder: Path | None) -> None:
        self.path = folder / "partials.json" if folder is not None else None
        self.generation = 0
        self._entries: dict[str, list[Any]] = {}
        if self.path is None:
            return
        try:
            doc = json.loads(self.path.read_text(encoding="utf-8"))
            if doc.get("format") == PARTIAL_FORMAT:
                self.generation = int(doc["generation"]) + 1
                self._entries = {str(k): v for k, v in doc["entries"].items()
                                 if isinstance(v, list) and len(v) == 2}
        except (OSError, ValueError, TypeError, KeyError, AttributeError):
            self._entries = {}  # missing or unreadable: every day is computed again

    def get(self, key: str) -> tuple[bool, Row]:
        entry = self._entries.get(key)
        if entry is None:
            return False, None
        row = entry[1]
        if row is not None and (not isinstance(row, list) or len(row) != len(_FIELDS)):
            return False, None
        entry[0] = self.generation
        return True, tuple(row) if row is not None else None

    def put(self, key: str, row: Row) -> None:
        self._entries[key] = [self.generation, list(row) if row is not None else None]

    def save(self) -> None:
        if self.path is None:
            return
        keep = {k: v for k, v in self._entries.items()
                if isinstance(v[0], int) and v[0] > self.generation - KEEP_SYNCS}
        doc = {"format": PARTIAL_FORMAT, "generation": self.generation, "entries": keep}
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_name(f".partials.{os.getpid()}.tmp")
            tmp.write_text(json.dumps(doc, separators=(",", ":")), encoding="utf-8")
            tmp.replace(self.path)
        except OSError:
            pass  # a read-only workspace computes its days again next time

    def remove(self) -> None:
        if self.path is None:
            return
        with contextlib.suppress(OSError):
            self.path.unlink(missing_ok=True)


def _tail_start(end: datetime, days: float) -> datetime:
    """Where a tail ending at `end` starts, for a window of `days` days growing backwards:
    the next power of two days at or beyond it (at least 8), so one query serves the syncs
    of the following weeks."""
    return end - timedelta(days=max(8, 1 << (max(1, int(days)) - 1).bit_length()))


def _ahead(job: _Job) -> _Job:
    """A backwards-growing window of an additive type (a count guardrail's pre-period:
    [period start - elapsed, period start) as of the period start) stretched back over its
    tail: each sync needs the one day before yesterday's window, a part of its own in the
    day query (four parts of twenty at 10M events), so the days the window will reach in
    the coming weeks are computed with it, and kept (asked for, so never left unused) until
    it reaches them. The same day rows, under the same keys, as the window then reads."""
    days = (job.end - job.start) / timedelta(days=1)
    if job.as_of != job.end or not _is_midnight(job.start) or not _is_midnight(job.end):
        return job
    return replace(job, start=min(job.start, _tail_start(job.end, days)))


@dataclass(frozen=True)
class _Job:
    """One non-ratio metric (with its segment) over one window or its ISO weeks."""

    part: MetricRequest
    start: datetime
    end: datetime
    as_of: datetime
    weekly: bool

    def buckets(self) -> list[tuple[datetime, datetime]]:
        if not self.weekly:
            return [(self.start, self.end)]
        return [(to_utc(lo), to_utc(hi)) for _, lo, hi in
                week_windows(to_utc_naive(self.start), to_utc_naive(self.end))]


class DayPartials:
    """Window values for one sync, merged from per-day rows where the type allows it.

    `enabled=False` (`sowhat sync --full`, a source that cannot be digested) computes every
    window directly, as `compute_many` does.
    """

    def __init__(self, *, catalog: MetricsFile, events: EventSource, keys: InputKeys,
                 enabled: bool) -> None:
        self.catalog, self.events, self.keys = catalog, events, keys
        self.enabled = enabled and keys.usable
        folder = events.cache_dir.parent / "partials" if events.cache_dir is not None else None
        self.cache = PartialCache(folder if self.enabled else None)
        self._folder = folder
        self._prints: dict[MetricRequest, tuple[str, Reads]] = {}
        self._rows: dict[str, Row] = {}  # this sync's days, whatever their source
        self._fetched: dict[_Job, tuple[list[MetricValue], str | None]] = {}  # prefetched
        self.days_kept = 0
        self.days_computed = 0
        self.windows_kept = 0  # whole windows of the other types, kept across syncs
        self.windows_computed = 0

    # ---------------------------------------------------------------- public

    def windows(self, items: Sequence[tuple[MetricRequest, MeasureWindow]]
                ) -> list[MetricResult]:
        """Each request over its own window (what `compute_windows` answers)."""
        out: list[MetricResult | None] = [None] * len(items)
        todo = []
        for i, (req, w) in enumerate(items):
            if w.end <= w.start:
                out[i] = MetricResult(req, error="empty window")
            else:
                todo.append(i)
        results = self._compute([(items[i][0], items[i][1].start, items[i][1].end,
                                  items[i][1].as_of, False) for i in todo])
        for i, result in zip(todo, results, strict=True):
            out[i] = result
        return [r for r in out if r is not None]

    def weekly(self, requests: Sequence[MetricRequest], *, start: datetime, end: datetime,
               as_of: datetime) -> list[MetricResult]:
        """Each request per ISO week of [start, end) (clipped), as `compute_many` with
        grain="week" answers."""
        return self._compute([(r, start, end, as_of, True) for r in requests])

    def prefetch(self, windows: Sequence[tuple[MetricRequest, MeasureWindow]], *,
                 points: Sequence[tuple[MetricRequest, MeasureWindow]] = (),
                 backwards: Sequence[tuple[MetricRequest, MeasureWindow]] = ()) -> None:
        """Compute now, in one query, the days these windows lack, so the later calls
        (a sync's weeks, its series points, its guardrails) find them all: each metric and
        as-of then costs one scan of the events per sync, not one per call. The other types'
        `windows` are computed in one more query; `points` (weekly series points, which
        `weekly` asks for whole) only have their days fetched. `backwards` are windows of
        `windows` whose end stays put while their start moves a day earlier each day (the
        guardrails' pre-periods): those of distinct entities are read from kept tails."""
        def jobs_of(items: Sequence[tuple[MetricRequest, MeasureWindow]]) -> list[_Job]:
            jobs = []
            for req, w in items:
                if w.end <= w.start:
                    continue
                try:
                    parts = base_parts(self.catalog, req.metric)
                except SowhatError:
                    continue
                jobs += [_Job(MetricRequest(p, req.segment), to_utc(w.start), to_utc(w.end),
                              to_utc(w.as_of), False) for p in dict.fromkeys(parts)]
            return list(dict.fromkeys(jobs))

        whole, days = jobs_of(windows), jobs_of(points)
        back = set(jobs_of(backwards))
        ahead = [_ahead(j) for j in whole if j in back and self._mergeable(j)]
        self._merged([j for j in dict.fromkeys([*whole, *days, *ahead]) if self._mergeable(j)],
                     merge=False)
        # A series point of another type that is its KR's only stale point (the current
        # week's) is asked for as a one-week `weekly` job: it may share an end with windows.
        alone = [j for j in days if not self._mergeable(j)
                 and sum(d.part == j.part for d in days) == 1]
        self._windows_at_once([j for j in whole if not self._mergeable(j)], backwards=back,
                              points=alone)

    def _windows_at_once(self, jobs: list[_Job], backwards: set[_Job] | None = None,
                         points: Sequence[_Job] = ()) -> None:
        """The windows of the other types, each over its own window, in one query (instead
        of one per distinct window); kept for the calls that ask for them.

        A window is also kept across syncs, keyed like a day by what it read, so a sync
        that finds nothing new in its days does not query it again; a late or edited event
        in what it read, a new as-of or moved edges give it a new key. `points`: one-week
        series points, answered only when they share their end with a window (`_shared`)."""
        if not jobs:
            return
        todo: list[tuple[_Job, str | None]] = []
        for job in jobs:
            key = self._window_key(job)
            if key is not None:
                found, row = self.cache.get(key)
                if found:
                    self._fetched[job] = ([self._window_value(job, row)], None)
                    self.windows_kept += 1
                    continue
            todo.append((job, key))
        tails = self._tails([job for job, _ in todo if job in (backwards or set())])
        for job, row in tails.items():
            self._fetched[job] = ([self._window_value(job, row)], None)
        todo = [(job, key) for job, key in todo if job not in tails]
        if not todo:
            return
        keys = dict(todo)
        shared = self._shared([job for job, _ in todo], points)
        direct = [job for job, _ in todo if not any(job in js for _, js in shared)]
        runs = [(j.part, j.start, j.end, j.as_of, None) for j in direct] + [
            (part, start, end, end, LATEST_DAY) for (part, start, end), _ in shared]
        answers = run_windows([(part, to_utc_naive(s), to_utc_naive(e), to_utc_naive(a))
                               for part, s, e, a, _ in runs],
                              catalog=self.catalog, events=self.events, grain=None,
                              grains=[grain for *_, grain in runs])
        rows_of: dict[_Job, Row] = {}
        retry: list[_Job] = []
        for job, (rows, error) in zip(direct, answers[:len(direct)], strict=True):
            if error is not None:
                self._fetched[job] = ([], error)
                continue
            rows_of[job] = _as_row(rows[0]) if rows else None
        for ((part, _, _), js), (rows, error) in zip(shared, answers[len(direct):],
                                                     strict=True):
            if error is not None:  # the direct query says what went wrong
                retry += [j for j in js if j in keys]
                continue
            m = self.catalog.metrics[part.metric]
            by_day = [(to_utc(r["bucket"]), _as_row(r)) for r in rows]
            for j in js:
                row = _merge_latest(m, [r for day, r in by_day if day >= j.start])
                if j in keys:
                    rows_of[j] = row
                if j in points:  # a series point: answered for `weekly`, not kept
                    self._fetched[replace(j, weekly=True)] = ([self._window_value(j, row)],
                                                              None)
        for job, row in rows_of.items():
            key = keys[job]
            if key is not None:
                self.cache.put(key, row)
            self.windows_computed += 1
            self._fetched[job] = ([self._window_value(job, row)], None)
        if retry:
            self._windows_at_once(retry)

    def _shared(self, jobs: Sequence[_Job], points: Sequence[_Job]
                ) -> list[tuple[tuple[MetricRequest, datetime, datetime], list[_Job]]]:
        """Windows of distinct entities (unique, NPS) that end at their own as-of, grouped
        by metric, segment and end where a group starts on two or more midnights — a KR's
        period to date, its trailing window and its current week's series point, read as
        of the same instant — each group to be answered from one query of latest-day rows
        (compile's LATEST_DAY grain) over [its earliest start, end): an entity has an event
        in [s, end) iff its latest one before the end lies at or after s, so the rows of
        the days from each window's start add up to its value, exactly (`_merge_latest`),
        where a window query per start read the same events once per window. A lone
        window keeps its own query (slotted with its other segments: cheaper than a
        latest-day part of its own); the segments of one metric start together, so NPS
        is one slotted part (`query.slottable`)."""
        groups: dict[tuple[MetricRequest, datetime], list[_Job]] = {}
        for job in dict.fromkeys([*jobs, *points]):
            m = self.catalog.metrics.get(job.part.metric)
            if (self.enabled and isinstance(m, UniqueMetric | NpsMetric)
                    and job.end == job.as_of and _is_midnight(job.start)
                    and job.start < job.end
                    and (job.part.segment is None or job.part.segment in self.catalog.segments)):
                groups.setdefault((job.part, job.end), []).append(job)
        shared = {k: js for k, js in groups.items()
                  if len({j.start for j in js}) > 1 and any(j in jobs for j in js)}
        # The segments of one metric read from the same start: one slotted part (NPS), not
        # a part per segment (their extra days are summed by no window).
        first: dict[tuple[str, datetime], datetime] = {}
        for (part, end), js in shared.items():
            at = (part.metric, end)
            first[at] = min([*(j.start for j in js), *([first[at]] if at in first else [])])
        return [((part, first[(part.metric, end)], end), js)
                for (part, end), js in shared.items()]

    def _tails(self, jobs: list[_Job]) -> dict[_Job, Row]:
        """Windows of distinct entities (unique, NPS) that end at their own as-of at a
        midnight and grow backwards — a guardrail's pre-period, [period start - elapsed,
        period start) as of the period start, one day longer each day — answered from the
        latest-day rows of a *tail* ending there (compile's LATEST_DAY grain): the day
        rows are kept, keyed by everything the tail reads, so each later sync sums the days
        its window now covers instead of querying it. The tail spans the next power of two
        days at or beyond the window (so one query serves for weeks), and a late event in
        it, a redefinition or a new segment gives it a new key. Returns the windows'
        result rows, as the direct query would give them."""
        out: dict[_Job, Row] = {}
        if not self.enabled:
            return out
        plans: dict[_Job, tuple[MetricRequest, datetime, datetime, str]] = {}
        for job in jobs:
            m = self.catalog.metrics.get(job.part.metric)
            days = (job.end - job.start) / timedelta(days=1)
            if (not isinstance(m, UniqueMetric | NpsMetric) or job.as_of != job.end
                    or not _is_midnight(job.start) or not _is_midnight(job.end) or days < 1
                    or (job.part.segment is not None
                        and job.part.segment not in self.catalog.segments)):
                continue
            start = _tail_start(job.end, days)
            fingerprint, reads = self._print(job.part)
            key = self.keys.key(fingerprint=f"{fingerprint}|tail", reads=reads, start=start,
                                end=job.end, as_of=job.end)
            if key is not None:
                plans[job] = (job.part, start, job.end, key)
        missing = {(part, start, end, key) for job, (part, start, end, key) in plans.items()
                   if self._tail_days(key, start, end) is None}
        failed = self._fill_tails(sorted(missing, key=lambda t: t[3]))
        fresh = {key for *_, key in missing}
        for job, (_, start, end, key) in plans.items():
            if key in failed:
                continue  # the direct query says what went wrong
            kept = self._tail_days(key, start, end)
            if kept is None:  # pragma: no cover - just stored
                continue
            out[job] = _merge_latest(self.catalog.metrics[job.part.metric],
                                     [row for day, row in kept if day >= job.start])
            if key not in fresh:
                self.windows_kept += 1
        return out

    def _tail_days(self, key: str, start: datetime, end: datetime
                   ) -> list[tuple[datetime, Row]] | None:
        """A stored tail's rows, one per day (None: not stored whole)."""
        out = []
        day = start
        while day < end:
            found, row = self.cache.get(f"{key}|{day:%Y-%m-%d}")
            if not found:
                return None
            out.append((day, row))
            day += timedelta(days=1)
        return out

    def _fill_tails(self, missing: list[tuple[MetricRequest, datetime, datetime, str]]
                    ) -> set[str]:
        """Compute these tails in one query and keep every day of each (a day no entity's
        latest event falls on is kept as empty). Returns the keys of those that failed."""
        if not missing:
            return set()
        answers = run_windows([(part, to_utc_naive(start), to_utc_naive(end),
                                to_utc_naive(end)) for part, start, end, _ in missing],
                              catalog=self.catalog, events=self.events, grain=LATEST_DAY)
        failed = set()
        for (_, start, end, key), (rows, error) in zip(missing, answers, strict=True):
            if error is not None:
                failed.add(key)
                continue
            by_day = {to_utc_naive(r["bucket"]): _as_row(r) for r in rows}
            day = start
            while day < end:
                self.cache.put(f"{key}|{day:%Y-%m-%d}", by_day.get(to_utc_naive(day)))
                day += timedelta(days=1)
            self.windows_computed += 1
        return failed

    def _window_key(self, job: _Job) -> str | None:
        """A whole window's key (None: not kept — partials off, or its inputs unknown)."""
        if not self.enabled:
            return None
        fingerprint, reads = self._print(job.part)
        return self.keys.key(fingerprint=f"{fingerprint}|window", reads=reads,
                             start=job.start, end=job.end, as_of=job.as_of)

    def _window_value(self, job: _Job, row: Row) -> MetricValue:
        return window_value(job.part, catalog=self.catalog, start=to_utc_naive(job.start),
                            end=to_utc_naive(job.end), as_of=to_utc_naive(job.as_of),
                            row=dict(zip(_FIELDS, row, strict=True)) if row is not None
                            else None)

    def finish(self) -> None:
        """Keep this sync's days for the next one; a full sync removes them instead."""
        if self.enabled:
            self.cache.save()
        elif self._folder is not None and self.keys.usable:
            PartialCache(self._folder).remove()

    # ---------------------------------------------------------------- internals

    def _compute(self, items: Sequence[tuple[MetricRequest, datetime, datetime, datetime, bool]]
                 ) -> list[MetricResult]:
        plans: list[list[_Job] | str] = []
        for req, start, end, as_of, weekly in items:
            try:
                parts = base_parts(self.catalog, req.metric)
            except SowhatError as exc:
                plans.append(exc.render() if isinstance(exc, UserError) else str(exc))
                continue
            plans.append([_Job(MetricRequest(p, req.segment), to_utc(start), to_utc(end),
                               to_utc(as_of), weekly) for p in dict.fromkeys(parts)])
        jobs = list(dict.fromkeys(j for plan in plans if isinstance(plan, list) for j in plan))
        done: dict[_Job, tuple[list[MetricValue], str | None]] = {}
        merged = [j for j in jobs if self._mergeable(j)]
        done.update(self._merged(merged))
        self._direct([j for j in jobs if j not in done], done)
        out = []
        for (req, *_), plan in zip(items, plans, strict=True):
            if isinstance(plan, str):
                out.append(MetricResult(req, error=plan))
                continue
            computed: Computed = {j.part: done[j] for j in plan}
            values, error = combine(self.catalog, req, computed)
            out.append(MetricResult(req, tuple(values)) if error is None
                       else MetricResult(req, error=error))
        return out

    def _mergeable(self, job: _Job) -> bool:
        return (self.enabled and decomposable(self.catalog, job.part.metric)
                and (job.part.segment is None or job.part.segment in self.catalog.segments))

    def _print(self, part: MetricRequest) -> tuple[str, Reads]:
        """The day key's fingerprint and reads of a non-ratio metric under its segment."""
        if part not in self._prints:
            seg = self.catalog.segments.get(part.segment) if part.segment else None
            fingerprint = "|".join([
                f"day-partial{PARTIAL_FORMAT}",
                metric_definition_hash(self.catalog.metrics[part.metric], catalog=self.catalog),
                seg.model_dump_json() if seg is not None else "-"])
            # No "immature" shortcut: a day's count of immature anchors must stay exact.
            reads = replace(reads_of(self.catalog, part.metric, part.segment), matures=None)
            self._prints[part] = (fingerprint, reads)
        return self._prints[part]

    def _matures(self, part: MetricRequest) -> timedelta | None:
        """A conversion's or retention's outcome window (None: another type, or a
        conversion with no `within`, whose anchors are mature at once)."""
        m = self.catalog.metrics.get(part.metric)
        return outcome_window(m) if isinstance(m, ConversionMetric | RetentionMetric) else None

    def _immature_key(self, part: MetricRequest, start: datetime, end: datetime) -> str | None:
        """The key of a cohort day none of whose anchors is mature as of the sync's instant
        (start + outcome window > as_of; sowhat.metrics.compile: an anchor is mature once
        anchor + outcome window <= as_of). Its row then counts its anchors and nothing else
        (entities and hits count mature anchors only), and which entities first appear in
        [start, end) — and whether their anchor event is in the segment — is decided by
        the events before `end`. So the key reads those days, not the instant: the day is
        not recomputed every sync while its anchors mature (a 90-day retention: 97 days a
        sync), only when it arrives, when an event before its end changes, and when its
        first anchors mature (then it is keyed as of the instant again)."""
        fingerprint, reads = self._print(part)
        return self.keys.key(fingerprint=f"{fingerprint}|immature",
                             reads=replace(reads, lookahead=None, unbounded=False),
                             start=start, end=end, as_of=end)

    def _merged(self, jobs: list[_Job], *, merge: bool = True
                ) -> dict[_Job, tuple[list[MetricValue], str | None]]:
        """The jobs answered from day rows (those with a day that cannot be keyed are left
        for the direct query); `merge=False` only computes the missing days."""
        days: dict[_Job, list[list[tuple[datetime, datetime, str]]]] = {}
        missing: dict[tuple[MetricRequest, datetime], dict[tuple[datetime, datetime], str]] = {}
        rows: dict[str, Row] = dict(self._rows)
        pending: set[str] = set()
        for job in jobs:
            fingerprint, reads = self._print(job.part)
            per_bucket = []
            keyable = True
            window = self._matures(job.part)
            for lo, hi in job.buckets():
                pieces = []
                for ps, pe in day_pieces(lo, hi, job.as_of):
                    if window is not None and ps + window > job.as_of:
                        key = self._immature_key(job.part, ps, pe)
                    else:
                        key = self.keys.key(fingerprint=fingerprint, reads=reads, start=ps,
                                            end=pe, as_of=job.as_of)
                    if key is None:
                        keyable = False
                        break
                    pieces.append((ps, pe, key))
                    if key in rows or key in pending:
                        continue  # the same day read by another window of this batch
                    found, row = self.cache.get(key)
                    if found:
                        rows[key] = row
                        self.days_kept += 1
                    else:
                        pending.add(key)
                        missing.setdefault((job.part, job.as_of), {})[(ps, pe)] = key
                if not keyable:
                    break
                per_bucket.append(pieces)
            if keyable:
                days[job] = per_bucket
        errors = self._fill(missing, rows)
        self._rows.update({k: v for k, v in rows.items() if k not in errors})
        if not merge:
            return {}
        out: dict[_Job, tuple[list[MetricValue], str | None]] = {}
        for job, per_bucket in days.items():
            failed = next((errors[k] for pieces in per_bucket for *_, k in pieces
                           if k in errors), None)
            if failed is not None:
                out[job] = ([], failed)
                continue
            values = []
            for (lo, hi), pieces in zip(job.buckets(), per_bucket, strict=True):
                merged = merge_rows(self.catalog, job.part.metric,
                                    [rows[k] for *_, k in pieces])
                values.append(window_value(job.part, catalog=self.catalog,
                                           start=to_utc_naive(lo), end=to_utc_naive(hi),
                                           as_of=to_utc_naive(job.as_of), row=merged))
            out[job] = (values, None)
        return out

    def _fill(self, missing: dict[tuple[MetricRequest, datetime],
                                  dict[tuple[datetime, datetime], str]],
              rows: dict[str, Row]) -> dict[str, str]:
        """Compute every missing day in one query. Returns the errors by day key.

        Each part of the query scans the events once, whatever its days, so the days are
        grouped into as few parts as hold them: one per metric and as-of, over a run of days
        (a gap of up to `MAX_GAP` whole days inside a run is computed and dropped, a longer
        one starts another run; a day cut off midnight starts or ends one). A metric that
        reads no history (count, sum, mean) answers a day the same as of any instant at or
        after its end, so all its days go in one part per run, read as of the run's end.
        """
        self._counted(missing, rows)
        groups: dict[tuple[MetricRequest, datetime | None],
                     dict[tuple[datetime, datetime], str]] = {}
        for (part, as_of), pieces in missing.items():
            history = self._print(part)[1].history
            groups.setdefault((part, as_of if history else None), {}).update(pieces)
        runs: list[tuple[MetricRequest, datetime, list[tuple[datetime, datetime, str]]]] = []
        for (part, read_at), pieces in groups.items():
            open_runs: list[list[tuple[datetime, datetime, str]]] = []
            for (ps, pe), key in sorted(pieces.items()):
                run = next((r for r in open_runs if _joins(r[-1][1], ps)), None)
                if run is None:
                    open_runs.append([(ps, pe, key)])
                else:
                    run.append((ps, pe, key))
            runs.extend((part, read_at if read_at is not None else r[-1][1], r)
                        for r in open_runs)
        if not runs:
            return {}
        answers = run_windows(
            [(part, to_utc_naive(r[0][0]), to_utc_naive(r[-1][1]), to_utc_naive(as_of))
             for part, as_of, r in runs],
            catalog=self.catalog, events=self.events, grain="day")
        errors: dict[str, str] = {}
        for (_, _, run), (result_rows, error) in zip(runs, answers, strict=True):
            if error is not None:
                errors.update((key, error) for *_, key in run)
                continue
            by_day = {to_utc_naive(r["bucket"]): r for r in result_rows}
            for ps, _, key in run:
                day = to_utc_naive(ps).replace(hour=0, minute=0, second=0, microsecond=0)
                found = by_day.get(day)
                row = _as_row(found) if found is not None else None
                rows[key] = row
                self.cache.put(key, row)
                self.days_computed += 1
        return errors

    def _counted(self, missing: dict[tuple[MetricRequest, datetime],
                                     dict[tuple[datetime, datetime], str]],
                 rows: dict[str, Row]) -> None:
        """Whole UTC days of a plain count (no `where:`, no segment) read from the digests
        instead of the query, and taken out of `missing`: such a day's value is the number
        of rows of its event that day, which its digest — the one that keys the day — holds
        (`InputKeys.rows`). A daily sync's new day of a count with no segment cost a part
        of the day query each, reading whole row groups (≈6 ms at 10M events)."""
        for (part, _), pieces in missing.items():
            m = self.catalog.metrics.get(part.metric)
            if not isinstance(m, CountMetric) or m.where or part.segment is not None:
                continue
            for (ps, pe), key in list(pieces.items()):
                if not _is_midnight(ps) or pe - ps != timedelta(days=1):
                    continue
                n = self.keys.rows(ps.astimezone(UTC).date(), m.event)
                if n is None:
                    continue
                # as the count's query gives it (no row for no event)
                row = tuple(float(n) if f in ("value", "total") else None
                            for f in _FIELDS) if n else None
                rows[key] = row
                self.cache.put(key, row)
                self.days_computed += 1
                del pieces[(ps, pe)]

    def _direct(self, jobs: list[_Job],
                done: dict[_Job, tuple[list[MetricValue], str | None]]) -> None:
        """The other jobs: as `prefetch` computed them, else one `compute_many` batch per
        window."""
        groups: dict[tuple[datetime, datetime, datetime, bool], list[_Job]] = {}
        for job in jobs:
            if job in self._fetched:
                done[job] = self._fetched[job]
                continue
            groups.setdefault((job.start, job.end, job.as_of, job.weekly), []).append(job)
        for (start, end, as_of, weekly), group in groups.items():
            results = compute_many([j.part for j in group], catalog=self.catalog,
                                   events=self.events, start=start, end=end,
                                   grain="week" if weekly else None, as_of=as_of)
            for job, result in zip(group, results, strict=True):
                done[job] = (list(result.values), result.error)
