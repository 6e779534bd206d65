"""Sync's per-day partials (sowhat.services.sync.partials) against the direct queries.

A window merged from its days' rows must be the window's own query: for every decomposable
type (count, sum, mean, conversion, retention), a ratio of them, a segment, cohort windows
whose last days are still immature, windows with edges off midnight and as-ofs inside and
after them — as `compute_many` answers, to float rounding. Kept days must give the same
values, and a late event must recompute exactly the days that read it.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from conftest import CATALOG, T0, duckdb_source, random_rows
from sowhat.domain.measure import MeasureWindow
from sowhat.metrics.digest import day_digests
from sowhat.metrics.engine import MetricRequest, MetricResult, compute_many
from sowhat.metrics.source import EventSource
from sowhat.services.sync.inputs import InputKeys
from sowhat.services.sync.partials import DayPartials, day_pieces, decomposable
from sowhat.spec.metric_defs import MetricsFile

EXTRA = {
    "revenue_per_signup": {"type": "ratio", "numerator": "revenue", "denominator": "signups"},
    "activation_per_ticket": {"type": "ratio", "numerator": "activation",
                              "denominator": "mid_tickets"},
}
DECOMPOSABLE = ["signups", "mid_tickets", "revenue", "big_revenue", "avg_invoice", "activation",
                "user_activation", "d1", "d0", "w1"]
RATIOS = ["revenue_per_signup", "activation_per_ticket", "tickets_per_account"]
OTHERS = ["active_users", "p90_invoice", "dau", "ttv", "nps"]  # the direct path, mixed in


def _catalog() -> MetricsFile:
    return MetricsFile.model_validate({**CATALOG, "metrics": {**CATALOG["metrics"], **EXTRA}})


def _at(days: float) -> datetime:
    return (T0 + timedelta(days=days)).replace(tzinfo=UTC)


WINDOWS = [  # (start, end, as_of): midnights, off-midnight edges, as-of inside and after
    (_at(0), _at(21), _at(21)),
    (_at(7), _at(35), _at(36)),
    (_at(3.2), _at(17.75), _at(17.75)),
    (_at(10), _at(38), _at(30)),  # the as-of inside: later days read nothing
    (_at(14), _at(21), _at(16.5)),  # cohort days immature, an as-of mid-day
    (_at(-5), _at(2), _at(2)),  # before the first event
    (_at(38), _at(41), _at(41)),  # the last days, cohorts immature
]
SEGMENTS = [None, "mid", "high"]


def _partials(cat: MetricsFile, events: EventSource) -> DayPartials:
    keys = InputKeys(day_digests(events, cached=False), None, "test")
    return DayPartials(catalog=cat, events=events, keys=keys, enabled=True)


def _direct(cat: MetricsFile, events: EventSource, req: MetricRequest,
            w: tuple[datetime, datetime, datetime], grain: str | None = None) -> MetricResult:
    return compute_many([req], catalog=cat, events=events, start=w[0], end=w[1],
                        as_of=w[2], grain=grain)[0]


def _same(got: MetricResult, want: MetricResult, label: str) -> None:
    assert got.error == want.error, label
    assert len(got.values) == len(want.values), label
    for g, w in zip(got.values, want.values, strict=True):
        where = f"{label} [{w.start:%m-%d %H:%M}, {w.end:%m-%d %H:%M})"
        assert (g.start, g.end) == (w.start, w.end), where
        for field in ("value", "n", "sum", "sum_squares"):
            a, b = getattr(g, field), getattr(w, field)
            if b is None:
                assert a is None, f"{where} {field}: {a} != None"
            else:
                assert a == pytest.approx(b, rel=1e-12, abs=1e-12), f"{where} {field}"
        for field in ("entities", "excluded_immature", "without_outcome"):
            assert getattr(g, field) == getattr(w, field), f"{where} {field}"


@pytest.fixture(scope="module")
def events() -> Any:
    src = duckdb_source(random_rows(7, n=2500))
    yield src
    src.close()


def test_the_types_that_add_up_over_days() -> None:
    cat = _catalog()
    assert all(decomposable(cat, m) for m in DECOMPOSABLE)
    assert not any(decomposable(cat, m) for m in [*OTHERS, "median_invoice", "ttv_mean", "wau"])


def test_day_pieces_cut_at_midnights_and_stop_at_the_as_of() -> None:
    assert day_pieces(_at(1.5), _at(4), _at(10)) == [
        (_at(1.5), _at(2)), (_at(2), _at(3)), (_at(3), _at(4))]
    assert day_pieces(_at(1), _at(4), _at(2.25)) == [(_at(1), _at(2)), (_at(2), _at(2.25))]
    assert day_pieces(_at(5), _at(6), _at(4)) == []


@pytest.mark.parametrize("segment", SEGMENTS)
def test_merged_windows_equal_the_direct_query(events: EventSource, segment: str | None
                                               ) -> None:
    cat = _catalog()
    partials = _partials(cat, events)
    names = [*DECOMPOSABLE, *RATIOS, *OTHERS]
    items = [(MetricRequest(m, segment), MeasureWindow(*w)) for w in WINDOWS for m in names]
    got = partials.windows(items)
    assert partials.days_computed > 0
    for (req, w), result in zip(items, got, strict=True):
        want = _direct(cat, events, req, (w.start, w.end, w.as_of))
        _same(result, want, f"{req.metric}/{segment}")


def test_cohort_days_still_immature_count_their_anchors(events: EventSource) -> None:
    """The last days of a cohort window are immature: no entity enters the value, but the
    immature anchors are counted exactly as the window's own query counts them."""
    cat = _catalog()
    w = (_at(2), _at(9), _at(9))
    for metric in ("activation", "d1", "w1"):
        got = _partials(cat, events).windows([(MetricRequest(metric), MeasureWindow(*w))])[0]
        want = _direct(cat, events, MetricRequest(metric), w)
        assert (want.values[0].excluded_immature or 0) > 0, metric
        _same(got, want, metric)


@pytest.mark.parametrize("segment", [None, "flagged"])
def test_weekly_points_equal_the_weekly_query(events: EventSource, segment: str | None) -> None:
    cat = _catalog()
    partials = _partials(cat, events)
    requests = [MetricRequest(m, segment) for m in [*DECOMPOSABLE, *RATIOS, "active_users"]]
    for start, end, as_of in [(_at(0), _at(40), _at(40)), (_at(2.5), _at(23), _at(20))]:
        got = partials.weekly(requests, start=start, end=end, as_of=as_of)
        for req, result in zip(requests, got, strict=True):
            _same(result, _direct(cat, events, req, (start, end, as_of), "week"),
                  f"weekly {req.metric}/{segment}")


def test_kept_days_give_the_same_values_and_are_not_computed_again(tmp_path: Path) -> None:
    cat = _catalog()
    events = duckdb_source(random_rows(11, n=1500))
    events.cache_dir = tmp_path / "sql"
    try:
        items = [(MetricRequest(m, s), MeasureWindow(*w)) for w in WINDOWS[:4]
                 for m in [*DECOMPOSABLE, "revenue_per_signup"] for s in (None, "mid")]
        first = _partials(cat, events)
        before = first.windows(items)
        first.finish()
        assert (tmp_path / "partials" / "partials.json").exists()
        again = _partials(cat, events)
        after = again.windows(items)
        assert again.days_computed == 0
        assert again.days_kept == first.days_computed
        for (req, _), a, b in zip(items, after, before, strict=True):
            _same(a, b, req.metric)
    finally:
        events.close()


def test_a_late_event_recomputes_the_days_that_read_it(tmp_path: Path) -> None:
    cat = _catalog()
    rows = random_rows(12, n=1500)
    events = duckdb_source(rows)
    events.cache_dir = tmp_path / "sql"
    window = MeasureWindow(_at(0), _at(28), _at(28))
    count, cohort = MetricRequest("signups"), MetricRequest("activation")
    try:
        first = _partials(cat, events)
        first.windows([(count, window), (cohort, window)])
        first.finish()
        # A signup for a brand-new account on day 10: the count reads day 10 only; the
        # conversion's days read all history before their outcome window ends, so every day
        # from 10 - 2 (its 2-day window) on is recomputed, and none before.
        events.backend.raw_sql(
            "INSERT INTO events VALUES ('signup', TIMESTAMP '2026-10-15 13:00:00', "
            "'late-user', 'late-account', '{}'::JSON)")
        late = _partials(cat, events)
        got = late.windows([(count, window)])
        assert late.days_computed == 1
        _same(got[0], _direct(cat, events, count, (window.start, window.end, window.as_of)),
              "count after a late event")
        late = _partials(cat, events)
        got = late.windows([(cohort, window)])
        assert late.days_computed == 28 - 8
        _same(got[0], _direct(cat, events, cohort, (window.start, window.end, window.as_of)),
              "conversion after a late event")
    finally:
        events.close()


def test_a_redefinition_or_another_segment_recomputes_every_day(tmp_path: Path) -> None:
    cat = _catalog()
    events = duckdb_source(random_rows(13, n=1000))
    events.cache_dir = tmp_path / "sql"
    window = MeasureWindow(_at(0), _at(14), _at(14))
    try:
        first = _partials(cat, events)
        first.windows([(MetricRequest("revenue"), window)])
        first.finish()
        redefined = _catalog()
        redefined.metrics["revenue"] = _catalog().metrics["big_revenue"]
        again = _partials(redefined, events)
        got = again.windows([(MetricRequest("revenue"), window),
                             (MetricRequest("revenue", "mid"), window)])
        assert again.days_kept == 0
        assert again.days_computed == 28
        _same(got[0], _direct(cat, events, MetricRequest("big_revenue"),
                              (window.start, window.end, window.as_of)), "redefined")
    finally:
        events.close()


def test_a_corrupt_or_missing_file_only_costs_time(tmp_path: Path) -> None:
    cat = _catalog()
    events = duckdb_source(random_rows(14, n=1000))
    events.cache_dir = tmp_path / "sql"
    window = MeasureWindow(_at(3), _at(20), _at(20))
    req = MetricRequest("d1", "mid")
    want = _direct(cat, events, req, (window.start, window.end, window.as_of))
    try:
        first = _partials(cat, events)
        first.windows([(req, window)])
        first.finish()
        path = tmp_path / "partials" / "partials.json"
        doc = json.loads(path.read_text())
        for entry in doc["entries"].values():  # a damaged row is a missing one
            entry[1] = ["x"]
        path.write_text(json.dumps(doc))
        damaged = _partials(cat, events)
        _same(damaged.windows([(req, window)])[0], want, "damaged rows")
        assert damaged.days_kept == 0
        path.write_text("{not json")
        broken = _partials(cat, events)
        _same(broken.windows([(req, window)])[0], want, "broken file")
        assert broken.days_kept == 0
    finally:
        events.close()


def test_disabled_partials_compute_directly_and_a_full_sync_removes_them(
        tmp_path: Path) -> None:
    cat = _catalog()
    events = duckdb_source(random_rows(15, n=800))
    events.cache_dir = tmp_path / "sql"
    window = MeasureWindow(_at(0), _at(10), _at(10))
    try:
        first = _partials(cat, events)
        first.windows([(MetricRequest("signups"), window)])
        first.finish()
        keys = InputKeys(day_digests(events, cached=False), None, "test")
        full = DayPartials(catalog=cat, events=events, keys=keys, enabled=False)
        got = full.windows([(MetricRequest("signups"), window)])
        assert full.days_kept == full.days_computed == 0
        _same(got[0], _direct(cat, events, MetricRequest("signups"),
                              (window.start, window.end, window.as_of)), "full")
        full.finish()
        assert not (tmp_path / "partials" / "partials.json").exists()
    finally:
        events.close()


def test_prefetched_windows_equal_the_direct_query(events: EventSource) -> None:
    """A sync fetches every window's missing days — and the other types' windows — in one
    query first; the later calls read them and still answer what `compute_many` does."""
    cat = _catalog()
    partials = _partials(cat, events)
    names = [*DECOMPOSABLE, *RATIOS, *OTHERS]
    items = [(MetricRequest(m, s), MeasureWindow(*w)) for w in WINDOWS[:5] for m in names
             for s in (None, "mid")]
    partials.prefetch(items)
    computed = partials.days_computed
    assert computed > 0
    got = partials.windows(items)
    assert partials.days_computed == computed  # nothing left to compute
    for (req, w), result in zip(items, got, strict=True):
        _same(result, _direct(cat, events, req, (w.start, w.end, w.as_of)),
              f"prefetched {req.metric}/{req.segment}")


def test_windows_of_the_other_types_are_kept_until_an_event_lands_in_them(
        tmp_path: Path) -> None:
    """NPS, unique, active, a quantile and a median duration do not add up over days, so a
    prefetched window of theirs is kept whole, keyed by what it read: the next sync reuses
    the ones whose inputs did not change (a guardrail's pre-period, a closed week), a late
    event recomputes the windows that read its day and no other, and every value is still
    what `compute_many` answers."""
    cat = _catalog()
    events = duckdb_source(random_rows(13, n=1500))
    events.cache_dir = tmp_path / "sql"
    past = MeasureWindow(_at(0), _at(14), _at(14))  # ended at its as-of
    later = MeasureWindow(_at(21), _at(35), _at(35))
    items = [(MetricRequest(m, s), w) for w in (past, later) for m in OTHERS
             for s in (None, "mid")]

    def run() -> tuple[DayPartials, list[MetricResult]]:
        partials = _partials(cat, events)
        partials.prefetch(items)
        got = partials.windows(items)
        partials.finish()
        for (req, w), result in zip(items, got, strict=True):
            _same(result, _direct(cat, events, req, (w.start, w.end, w.as_of)),
                  f"{req.metric}/{req.segment} [{w.start:%m-%d}, {w.end:%m-%d})")
        return partials, got

    try:
        first, _ = run()
        assert (first.windows_kept, first.windows_computed) == (0, len(items))
        again, _ = run()
        assert (again.windows_kept, again.windows_computed) == (len(items), 0)
        # A late survey answer on day 25: the windows that read day 25 are computed again —
        # the NPS ones of the later window; the past window and the other types are kept.
        events.backend.raw_sql(
            "INSERT INTO events VALUES ('survey', TIMESTAMP '2026-10-30 09:00:00', "
            "'late-user', 'late-account', '{\"score\": 10, \"plan\": \"mid\"}'::JSON)")
        late, _ = run()
        recomputed = {(req.metric, w) for (req, w) in items} - {
            (req.metric, w) for (req, w) in items if w is past or req.metric != "nps"}
        assert recomputed == {("nps", later)}
        assert late.windows_computed == 2  # nps of the later window, both segments
        assert late.windows_kept == len(items) - 2
    finally:
        events.close()


def test_immature_cohort_days_are_kept_until_their_anchors_mature(tmp_path: Path) -> None:
    """A cohort day none of whose anchors is mature yet holds only their count, decided by
    the events before its end, so a daily sync keeps it although the instant it is read up
    to moved: the next day recomputes the day that arrived, the day whose anchors started to
    mature and the last day still reading outcomes up to the instant — not every day of the
    outcome window. A late anchor in such a day recomputes it (its count changed); a late
    outcome after its end does not (no anchor of it is mature). Every value is still what
    the direct query answers, immature anchors included."""
    cat = _catalog()
    events = duckdb_source(random_rows(16, n=2500))
    events.cache_dir = tmp_path / "sql"
    # w1 (retention, days 1-7): an anchor matures 8 days after it. activation: 2 days.
    requests = [MetricRequest(m, s) for m in ("w1", "activation") for s in (None, "mid")]

    def sync(as_of: float) -> DayPartials:
        window = MeasureWindow(_at(14), _at(as_of), _at(as_of))
        partials = _partials(cat, events)
        got = partials.windows([(req, window) for req in requests])
        partials.finish()
        for req, result in zip(requests, got, strict=True):
            _same(result, _direct(cat, events, req, (window.start, window.end, window.as_of)),
                  f"{req.metric}/{req.segment} as of day {as_of}")
        return partials

    try:
        first = sync(30)
        assert first.days_computed == 4 * 16
        # Day 30 arrived. w1: day 23 starts to mature (23 + 8 <= 31) and day 22 reads its
        # outcomes up to the new instant; days 24-29 stay immature and are kept (before:
        # days 22-29 all read the instant, and were computed every day). activation: days
        # 29 and 28 alike. For each metric and segment: three days.
        nextday = sync(31)
        assert nextday.days_computed == 4 * 3
        assert nextday.days_kept == 4 * 16 - 4 * 2
        # A late signup of a new account on day 26, an immature day of both metrics: the
        # day counts one more anchor, so every day reading day 26 is computed again, day 26
        # among them (else `_same` would find its immature count short).
        events.backend.raw_sql(
            "INSERT INTO events VALUES ('signup', TIMESTAMP '2026-10-31 10:00:00', "
            "'late-user', 'late-account', '{\"plan\": \"mid\"}'::JSON)")
        late = sync(31)
        assert late.days_computed >= 4 * 5  # days 26-30 of each at least
        # A late session on day 29, after the immature days 24-28 of w1 end: they are
        # kept; w1's days still reading day 29's outcomes (21-23) and the days 29 and 30,
        # whose anchors day 29's events decide, are computed again — five, per segment.
        # (activation reads project events, not sessions: nothing of it is recomputed.)
        events.backend.raw_sql(
            "INSERT INTO events VALUES ('session', TIMESTAMP '2026-11-03 08:00:00', "
            "'late-user', 'late-account', '{\"plan\": \"mid\"}'::JSON)")
        outcome = sync(31)
        assert outcome.days_computed == 2 * 5
    finally:
        events.close()


def test_a_pre_period_of_counts_computes_the_days_it_will_reach(tmp_path: Path) -> None:
    """A guardrail's window before the period starts a day earlier each day (as of the
    period start). For the types that add up over days, its days are computed over a tail
    reaching the next power of two days back, so the following syncs find the day they
    add instead of querying it — and every value is still the direct query's. Windows that
    do not grow backwards compute their own days only."""
    cat = _catalog()
    events = duckdb_source(random_rows(17, n=2000))
    events.cache_dir = tmp_path / "sql"
    period_start = _at(35)
    requests = [MetricRequest(m, s) for m in ("signups", "revenue", "activation")
                for s in (None, "mid")]

    def sync(elapsed: int, *, backwards: bool = True) -> DayPartials:
        window = MeasureWindow(period_start - timedelta(days=elapsed), period_start,
                               period_start)
        items = [(req, window) for req in requests]
        partials = _partials(cat, events)
        partials.prefetch(items, backwards=items if backwards else ())
        got = partials.windows(items)
        partials.finish()
        for req, result in zip(requests, got, strict=True):
            _same(result, _direct(cat, events, req, (window.start, window.end, window.as_of)),
                  f"{req.metric}/{req.segment} over {elapsed} days")
        return partials

    try:
        assert sync(10).days_computed == len(requests) * 16  # 10 days and 6 ahead
        for elapsed in (11, 12, 16):  # the days they add were computed ahead
            assert sync(elapsed).days_computed == 0, elapsed
        assert sync(17).days_computed == len(requests) * 16  # a tail of 32: 16 more days
    finally:
        events.close()
    events = duckdb_source(random_rows(17, n=2000))
    events.cache_dir = tmp_path / "other" / "sql"  # its own partials folder: nothing kept
    try:
        assert sync(10, backwards=False).days_computed == len(requests) * 10
    finally:
        events.close()


def test_distinct_windows_sharing_an_end_are_one_latest_day_query(
        events: EventSource, monkeypatch: pytest.MonkeyPatch) -> None:
    """A KR's period to date, its trailing window and its current week's series point of a
    distinct-entity type (unique, NPS) end at the same instant: each metric and segment is
    read once, as latest-day rows over the earliest start, and every window sums the days
    from its own start — the values are still the window queries' (and the series point
    the weekly query's). A window alone at its end keeps its own window query, and a full
    sync (partials off) reads every window directly."""
    from sowhat.metrics.query import LATEST_DAY
    from sowhat.services.sync import partials as module

    cat = _catalog()
    end = _at(35)
    starts = [_at(0), _at(14), _at(28)]  # to date, a trailing 3 weeks, the week (a Monday)
    lone = MeasureWindow(_at(3), _at(30), _at(30))  # ends elsewhere: its own query
    segments = (None, "mid")
    windows = [(MetricRequest(m, s), MeasureWindow(start, end, end))
               for m in ("nps", "active_users") for s in segments for start in starts[:2]]
    windows += [(MetricRequest(m, s), lone) for m in ("nps", "active_users") for s in segments]
    points = [(MetricRequest(m, s), MeasureWindow(starts[2], end, end))
              for m in ("nps", "active_users") for s in segments]
    calls: list[list[str | None]] = []
    real = module.run_windows

    def recording(items: Any, **kw: Any) -> Any:
        calls.append(list(kw.get("grains") or [kw["grain"]] * len(items)))
        return real(items, **kw)

    monkeypatch.setattr(module, "run_windows", recording)
    for enabled in (True, False):
        calls.clear()
        keys = InputKeys(day_digests(events, cached=False), None, "test")
        partials = DayPartials(catalog=cat, events=events, keys=keys, enabled=enabled)
        partials.prefetch(windows, points=points)
        prefetched = list(calls)
        got = partials.windows(windows)
        weekly = [partials.weekly([req], start=w.start, end=w.end, as_of=w.as_of)[0]
                  for req, w in points]
        assert calls == prefetched  # every window and point was answered by the prefetch
        for (req, w), result in zip(windows, got, strict=True):
            _same(result, _direct(cat, events, req, (w.start, w.end, w.as_of)),
                  f"{req.metric}/{req.segment} from {w.start:%m-%d} (enabled={enabled})")
        for (req, w), result in zip(points, weekly, strict=True):
            _same(result, _direct(cat, events, req, (w.start, w.end, w.as_of), "week"),
                  f"week of {req.metric}/{req.segment} (enabled={enabled})")
        grains = [g for call in calls for g in call]
        if enabled:
            # one latest-day part per metric and segment; the lone windows their own
            assert grains.count(LATEST_DAY) == 4, calls
            assert grains.count(None) == 4, calls
            assert len(calls) == 1, calls
        else:
            assert LATEST_DAY not in grains, calls


def test_whole_days_of_a_plain_count_are_read_from_the_digests(
        events: EventSource, monkeypatch: pytest.MonkeyPatch) -> None:
    """A count with no `where:` and no segment is the number of its event's rows that day,
    which the day's digest holds: its whole days are not queried, its pieces off midnight
    are, and a count with a filter or a segment is queried as before — every value the
    window query's. (A digest that reported another count would change the values.)"""
    from sowhat.services.sync import partials as module

    cat = _catalog()
    asked: list[tuple[str, str | None, datetime, datetime]] = []
    real = module.run_windows

    def recording(items: Any, **kw: Any) -> Any:
        asked.extend((r.metric, r.segment, s, e) for r, s, e, _ in items)
        return real(items, **kw)

    monkeypatch.setattr(module, "run_windows", recording)
    partials = _partials(cat, events)
    whole = (_at(0), _at(21), _at(21))
    ragged = (_at(3.2), _at(17.75), _at(17.75))
    before = (_at(-5), _at(2), _at(2))  # days with no signup: no digest, so 0
    items = [(MetricRequest(m, s), MeasureWindow(*w)) for w in (whole, ragged, before)
             for m, s in (("signups", None), ("signups", "mid"), ("mid_tickets", None))]
    got = partials.windows(items)
    for (req, w), result in zip(items, got, strict=True):
        _same(result, _direct(cat, events, req, (w.start, w.end, w.as_of)),
              f"{req.metric}/{req.segment} [{w.start:%m-%d %H:%M}, {w.end:%m-%d %H:%M})")
    plain = sorted((s, e) for m, seg, s, e in asked if m == "signups" and seg is None)
    naive = [(a.replace(tzinfo=None), b.replace(tzinfo=None))
             for a, b in ((_at(3.2), _at(4)), (_at(17), _at(17.75)))]
    assert plain == naive  # only the two pieces off midnight of the ragged window
    assert {(m, seg) for m, seg, *_ in asked} == {
        ("signups", None), ("signups", "mid"), ("mid_tickets", None)}
    assert got[0].values[0].value  # the signups were counted
