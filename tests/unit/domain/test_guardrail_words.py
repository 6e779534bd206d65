"""A guardrail's breach reason speaks in its metric's unit, as status and the web do."""

from __future__ import annotations

from sowhat.domain.okr import Change, Guardrail


def test_a_rate_breach_reads_in_percent() -> None:
    rule = Guardrail(metric="refund_rate", max_change=Change.parse("+10%"))
    assert rule.breached(0.075, 0.091, "percent") == (
        "refund_rate rose from 7.5% to 9.1% (+21.3%), more than the allowed +10%")


def test_a_drop_names_how_far_in_the_rules_terms() -> None:
    """The demo's NPS guardrail read "moved from 38.2 to 24.5, below the allowed -3"."""
    nps = Guardrail(metric="nps", min_change=Change.parse("-3"))
    assert nps.breached(38.2, 24.5, "points") == (
        "nps fell from 38.2 to 24.5 (-13.7 pts), more than the allowed -3 pts")
    share = Guardrail(metric="activation", min_change=Change.parse("-2pp"))
    assert share.breached(0.40, 0.35, "percent") == (
        "activation fell from 40% to 35% (-5 pts), more than the allowed -2 pts")
    per = Guardrail(metric="tickets", max_change=Change.parse("+0.002"))
    assert per.breached(0.0187, 0.0214, "per_1000") == (
        "tickets rose from 18.7 per 1,000 to 21.4 per 1,000 (+2.7 per 1,000), more than the "
        "allowed +2 per 1,000")


def test_an_absolute_floor_reads_in_hours() -> None:
    rule = Guardrail(metric="time_to_first_value", max=96.0)
    assert rule.breached(None, 121.0, "hours") == (
        "time_to_first_value is 121 h, above its limit 96 h")


def test_a_holding_guardrail_has_no_reason() -> None:
    rule = Guardrail(metric="nps", min_change=Change.parse("-3"))
    assert rule.breached(38.2, 36.0, "nps") is None


def test_the_bound_in_words_on_the_objective_page() -> None:
    """The objective page said "nps must not fall below -3", which reads as a floor at -3."""
    assert Guardrail(metric="nps", min_change=Change.parse("-3")).describe("points") == (
        "must not fall more than 3 pts")
    assert Guardrail(metric="r", max_change=Change.parse("+10%")).describe("percent") == (
        "must not rise more than 10%")
    assert Guardrail(metric="a", min_change=Change.parse("-2pp")).describe("percent") == (
        "must not fall more than 2 pts")
    assert Guardrail(metric="t", max=96.0).describe("hours") == "must stay at or under 96 h"
    assert Guardrail(metric="c", min=0.2).describe("percent") == "must stay at or above 20%"
    assert Guardrail(metric="c", min_change=Change.parse("+1pp")).describe("percent") == (
        "must rise at least 1 pt")
    assert Guardrail(metric="c", min_change=Change(0.0)).describe(None) == "must not fall"


def test_a_bound_that_demands_a_move_says_so_when_breached() -> None:
    """`max_change: -10%` on revenue asks it to fall at least 10%; a 24% rise breached it and
    read "rose ... (+23.8%), more than the allowed -10%"."""
    rule = Guardrail(metric="revenue", max_change=Change.parse("-10%"))
    assert rule.demands_a_move() == "max_change"
    assert rule.breached(25608.0, 31715.0, "currency") == (
        "revenue rose from $25,608 to $31,715 (+23.8%), but the guardrail says it must fall "
        "at least 10%")
    assert rule.breached(25608.0, 22000.0, "currency") is None  # fell 14%: it holds
    rise = Guardrail(metric="nps", min_change=Change.parse("+2"))
    assert rise.demands_a_move() == "min_change"
    assert rise.breached(30.0, 30.0, "points") == (
        "nps stayed at 30 (0 pts), but the guardrail says it must rise at least 2 pts")
    assert Guardrail(metric="nps", min_change=Change.parse("-3")).demands_a_move() is None
    assert Guardrail(metric="t", max_change=Change.parse("+10%")).demands_a_move() is None


def test_a_guardrail_is_judged_only_with_what_its_bounds_need() -> None:
    rise = Guardrail(metric="tickets", max_change=Change.parse("+10%"))
    assert rise.judged(100.0, 105.0)
    assert not rise.judged(None, 105.0)  # a change bound with no baseline: no evidence
    assert not rise.judged(100.0, None)
    cap = Guardrail(metric="tickets", max=50.0)
    assert cap.judged(None, 40.0)  # an absolute bound needs no baseline
    both = Guardrail(metric="tickets", max_change=Change.parse("+10%"), max=50.0)
    assert both.judged(None, 60.0)  # the cap broke: judged, breached
    assert not both.judged(None, 40.0)  # the cap held, the change could not be read
