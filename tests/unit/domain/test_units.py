"""The one formatter: values as people read them, and the scale slips it catches."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sowhat.domain.units import (
    Scale,
    Unit,
    distinct_precision,
    format_chance,
    format_change,
    format_relative,
    format_value,
    format_values,
    join_span,
    parse_unit,
    scale_hint,
)

RATE = Scale(unit=Unit.PERCENT, low=0.0, high=1.0, noun="rate")
NPS = Scale(unit=Unit.POINTS, low=-100.0, high=100.0, noun="NPS")
COUNT = Scale(unit=Unit.COUNT, low=0.0, noun="count")


@pytest.mark.parametrize(("value", "unit", "text"), [
    (0.452, Unit.PERCENT, "45.2%"),
    (0.45, Unit.PERCENT, "45%"),
    (0.0175, Unit.PERCENT, "1.75%"),
    (0.12345, Unit.PERCENT, "12.3%"),
    (1.0, Unit.PERCENT, "100%"),
    (0.0, Unit.PERCENT, "0%"),
    (32.0, Unit.PERCENT, "3,200%"),
    (0.018, Unit.PER_1000, "18 per 1,000"),
    (0.0135, Unit.PER_1000, "13.5 per 1,000"),
    (0.0183, Unit.RATIO, "0.0183"),
    (2.5, Unit.RATIO, "2.5"),
    (77.5, Unit.HOURS, "77.5 h"),
    (6.0, Unit.HOURS, "6 h"),
    (45.0, Unit.MINUTES, "45 min"),
    (30.0, Unit.SECONDS, "30 s"),
    (1.0, Unit.DAYS, "1 day"),
    (2.5, Unit.DAYS, "2.5 days"),
    (28.0, Unit.POINTS, "28"),
    (-12.5, Unit.POINTS, "-12.5"),
    (1200.0, Unit.COUNT, "1,200"),
    (1234567.0, Unit.COUNT, "1,234,567"),  # the integer part is never rounded away
    (57.25, Unit.COUNT, "57.2"),
    (1200.0, Unit.CURRENCY, "$1,200"),
    (12.5, Unit.CURRENCY, "$12.50"),
    (-12.5, Unit.CURRENCY, "-$12.50"),
    (0.4, None, "0.4"),
])
def test_format_value(value: float, unit: Unit | None, text: str) -> None:
    assert format_value(value, unit) == text


def test_missing_and_non_finite_values_show_a_dash() -> None:
    assert format_value(None, Unit.PERCENT) == "—"
    assert format_value(math.nan, Unit.COUNT) == "—"
    assert format_value(math.inf, Unit.COUNT) == "—"


def test_currency_code() -> None:
    assert format_value(1200.0, Unit.CURRENCY, currency="EUR") == "€1,200"
    assert format_value(1200.0, Unit.CURRENCY, currency="CHF") == "1,200 CHF"


def test_precision_raises_significant_digits() -> None:
    assert format_value(0.017512, Unit.PERCENT, precision=4) == "1.751%"
    assert format_value(1.23456, Unit.RATIO, precision=5) == "1.2346"


def test_text_units_parse() -> None:
    assert format_value(0.3, "%") == "30%"
    assert format_value(3.0, "hours") == "3 h"
    assert parse_unit("per 1,000") is Unit.PER_1000
    assert parse_unit("Percent") is Unit.PERCENT
    assert parse_unit("tickets") is None
    assert parse_unit(None) is None


@pytest.mark.parametrize(("delta", "unit", "text"), [
    (0.024, Unit.PERCENT, "+2.4 pts"),
    (-0.05, Unit.PERCENT, "-5 pts"),
    (0.01, Unit.PERCENT, "+1 pt"),
    (3.0, Unit.POINTS, "+3 pts"),
    (-10.0, Unit.MINUTES, "-10 min"),
    (-0.0045, Unit.PER_1000, "-4.5 per 1,000"),
    (120.0, Unit.COUNT, "+120"),
    (1500.0, Unit.CURRENCY, "+$1,500"),
    (0.0, Unit.PERCENT, "0 pts"),
    (0.0, Unit.COUNT, "0"),
])
def test_format_change(delta: float, unit: Unit, text: str) -> None:
    assert format_change(delta, unit) == text


@pytest.mark.parametrize(("delta", "like", "unit", "text"), [
    # a change beside the value it moved to is shown no finer than that value (43.8% -> .1)
    (-0.00778, 0.438, Unit.PERCENT, "-0.8 pts"),
    (0.0066, 0.418, Unit.PERCENT, "+0.7 pts"),
    (7.25, 680.0, Unit.COUNT, "+7"),
    (-12.34, 100.2, Unit.HOURS, "-12 h"),
    (0.00046, 0.0123, Unit.PERCENT, "+0.05 pts"),  # 1.23% shows two decimals
    # what the value prints, not its digits: 9.70% shows as 9.7%, 10.0 per 1,000 as 10
    (0.0069, 0.0970, Unit.PERCENT, "+0.7 pts"),
    (-0.0021, 0.0100, Unit.PER_1000, "-2 per 1,000"),
    # too small for that resolution: one significant digit, never a false "0"
    (0.0003, 0.438, Unit.PERCENT, "+0.03 pts"),
    (0.2, 5000.0, Unit.COUNT, "+0.2"),
    # never finer than the change's own default precision
    (0.1234567, 0.51234, None, "+0.123"),
])
def test_format_change_like_its_value(delta: float, like: float, unit: Unit | None,
                                      text: str) -> None:  # fmt: skip
    assert format_change(delta, unit, like=like) == text


def test_a_models_chance_never_claims_certainty() -> None:
    assert [format_chance(p) for p in (0.0, 0.004, 0.006, 0.5, 0.994, 0.996, 1.0)] == [
        "under 1%", "under 1%", "1%", "50%", "99%", "over 99%", "over 99%"]


def test_format_relative() -> None:
    assert format_relative(0.031) == "+3.1%"
    assert format_relative(-0.1) == "-10%"
    assert format_relative(0.0) == "0%"
    assert format_relative(None) == "—"


def test_distinct_values_get_distinct_labels() -> None:
    # 1.75% and 1.8% differ: at the default 3 digits they already do.
    assert RATE.formats([0.0175, 0.018]) == ["1.75%", "1.8%"]
    # 45.21% and 45.24% print alike at 3 digits; shown together they need a fourth.
    assert distinct_precision([0.4521, 0.4524], Unit.PERCENT) == 4
    assert RATE.formats([0.4521, 0.4524, None]) == ["45.21%", "45.24%", "—"]
    # Equal values do not push precision up.
    assert distinct_precision([0.45, 0.45], Unit.PERCENT) == 3


@given(st.lists(st.floats(min_value=-1e6, max_value=1e6, allow_nan=False), max_size=6))
def test_distinct_precision_keeps_differing_values_apart(values: list[float]) -> None:
    p = distinct_precision(values, Unit.RATIO)
    labels = {v: format_value(v, Unit.RATIO, precision=p) for v in values}
    for a in labels:
        for b in labels:
            if labels[a] == labels[b] and a != b:
                # only values equal to 8 significant digits may share a label
                assert math.isclose(a, b, rel_tol=1e-7, abs_tol=1e-12)


def test_impossible_values() -> None:
    assert RATE.impossible(0.36) is None
    assert RATE.impossible(1.0) is None
    message = RATE.impossible(36.0)
    assert message is not None
    assert "3,600%" in message
    assert message.startswith("36 is outside the range of a rate (0 to 1")
    assert RATE.impossible(-0.1) is not None
    assert NPS.impossible(100.0) is None
    assert NPS.impossible(-101.0) is not None
    assert COUNT.impossible(-1.0) == "-1 is negative: a count is never below 0"
    assert NPS.impossible(120.0) == "120 is outside the range of NPS (-100 to 100)"
    assert Scale(unit=Unit.COUNT).impossible(-1e9) is None  # sums may be anything


def test_scale_hint_percent_typed_on_a_rate() -> None:
    hint = scale_hint(36.0, Unit.PERCENT, 0.342, 0.392, scale=RATE)
    assert hint == "36 looks like a percent; this KR is a 0–1 rate — did you mean 0.36?"
    assert RATE.slip(36.0, 0.342, 0.392) == (0.36, "a percent")
    assert RATE.slip(0.36, 0.342, 0.392) is None
    assert RATE.hint(36.0, None, None) is not None  # the range alone is enough
    assert scale_hint(0.36, Unit.PERCENT, 0.342, 0.392, scale=RATE) is None
    assert scale_hint(0.0, Unit.PERCENT, 0.342, 0.392, scale=RATE) is None


def test_scale_hint_other_slips() -> None:
    per_1000 = scale_hint(12.0, Unit.PER_1000, 0.012, 0.009)
    assert per_1000 is not None
    assert "did you mean 0.012?" in per_1000
    hours = scale_hint(360.0, Unit.HOURS, 6.0, 3.0)
    assert hours is not None
    assert "looks like minutes" in hours
    assert "did you mean 6?" in hours
    days = scale_hint(0.25, Unit.HOURS, 6.0, 3.0)
    assert days is not None
    assert "looks like days" in days
    assert "did you mean 6?" in days
    nps = NPS.hint(0.28, 20.0, 28.0)
    assert nps is not None
    assert "did you mean 28?" in nps


def test_scale_hint_far_values_without_a_slip() -> None:
    hint = scale_hint(900.0, Unit.COUNT, 75.0, 90.0, scale=COUNT)
    assert hint is not None
    assert "far outside" in hint
    assert "75 and 90" in hint
    assert scale_hint(95.0, Unit.COUNT, 75.0, 90.0, scale=COUNT) is None
    assert scale_hint(-3.0, Unit.COUNT, None, None, scale=COUNT) == "this KR is a count"
    assert scale_hint(5.0, Unit.COUNT, None, None) is None  # nothing to judge against


def test_unit_text_carries_currency_codes_and_labels() -> None:
    assert format_value(1200.0, "EUR") == "€1,200"
    assert format_value(12.0, "tickets") == "12 tickets"
    assert format_values([0.4521, 0.4524], "percent") == ["45.21%", "45.24%"]
    assert Scale(unit=Unit.CURRENCY, currency="EUR").text == "EUR"
    assert Scale(unit=Unit.CURRENCY, currency="USD").text == "currency"
    assert Scale(unit=Unit.COUNT, label="tickets").text == "tickets"
    assert RATE.text == "percent"
    assert format_change(-2.0, "tickets") == "-2 tickets"


def test_small_values_are_questioned_only_when_a_slip_explains_them() -> None:
    assert scale_hint(0.5, Unit.COUNT, 75.0, 90.0) is None  # a bad week, not a typo
    assert scale_hint(1.0, Unit.COUNT, 0.0, 100.0) is None
    assert scale_hint(0.0004, Unit.PER_1000, 0.012, 0.009) is None
    assert scale_hint(0.25, Unit.HOURS, 6.0, 3.0) is not None  # days typed on an hours KR


def test_join_span_names_a_word_unit_once() -> None:
    assert join_span("17.4 per 1,000", "13 per 1,000") == "17.4 → 13 per 1,000"
    assert join_span("145 h", "94 h") == "145 → 94 h"
    assert join_span("22%", "26%") == "22% → 26%"
    assert join_span("1 day", "2 days") == "1 day → 2 days"
    assert join_span("—", "3 h") == "— → 3 h"
    assert join_span("1,200", "1,500") == "1,200 → 1,500"
