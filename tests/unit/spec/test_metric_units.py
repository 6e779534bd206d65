"""A metric's `unit:`, its type's default, and the scale KRs inherit from it."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from sowhat.domain.units import Unit
from sowhat.spec.metric_defs import MetricsFile, metric_definition_hash
from sowhat.spec.metric_units import kr_scale, metric_scale, metric_unit

EVENT = {"event": "e"}
DEFS: dict[str, dict[str, Any]] = {
    "conv": {"type": "conversion", "entity": "user_id", "from": EVENT, "to": EVENT,
             "within": "7d"},
    "ret": {"type": "retention", "entity": "user_id", "start": EVENT, "return": EVENT,
            "day": 7},
    "nps": {"type": "nps", "event": "survey"},
    "ttfv": {"type": "duration", "entity": "user_id", "from": EVENT, "to": EVENT,
             "unit": "minutes"},
    "ttfv_default": {"type": "duration", "entity": "user_id", "from": EVENT, "to": EVENT},
    "tickets": {"type": "count", "event": "ticket"},
    "teams": {"type": "unique", "entity": "account_id", "event": "run"},
    "revenue": {"type": "sum", "event": "paid", "property": "amount"},
    "basket": {"type": "average", "event": "paid", "property": "amount"},
    "per_team": {"type": "ratio", "numerator": "tickets", "denominator": "teams"},
    "margin": {"type": "ratio", "numerator": "revenue", "denominator": "tickets"},
}


def catalog(**overrides: dict[str, Any]) -> MetricsFile:
    return MetricsFile.model_validate({"metrics": {**DEFS, **overrides}})


@pytest.mark.parametrize(("name", "unit"), [
    ("conv", Unit.PERCENT), ("ret", Unit.PERCENT), ("nps", Unit.POINTS),
    ("ttfv", Unit.MINUTES), ("ttfv_default", Unit.HOURS), ("tickets", Unit.COUNT),
    ("teams", Unit.COUNT), ("revenue", Unit.COUNT), ("basket", Unit.COUNT),
    ("per_team", Unit.RATIO),
])
def test_default_units(name: str, unit: Unit) -> None:
    assert metric_unit(catalog().metrics[name]) is unit


def test_written_unit_wins_and_keeps_the_range() -> None:
    cat = catalog(
        ctr={"type": "ratio", "numerator": "tickets", "denominator": "teams", "unit": "percent"},
        conv={**DEFS["conv"], "unit": "ratio"},
        revenue={**DEFS["revenue"], "unit": "currency", "currency": "eur"},
    )
    assert metric_scale(cat.metrics["ctr"], cat).unit is Unit.PERCENT
    assert metric_scale(cat.metrics["ctr"], cat).low == 0.0  # counts over counts
    conv = metric_scale(cat.metrics["conv"], cat)
    assert (conv.unit, conv.low, conv.high) == (Unit.RATIO, 0.0, 1.0)
    money = metric_scale(cat.metrics["revenue"], cat)
    assert money.format(1500.0) == "€1,500"


def test_ranges_by_type() -> None:
    cat = catalog()
    assert (metric_scale(cat.metrics["nps"]).low, metric_scale(cat.metrics["nps"]).high) == (
        -100.0, 100.0)
    assert metric_scale(cat.metrics["tickets"]).low == 0.0
    assert metric_scale(cat.metrics["revenue"]).low is None
    assert metric_scale(cat.metrics["per_team"], cat).low == 0.0
    assert metric_scale(cat.metrics["margin"], cat).low is None  # a sum may be negative


def test_unit_is_presentation_except_on_durations() -> None:
    plain, shown = catalog(), catalog(tickets={**DEFS["tickets"], "unit": "per_1000"})
    assert metric_definition_hash(plain.metrics["tickets"]) == metric_definition_hash(
        shown.metrics["tickets"])
    hours = catalog(ttfv={**DEFS["ttfv"], "unit": "hours"})
    assert metric_definition_hash(plain.metrics["ttfv"]) != metric_definition_hash(
        hours.metrics["ttfv"])
    # writing the default explicitly is not a change
    explicit = catalog(ttfv_default={**DEFS["ttfv_default"], "unit": "hours"})
    assert metric_definition_hash(plain.metrics["ttfv_default"]) == metric_definition_hash(
        explicit.metrics["ttfv_default"])


@pytest.mark.parametrize(("override", "fragment"), [
    ({"ttfv": {**DEFS["ttfv"], "unit": "percent"}}, "seconds, minutes, hours or days"),
    ({"tickets": {**DEFS["tickets"], "unit": "furlongs"}}, "percent"),
    ({"revenue": {**DEFS["revenue"], "currency": "EUR"}}, "unit: currency"),
    ({"revenue": {**DEFS["revenue"], "unit": "currency", "currency": "euro"}}, "3-letter"),
])
def test_bad_units_are_refused(override: dict[str, Any], fragment: str) -> None:
    with pytest.raises(ValidationError, match=fragment):
        catalog(**override)


def test_kr_scale() -> None:
    cat = catalog()
    assert kr_scale(metric="conv", kr_unit=None, catalog=cat).unit is Unit.PERCENT
    # the metric decides, whatever the KR writes
    assert kr_scale(metric="ttfv", kr_unit="hours", catalog=cat).unit is Unit.MINUTES
    assert kr_scale(metric=None, kr_unit="%", catalog=cat).unit is Unit.PERCENT
    free = kr_scale(metric=None, kr_unit="tickets", catalog=None)
    assert (free.unit, free.format(12.0)) == (Unit.COUNT, "12 tickets")
    assert kr_scale(metric="gone", kr_unit=None, catalog=cat).unit is Unit.COUNT
