"""The whole buckets an `active` metric averages, checked against calendars read by hand
(the value itself is checked against hand-counted events in
tests/integration/test_kr_measures.py)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from sowhat.domain.measure import complete_buckets


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
