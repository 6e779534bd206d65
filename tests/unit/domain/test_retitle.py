"""A carried KR's title follows its new baseline, in the style it was written, or is left alone."""

from __future__ import annotations

import pytest

from sowhat.domain.retitle import retitle_baseline


@pytest.mark.parametrize(
    ("title", "old", "new", "expected"),
    [
        ("Raise 7-day activation from 35% to 45%", 0.35, 0.412,
         "Raise 7-day activation from 41% to 45%"),
        # The first "from" names no number; the baseline's does.
        ("Cut the time from signup to first report from 110 to 72 hours", 110, 96.4,
         "Cut the time from signup to first report from 96 to 72 hours"),
        ("Grow weekly active teams from 1,200 to 2,000", 1200, 1534,
         "Grow weekly active teams from 1,534 to 2,000"),
        ("Grow MRR from $40k to $60k", 40_000, 45_500, "Grow MRR from $46k to $60k"),
        ("Lift CTR from 0.5% to 1%", 0.005, 0.0062, "Lift CTR from 0.6% to 1%"),
        # Rounding must not hide the move: 35.2% is not written "35%".
        ("Raise activation from 35% to 45%", 0.35, 0.352, "Raise activation from 35.2% to 45%"),
        # A percent metric stored as percent points.
        ("Raise NPS from 31 to 40", 31, 33.6, "Raise NPS from 34 to 40"),
        ("Raise uptime from 99.5% to 99.9%", 99.5, 99.71, "Raise uptime from 99.7% to 99.9%"),
    ],
)
def test_the_starting_number_is_rewritten(title: str, old: float, new: float,
                                          expected: str) -> None:
    result = retitle_baseline(title, old, new)
    assert result.changed
    assert result.title == expected


@pytest.mark.parametrize(
    ("title", "old"),
    [
        ("Reduce churn to 2%", 0.03),  # no starting number
        ("Raise activation from 30% to 45%", 0.35),  # states another number: a person decides
        ("Activation of new accounts reaches 45%", 0.35),
    ],
)
def test_other_titles_are_left_alone(title: str, old: float) -> None:
    result = retitle_baseline(title, old, 0.41)
    assert not result.changed
    assert result.title == title
