"""`sowhat tracking check` on crafted events: unmeasurable metrics, property problems."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from conftest import duckdb_source, write_segment_jsonl
from sowhat.metrics.ingest import ingest
from sowhat.metrics.source import EventSource
from sowhat.metrics.tracking import check_tracking
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.tracking_defs import TrackingPlan

CATALOG = MetricsFile.model_validate({"metrics": {
    "activation": {"type": "conversion", "entity": "account_id", "from": {"event": "signup"},
                   "to": {"event": "project_created"}, "within": "7d"},
    "tickets": {"type": "count", "event": "ticket_opened"},
    "signups": {"type": "count", "event": "signup"},
}})
PLAN = TrackingPlan.model_validate({
    "common_properties": {"plan": {"type": "string", "required": True}},
    "events": {
        "signup": {},
        "project_created": {},
        "survey_answered": {"properties": {"score": {"type": "integer", "required": True}}},
    },
})


def ev(event: str, day: int, **props: Any) -> dict[str, Any]:
    return {"event": event, "timestamp": datetime(2026, 11, day), "user_id": f"u{day}",
            "account_id": "a1", "properties": props}


ROWS = [
    ev("signup", 2, plan="mid"),
    ev("signup", 3),  # plan missing
    ev("survey_answered", 4, plan="mid", score=9),
    ev("survey_answered", 5, plan="mid", score=7.5),  # not an integer
    ev("survey_answered", 6, plan="mid", score="ten"),  # not a number
    ev("survey_answered", 7, plan=3),  # plan mistyped, score missing
    ev("page_viewed", 8, plan="mid"),  # not planned
]


def check(source: EventSource) -> Any:
    return check_tracking(events=source, plan=PLAN, catalog=CATALOG,
                          used_by={"activation": ["2026-Q4/act"], "ghost": ["2026-Q4/g"]})


def _assert_report(report: Any) -> None:
    assert report.event_counts["signup"] == 2
    unmeasurable = {u.metric: u for u in report.unmeasurable}
    assert unmeasurable["activation"].missing_events == ("project_created",)
    assert unmeasurable["activation"].used_by == ("2026-Q4/act",)
    assert unmeasurable["tickets"].used_by == ()  # not used by a KR: reported, not blocking
    assert {u.metric for u in report.blocking} == {"activation", "ghost"}
    assert not report.ok
    issues = {(i.event, i.property, i.problem): i for i in report.property_issues}
    assert issues[("signup", "plan", "missing")].count == 1
    assert issues[("survey_answered", "score", "mistyped")].count == 2
    assert issues[("survey_answered", "score", "missing")].count == 1
    assert issues[("survey_answered", "plan", "mistyped")].count == 1
    example = issues[("survey_answered", "score", "mistyped")].examples
    assert [e["user_id"] for e in example] == ["u5", "u6"]
    assert report.unplanned_events == (("page_viewed", 1),)
    assert report.planned_but_unseen == ("project_created",)
    assert any("ticket_opened" in p for p in report.plan_problems)


def test_tracking_check_on_json_properties() -> None:
    with duckdb_source(ROWS) as source:
        _assert_report(check(source))


def test_tracking_check_on_the_store_with_typed_columns(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    write_segment_jsonl(ROWS, path)
    ingest([path], store=tmp_path / "e.duckdb")
    with EventSource.duckdb(tmp_path / "e.duckdb") as source:
        _assert_report(check(source))


def test_a_segment_no_event_matches_is_one_line_naming_its_metrics() -> None:
    """A segment on a property no event carries read "matches nothing" once per metric;
    now one line per segment names the metrics and their events, and a segment that
    matches one metric's events but not another's keeps its own line."""
    catalog = MetricsFile.model_validate({
        "metrics": {"signups": {"type": "count", "event": "signup"},
                    "surveys": {"type": "count", "event": "survey_answered"},
                    "views": {"type": "count", "event": "page_viewed"}},
        "segments": {"eu": {"property": "region", "in": ["eu"]},
                     "small": {"property": "plan", "in": ["small"]}}})
    rows = [*ROWS, ev("page_viewed", 9, plan="small")]
    with duckdb_source(rows) as source:
        report = check_tracking(events=source, plan=None, catalog=catalog)
    eu = [w for w in report.filter_warnings if "[eu]" in w]
    assert eu == ["signups, surveys, views [eu]: the segment (property: region, in: ('eu',)) "
                  "matches none of their events in the data (2 'signup', 4 "
                  "'survey_answered', 2 'page_viewed')"]
    small = sorted(w for w in report.filter_warnings if "[small]" in w)
    assert small == ["signups, surveys [small]: the segment (property: plan, in: ('small',)) "
                     "matches none of their events in the data (2 'signup', 4 "
                     "'survey_answered')"]
