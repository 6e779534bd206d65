"""When a cohort KR has no reading of its period yet: the first day one comes, from the
metric's outcome window or, without the catalog, from the stored window itself."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from sowhat.services.plans import _readable_from

Q4 = date(2026, 10, 1)
CUTOFF = datetime(2026, 11, 20, 23, 9, tzinfo=UTC) + timedelta(microseconds=1)


def measured(outcome: timedelta, *, measure: str = "level") -> SimpleNamespace:
    """A stored measure as sync writes it: the window ends the outcome before the cutoff,
    and data_through is the last event (a microsecond before the cutoff)."""
    end = CUTOFF - outcome
    return SimpleNamespace(measure=measure, window_start=end - timedelta(days=28),
                           window_end=end, data_through=CUTOFF - timedelta(microseconds=1))


@pytest.mark.parametrize("catalog", [True, False])
def test_the_first_reading_is_a_day_after_the_outcome_window_from_the_period_start(
    catalog: bool,
) -> None:
    sixty = timedelta(days=60)
    got = _readable_from(measured(sixty), Q4, sixty if catalog else None)
    assert got == date(2026, 12, 1)  # Oct 1 + 60 days + the first whole day of cohorts


def test_a_window_that_reaches_into_the_period_is_readable() -> None:
    forty = timedelta(days=40)  # ends Oct 11: ten days of the period's cohorts
    assert _readable_from(measured(forty), Q4, forty) is None
    assert _readable_from(measured(forty), Q4, None) is None


def test_totals_and_plain_levels_are_never_held_back() -> None:
    assert _readable_from(measured(timedelta(days=60), measure="cumulative"), Q4, None) is None
    # a plain level whose window ends before the period (a sync as of a day before it):
    # no outcome lag, so nothing to wait for
    plain = SimpleNamespace(measure="level", window_start=datetime(2026, 9, 1, tzinfo=UTC),
                            window_end=datetime(2026, 9, 29, tzinfo=UTC),
                            data_through=datetime(2026, 9, 29, tzinfo=UTC))
    assert _readable_from(plain, Q4, None) is None
    assert _readable_from(None, Q4, timedelta(days=60)) is None
