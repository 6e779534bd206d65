"""An event a metric needs that the data never has, when the data has it spelt otherwise:
"signup" in metrics.yaml, "Sign Up" from a Mixpanel export. The check names the data's
spelling instead of leaving people to compare two lists by eye."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from conftest import duckdb_source
from sowhat.metrics.presence import lookalike_hint, lookalikes
from sowhat.metrics.tracking import check_tracking
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.tracking_defs import TrackingPlan

SEEN = {"Sign Up", "Project Created", "Workflow Run", "$pageview", "checkout_started"}


@pytest.mark.parametrize(("name", "found"), [
    ("signup", ["Sign Up"]),  # case and separators folded
    ("sign_up", ["Sign Up"]),
    ("signUp", ["Sign Up"]),  # camelCase
    ("project_created", ["Project Created"]),
    ("pageview", ["$pageview"]),
    ("workflow_runs", ["Workflow Run"]),  # a near spelling of the folded name
    ("checkout_startd", ["checkout_started"]),
    ("purchase", []),  # nothing close: no guess
    ("checkout", []),  # a prefix is not the same event
])
def test_lookalikes(name: str, found: list[str]) -> None:
    assert lookalikes(name, SEEN) == found


def test_the_name_itself_is_not_its_own_lookalike() -> None:
    assert lookalikes("Sign Up", SEEN) == []


def test_the_hint_names_each_missing_event_that_has_one() -> None:
    assert lookalike_hint(["project_created", "signup", "refund"], SEEN) == (
        "the data has 'Project Created' for project_created, 'Sign Up' for signup: use its "
        "spelling in metrics.yaml and tracking-plan.yaml")
    assert lookalike_hint(["refund"], SEEN) == ""


def test_tracking_check_names_the_datas_spelling() -> None:
    rows: list[dict[str, Any]] = [
        {"event": "Sign Up", "timestamp": datetime(2026, 11, 2), "user_id": "u1",
         "account_id": "a1", "properties": {}},
        {"event": "Project Created", "timestamp": datetime(2026, 11, 3), "user_id": "u1",
         "account_id": "a1", "properties": {}},
    ]
    catalog = MetricsFile.model_validate({"metrics": {"activation": {
        "type": "conversion", "entity": "account_id", "from": {"event": "signup"},
        "to": {"event": "project_created"}, "within": "7d"}}})
    plan = TrackingPlan.model_validate({"events": {"signup": {}, "refund_issued": {}}})
    with duckdb_source(rows) as source:
        report = check_tracking(events=source, plan=plan, catalog=catalog,
                                used_by={"activation": ["2026-Q4/act"]})
    (u,) = report.unmeasurable
    assert u.missing_events == ("project_created", "signup")
    assert "'Project Created' for project_created, 'Sign Up' for signup" in u.lookalikes
    # planned events never seen get the data's spelling too (and no guess for the rest)
    assert report.planned_but_unseen == ("signup", "refund_issued")
    assert report.unseen_lookalikes == {"signup": "Sign Up"}
