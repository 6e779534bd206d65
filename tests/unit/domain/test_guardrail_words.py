"""A guardrail's breach reason speaks in its metric's unit, as status and the web do."""

from __future__ import annotations

from sowhat.domain.okr import Change, Guardrail


def test_a_rate_breach_reads_in_percent() -> None:
    rule = Guardrail(metric="refund_rate", max_change=Change.parse("+10%"))
    assert rule.breached(0.075, 0.091, "percent") == (
        "refund_rate moved from 7.5% to 9.1%, more than the allowed +10%")


def test_an_absolute_floor_reads_in_hours() -> None:
    rule = Guardrail(metric="time_to_first_value", max=96.0)
    assert rule.breached(None, 121.0, "hours") == (
        "time_to_first_value is 121 h, above its limit 96 h")


def test_a_holding_guardrail_has_no_reason() -> None:
    rule = Guardrail(metric="nps", min_change=Change.parse("-3"))
    assert rule.breached(38.2, 36.0, "nps") is None
