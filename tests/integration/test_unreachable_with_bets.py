"""SW109 weighs the bets a plan already has on a KR.

A fresh workspace's first-note KR (35% → 45%, 3.8% likely with no change) was told to "add
bets big enough to move it" while its objective had one expecting +8 points — the bet that
then moved it +12.8. With no change a stretch target is always unlikely; whether it is
unreachable depends on what the team bets on it. Now SW109 is silent where the bets' expected
changes bring the target within reach, and says what is left where they fall short."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from tests.integration.test_meaningless_zeros import _wide_console as _wide_console

runner = CliRunner()
FIRST = datetime(2026, 6, 1, tzinfo=UTC)
LAST = datetime(2026, 11, 25, 18, tzinfo=UTC)

OKRS = """\
period: 2026-Q4
objectives:
  - id: grow
    title: New accounts get value in their first week
    team: growth
    key_results:
      - id: act
        title: Raise 7-day activation of new accounts from 40% to 55%
        metric: activation
        baseline: 0.4
        target: 0.55
{bets}"""

BET = """\
      - id: {id}
        title: Starter templates
        opportunity: New accounts stare at an empty page
        hypothesis: Templates get more of them to a first project in week one
        expects: {{key_result: act, change: "{change}"}}
        change_mind_if: Under 20% open a template
        status: {status}
"""


def _rows() -> list[dict[str, Any]]:
    """80 signups a day, 40% of them creating a project 30 hours later (seeded)."""
    rng = random.Random(2026)
    rows: list[dict[str, Any]] = []
    day, n = FIRST, 0
    while day <= LAST:
        for i in range(80):
            n += 1
            at = day + timedelta(minutes=17 * i)
            rows.append({"event": "signup", "timestamp": at.isoformat(),
                         "account_id": f"a{n}", "user_id": f"u{n}"})
            if rng.random() < 0.4:
                rows.append({"event": "project_created",
                             "timestamp": (at + timedelta(hours=30)).isoformat(),
                             "account_id": f"a{n}", "user_id": f"u{n}"})
        day += timedelta(days=1)
    return [r for r in rows if datetime.fromisoformat(r["timestamp"]) <= LAST]


@pytest.fixture(scope="module")
def root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("bets") / "ws"
    (root / "okrs").mkdir(parents=True)
    (root / "metrics.yaml").write_text(
        "metrics:\n  activation:\n    type: conversion\n    entity: account_id\n"
        "    from: {event: signup}\n    to: {event: project_created}\n    within: 7d\n",
        "utf-8")
    (root / "sowhat.toml").write_text('[workspace]\nname = "B"\n\n[teams.growth]\n'
                                      'name = "Growth"\n', "utf-8")
    path = root / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in _rows()), "utf-8")
    result = runner.invoke(app, ["ingest", str(path), "-w", str(root)],
                           catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return root


def _lint(root: Path, bets: str) -> str:
    (root / "okrs" / "2026-Q4.yaml").write_text(
        OKRS.format(bets="    bets:\n" + bets if bets else ""), "utf-8")
    result = runner.invoke(app, ["lint", "-w", str(root), "--select", "SW109"],
                           catch_exceptions=False)
    return " ".join(result.output.split())


def test_bets_that_close_the_gap_silence_sw109_and_short_ones_are_named(root: Path) -> None:
    alone = _lint(root, "")
    assert "SW109 likely unreachable: with no change the metric hits this target only" in alone
    assert "add bets big enough to move it" in alone

    # +15 points expected: the target is the no-change level plus the bet, within reach
    assert "SW109" not in _lint(root, BET.format(id="t", change="+15pp", status="building"))
    # a relative change is taken from the baseline: +40% of 40% is 16 points
    assert "SW109" not in _lint(root, BET.format(id="t", change="+40%", status="idea"))
    # two bets add up
    two = (BET.format(id="t", change="+8pp", status="building")
           + BET.format(id="u", change="+8pp", status="discovery"))
    assert "SW109" not in _lint(root, two)

    short = _lint(root, BET.format(id="t", change="+1pp", status="building"))
    assert "with the changes its bets expect" in short
    assert "a nearer target, or bets that expect enough to close the gap" in short
    # a stopped bet expects nothing any more
    stopped = _lint(root, BET.format(id="t", change="+15pp", status="stopped"))
    assert "add bets big enough to move it" in stopped


def test_the_plan_page_weighs_the_bets_as_sw109_does(root: Path) -> None:
    from tests.integration.test_kr_measures import web_client

    _lint(root, BET.format(id="t", change="+15pp", status="building"))
    result = runner.invoke(app, ["apply", "-w", str(root)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    with web_client(root) as client:
        plan = client.get("/periods/2026-Q4/plan").text
    row = plan.split('data-kr="act"')[1].split("</tr>")[0]
    assert "unreachable" in row  # with no change it still is, and the column says so
    assert 'data-why="bets">with its bets: ' in row
    assert "very unlikely" not in row  # but the bet makes it a plan, not a target to review
    assert "1 ready · 0 to look at" in plan
