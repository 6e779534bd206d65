"""Every kind of bad input gets one located, actionable diagnostic."""

from __future__ import annotations

from pathlib import Path

import pytest

from sowhat.errors import SpecError
from sowhat.spec.workspace import load_workspace
from tests.conftest import WriteWorkspace
from tests.samples import METRICS, OKRS


def errors_of(root: Path) -> list[str]:
    with pytest.raises(SpecError) as info:
        load_workspace(root)
    return [d.render() for d in info.value.diagnostics]


def test_valid_workspace_loads(write_workspace: WriteWorkspace) -> None:
    ws = load_workspace(write_workspace())
    (plan,) = ws.plans
    assert plan.plan.period.label == "2026-Q4"
    assert [kr.id for _, kr in plan.plan.key_results()] == ["activation", "activation-mid"]
    kr = plan.plan.objectives[0].key_results[0]
    assert kr.direction is not None
    assert kr.direction.value == "increase"


def test_unknown_metric_names_line_and_suggests(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(OKRS.replace("metric: activation_rate\n        baseline: 0.40",
                                        "metric: activaton_rate\n        baseline: 0.40"))
    (msg,) = errors_of(root)
    assert msg == ("okrs/2026-Q4.yaml:12:17: unknown metric 'activaton_rate'; "
                   "did you mean 'activation_rate'?")


def test_unknown_key_is_an_error_with_suggestion(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(OKRS.replace("target: 0.46", "tagret: 0.46"))
    (msg,) = errors_of(root)
    assert msg.startswith("okrs/2026-Q4.yaml:14:9: unknown key 'tagret'; did you mean 'target'?")


def test_malformed_yaml(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(OKRS.replace("title: Onboarding checklist",
                                        "title: [Onboarding checklist"))
    (msg,) = errors_of(root)
    assert msg.startswith("okrs/2026-Q4.yaml:")
    assert "invalid YAML" in msg


def test_a_broken_metrics_file_is_one_error_not_one_per_kr(
        write_workspace: WriteWorkspace) -> None:
    """The references cannot be checked against a file that did not load: no KR is told its
    metric is "used but no metrics.yaml" when the file is there and broken."""
    root = write_workspace(metrics="metrics:\n  activation_rate: {type: conversion\n")
    (msg,) = errors_of(root)
    assert msg.startswith("metrics.yaml:")
    assert "invalid YAML" in msg
    # with no metrics file at all, each reference still says what is missing
    root = write_workspace(metrics=None, name="without")
    assert all("used but no metrics.yaml" in m for m in errors_of(root))


def test_an_active_metric_window_that_holds_no_whole_period_is_an_error(
        write_workspace: WriteWorkspace) -> None:
    """A `per: month` active metric is read over whole months, and 7 days are not one: said
    at the `over:` line, with the shortest `over:` that reads a month."""
    metrics = METRICS.replace("segments:", "  mau: {type: active, entity: account_id, "
                              "event: workflow_run, per: month}\nsegments:")
    okrs = OKRS.replace("        metric: activation_rate\n        baseline: 0.40   # measured",
                        "        metric: mau\n        over: 7d\n        baseline: 0.40   # m")
    (msg,) = errors_of(write_workspace(okrs, metrics))
    assert msg.startswith("okrs/2026-Q4.yaml:13:")
    assert "over: 7d is too short for a `per: month` active metric" in msg
    assert "7 days are less than one month" in msg
    assert "write `over: 28d` or longer" in msg
    # 28 days read the latest whole month, 62 days the latest two; no `over:` is 28 days
    for over in ("28d", "62d"):
        load_workspace(write_workspace(okrs.replace("over: 7d", f"over: {over}"), metrics,
                                       name=over))
    load_workspace(write_workspace(okrs.replace("        over: 7d\n", ""), metrics, name="d"))


def test_tab_indentation(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(OKRS.replace("    team: growth", "\tteam: growth"))
    (msg,) = errors_of(root)
    assert msg == ("okrs/2026-Q4.yaml:7:1: tab character used for indentation; "
                   "indent with spaces (YAML does not allow tabs)")


def test_duplicate_keys(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(OKRS.replace("    owner: ana@example.com",
                                        "    owner: ana@example.com\n    owner: bo@example.com"))
    (msg,) = errors_of(root)
    assert "duplicate key 'owner'" in msg
    assert msg.startswith("okrs/2026-Q4.yaml:9:")


def test_wrong_type(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(OKRS.replace("baseline: 0.40", "baseline: forty"))
    (msg,) = errors_of(root)
    assert msg.startswith("okrs/2026-Q4.yaml:13:19: baseline: expected a number, got 'forty'")


def test_period_that_does_not_parse(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(OKRS.replace("period: 2026-Q4", "period: 2026-Q5"))
    (msg,) = errors_of(root)
    assert msg.startswith("okrs/2026-Q4.yaml:2:9: period: cannot parse period '2026-Q5'")


def test_non_utf8_bytes(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    path = root / "okrs" / "2026-Q4.yaml"
    path.write_bytes(path.read_bytes().replace(b"Growth OKRs", b"Growth \xff OKRs"))
    (msg,) = errors_of(root)
    assert msg == "okrs/2026-Q4.yaml:1:10: byte 0xff is not valid UTF-8; save the file as UTF-8"


def test_fifty_megabyte_file_is_refused_quickly(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    path = root / "okrs" / "2026-Q4.yaml"
    with path.open("a") as f:
        f.write("#" * 50_000_000)
    (msg,) = errors_of(root)
    assert "larger than the 10 MB allowed" in msg


def test_cross_references(write_workspace: WriteWorkspace) -> None:
    okrs = OKRS.replace("team: growth", "team: growht").replace(
        "key_result: activation-mid", "key_result: activation-md"
    ).replace("    owner: ana@example.com", "    owner: ana@example.com\n    aligns_to: nowhere")
    msgs = errors_of(write_workspace(okrs))
    assert any("unknown team 'growht'; did you mean 'growth'?" in m for m in msgs)
    assert any("aligns_to names unknown objective 'nowhere'" in m for m in msgs)
    assert any("bet expects unknown key result 'activation-md'; did you mean 'activation-mid'?"
               in m for m in msgs)


def test_duplicate_ids_and_target_equal_baseline(write_workspace: WriteWorkspace) -> None:
    okrs = OKRS.replace("id: activation-mid", "id: activation").replace(
        "target: 0.46", "target: 0.40")
    msgs = errors_of(write_workspace(okrs))
    assert any("target equals baseline" in m for m in msgs)


def test_duplicate_kr_ids(write_workspace: WriteWorkspace) -> None:
    okrs = OKRS.replace("id: activation-mid", "id: activation").replace(
        "key_result: activation-mid", "key_result: activation")
    (msg,) = errors_of(write_workspace(okrs))
    assert msg.startswith("okrs/2026-Q4.yaml:15:13: duplicate key result id 'activation'")


def test_unknown_segment_and_segment_without_metric(write_workspace: WriteWorkspace) -> None:
    msgs = errors_of(write_workspace(OKRS.replace("segment: mid", "segment: midd")))
    assert any("unknown segment 'midd'; did you mean 'mid'?" in m for m in msgs)


def test_alignment_cycle(write_workspace: WriteWorkspace) -> None:
    okrs = OKRS + """\
  - id: second
    title: Second objective that points back
    aligns_to: first-week-win
    key_results: []
"""
    okrs = okrs.replace("    owner: ana@example.com", "    owner: ana@example.com\n"
                        "    aligns_to: second", 1)
    msgs = errors_of(write_workspace(okrs))
    assert any("alignment cycle" in m for m in msgs)


def test_all_errors_reported_at_once(write_workspace: WriteWorkspace) -> None:
    okrs = OKRS.replace("baseline: 0.40", "baseline: forty").replace("tagret", "x").replace(
        "segment: mid", "segmnt: mid")
    msgs = errors_of(write_workspace(okrs))
    assert len(msgs) == 2


def test_bad_toml(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(config="[workspace\nname = 1\n")
    (msg,) = errors_of(root)
    assert msg.startswith("sowhat.toml:1:")
