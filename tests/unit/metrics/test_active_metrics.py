"""Active users (DAU / WAU / MAU): hand-computed values, hand-written SQL, ratio, edge cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from conftest import duckdb_source, random_rows
from sowhat.metrics.engine import MetricRequest, compute, compute_many
from sowhat.metrics.source import EventSource
from sowhat.spec.metric_defs import MetricsFile, default_indicator

D = datetime


def _row(event: str, ts: datetime, user: str | None, account: str | None = "a1"
         ) -> dict[str, Any]:
    return {"event": event, "timestamp": ts, "user_id": user, "account_id": account,
            "properties": {}}


# Weeks: W1 = Mon 2026-11-02, W2 = 11-09, W3 = 11-16.
ROWS = [
    _row("session", D(2026, 11, 2, 10), "u1"), _row("session", D(2026, 11, 3, 10), "u1"),
    _row("session", D(2026, 11, 10, 9), "u1"),
    _row("session", D(2026, 11, 4, 12), "u2"), _row("session", D(2026, 11, 16, 8), "u2"),
    _row("session", D(2026, 11, 11, 13), "u3"), _row("session", D(2026, 11, 12, 13), "u3"),
    _row("session", D(2026, 11, 17, 0), "u3"),
    _row("session", D(2026, 11, 1, 23), "u4"),  # Sunday of the week before
    _row("session", D(2026, 11, 20, 7), "u5", "a2"),
    _row("session", D(2026, 11, 5, 9), None),  # no user: never an entity
    _row("signup", D(2026, 11, 3, 9), "u6"),
]
CATALOG = MetricsFile.model_validate({"metrics": {
    "wau": {"type": "active", "entity": "user_id", "event": "session", "per": "week"},
    "dau": {"type": "active", "entity": "user_id", "event": "session", "per": "day"},
    "mau": {"type": "active", "entity": "user_id", "event": "session", "per": "month"},
    "stickiness": {"type": "ratio", "numerator": "dau", "denominator": "wau"},
}})


@pytest.fixture
def src() -> Any:
    s = duckdb_source(ROWS)
    yield s
    s.close()


def _value(src: EventSource, name: str, start: datetime, end: datetime,
           as_of: datetime | None = None) -> float | None:
    [v] = compute(name, catalog=CATALOG, events=src, start=start, end=end, as_of=as_of)
    return v.value


def test_wau_is_the_mean_weekly_distinct_count_computed_by_hand(src: EventSource) -> None:
    # W1 {u1, u2} = 2, W2 {u1, u3} = 2, W3 {u2, u3, u5} = 3
    [v] = compute("wau", catalog=CATALOG, events=src, start=D(2026, 11, 2), end=D(2026, 11, 23))
    assert v.value == pytest.approx(7 / 3)
    assert (v.n, v.sum, v.sum_squares, v.entities) == (3.0, 7.0, 17.0, 4)
    # an incomplete week at either end is left out, and so is one ending after the as-of
    assert _value(src, "wau", D(2026, 11, 2), D(2026, 11, 20)) == pytest.approx(2.0)
    assert _value(src, "wau", D(2026, 11, 3), D(2026, 11, 23)) == pytest.approx(2.5)
    assert _value(src, "wau", D(2026, 11, 2), D(2026, 11, 23), as_of=D(2026, 11, 22, 23)
                  ) == pytest.approx(2.0)
    # no complete week inside the window: undefined, not 0
    assert _value(src, "wau", D(2026, 11, 3), D(2026, 11, 9)) is None


def test_weekly_series_gives_each_weeks_wau_and_mean_dau(src: EventSource) -> None:
    [wau, dau, ratio] = compute_many(["wau", "dau", "stickiness"], catalog=CATALOG, events=src,
                                     start=D(2026, 11, 2), end=D(2026, 11, 23), grain="week")
    assert [v.value for v in wau.values] == [2.0, 2.0, 3.0]
    # W1: 2, 3 -> u1; 4 -> u2; 5 -> nobody (null user) => 3 active user-days over 7 days
    # W2: 10 u1, 11 u3, 12 u3 => 3/7; W3: 16 u2, 17 u3, 20 u5 => 3/7
    assert [v.value for v in dau.values] == pytest.approx([3 / 7, 3 / 7, 3 / 7])
    assert [v.value for v in ratio.values] == pytest.approx([3 / 14, 3 / 14, 1 / 7])
    # the single-expression path (compile._ratio) agrees with the batch (engine._combine)
    single = compute("stickiness", catalog=CATALOG, events=src, start=D(2026, 11, 2),
                     end=D(2026, 11, 23), grain="week")
    assert [v.value for v in single] == pytest.approx([v.value for v in ratio.values])


def test_complete_periods_without_activity_count_as_zero(src: EventSource) -> None:
    # a quiet fortnight: two complete weeks, nobody active -> 0, not undefined
    assert _value(src, "wau", D(2026, 12, 7), D(2026, 12, 21)) == 0.0
    [w] = compute_many(["wau", "stickiness"], catalog=CATALOG, events=src,
                       start=D(2026, 12, 7), end=D(2026, 12, 21), grain="week")[:1]
    assert [v.value for v in w.values] == [0.0, 0.0]
    # a ratio over a window with no activity at all is undefined (0 / 0)
    [s] = compute("stickiness", catalog=CATALOG, events=src, start=D(2026, 12, 7),
                  end=D(2026, 12, 21))
    assert s.value is None
    # a week with a complete day but no complete week: numerator 0-able, denominator none
    [partial] = compute("stickiness", catalog=CATALOG, events=src, start=D(2026, 12, 8),
                        end=D(2026, 12, 10))
    assert partial.value is None


def test_mau_uses_calendar_months(src: EventSource) -> None:
    # November 2026 is the only complete month of [Oct 15, Dec 15): u1..u5 = 5 users
    assert _value(src, "mau", D(2026, 10, 15), D(2026, 12, 15)) == 5.0
    assert _value(src, "mau", D(2026, 10, 1), D(2026, 12, 1)) == pytest.approx(5 / 2)
    assert _value(src, "mau", D(2026, 11, 2), D(2026, 12, 1)) is None


HAND_SQL = """
WITH periods AS (
    SELECT unnest(generate_series(date_trunc('{per}', TIMESTAMP '{start}'),
                                  TIMESTAMP '{end}', INTERVAL 1 {per})) AS p
), complete AS (
    SELECT p FROM periods
    WHERE p >= TIMESTAMP '{start}' AND p + INTERVAL 1 {per} <= TIMESTAMP '{end}'
      AND p + INTERVAL 1 {per} <= TIMESTAMP '{as_of}'
), counts AS (
    SELECT c.p, count(DISTINCT e.{entity}) AS n
    FROM complete c LEFT JOIN events e
      ON e.event = 'session' AND e.timestamp >= c.p AND e.timestamp < c.p + INTERVAL 1 {per}
     AND e.timestamp < TIMESTAMP '{as_of}'
    GROUP BY c.p
)
SELECT avg(n) AS value, count(*) AS n, sum(n * n) AS sq FROM counts
"""


@pytest.mark.parametrize("seed", [3, 8])
def test_active_matches_hand_written_sql_on_random_events(seed: int) -> None:
    rows = random_rows(seed, n=2500)
    catalog = MetricsFile.model_validate({"metrics": {
        f"{per}_{entity}": {"type": "active", "entity": entity, "event": "session", "per": per}
        for per in ("day", "week", "month") for entity in ("user_id", "account_id")}})
    windows = [(D(2026, 10, 1), D(2026, 11, 16), None),
               (D(2026, 10, 7, 13), D(2026, 11, 3), D(2026, 10, 30, 12)),
               (D(2026, 10, 2), D(2026, 11, 9), D(2026, 12, 1))]
    with duckdb_source(rows) as source:
        con = source.duckdb_connection()
        for start, end, as_of in windows:
            results = compute_many(list(catalog.metrics), catalog=catalog, events=source,
                                   start=start, end=end, as_of=as_of)
            for name, result in zip(catalog.metrics, results, strict=True):
                per, _, entity = name.partition("_")
                sql = HAND_SQL.format(per=per, entity=entity, start=start, end=end,
                                      as_of=as_of or end)
                want, n, sq = con.execute(sql).fetchall()[0]
                assert result.error is None, result.error
                [got] = result.values
                label = f"{name} {start}..{end} as of {as_of}"
                if n == 0:
                    assert got.value is None, label
                else:
                    assert got.value == pytest.approx(want, rel=1e-12), label
                    assert got.n == n, label
                    assert got.sum_squares == sq, label


def test_definitions_are_validated_and_leading() -> None:
    with pytest.raises(ValidationError, match="per"):
        MetricsFile.model_validate({"metrics": {"x": {"type": "active", "entity": "user_id",
                                                      "event": "s", "per": "quarter"}}})
    with pytest.raises(ValidationError, match="statistic must be"):
        MetricsFile.model_validate({"metrics": {"x": {"type": "average", "event": "s",
                                                      "property": "ms", "statistic": "p100"}}})
    assert str(default_indicator(CATALOG.metrics["wau"])) == "leading"


def test_one_request_per_metric_and_segment_still_batches(src: EventSource) -> None:
    results = compute_many([MetricRequest("wau"), MetricRequest("stickiness")],
                           catalog=CATALOG, events=src, start=D(2026, 11, 2),
                           end=D(2026, 11, 2) + timedelta(weeks=3))
    assert [r.error for r in results] == [None, None]
    assert results[1].values[0].value == pytest.approx((9 / 21) / (7 / 3))
