"""What a stored value was computed from, so incremental sync can keep it while that holds.

Every value sync stores — a week's check-in, a series point, the measured baseline — is the
KR's metric over one window [start, end) as of some instant. It is a function of:

- the definition (`measure_fingerprint`: metric, ratio parts, segment, measure, window);
- the window's bounds and the instant it is read up to;
- the events it reads (its metric's event names) on the days it reads, and the trait tables
  when a condition reads traits.

`InputKeys.key` folds all of that into one string. A value whose key is unchanged since it
was stored would come out the same, so sync keeps it; any change (a late event on a day the
window reads, a dedupe, a redefinition, a moved cutoff) gives a new key and a recompute.

Which days a window reads (DESIGN.md "Window semantics"):
- count, unique, sum, average, active and NPS read only [start, min(end, as_of));
- cohort metrics (conversion, retention, duration) anchor each entity at its first event
  *ever*, so they read every day before min(end + outcome window, as_of) — after that instant
  every anchor in the window is mature and nothing later can change the value (no outcome
  window: everything before as_of);
- a `trait:` condition reads traits as of each row, and the trait tables: every day before
  the read end, plus the traits digest.
A ratio reads what both of its parts read.

An active or churn metric (and a ratio of such with one `per`) counts only the whole `per`
periods inside [start, min(end, as_of)), so its value is keyed by those periods' span, not
by the window: a monthly churn's trailing window, which moves every day, reads the same
complete months for a month, and its value is kept until the next month completes or an
event before that span's end changes (a churn's customers at a month's start read every
earlier start and end). A window holding no whole period reads nothing (no value).

One window reads nothing: a cohort window that starts less than the outcome window before
the instant it is read up to holds no mature entity, so its value is "none measured yet"
(value None, 0 entities) whatever the events say (sowhat.metrics.compile: an anchor counts
once anchor + outcome window <= as_of). Its key is that of an immature window; it changes
when the as-of makes the first anchors mature. This keeps the weeks of a long-maturing
cohort metric (a 90-day retention: 13 weeks) from being recomputed every day.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo

from sowhat.metrics.digest import DayDigests, digest_rows
from sowhat.metrics.engine import complete_span
from sowhat.metrics.trait_join import trait_conditions
from sowhat.metrics.values import to_utc, to_utc_naive
from sowhat.spec.metric_defs import (
    ActiveMetric,
    AverageMetric,
    ChurnMetric,
    CountMetric,
    MetricsFile,
    NpsMetric,
    RatioMetric,
    SumMetric,
    UniqueMetric,
    dependencies,
    outcome_window,
    required_events,
)

ENGINE_VERSION = "1"
"""Bumped when the metric engine's answers change for the same events: every key changes."""

_WINDOW_LOCAL = (CountMetric, UniqueMetric, SumMetric, AverageMetric, ActiveMetric, NpsMetric)
_MOD = 1 << 128


@dataclass(frozen=True)
class Reads:
    """Which events a metric's value over a window depends on."""

    history: bool  # every event before the window too (cohort anchors, traits as of a row)
    lookahead: timedelta | None  # cohorts: outcomes count this long after the window's end
    traits: bool  # a condition reads the trait tables
    events: frozenset[str] = frozenset()  # the event names it reads
    unbounded: bool = False  # a cohort without an outcome window reads up to as_of
    matures: timedelta | None = None  # every part a cohort: the shortest outcome window
    per: str | None = None  # every part active or churn over these periods: only they count

    def read_end(self, end: datetime, as_of: datetime) -> datetime:
        """The instant after which no event can change the value."""
        if self.unbounded:
            return as_of
        return min(end + (self.lookahead or timedelta(0)), as_of)


def reads_of(catalog: MetricsFile, metric: str, segment: str | None) -> Reads:
    """What metric `metric` (under `segment`) reads, from its definition and its parts'."""
    seg = catalog.segments.get(segment) if segment else None
    history, unbounded, all_cohort = False, False, True
    lookahead = timedelta(0)
    shortest: timedelta | None = None
    pers: set[str | None] = set()
    for dep in dependencies(catalog, metric):
        m = catalog.metrics.get(dep)
        if isinstance(m, RatioMetric):
            continue
        pers.add(m.per if isinstance(m, ActiveMetric | ChurnMetric) else None)
        if m is None or isinstance(m, _WINDOW_LOCAL):
            all_cohort = False
            continue
        history = True
        if isinstance(m, ChurnMetric):
            # Who is a customer at a period's start reads every start and end before it;
            # nothing after the window's end changes the value (lookahead 0).
            all_cohort = False
            continue
        window = outcome_window(m)
        if window is None:
            unbounded, all_cohort = True, False
        else:
            lookahead = max(lookahead, window)
            shortest = window if shortest is None else min(shortest, window)
    traits = bool(trait_conditions(catalog, metric, seg))
    return Reads(history=history or traits, lookahead=lookahead if history else None,
                 traits=traits, events=frozenset(required_events(catalog, metric)),
                 unbounded=unbounded, matures=shortest if all_cohort else None,
                 per=next(iter(pers)) if len(pers) == 1 else None)


class InputKeys:
    """Keys for stored values, from the per-day digests of one sync's events.

    Ranges of days are folded by a prefix sum of 128-bit day hashes (modulo 2^128), so a
    key over a whole history costs the same as one over a week. An event's prefix sum is
    built the first time a key reads that event (a sync's metrics read a few of the
    store's event names), and each key and fold is computed once per sync: the same window
    is keyed by a sync's weeks, its series points (twice: for the prefetch, then to store
    them) and its day rows (sowhat.services.sync.partials) — about a third of the calls at
    10M events asked again. A key is the same string however it was reached.
    """

    def __init__(self, digests: DayDigests | None, traits: str | None, source: str) -> None:
        self.usable = digests is not None
        self._digests = digests or {}
        self._traits = traits
        self._source = source
        self._entries: dict[str, list[tuple[date, str]]] = {}
        for (day, event), digest in (digests or {}).items():
            self._entries.setdefault(event, []).append((day, digest))
        self._days: dict[str, list[date]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._keys: dict[tuple[object, ...], str | None] = {}
        self._folds: dict[tuple[frozenset[str], date | None, datetime], str] = {}
        self._iso: dict[tuple[datetime, tzinfo | None], str] = {}

    def _event(self, event: str) -> tuple[list[date], list[int]] | None:
        """The event's digested days, oldest first, and the prefix sums of their hashes."""
        days = self._days.get(event)
        if days is None:
            entries = self._entries.get(event)
            if not entries:
                return None
            entries.sort()
            prefix = [0]
            for day, digest in entries:
                h = hashlib.sha256(f"{event}\x1f{day.isoformat()}={digest}".encode()).digest()
                prefix.append((prefix[-1] + int.from_bytes(h[:16], "big")) % _MOD)
            days = self._days[event] = [day for day, _ in entries]
            self._prefix[event] = prefix
        return days, self._prefix[event]

    def rows(self, day: date, event: str) -> int | None:
        """How many rows of `event` the store holds on UTC `day`, as its digest says (0: no
        digest, so no row; None: no digests at all). The digest keys every value that reads
        the day, so a value taken from it is as current as the key that keeps it."""
        if not self.usable:
            return None
        digest = self._digests.get((day, event))
        return digest_rows(digest) if digest is not None else 0

    def _fold(self, events: frozenset[str], lo: date | None, hi: datetime) -> str:
        """The digests of `events` on the days d with lo <= d and d's midnight < hi."""
        memo = (events, lo, hi)
        folded = self._folds.get(memo)
        if folded is not None:
            return folded
        count, total = 0, 0
        end = _ceil_day(hi)
        for event in sorted(events):
            found = self._event(event)
            if found is None:
                continue
            days, prefix = found
            j = bisect_left(days, end)
            i = 0 if lo is None else bisect_left(days, lo)
            if j > i:
                count += j - i
                total = (total + prefix[j] - prefix[i]) % _MOD
        folded = self._folds[memo] = f"{count}:{total:x}"
        return folded

    def key(self, *, fingerprint: str, reads: Reads, start: datetime, end: datetime,
            as_of: datetime) -> str | None:
        """The key of the value over [start, end) as of `as_of`; None: cannot be keyed (the
        value is always recomputed)."""
        # The zones too: equal instants in two zones are equal datetimes, but the key writes
        # them as they are.
        memo = (fingerprint, reads, start, end, as_of, start.tzinfo, end.tzinfo, as_of.tzinfo)
        if memo in self._keys:
            return self._keys[memo]
        key = self._keys[memo] = self._key(fingerprint, reads, start, end, as_of)
        return key

    def _text(self, moment: datetime) -> str:
        """`moment.isoformat()`, memoised: a sync's keys write a few dozen distinct instants
        some 5,000 times, and an aware datetime's isoformat costs ≈1.8 µs (≈9 ms of a 10M
        sync). By instant *and* zone, as the key writes them."""
        memo = (moment, moment.tzinfo)
        text = self._iso.get(memo)
        if text is None:
            text = self._iso[memo] = moment.isoformat()
        return text

    def _key(self, fingerprint: str, reads: Reads, start: datetime, end: datetime,
             as_of: datetime) -> str | None:
        if not self.usable or (reads.traits and self._traits is None):
            return None
        if reads.per is not None:
            span = _complete_span(start, min(end, as_of), reads.per)
            if span is None:  # no whole period: no value, whatever the events say
                parts = [ENGINE_VERSION, self._source, fingerprint, reads.per, "no period"]
                return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
            start, end = span
            as_of = end
        if reads.matures is not None and start + reads.matures > as_of:
            # No anchor in [start, end) is mature as of `as_of`: nothing is read.
            parts = [ENGINE_VERSION, self._source, fingerprint, self._text(start),
                     self._text(end), "immature"]
            return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()
        hi = reads.read_end(end, as_of)
        lo = None if reads.history else start.astimezone(UTC).date()
        parts = [ENGINE_VERSION, self._source, fingerprint, self._text(start),
                 self._text(end), self._text(hi), self._fold(reads.events, lo, hi),
                 (self._traits or "-") if reads.traits else "-"]
        return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def _complete_span(start: datetime, end: datetime, per: str
                   ) -> tuple[datetime, datetime] | None:  # fmt: skip
    """`engine.complete_span` of aware instants, as aware UTC (keys write zoned instants)."""
    span = complete_span(to_utc_naive(start), to_utc_naive(end), per)
    return None if span is None else (to_utc(span[0]), to_utc(span[1]))


def _ceil_day(moment: datetime) -> date:
    """The first day whose midnight is at or after `moment`."""
    moment = moment.astimezone(UTC)
    day = moment.date()
    if moment != datetime(day.year, day.month, day.day, tzinfo=UTC):
        day += timedelta(days=1)
    return day
