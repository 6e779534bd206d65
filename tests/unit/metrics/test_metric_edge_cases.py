"""Hand-computed answers on a tiny crafted event log: the edge cases DESIGN.md spells out."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from conftest import duckdb_source
from sowhat.errors import UserError
from sowhat.metrics.engine import compile_sql, compute
from sowhat.metrics.source import EventSource
from sowhat.spec.metric_defs import MetricsFile

CAT = MetricsFile.model_validate({
    "metrics": {
        "activation": {"type": "conversion", "entity": "account_id",
                       "from": {"event": "signup"}, "to": {"event": "project_created"},
                       "within": "7d"},
        "ttv": {"type": "duration", "entity": "account_id", "from": {"event": "signup"},
                "to": {"event": "project_created"}, "statistic": "median", "unit": "hours"},
        "tickets": {"type": "count", "event": "ticket_opened"},
        "signups": {"type": "count", "event": "signup"},
        "active_users": {"type": "unique", "entity": "user_id", "event": "session_start"},
        "revenue": {"type": "sum", "event": "invoice_paid", "property": "amount"},
        "avg_invoice": {"type": "average", "event": "invoice_paid", "property": "amount"},
        "nps": {"type": "nps", "entity": "user_id", "event": "survey_answered"},
        "per_user": {"type": "ratio", "numerator": "tickets", "denominator": "active_users"},
    },
    "segments": {"mid": {"property": "plan", "in": ["mid"]}},
})


def ev(event: str, ts: str, user: str | None, account: str | None, **props: Any
       ) -> dict[str, Any]:
    return {"event": event, "timestamp": datetime.fromisoformat(ts), "user_id": user,
            "account_id": account, "properties": props}


ROWS = [
    ev("signup", "2026-11-02T10:00", "u1", "a1", plan="mid"),
    ev("project_created", "2026-11-02T10:00", "u1", "a1"),  # at the anchor's instant: counts
    ev("project_created", "2026-11-01T08:00", "u2", "a2"),  # before the anchor: does not
    ev("signup", "2026-11-03T09:00", "u2", "a2", plan="small"),
    ev("signup", "2026-11-04T00:00", "u3", "a3", plan="mid"),
    ev("project_created", "2026-11-11T00:00", "u3", "a3"),  # exactly anchor + 7d: counts
    ev("signup", "2026-11-05T00:00", "u4", "a4", plan="mid"),
    ev("project_created", "2026-11-12T00:00:01", "u4", "a4"),  # one second late
    ev("signup", "2026-11-06T12:00", "u5", "a5", plan="small"),  # two signups at one instant:
    ev("signup", "2026-11-06T12:00", "u6", "a5", plan="mid"),  # a5 is in the mid segment
    ev("signup", "2026-11-09T00:00", "u8", "a7", plan="small"),  # Monday 00:00: next week
    ev("signup", "2026-11-13T00:00", "u7", "a6", plan="mid"),  # immature on 2026-11-16
    ev("signup", "2026-11-03T00:00", "u9", None, plan="mid"),  # no account: not an entity
    ev("ticket_opened", "2026-11-10T10:00", "u1", "a1"),
    ev("ticket_opened", "2026-11-10T10:00", "u1", "a1"),  # duplicate: both count
    ev("ticket_opened", "2026-11-08T23:59:59", "u2", "a2"),
    ev("ticket_opened", "2026-11-16T00:00", "u2", "a2"),  # at the end: outside
    ev("session_start", "2026-11-10T10:00", "u1", "a1"),
    ev("session_start", "2026-11-10T11:00", None, "a1"),  # null user: not an entity
    ev("session_start", "2026-11-10T12:00", "u2", "a2"),
    ev("invoice_paid", "2026-11-03T00:00", None, "a1", amount=100),
    ev("invoice_paid", "2026-11-04T00:00", None, "a1", amount="x"),  # not a number: skipped
    ev("invoice_paid", "2026-11-05T00:00", None, "a1", amount=None),
    ev("invoice_paid", "2026-11-06T00:00", None, "a2", amount=50.5),
    ev("survey_answered", "2026-11-03T00:00", "u1", "a1", score=3),
    ev("survey_answered", "2026-11-04T00:00", "u1", "a1", score=10),  # latest: promoter
    ev("survey_answered", "2026-11-04T00:00", "u2", "a2", score=9),  # tie: higher wins
    ev("survey_answered", "2026-11-04T00:00", "u2", "a2", score=5),
    ev("survey_answered", "2026-11-05T00:00", "u3", "a3", score=7),  # passive
    ev("survey_answered", "2026-11-05T00:00", "u4", "a4", score=0),  # detractor
    ev("survey_answered", "2026-11-05T00:00", None, "a4", score=10),  # no user: ignored
]
START, END = datetime(2026, 11, 2), datetime(2026, 11, 16)


@pytest.fixture(scope="module")
def src() -> Iterator[EventSource]:
    s = duckdb_source(ROWS)
    yield s
    s.close()


def one(src: EventSource, name: str, **kw: Any) -> Any:
    kw.setdefault("start", START)
    kw.setdefault("end", END)
    values = compute(name, catalog=CAT, events=src, **kw)
    assert len(values) == 1
    return values[0]


def test_conversion_counts_ties_and_boundaries_and_excludes_immature(src: EventSource) -> None:
    v = one(src, "activation")
    assert (v.value, v.entities, v.excluded_immature) == (pytest.approx(2 / 6), 6, 1)
    assert (v.n, v.sum) == (6, 2)


def test_conversion_weekly_series_all_as_of_the_series_end(src: EventSource) -> None:
    weeks = compute("activation", catalog=CAT, events=src, start=START, end=END, grain="week")
    assert [(w.value, w.entities, w.excluded_immature) for w in weeks] == [
        (pytest.approx(2 / 5), 5, 0), (0.0, 1, 1)]


def test_segment_filters_the_anchor_event_with_ties(src: EventSource) -> None:
    v = one(src, "activation", segment="mid")
    assert (v.value, v.entities, v.excluded_immature) == (0.5, 4, 1)


def test_as_of_hides_later_events_and_keeps_cohorts_immature(src: EventSource) -> None:
    v = one(src, "activation", as_of=datetime(2026, 11, 10, 12))
    assert (v.value, v.entities, v.excluded_immature) == (0.5, 2, 4)


def test_empty_windows_are_none_for_rates_and_zero_for_counts(src: EventSource) -> None:
    kw = {"start": datetime(2026, 12, 1), "end": datetime(2026, 12, 8)}
    rate = one(src, "activation", **kw)
    assert (rate.value, rate.entities, rate.excluded_immature) == (None, 0, 0)
    assert one(src, "tickets", **kw).value == 0
    assert one(src, "avg_invoice", **kw).value is None
    assert one(src, "nps", **kw).value is None
    assert one(src, "per_user", **kw).value is None


def test_counts_keep_duplicates_and_respect_half_open_windows(src: EventSource) -> None:
    assert one(src, "tickets").value == 3
    weeks = compute("tickets", catalog=CAT, events=src, start=START, end=END, grain="week")
    assert [w.value for w in weeks] == [1, 2]


def test_null_ids_are_not_entities(src: EventSource) -> None:
    assert one(src, "active_users").value == 2
    assert one(src, "signups").value == 9  # events still count


def test_sum_and_average_skip_non_numeric_values(src: EventSource) -> None:
    total = one(src, "revenue")
    assert (total.value, total.n, total.sum, total.sum_squares) == (
        150.5, 2, 150.5, 100**2 + 50.5**2)
    assert one(src, "avg_invoice").value == pytest.approx(75.25)


def test_nps_takes_the_latest_answer_per_person(src: EventSource) -> None:
    v = one(src, "nps")
    assert (v.value, v.entities) == (25.0, 4)
    assert v.sum / v.n == v.value


def test_duration_counts_a_zero_and_leaves_out_the_unconverted(src: EventSource) -> None:
    v = one(src, "ttv")
    # mature cohort has no window here: a1 (0 h), a3 (168 h), a4 (168 h + 1 s); a2, a5, a6,
    # a7 have no project after their signup.
    assert v.entities == 7
    assert v.without_outcome == 4
    assert v.value == pytest.approx(168.0)


def test_ratio_of_count_and_unique(src: EventSource) -> None:
    v = one(src, "per_user")
    assert (v.value, v.sum, v.n) == (1.5, 3, 2)


def test_aware_datetimes_are_converted_to_utc(src: EventSource) -> None:
    plus2 = timezone(timedelta(hours=2))
    v = one(src, "tickets", start=datetime(2026, 11, 2, 2, tzinfo=plus2),
            end=datetime(2026, 11, 9, 2, tzinfo=plus2))
    assert v.value == 1
    assert v.start == datetime(2026, 11, 2, tzinfo=UTC)


def test_unknown_names_are_user_errors_with_hints(src: EventSource) -> None:
    with pytest.raises(UserError, match="unknown segment") as err:
        one(src, "activation", segment="midd")
    assert "did you mean 'mid'" in (err.value.hint or "")
    with pytest.raises(UserError, match="unknown metric"):
        one(src, "activaton")
    with pytest.raises(UserError, match="before it starts"):
        one(src, "tickets", start=END, end=START)


def test_compile_sql_needs_no_events() -> None:
    sql = compile_sql("activation", catalog=CAT, start=START, end=END, grain="week",
                      segment="mid")
    assert "DATE_TRUNC('WEEK'" in sql
    assert "project_created" in sql
    pg = compile_sql("activation", catalog=CAT, start=START, end=END, dialect="postgres")
    assert "INTERVAL '604800 SECOND'" in pg
