"""Churn (customers lost per period): hand-worked cases, the definition's checks, and the
words and defaults that follow from a value read over whole periods."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from pydantic import ValidationError

from conftest import duckdb_source
from sowhat.domain.okr import Indicator
from sowhat.metrics.engine import compute
from sowhat.metrics.source import EventSource
from sowhat.spec.metric_defs import (
    MetricsFile,
    averaged_buckets,
    default_indicator,
    default_over_days,
    over_too_short,
)
from sowhat.spec.metric_units import metric_scale

D = datetime


def _row(event: str, ts: datetime, account: str | None, plan: str = "small") -> dict[str, Any]:
    return {"event": event, "timestamp": ts, "user_id": None, "account_id": account,
            "properties": {"plan": plan}}


START, END = "subscribed", "cancelled"
ROWS = [
    # a1: a customer on Oct 1, cancels in October
    _row(START, D(2026, 9, 10), "a1"), _row(END, D(2026, 10, 15), "a1"),
    # a2: a customer throughout (enterprise)
    _row(START, D(2026, 9, 20), "a2", "enterprise"),
    # a3: starts and cancels inside October: in no month's base
    _row(START, D(2026, 10, 5), "a3"), _row(END, D(2026, 10, 20), "a3"),
    # a4: cancelled in August, back on Oct 10: not in October's base, in November's, and
    # cancels in its last hour
    _row(START, D(2026, 8, 1), "a4"), _row(END, D(2026, 9, 1), "a4"),
    _row(START, D(2026, 10, 10), "a4"), _row(END, D(2026, 11, 30, 23), "a4"),
    # a5: a cancellation with no start: never a customer
    _row(END, D(2026, 10, 3), "a5"),
    # a6: start and end at one instant: the end comes after, so not a customer on Oct 1
    _row(START, D(2026, 9, 15, 12), "a6"), _row(END, D(2026, 9, 15, 12), "a6"),
    # a7: cancels at exactly Nov 1 00:00: still a customer at November's start, churned in it
    _row(START, D(2026, 9, 1), "a7"), _row(END, D(2026, 11, 1), "a7"),
    # a8: enterprise when it became a customer; a second start (small) changes nothing
    _row(START, D(2026, 9, 25), "a8", "enterprise"), _row(START, D(2026, 10, 2), "a8"),
    # a9: two cancellations in October count once
    _row(START, D(2026, 9, 1), "a9"), _row(END, D(2026, 10, 10), "a9"),
    _row(END, D(2026, 10, 12), "a9"),
    # unrelated traffic and an event with no account
    _row("session", D(2026, 10, 7), "a2"), _row(START, D(2026, 9, 3), None),
]
CATALOG = MetricsFile.model_validate({
    "metrics": {
        "monthly_churn": {"type": "churn", "entity": "account_id", "start": {"event": START},
                          "end": {"event": END}, "per": "month"},
        "weekly_churn": {"type": "churn", "entity": "account_id", "start": {"event": START},
                         "end": {"event": END}, "per": "week"},
    },
    "segments": {"enterprise": {"property": "plan", "equals": "enterprise"},
                 "small": {"property": "plan", "equals": "small"}},
})


@pytest.fixture
def src() -> Any:
    s = duckdb_source(ROWS)
    yield s
    s.close()


def _one(src: EventSource, name: str, start: datetime, end: datetime,
         as_of: datetime | None = None, segment: str | None = None) -> Any:
    [v] = compute(name, catalog=CATALOG, events=src, start=start, end=end, as_of=as_of,
                  segment=segment)
    return v


def test_monthly_churn_pools_customers_lost_over_customers_at_each_months_start(
        src: EventSource) -> None:
    # October: base a1 a2 a7 a8 a9, lost a1 a9; November: base a2 a4 a7 a8, lost a4 a7
    v = _one(src, "monthly_churn", D(2026, 10, 1), D(2026, 12, 1))
    assert v.value == pytest.approx(4 / 9)
    assert (v.n, v.sum, v.entities) == (9.0, 4.0, 6)
    # one month each: a month that ends after the as-of, or starts before the window, is out
    assert _one(src, "monthly_churn", D(2026, 10, 1), D(2026, 12, 1),
                as_of=D(2026, 11, 20)).value == pytest.approx(2 / 5)
    assert _one(src, "monthly_churn", D(2026, 10, 15), D(2026, 12, 1)).value == pytest.approx(
        2 / 4)
    # no whole month inside the window: undefined, not 0
    assert _one(src, "monthly_churn", D(2026, 10, 5), D(2026, 10, 30)).value is None


def test_the_segment_is_read_on_the_start_that_made_the_customer(src: EventSource) -> None:
    # enterprise: a2 and a8 in both months, neither leaves
    assert _one(src, "monthly_churn", D(2026, 10, 1), D(2026, 12, 1),
                segment="enterprise").value == 0.0
    # small: October a1 a7 a9 (a1 a9 lost), November a4 a7 (both lost); a8's later small
    # start does not move it
    assert _one(src, "monthly_churn", D(2026, 10, 1), D(2026, 12, 1),
                segment="small").value == pytest.approx(4 / 5)


def test_weeks_in_which_nobody_acted_still_count_their_customers(src: EventSource) -> None:
    # Nov 2 - Nov 30 2026: four ISO weeks with no event at all; a2, a4 and a8 are customers
    # at each week's start (a7 left on Nov 1), nobody leaves before Nov 30
    v = _one(src, "weekly_churn", D(2026, 11, 2), D(2026, 11, 30))
    assert (v.value, v.n, v.entities) == (0.0, 12.0, 3)
    # a week-by-week series: of the customers at the start of the week of Oct 12 (a1 a2 a3
    # a4 a7 a8: a9 left on Oct 10, a3 only leaves the next week), a1 leaves on Thursday
    series = compute("weekly_churn", catalog=CATALOG, events=src, start=D(2026, 10, 12),
                     end=D(2026, 10, 19), grain="week")
    assert [x.value for x in series] == [pytest.approx(1 / 6)]


def test_a_churn_metric_is_a_lagging_percentage_read_over_whole_periods() -> None:
    m = CATALOG.metrics["monthly_churn"]
    scale = metric_scale(m, CATALOG)
    assert (scale.unit.value, scale.low, scale.high) == ("percent", 0.0, 1.0)
    assert default_indicator(m) is Indicator.LAGGING
    # 28 days of a monthly churn are its latest whole calendar month (windows snap to months)
    assert default_over_days(m) == 28
    assert over_too_short(m, 27) is not None
    assert over_too_short(m, 28) is None
    assert over_too_short(m, 62) is None
    assert over_too_short(CATALOG.metrics["weekly_churn"], 14) is None
    covered = averaged_buckets(m, D(2026, 9, 15), D(2026, 12, 3))
    assert covered is not None
    assert covered.span == "2 complete months"


def test_a_definition_needs_two_different_events() -> None:
    with pytest.raises(ValidationError, match="same event"):
        MetricsFile.model_validate({"metrics": {"c": {
            "type": "churn", "entity": "account_id", "start": {"event": "x"},
            "end": {"event": "x"}, "per": "month"}}})
    with pytest.raises(ValidationError, match="per"):
        MetricsFile.model_validate({"metrics": {"c": {
            "type": "churn", "entity": "account_id", "start": {"event": "x"},
            "end": {"event": "y"}, "per": "quarter"}}})


ACTIVITY = MetricsFile.model_validate({
    "metrics": {"lapse": {"type": "churn", "entity": "user_id", "active": {"event": "opened"},
                          "per": "week"}},
    "segments": {"pro": {"property": "plan", "equals": "pro"}},
})


def _open(ts: datetime, user: str, plan: str = "free") -> dict[str, Any]:
    return {"event": "opened", "timestamp": ts, "user_id": user, "account_id": None,
            "properties": {"plan": plan}}


def test_activity_churn_is_last_periods_active_who_did_not_come_back() -> None:
    """Weeks of Nov 2, 9 and 16, 2026 (Mondays). u1 opens every week; u2 only the first;
    u3 the first two (as pro the first); u4 only the second; u5 only in the week before."""
    rows = [_open(D(2026, 10, 28), "u5"),
            _open(D(2026, 11, 2, 9), "u1"), _open(D(2026, 11, 3), "u2"),
            _open(D(2026, 11, 4), "u3", "pro"),
            _open(D(2026, 11, 10), "u1"), _open(D(2026, 11, 12), "u3"),
            _open(D(2026, 11, 15, 23), "u4"),
            _open(D(2026, 11, 16), "u1")]
    with duckdb_source(rows) as src:
        def one(start: datetime, end: datetime, segment: str | None = None) -> Any:
            [v] = compute("lapse", catalog=ACTIVITY, events=src, start=start, end=end,
                          segment=segment)
            return v

        # week of Nov 2: base {u5} (active the week before), u5 lost: 1/1
        # week of Nov 9: base {u1 u2 u3}, u2 lost: 1/3; week of Nov 16: base {u1 u3 u4},
        # u3 and u4 lost: 2/3
        v = one(D(2026, 11, 2), D(2026, 11, 23))
        assert v.value == pytest.approx(4 / 7)
        assert (v.n, v.sum, v.entities) == (7.0, 4.0, 5)
        assert one(D(2026, 11, 9), D(2026, 11, 16)).value == pytest.approx(1 / 3)
        # the segment is read on the week before's events: u3 was pro in the week of Nov 2
        assert one(D(2026, 11, 9), D(2026, 11, 16), "pro").value == 0.0
        # nobody active the week before: no base, no value (not 0)
        assert one(D(2026, 10, 19), D(2026, 10, 26)).value is None


def test_a_churn_metric_is_one_kind_or_the_other() -> None:
    for wrong in ({"active": {"event": "a"}, "start": {"event": "s"}, "end": {"event": "e"}},
                  {"start": {"event": "s"}}, {}):
        with pytest.raises(ValidationError, match="`start` and `end`"):
            MetricsFile.model_validate({"metrics": {"c": {
                "type": "churn", "entity": "user_id", "per": "week", **wrong}}})
