"""The review commands end to end: review weekly|monthly|quarter, lessons, forecast, notify,
period close, and sync sending webhooks after its commit."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.cli.common import console
from sowhat.domain.units import format_chance
from sowhat.errors import UserError
from tests.unit.services.review_testing import Hook, copy, module_copy

runner = CliRunner()


def run(*args: str) -> tuple[int, str]:
    result = runner.invoke(app, list(args), catch_exceptions=False,
                           env={"SOWHAT_ACTOR": "tester"})
    return result.exit_code, result.output


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tables and long lines as on a wide terminal, however pytest runs (xdist or not)."""
    monkeypatch.setattr(console, "_width", 200)  # restored after the test


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return module_copy(tmp_path_factory, "cli-review")


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Path:
    return copy(built, tmp_path / "ws")


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.close()


def test_weekly_review_in_three_formats(built: Path) -> None:
    code, out = run("review", "weekly", "-w", str(built), "--as-of", "2026-11-16")
    assert code == 0, out
    assert "Weekly review · 2026-Q4 · week of 2026-11-09" in out
    assert "first-win at risk: tickets rose from" in out
    assert "act-mid  li@example.com" in out
    assert "tooltips: act moved" in out
    code, out = run("review", "weekly", "-w", str(built), "--as-of", "2026-11-16",
                    "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["week"] == "2026-11-09"
    assert [m["kr_id"] for m in data["missing_checkins"]] == ["act-mid"]
    assert [b["bet_id"] for b in data["change_mind"]] == ["tooltips"]
    code, out = run("review", "weekly", "-w", str(built), "--as-of", "2026-11-16", "-f",
                    "markdown")
    assert code == 0
    assert out.startswith("# Weekly review · 2026-Q4 · week of 2026-11-09\n")
    code, out = run("review", "weekly", "-w", str(built), "--format", "yaml")
    assert code == 2  # a usage error


def test_monthly_and_quarter_reviews(built: Path) -> None:
    code, out = run("review", "monthly", "-w", str(built), "--as-of", "2026-11-16",
                    "--format", "json")
    assert code == 0, out
    data = json.loads(out)
    assert (data["month"], data["previous_month"]) == ("2026-10", "2026-09")
    act = next(k for k in data["key_results"] if k["kr_id"] == "act")
    assert [s["segment"] for s in act["segments"]] == [None, "mid", "small"]
    code, out = run("review", "monthly", "-w", str(built), "--as-of", "2026-11-16")
    assert code == 0
    assert "Monthly review · 2026-Q4 · 2026-10" in out
    assert "2026-10-01 to 2026-10-31 vs 2026-09" in out  # October ends on the 31st
    assert "weekly trend " in out  # the slope within the month, not the change from September
    code, md = run("review", "monthly", "-w", str(built), "--as-of", "2026-11-16",
                   "--format", "markdown")
    assert "The month 2026-10-01 to 2026-10-31 against 2026-09" in md
    assert "- weekly trend within the month: " in md
    # a month still running reads to the last day with data
    code, out = run("review", "monthly", "-w", str(built), "--as-of", "2026-11-16",
                    "--month", "2026-11")
    assert "2026-11-01 to 2026-11-15 vs 2026-10" in out
    code, out = run("review", "quarter", "-w", str(built), "--period", "2026-Q4")
    assert code == 0, out
    assert "Quarterly review · 2026-Q4 (open)" in out
    assert "(does not count)" in out


def test_lessons_and_period_close_with_carry(ws: Path) -> None:
    code, out = run("review", "lesson", "add", "Tickets follow activation", "--period",
                    "2026-Q4", "--objective", "first-win", "-w", str(ws))
    assert (code, out.strip()) == (0, "lesson 1 recorded for 2026-Q4")
    code, out = run("review", "lesson", "list", "--period", "2026-Q4", "-w", str(ws), "--json")
    assert [x["text"] for x in json.loads(out)] == ["Tickets follow activation"]
    # The period has not ended (today is before 2027-01-01): closing early needs --force.
    code, out = run("period", "close", "2026-Q4", "--carry", "act", "-w", str(ws), "--force")
    assert code == 0, out
    assert "closed 2026-Q4" in out
    assert "carried act → 2027-Q1/first-win (with its objective)" in out
    assert f"wrote {ws / 'okrs' / '2027-Q1.yaml'}" in out
    code, out = run("apply", "-w", str(ws), "--dry-run")
    assert "No changes" in out
    code, out = run("review", "quarter", "-w", str(ws), "--period", "2027-Q1")
    assert "Lessons from 2026-Q4" in out
    assert "Tickets follow activation" in out
    with pytest.raises(UserError, match="2026-Q4 was closed on"):
        run("period", "close", "2026-Q4", "-w", str(ws))


def test_forecast_command(built: Path) -> None:
    code, out = run("forecast", "-w", str(built), "--period", "2026-Q4")
    assert code == 0, out
    assert "Forecast · 2026-Q4" in out
    assert "(2026-10-01 to 2026-12-31" in out  # the quarter's last day, not 2027-01-01
    assert "tickets-total" in out
    # The current value of a level KR is its measure now, not a period-to-date figure.
    assert " now " in out.splitlines()[1]
    assert "to date" not in out.splitlines()[1]
    # "now" and "target" read as `sowhat status` shows them, whatever the forecast's range.
    rows = {r.split("│")[0].strip(): [c.strip() for c in r.split("│")]
            for r in out.splitlines() if "│" in r}
    _, status_out = run("status", "-w", str(built), "--period", "2026-Q4")
    for kr in ("act", "act-mid"):
        shown = re.search(rf"{kr}\s+\S+\s+\S+\s+now (\S+)  \((\S+) → (\S+)\)", status_out)
        assert shown, status_out
        assert (rows[kr][2], rows[kr][6]) == (shown[1], shown[3])
    # The ambition verdict carries its own (no-change) probability, apart from P(target).
    data = json.loads(run("forecast", "-w", str(built), "--period", "2026-Q4", "--json")[1])
    for k in data["key_results"]:
        a = k["ambition"]
        if a and a["probability"] is not None:
            assert rows[k["kr_id"]][8] == f"{a['verdict']} ({format_chance(a['probability'])})"
    code, out = run("forecast", "act-mid", "-w", str(built), "--period", "2026-Q4")
    assert code == 0
    # The path runs to the middle of the period-end window of a 28-day level of a 2-day
    # conversion: two weeks before the last week (services.forecasts.level_offset).
    assert "week of 2026-12-14" in out
    assert "ambition:" in out
    code, out = run("forecast", "-w", str(built), "--period", "2026-Q4", "--json")
    data = json.loads(out)
    assert [k["kr_id"] for k in data["key_results"]] == ["act", "act-mid", "tickets-total"]


def test_sync_sends_webhooks_after_its_commit_and_notify_sends_nothing_twice(
    ws: Path, hook: Hook
) -> None:
    with pytest.raises(UserError, match="no webhooks configured"):
        run("notify", "-w", str(ws))
    toml = ws / "sowhat.toml"
    toml.write_text(toml.read_text("utf-8") + f'\n[[webhooks]]\nurl = "{hook.url("/hook")}"\n'
                    'events = ["guardrail_breached", "checkin_missing", "change_mind"]\n',
                    "utf-8")
    code, out = run("notify", "-w", str(ws), "--as-of", "2026-11-16", "--dry-run")
    assert code == 0, out
    assert "3 alerts pending" in out
    assert hook.received == []
    code, out = run("sync", "-w", str(ws), "--as-of", "2026-11-16")
    assert code == 0, out
    assert len(hook.received) == 3
    assert "sent to 127.0.0.1" in out
    code, out = run("notify", "-w", str(ws), "--as-of", "2026-11-16")
    assert code == 0
    assert "nothing new to send" in out
    assert len(hook.received) == 3


def test_weekly_review_as_a_real_process(built: Path) -> None:
    exe = Path(sys.executable).with_name("sowhat")
    done = subprocess.run([str(exe), "review", "weekly", "-w", str(built), "--as-of",
                           "2026-11-16", "--format", "json"], capture_output=True, text=True,
                          timeout=120, check=False, env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["period"] == "2026-Q4"
    bad = subprocess.run([str(exe), "review", "lesson", "add", "x", "--period", "1999-Q1",
                          "-w", str(built)], capture_output=True, text=True, timeout=120,
                         check=False)
    assert bad.returncode == 1
    assert "error: no stored period '1999-Q1'" in bad.stderr
