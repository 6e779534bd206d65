"""A measured window's days as people read them: an N-day window reads as N days, however the
data's last event aligns it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from sowhat.services.plans import Window


def _days_named(label: str, year: int = 2026) -> int:
    first, last = (datetime.strptime(f"{part} {year}", "%b %d %Y") for part in label.split("–"))
    return (last - first).days + 1


@pytest.mark.parametrize("end", [
    datetime(2026, 11, 25, 23, 51, tzinfo=UTC),  # the last event late in the day
    datetime(2026, 11, 26, 0, 0, tzinfo=UTC),  # midnight-aligned
    datetime(2026, 11, 25, 10, 0, tzinfo=UTC),  # mid-morning
    datetime(2026, 11, 25, 12, 0, tzinfo=UTC),  # noon, the tie
])
@pytest.mark.parametrize("days", [1, 7, 28, 90])
def test_an_n_day_window_names_n_days(end: datetime, days: int) -> None:
    label = Window(end - timedelta(days=days), end).days
    assert _days_named(label) == days, label


def test_the_window_up_to_a_late_last_event_is_named_by_the_days_it_covers() -> None:
    # (Oct 28 23:51, Nov 25 23:51]: 9 minutes of Oct 28; it read "Oct 28–Nov 25", 29 days
    end = datetime(2026, 11, 25, 23, 51, tzinfo=UTC)
    assert Window(end - timedelta(days=28), end).days == "Oct 29–Nov 25"
    midnight = datetime(2026, 11, 26, tzinfo=UTC)
    assert Window(midnight - timedelta(days=28), midnight).days == "Oct 29–Nov 25"


def test_a_window_under_a_day_names_its_day() -> None:
    start = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert Window(start, start + timedelta(hours=3)).days == "Nov 25–Nov 25"
