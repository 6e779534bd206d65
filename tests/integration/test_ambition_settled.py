"""The ambition check's history is the *settled* weeks before the period: a week whose
cohorts are still inside their outcome window as of the data's end is a value so far (the
charts draw it "so far") and moves every day, so it is no history. Two days into Q4 the last
two pre-period weeks of a 7-day activation are still maturing: the check leaves them out
(and projects from the week before them), a sync the next day with a new day of events
gives the same check, and lint (on the file), the forecast (stored by sync) and the plan
page's draft check agree on it. On main the maturing weeks entered the fit and the check
moved (and was refitted) with every daily sync."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.domain.period import Period
from sowhat.metrics.ingest import ingest
from sowhat.services.sync.ambition import file_hit_probabilities
from sowhat.services.sync.file_events import file_events
from sowhat.spec.workspace import load_workspace
from tests.conftest import WriteWorkspace

runner = CliRunner()
DAY1 = datetime(2026, 10, 3, 12, tzinfo=UTC)  # Q4 began on Thursday 1 October
DAY2 = DAY1 + timedelta(days=1)

OKRS = """\
period: 2026-Q4
objectives:
  - id: grow
    title: New accounts get value fast
    team: growth
    key_results:
      - id: act
        title: Raise 7-day activation of new accounts from 45% to 52%
        metric: activation_rate
        baseline: 0.45
        target: 0.52
"""


def _rows() -> list[dict[str, Any]]:
    """Ten signups a day from Jan 2026 to DAY2; activation climbs 25% -> 45% by June."""
    rng = random.Random(7)
    rows: list[dict[str, Any]] = []
    day, n = date(2026, 1, 5), 0
    while (midnight := datetime(day.year, day.month, day.day, tzinfo=UTC)) <= DAY2:
        rate = 0.25 + 0.20 * min(1.0, (day - date(2026, 1, 5)).days / 150)
        for i in range(10):
            n += 1
            at = midnight + timedelta(hours=1 + 2 * i)
            if at > DAY2:
                break
            rows.append({"event": "signup", "at": at, "account_id": f"a{n}",
                         "user_id": f"u{n}"})
            done = at + timedelta(hours=rng.randrange(1, 150))
            if rng.random() < rate and done <= DAY2:
                rows.append({"event": "project_created", "at": done, "account_id": f"a{n}",
                             "user_id": f"u{n}"})
        day += timedelta(days=1)
    return rows


def _write(path: Path, rows: list[dict[str, Any]]) -> Path:
    path.write_text("".join(json.dumps({**{k: v for k, v in r.items() if k != "at"},
                                        "timestamp": r["at"].isoformat()}) + "\n"
                            for r in rows), encoding="utf-8")
    return path


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    return result.stdout


def _checks(root: Path, last: datetime) -> tuple[dict[str, Any], float | None, Any]:
    """The stored check (`sowhat forecast`), lint's on the file and the draft check's."""
    from sowhat.services.authoring.draft_check import check_draft_kr
    from sowhat.services.events import open_events

    stored = json.loads(run("forecast", "act", "-w", str(root), "--period", "2026-Q4",
                            "--json"))["key_results"][0]["ambition"]
    ws = load_workspace(root)
    with file_events(ws) as source:
        assert source is not None
        from_file = file_hit_probabilities(workspace=ws, source=source)["act"]
    events = open_events(ws)
    try:
        draft = check_draft_kr(title="Raise 7-day activation of new accounts from 45% to 52%",
                               metric="activation_rate", segment=None, baseline=0.45,
                               target=0.52, period=Period.parse("2026-Q4"),
                               catalog=ws.metrics, events=events,
                               today=last.date())  # fmt: skip
    finally:
        events.close()
    return stored, from_file, draft.ambition


def test_maturing_history_weeks_stay_out_of_the_ambition_check(
        write_workspace: WriteWorkspace) -> None:
    root = write_workspace(OKRS)
    rows = _rows()
    store = root / ".sowhat" / "events.duckdb"
    ingest([_write(root / "day1.jsonl", [r for r in rows if r["at"] <= DAY1])], store=store)
    run("apply", "-w", str(root))
    run("sync", "-w", str(root), "--as-of", (DAY1 + timedelta(seconds=1)).isoformat())
    first, lint1, draft1 = _checks(root, DAY1)
    assert first["probability"] is not None
    # the weeks of 21 and 28 September are still maturing on 3 October (their last signups'
    # 7 days end on 5 and 8 October): 26 settled weeks end with the week of 14 September
    assert first["history_weeks"] == 26
    assert lint1 == pytest.approx(first["probability"], rel=1e-9, abs=1e-12)
    assert draft1 is not None
    assert draft1.history_weeks == first["history_weeks"]
    assert draft1.probability == pytest.approx(first["probability"], rel=1e-9, abs=1e-12)

    # the next day: a new day of events matures more of those weeks' cohorts; none settles
    ingest([_write(root / "day2.jsonl", [r for r in rows if DAY1 < r["at"] <= DAY2])],
           store=store)
    run("sync", "-w", str(root), "--as-of", (DAY2 + timedelta(seconds=1)).isoformat())
    second, lint2, draft2 = _checks(root, DAY2)
    assert second == first  # the same inputs, so the same check (kept, not refitted)
    assert lint2 == pytest.approx(lint1, rel=1e-9, abs=1e-12)
    assert draft2 is not None
    assert draft2.probability == pytest.approx(draft1.probability, rel=1e-9, abs=1e-12)
