"""metrics.yaml, tracking-plan.yaml and [events] models: validation, cross-checks, hashes."""

from __future__ import annotations

from datetime import timedelta
from importlib import resources
from typing import Any

import pytest
from pydantic import ValidationError
from ruamel.yaml import YAML

from sowhat.domain.okr import Indicator
from sowhat.metrics.versioning import compare_catalog, definition_change, definition_hash
from sowhat.spec.event_source import EventSourceSpec
from sowhat.spec.metric_defs import (
    METRIC_TYPES,
    MetricsFile,
    check_metrics_file,
    default_indicator,
    metric_definition_hash,
    outcome_window,
    required_events,
)
from sowhat.spec.tracking_defs import TrackingPlan


def mf(metrics: dict[str, Any], segments: dict[str, Any] | None = None) -> MetricsFile:
    return MetricsFile.model_validate({"metrics": metrics, "segments": segments or {}})


CONV = {"type": "conversion", "entity": "account_id", "from": {"event": "signup"},
        "to": {"event": "project_created"}, "within": "7d"}


def test_demo_templates_are_valid_and_cover_every_type_but_average() -> None:
    templates = resources.files("sowhat.demo") / "templates"
    yaml = YAML(typ="safe")
    catalog = MetricsFile.model_validate(yaml.load((templates / "metrics.yaml").read_text()))
    plan = TrackingPlan.model_validate(yaml.load((templates / "tracking-plan.yaml").read_text()))
    assert check_metrics_file(catalog, tracking=plan) == []
    assert all(m.description for m in catalog.metrics.values())
    assert {m.type for m in catalog.metrics.values()} == set(METRIC_TYPES) - {"average"}
    assert set(catalog.segments) == {"small", "mid", "enterprise"}


@pytest.mark.parametrize(("metric", "needle"), [
    ({**CONV, "within": "7 days"}, "write 30m, 12h, 7d or 2w"),
    ({**CONV, "extra": 1}, "Extra inputs"),
    ({"type": "retention", "entity": "user_id", "start": {"event": "a"},
      "return": {"event": "b"}}, "exactly one of"),
    ({"type": "retention", "entity": "user_id", "start": {"event": "a"},
      "return": {"event": "b"}, "days": [7, 1]}, "0 <= a <= b"),
    ({"type": "duration", "entity": "user_id", "from": {"event": "a"}, "to": {"event": "b"},
      "statistic": "p100"}, "median, mean or pNN"),
    ({"type": "count", "event": "a", "where": {"property": "plan"}}, "needs an operator"),
    ({"type": "unique", "event": "a"}, "entity"),
    ({"type": "funnel", "event": "a"}, "does not match any of the expected tags"),
])
def test_invalid_definitions_are_rejected(metric: dict[str, Any], needle: str) -> None:
    with pytest.raises(ValidationError, match=needle):
        mf({"m": metric})


def test_names_must_be_lowercase_identifiers() -> None:
    with pytest.raises(ValidationError, match="lowercase letters"):
        mf({"Activation": CONV})


def test_cross_references_unknown_parts_cycles_and_the_tracking_plan() -> None:
    catalog = mf({
        "activation_rate": CONV,
        "r1": {"type": "ratio", "numerator": "activaton_rate", "denominator": "r2"},
        "r2": {"type": "ratio", "numerator": "r1", "denominator": "activation_rate"},
        "big": {"type": "sum", "event": "invoice_paid", "property": "amout"},
    }, {"mid": {"property": "plna", "in": ["mid"]}})
    problems = check_metrics_file(catalog)
    assert (("metrics", "r1", "numerator"), "numerator names unknown metric 'activaton_rate'",
            "did you mean 'activation_rate'?") in problems
    assert any("ratio cycle: r1 -> r2 -> r1" in msg for _, msg, _ in problems)
    plan = TrackingPlan.model_validate({
        "common_properties": {"plan": {"type": "string", "required": True}},
        "events": {"signup": {}, "invoice_paid": {"properties": {"amount": {"type": "number"}}}},
    })
    with_plan = check_metrics_file(catalog, tracking=plan)
    paths = {p for p, _, _ in with_plan}
    assert ("metrics", "activation_rate", "to", "event") in paths  # project_created unplanned
    assert ("metrics", "big", "property") in paths
    assert ("segments", "mid", "property") in paths
    assert required_events(catalog, "r2") == {"signup", "project_created"}


def test_hash_ignores_presentation_and_equivalent_spellings() -> None:
    base = metric_definition_hash(mf({"a": CONV}).metrics["a"])
    assert len(base) == 12
    same = [{**CONV, "within": "1w"}, {**CONV, "description": "x", "indicator": "lagging"},
            {**CONV, "to": {"event": "project_created", "where": []}}]
    for variant in same:
        assert metric_definition_hash(mf({"a": variant}).metrics["a"]) == base
    assert metric_definition_hash(mf({"a": {**CONV, "within": "14d"}}).metrics["a"]) != base
    retention = {"type": "retention", "entity": "user_id", "start": {"event": "a"},
                 "return": {"event": "b"}}
    assert (metric_definition_hash(mf({"r": {**retention, "day": 7}}).metrics["r"])
            == metric_definition_hash(mf({"r": {**retention, "days": [7, 7]}}).metrics["r"]))


def test_ratio_hash_follows_its_parts_when_given_the_catalog() -> None:
    def cat(event: str) -> MetricsFile:
        return mf({"t": {"type": "count", "event": event},
                   "u": {"type": "unique", "entity": "account_id", "event": "x"},
                   "r": {"type": "ratio", "numerator": "t", "denominator": "u"}},
                  {"mid": {"property": "plan", "in": ["mid"]}})
    a, b = cat("ticket_opened"), cat("ticket_created")
    assert metric_definition_hash(a.metrics["r"]) == metric_definition_hash(b.metrics["r"])
    assert (metric_definition_hash(a.metrics["r"], catalog=a)
            != metric_definition_hash(b.metrics["r"], catalog=b))
    assert definition_hash(a, "r", "mid") != definition_hash(a, "r")
    old = definition_hash(a, "r")
    assert definition_change(a, "r", old).status == "unchanged"
    assert definition_change(b, "r", old).status == "changed"
    assert "not comparable" in definition_change(b, "r", old).describe()
    statuses = {c.metric: c.status for c in compare_catalog(b, {"r": old, "gone": "abc"})}
    assert statuses == {"gone": "removed", "r": "changed", "t": "new", "u": "new"}


def test_outcome_windows_and_default_indicators() -> None:
    catalog = mf({
        "act": CONV,
        "d7": {"type": "retention", "entity": "user_id", "start": {"event": "a"},
               "return": {"event": "b"}, "day": 7},
        "r90": {"type": "retention", "entity": "account_id", "start": {"event": "a"},
                "return": {"event": "b"}, "days": [90, 96]},
        "ttv": {"type": "duration", "entity": "user_id", "from": {"event": "a"},
                "to": {"event": "b"}},
        "rev": {"type": "sum", "event": "i", "property": "amount"},
        "cnt": {"type": "count", "event": "t"},
        "per": {"type": "ratio", "numerator": "rev", "denominator": "cnt"},
        "own": {"type": "count", "event": "t", "indicator": "lagging"},
    })
    m = catalog.metrics
    assert outcome_window(m["act"]) == timedelta(days=7)
    assert outcome_window(m["d7"]) == timedelta(days=8)
    assert outcome_window(m["r90"]) == timedelta(days=97)
    assert outcome_window(m["ttv"]) is None
    expected = {"act": "leading", "d7": "leading", "r90": "lagging", "ttv": "leading",
                "rev": "lagging", "cnt": "leading", "per": "lagging", "own": "lagging"}
    for name, want in expected.items():
        assert default_indicator(m[name], catalog=catalog) == Indicator(want), name


def test_event_source_settings() -> None:
    assert EventSourceSpec.from_config({}).kind == "duckdb"
    assert EventSourceSpec.from_config({"parquet": "data/*.parquet"}).kind == "parquet"
    spec = EventSourceSpec.from_config({"url_env": "SOWHAT_TEST_NOPE", "table": "t",
                                        "columns": {"event": "name"}})
    assert spec.kind == "ibis"
    assert spec.columns.renames() == {"name": "event"}
    with pytest.raises(ValueError, match="SOWHAT_TEST_NOPE"):
        spec.resolved_url()
    with pytest.raises(ValidationError, match="choose one"):
        EventSourceSpec.from_config({"parquet": "x", "url": "postgres://"})


def test_every_metric_type_setting_and_command_is_documented() -> None:
    root = __import__("pathlib").Path(__file__).resolve().parents[3]
    metrics_doc = (root / "docs" / "metrics.md").read_text(encoding="utf-8")
    ingest_doc = (root / "docs" / "ingest.md").read_text(encoding="utf-8")
    for kind in METRIC_TYPES:
        assert f"| `{kind}` |" in metrics_doc, kind
    for setting in EventSourceSpec.model_fields:
        assert any(f in metrics_doc for f in (f"{setting} = ", f"[events.{setting}]")), setting
    for command in ("sowhat metrics list", "sowhat metrics show", "sowhat metrics compute",
                    "sowhat tracking check"):
        assert command in metrics_doc, command
    assert "sowhat ingest" in ingest_doc
