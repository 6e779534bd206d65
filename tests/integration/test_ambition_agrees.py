"""The ambition check has one answer: lint's SW108/SW109 on the file (read from the events)
and `sowhat forecast` after apply and sync (read from the stored series) judge the same
target on the same weeks. With more than half a year of history the file path used to read
every stored week (56) where the forecast reads the last 26, and the two disagreed (the
demo's gr-rec-ctr: 0.9% in lint, under 1% as 0.38% in the forecast)."""

from __future__ import annotations

import json
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.metrics.ingest import ingest
from sowhat.services.sync.ambition import file_hit_probabilities
from sowhat.services.sync.file_events import file_events
from sowhat.spec.workspace import load_workspace
from tests.conftest import WriteWorkspace

runner = CliRunner()
LAST = datetime(2026, 11, 18, 12, tzinfo=UTC)

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


def _events(path: Path) -> None:
    """Ten signups a day from Jan 2026; activation climbs 25% -> 45% until June, then holds:
    a trend the last 26 weeks before Q4 no longer show."""
    rng = random.Random(5)
    rows, day, n = [], date(2026, 1, 5), 0
    while True:
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        if midnight > LAST:
            break
        rate = 0.25 + 0.20 * min(1.0, (day - date(2026, 1, 5)).days / 150)
        for i in range(10):
            n += 1
            at = midnight + timedelta(hours=1 + 2 * i)
            if at > LAST:
                break
            rows.append({"event": "signup", "timestamp": at.isoformat(),
                         "account_id": f"a{n}", "user_id": f"u{n}"})
            done = at + timedelta(hours=rng.randrange(1, 150))
            if rng.random() < rate and done <= LAST:
                rows.append({"event": "project_created", "timestamp": done.isoformat(),
                             "account_id": f"a{n}", "user_id": f"u{n}"})
        day += timedelta(days=1)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    return result.stdout


def test_lint_and_the_forecast_give_one_ambition_probability(
        write_workspace: WriteWorkspace) -> None:
    root = write_workspace(OKRS)
    _events(root / "events.jsonl")
    ingest([root / "events.jsonl"], store=root / ".sowhat" / "events.duckdb")
    run("apply", "-w", str(root))
    run("sync", "-w", str(root), "--as-of", (LAST + timedelta(seconds=1)).isoformat())
    stored = json.loads(run("forecast", "act", "-w", str(root), "--period", "2026-Q4",
                            "--json"))["key_results"][0]["ambition"]
    assert stored["history_weeks"] == 26  # the history holds 38 weeks before Q4
    ws = load_workspace(root)
    with file_events(ws) as source:
        assert source is not None
        from_file = file_hit_probabilities(workspace=ws, source=source)
    assert from_file["act"] == pytest.approx(stored["probability"], rel=1e-9, abs=1e-12)
    # ... and so does the plan page (and the authoring forms' live check): it read the
    # weeks as of the period's start, so fewer of their cohorts had matured, with no entity
    # floor and every week of its window — "only 2 weeks of history" beside a forecast
    # that judged the same KR on 5
    from sowhat.domain.period import Period
    from sowhat.services.authoring.draft_check import check_draft_kr
    from sowhat.services.events import open_events

    events = open_events(ws)
    try:
        draft = check_draft_kr(title="Raise 7-day activation of new accounts from 45% to 52%",
                               metric="activation_rate", segment=None, baseline=0.45,
                               target=0.52, period=Period.parse("2026-Q4"),
                               catalog=ws.metrics, events=events,
                               today=LAST.date())  # fmt: skip
    finally:
        events.close()
    assert draft.ambition is not None
    assert draft.ambition.history_weeks == stored["history_weeks"]
    assert draft.ambition.probability == pytest.approx(stored["probability"], rel=1e-9,
                                                       abs=1e-12)
