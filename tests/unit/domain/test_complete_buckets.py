"""The whole buckets an `active` metric averages, checked against calendars read by hand
(the value itself is checked against hand-counted events in
tests/integration/test_kr_measures.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sowhat.domain.measure import Measure, baseline_window, complete_buckets, measure_window


def at(month: int, day: int, hour: int = 0) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=UTC)


@pytest.mark.parametrize(("start", "end", "per", "first", "last", "count"), [
    # Thu Nov 5 09:00 to Thu Dec 3 09:00: Mondays Nov 9, 16, 23; the week of Nov 30 is cut
    (at(11, 5, 9), at(12, 3, 9), "week", at(11, 9), at(11, 30), 3),
    # a window that is itself whole weeks keeps all of them
    (at(11, 2), at(11, 30), "week", at(11, 2), at(11, 30), 4),
    # days: the partial first and last day drop out
    (at(11, 5, 9), at(12, 3, 9), "day", at(11, 6), at(12, 3), 27),
    # months: only November lies wholly inside Oct 20 - Dec 10; December crosses a year end
    (at(10, 20), at(12, 10), "month", at(11, 1), at(12, 1), 1),
    (at(12, 1), datetime(2027, 1, 1, tzinfo=UTC), "month", at(12, 1),
     datetime(2027, 1, 1, tzinfo=UTC), 1),
])
def test_complete_buckets(start: datetime, end: datetime, per: str, first: datetime,
                          last: datetime, count: int) -> None:
    covered = complete_buckets(start, end, per)
    assert covered is not None
    assert (covered.start, covered.end, covered.count) == (first, last, count)


def test_no_whole_bucket_is_none_and_labels_read_as_english() -> None:
    assert complete_buckets(at(11, 5, 9), at(12, 3, 9), "month") is None
    assert complete_buckets(at(11, 10), at(11, 16), "week") is None
    one = complete_buckets(at(11, 9), at(11, 16), "week")
    assert one is not None
    assert one.label == "mean of 1 complete week"
    three = complete_buckets(at(11, 5, 9), at(12, 3, 9), "week")
    assert three is not None
    assert three.label == "mean of 3 complete weeks"


@pytest.mark.parametrize(("per", "over_days", "count"), [
    ("day", 28, 28), ("week", 28, 4), ("week", 10, 1), ("week", 30, 4),
    ("month", 28, 1), ("month", 31, 1), ("month", 62, 2), ("month", 90, 3),
])
def test_a_level_over_whole_periods_reads_the_same_span_every_day_of_the_year(
        per: str, over_days: int, count: int) -> None:
    """Wherever the as-of falls — any hour of any day of 2026 and of leap 2028 — a level of
    an active or churn metric reads the same number of whole periods, ending at the last
    period boundary at or before it, and its baseline the same number before the period.
    A window of days ending at the as-of read 3 or 4 weeks, or 1 or 2 months, by the day."""
    over = timedelta(days=over_days)
    for year in (2026, 2028):
        day = datetime(year, 1, 1, 7, tzinfo=UTC)
        while day.year == year:
            w = measure_window(Measure.LEVEL, as_of=day, period_start=day, over=over, per=per)
            held = complete_buckets(w.start, w.end, per)
            assert held is not None, (day, w)
            assert held.count == count, (day, w)
            assert (held.start, held.end) == (w.start, w.end), day  # nothing partial in it
            assert w.end <= day < w.end + (timedelta(days=31) if per == "month"
                                           else timedelta(days=7 if per == "week" else 1))
            base = baseline_window(Measure.LEVEL, period_start=day.replace(hour=0),
                                   period_end=day, over=over, per=per)
            before = complete_buckets(base.start, base.end, per)
            assert before is not None, day
            assert before.count == count, day
            day += timedelta(hours=23)  # every hour of the day in turn, over the year


def test_a_level_over_whole_periods_ends_at_the_last_boundary_with_an_outcome_lag() -> None:
    """Wed Nov 18 15:30, 4 weeks: the weeks Oct 19 to Nov 9; the same with a 2-day outcome
    window read as of Fri Nov 20 15:30; a monthly level on Nov 1 00:00 exactly is October."""
    w = measure_window(Measure.LEVEL, as_of=at(11, 18, 15) + timedelta(minutes=30),
                       period_start=at(10, 1), over=timedelta(days=28), per="week")
    assert (w.start, w.end) == (at(10, 19), at(11, 16))
    lagged = measure_window(Measure.LEVEL, as_of=at(11, 20, 15) + timedelta(minutes=30),
                            period_start=at(10, 1), over=timedelta(days=28),
                            outcome=timedelta(days=2), per="week")
    assert (lagged.start, lagged.end) == (w.start, w.end)
    m = measure_window(Measure.LEVEL, as_of=at(11, 1), period_start=at(10, 1),
                       over=timedelta(days=28), per="month")
    assert (m.start, m.end) == (at(10, 1), at(11, 1))
    # without a period, a window of days as before: the 28 days up to the as-of
    plain = measure_window(Measure.LEVEL, as_of=at(11, 18, 15), period_start=at(10, 1),
                           over=timedelta(days=28))
    assert (plain.start, plain.end) == (at(10, 21, 15), at(11, 18, 15))
