"""`sowhat impact | bets | detectability` on the demo: the JSON contract, the table, and
errors that exit 1 with a message saying what to do."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.errors import NotFound, UserError
from tests.unit.services.impact_testing import RECS_POINTS, demo_workspace, shared_base

pytestmark = pytest.mark.slow
runner = CliRunner()
SOWHAT = Path(sys.executable).parent / "sowhat"
AS_OF = "2026-11-16"

IMPACT_KEYS = {"version", "bet", "key_result", "expected", "as_of", "data_end", "window",
               "weeks", "verdict", "estimates", "control", "experiment", "series", "notes"}
ESTIMATE_KEYS = {"method", "control_segments", "effect", "low", "high", "level", "std_error",
                 "p_value", "mde", "power", "relative_effect", "counterfactual_mean",
                 "observed_mean", "n_pre", "n_post", "grain", "control_scale", "pre_trend",
                 "assumptions", "error", "message", "verdict", "adjustments",
                 "pre_launch_check", "rival_bend", "withheld"}
VERDICT_KEYS = {"code", "label", "summary", "expected_effect", "share_of_expected",
                "expected_in_interval", "detectable", "review"}
POINT_KEYS = {"week", "value", "entities", "excluded_immature", "phase", "used", "note"}
BET_KEYS = {"id", "title", "status", "objective", "team", "period", "key_result", "metric",
            "segment", "expected", "shipped_on", "experiment", "change_mind_if", "verdict",
            "impact_error", "detectability", "detectability_error"}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return demo_workspace(shared_base(tmp_path_factory))


def run_json(demo: Path, *args: str) -> Any:
    result = runner.invoke(app, [*args, "-w", str(demo), "--as-of", AS_OF, "--format", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_impact_json_contract(demo: Path) -> None:
    out = run_json(demo, "impact", "recs-v2")
    assert set(out) == IMPACT_KEYS
    assert out["version"] == 1
    assert out["bet"]["id"] == "recs-v2"
    assert out["bet"]["shipped_on"] == "2026-10-26"
    assert out["bet"]["change_mind_if"].startswith("Click-through on the new ranking")
    assert out["key_result"]["metric"] == "recommendation_ctr"
    assert out["expected"] == {"text": "+15%", "kind": "relative", "amount": 0.15}
    assert out["as_of"] == AS_OF
    assert out["window"] == {"start": "2026-04-27", "launch_week": "2026-10-26",
                             "end": "2026-11-16"}
    assert out["weeks"] == {"pre_usable": 26, "post": 3, "post_usable": 3}
    assert set(out["verdict"]) == VERDICT_KEYS | {"method"}
    assert out["verdict"]["code"] == "moved"
    assert out["verdict"]["label"] == "moved its KR"
    assert out["verdict"]["method"] == "its"
    [its] = out["estimates"]
    assert set(its) == ESTIMATE_KEYS
    assert its["low"] < RECS_POINTS * 1.5
    assert its["low"] > 0
    assert its["assumptions"]
    assert out["control"]["segments"] == []
    assert out["experiment"] is None
    points = out["series"]["treated"]["points"]
    assert len(points) == 29
    assert set(points[0]) == POINT_KEYS
    assert [p["phase"] for p in points].count("post") == 3
    assert out["series"]["control"] is None


def test_impact_json_with_a_control_segment(demo: Path) -> None:
    out = run_json(demo, "impact", "onboarding-checklist")
    assert [e["method"] for e in out["estimates"]] == ["its", "did"]
    did = out["estimates"][1]
    assert did["control_segments"] == ["enterprise", "small"]
    assert did["pre_trend"]["parallel"] in (True, False)
    assert out["verdict"]["code"] == "inconclusive"
    # the week of Oct 26 is before the Nov 2 launch, but its signups' 7 days ran past it
    assert out["weeks"] == {"pre_usable": 25, "post": 2, "post_usable": 1}
    assert any("outcome window (7 days after signing up) ran past the launch" in n
               for n in out["notes"])
    control = out["series"]["control"]
    assert control["segments"] == ["enterprise", "small"]
    assert control["pooling"] == "sum / n over the segments combined"
    assert any("no mature cohort yet" in n for n in out["notes"])


def test_bets_json_lists_every_bet_with_the_factory_index(demo: Path) -> None:
    out = run_json(demo, "bets")
    assert out["period"] == "2026-Q4"
    ids = [b["id"] for b in out["bets"]]
    assert len(ids) == len(set(ids)) == 11
    for bet in out["bets"]:
        assert set(bet) == BET_KEYS
    statuses = [b["status"] for b in out["bets"]]
    flow = ["idea", "discovery", "building", "shipped", "stopped"]
    assert statuses == sorted(statuses, key=flow.index)
    recs = next(b for b in out["bets"] if b["id"] == "recs-v2")
    assert recs["verdict"]["code"] == "moved"
    assert recs["detectability"] is None
    building = next(b for b in out["bets"] if b["id"] == "explanations")
    assert building["verdict"] is None
    det = building["detectability"]
    assert det["ab"]["design"] == "proportion"
    assert det["ab"]["detectable"] is True
    assert det["before_after"]["mde"] > 0
    factory = {f["team"]: f for f in out["feature_factory"]}
    assert factory["support"]["share_moved"] == 1.0
    assert factory["platform"]["share_moved"] is None


def test_tables_render(demo: Path) -> None:
    result = runner.invoke(app, ["impact", "support-macros", "-w", str(demo), "--as-of", AS_OF])
    assert result.exit_code == 0, result.output
    assert "MOVED ITS KR" in result.stdout
    assert "assumptions of the interrupted time series" in result.stdout
    assert "change your mind if" in result.stdout
    # tickets per session are a rate per 1,000 everywhere else: here too, not "-0.003563"
    assert "per 1,000" in result.stdout
    assert "-0.00" not in result.stdout
    # the series ends on the Sunday of its last full week, not on the Monday after it
    assert re.search(r"weekly series \d{4}-\d\d-\d\d to 2026-11-15:", result.stdout)
    board = runner.invoke(app, ["bets", "-w", str(demo), "--as-of", AS_OF])
    assert board.exit_code == 0, board.output
    assert "feature-factory index" in board.stdout
    assert "(full weeks through 2026-11-15)" in board.stdout
    assert "recs-v2" in board.stdout
    assert " pts" in board.stdout  # a click-through's change in points, not "+0.02376"
    assert "+0.0" not in board.stdout
    # the method in words, not "(its)"; the interval no finer than the estimate beside it
    assert "(interrupted" in board.stdout
    assert "(its)" not in board.stdout
    from sowhat.cli.bets import _Units

    per = _Units(None, "per_1000", None)
    assert per.span(-0.00879, -0.000771, like=-0.00478) == "-8.79 to -0.77 per 1,000"
    det = runner.invoke(app, ["detectability", "explanations", "-w", str(demo), "--as-of",
                              AS_OF])
    assert det.exit_code == 0, det.output
    assert "A/B 50/50" in det.stdout
    assert "expects +1 pt from " in det.stdout


@pytest.mark.parametrize(("args", "error", "text"), [
    (["impact", "recs-v3"], NotFound, "did you mean 'recs-v2'?"),
    (["impact", "template-gallery"], UserError, "is building, not shipped"),
    (["impact", "audit-logs"], UserError, "mature account_retention_90d cohort"),
])
def test_errors_are_user_errors(demo: Path, args: list[str], error: type, text: str) -> None:
    result = runner.invoke(app, [*args, "-w", str(demo), "--as-of", AS_OF])
    assert result.exit_code != 0
    assert isinstance(result.exception, error)
    assert text in result.exception.render()


def test_real_process_exit_codes_and_messages(demo: Path) -> None:
    ok = subprocess.run([str(SOWHAT), "impact", "support-macros", "-w", str(demo), "--as-of",
                         AS_OF, "--format", "json"], capture_output=True, text=True, check=False)
    assert ok.returncode == 0, ok.stderr
    assert json.loads(ok.stdout)["verdict"]["code"] == "moved"
    early = subprocess.run([str(SOWHAT), "impact", "recs-v2", "-w", str(demo), "--as-of",
                            "2026-10-30"], capture_output=True, text=True, check=False)
    assert early.returncode == 1
    assert "no full week of data after the launch" in early.stderr
    assert "2026-11-02" in early.stderr  # when to run it again
    unknown = subprocess.run([str(SOWHAT), "impact", "recs-v3", "-w", str(demo)],
                             capture_output=True, text=True, check=False)
    assert unknown.returncode == 1
    assert "did you mean 'recs-v2'?" in unknown.stderr


def test_a_malformed_date_is_a_usage_error(demo: Path) -> None:
    result = runner.invoke(app, ["bets", "-w", str(demo), "--as-of", "soon"])
    assert result.exit_code == 2
    assert "write 2026-11-16" in result.output
