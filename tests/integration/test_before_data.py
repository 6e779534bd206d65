"""Windows that reach back before the first event read nothing, not 0.

A team that loads only its last weeks of events saw "0 weekly active teams" for every week
before them, check-ins of 0 and a level that averaged those zeros with real weeks. Events
here begin on Wednesday 4 November; counts, distinct counts and weekly-active counts have
no value over days before that, rates keep theirs, and loading the earlier events later
turns the blanks into measurements on the next (incremental) sync, exactly as a full one."""

from __future__ import annotations

import json
import random
import sqlite3
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.cli.common import console

runner = CliRunner()
FIRST = datetime(2026, 11, 4, 10, tzinfo=UTC)  # a Wednesday
EARLY = datetime(2026, 8, 30, 10, tzinfo=UTC)  # the backfill begins here (a Sunday)
LAST = datetime(2026, 11, 25, 18, tzinfo=UTC)
BOUND = (LAST + timedelta(seconds=1)).isoformat()

METRICS = """\
metrics:
  active_weekly: {type: active, entity: account_id, event: workflow_run, per: week}
  tickets: {type: count, event: ticket_opened}
  activation:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: project_created}
    within: 7d
"""

OKRS = """\
period: 2026-Q4
objectives:
  - id: grow
    title: Teams depend on us every week
    team: growth
    key_results:
      - id: weekly
        title: Grow accounts running a workflow each week from 20 to 40
        metric: active_weekly
        baseline: 20
        target: 40
      - id: tickets-total
        title: Keep support tickets under 300 this quarter
        metric: tickets
        baseline: 400
        target: 300
      - id: act
        title: Raise 7-day activation of new accounts from 40% to 50%
        metric: activation
        baseline: 0.4
        target: 0.5
"""


def _rows(start: datetime, end: datetime, seed: int) -> list[dict[str, Any]]:
    """Each day: 3 signups (half convert), 2 tickets, and 12 of 60 accounts run a workflow."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    day = start
    n = 0
    while day <= end:
        for i in range(3):
            n += 1
            at = day + timedelta(hours=i)
            rows.append({"event": "signup", "timestamp": at.isoformat(),
                         "account_id": f"s{seed}-{n}", "user_id": f"s{seed}-{n}"})
            if rng.random() < 0.5 and at + timedelta(hours=30) <= LAST:
                rows.append({"event": "project_created",
                             "timestamp": (at + timedelta(hours=30)).isoformat(),
                             "account_id": f"s{seed}-{n}", "user_id": f"s{seed}-{n}"})
        for h in (1, 5):
            rows.append({"event": "ticket_opened", "timestamp": (day + timedelta(hours=h)
                                                                ).isoformat(),
                         "account_id": "x", "user_id": "x"})
        for a in rng.sample(range(60), 12):
            rows.append({"event": "workflow_run", "timestamp": (day + timedelta(hours=2)
                                                               ).isoformat(),
                         "account_id": f"a{a}", "user_id": f"a{a}"})
        day += timedelta(days=1)
    return [r for r in rows if datetime.fromisoformat(r["timestamp"]) <= LAST]


LATE = _rows(FIRST, LAST, 1)
BACKFILL = _rows(EARLY, FIRST - timedelta(hours=1), 2)


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.stdout
    return result.stdout


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "_width", 220)


def _workspace(root: Path, rows: list[dict[str, Any]]) -> Path:
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    (root / "sowhat.toml").write_text('[workspace]\nname = "B"\n\n[teams.growth]\n'
                                      'name = "Growth"\n', encoding="utf-8")
    _load(root, rows, "late.jsonl")
    run("apply", "-w", str(root))
    return root


def _load(root: Path, rows: list[dict[str, Any]], name: str) -> None:
    path = root / name
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    run("ingest", str(path), "-w", str(root))


def _series(root: Path, kr: str) -> dict[date, float | None]:
    with sqlite3.connect(root / ".sowhat" / "sowhat.db") as db:
        return {date.fromisoformat(str(w)[:10]): v for w, v in db.execute(
            "select s.week, s.value from kr_series s join key_results k on "
            "k.id = s.key_result_id where k.key = ? order by s.week", (kr,))}


def _checkins(root: Path, kr: str) -> dict[date, float | None]:
    with sqlite3.connect(root / ".sowhat" / "sowhat.db") as db:
        return {date.fromisoformat(str(w)[:10]): v for w, v in db.execute(
            "select c.week, c.value from check_ins c join key_results k on "
            "k.id = c.key_result_id where k.key = ? order by c.week", (kr,))}


def _current(root: Path) -> dict[str, Any]:
    data = json.loads(run("status", "-w", str(root), "--json"))
    return {k["id"]: k["current"] for o in data["objectives"] for k in o["key_results"]}


def _weekly_active(rows: list[dict[str, Any]], monday: datetime) -> int:
    return len({r["account_id"] for r in rows if r["event"] == "workflow_run"
                and monday <= datetime.fromisoformat(r["timestamp"]) < monday + timedelta(7)})


def test_no_zero_before_the_first_event_and_a_backfill_fills_it(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws", LATE)
    out = " ".join(run("sync", "-w", str(root), "--as-of", BOUND).split())
    assert ("before the data weekly: no value: the events begin on 2026-11-04, after this "
            "KR's window starts") in out
    assert "tickets-total: no value: the events begin on 2026-11-04" in out
    assert "the period's total cannot be read this period" in out
    series = _series(root, "weekly")
    monday = datetime(2026, 11, 9, tzinfo=UTC)
    # every week before the data, and the data's own partial first week: nothing
    assert all(v is None for w, v in series.items() if w < date(2026, 11, 9))
    assert series[date(2026, 11, 9)] == _weekly_active(LATE, monday)
    assert series[date(2026, 11, 16)] == _weekly_active(LATE, monday + timedelta(7))
    # the level averages the weeks of Oct 26 to Nov 16: the first two start before the data
    now = _current(root)
    assert now["weekly"] is None
    assert now["tickets-total"] is None  # a quarter's total from 4 November is not it
    assert now["act"] is not None  # a rate of the cohorts there are
    assert all(v is None for v in _checkins(root, "weekly").values())
    assert all(v is None for v in _checkins(root, "tickets-total").values())

    # The earlier events arrive: the next sync (incremental) measures what it blanked,
    # and agrees with a full sync of the same data.
    _load(root, BACKFILL, "early.jsonl")
    out = run("sync", "-w", str(root), "--as-of", BOUND)
    assert "before the data" not in out
    everything = BACKFILL + LATE
    incremental = _series(root, "weekly"), _checkins(root, "weekly"), _current(root)
    assert incremental[0][date(2026, 10, 26)] == _weekly_active(
        everything, datetime(2026, 10, 26, tzinfo=UTC))
    assert incremental[0][date(2026, 11, 2)] == _weekly_active(
        everything, datetime(2026, 11, 2, tzinfo=UTC))
    # the 4 whole weeks before Monday Nov 23: Oct 26 to Nov 16
    level = sum(_weekly_active(everything, datetime(2026, 10, 26, tzinfo=UTC) + timedelta(w))
                for w in (0, 7, 14, 21)) / 4
    assert incremental[2]["weekly"] == pytest.approx(level)
    assert incremental[2]["tickets-total"] == sum(
        1 for r in everything if r["event"] == "ticket_opened"
        and datetime(2026, 10, 1, tzinfo=UTC) <= datetime.fromisoformat(r["timestamp"]))
    run("sync", "-w", str(root), "--as-of", BOUND, "--full")
    assert (_series(root, "weekly"), _checkins(root, "weekly"), _current(root)) == incremental
