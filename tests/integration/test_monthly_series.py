"""A monthly metric month by month (services.series.months): each whole calendar month of
the period that the data covers, its own window — a KR's chart, a report's and a monthly
North Star's — counted here by hand."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from sowhat.api.app import create_app
from sowhat.api.settings import ServerSettings
from sowhat.metrics.ingest import ingest
from sowhat.services.series.months import monthly_values, whole_months
from sowhat.spec.workspace import load_workspace
from tests.integration.test_meaningless_zeros import _run
from tests.unit.api.api_testing import login

MAU = """\
metrics:
  monthly_active_teams:
    type: active
    entity: account_id
    event: workflow_run
    per: month
  daily_active_teams:
    type: active
    entity: account_id
    event: workflow_run
    per: day
  stickiness:
    type: ratio
    numerator: daily_active_teams
    denominator: monthly_active_teams
  runs:
    type: count
    event: workflow_run
"""

OKRS = """\
period: 2026-Q4
north_star: monthly_active_teams
objectives:
  - id: teams
    title: Teams make running workflows a habit
    team: growth
    key_results:
      - id: runs
        title: Grow workflow runs from 40 to 60 a week
        metric: runs
        baseline: 40
        target: 60
"""

CONFIG = """\
[workspace]
name = "Monthly"

[teams.growth]
name = "Growth"
"""

def _at(day: str) -> datetime:
    return datetime.fromisoformat(day + "T12:00:00").replace(tzinfo=UTC)


def test_whole_months_are_the_period_s_calendar_months_the_data_covers() -> None:
    q4 = (date(2026, 10, 1), date(2027, 1, 1))
    assert whole_months(*q4, datetime(2026, 12, 2, 18, tzinfo=UTC)) == [
        (date(2026, 10, 1), date(2026, 11, 1)), (date(2026, 11, 1), date(2026, 12, 1))]
    # data through exactly November's end: November is whole; a minute short, it is not
    assert whole_months(*q4, datetime(2026, 12, 1, tzinfo=UTC))[-1][0] == date(2026, 11, 1)
    assert whole_months(*q4, datetime(2026, 11, 30, 23, 59, tzinfo=UTC))[-1][0] == date(
        2026, 10, 1)
    # a period that starts and ends mid-month holds only the months wholly inside it
    assert whole_months(date(2026, 10, 15), date(2027, 1, 15),
                        datetime(2027, 2, 1, tzinfo=UTC)) == [
        (date(2026, 11, 1), date(2026, 12, 1)), (date(2026, 12, 1), date(2027, 1, 1))]
    assert whole_months(*q4, datetime(2026, 10, 20, tzinfo=UTC)) == []


def _events(root: Path, rows: list[tuple[str, str]], name: str) -> None:
    data = root / f"{name}.jsonl"
    data.write_text("".join(json.dumps({"event": "workflow_run", "timestamp": _at(d).isoformat(),
                                        "account_id": a, "user_id": None}) + "\n"
                            for a, d in rows), encoding="utf-8")
    ingest([data], store=root / ".sowhat" / "events.duckdb")


ROWS = [("a", "2026-10-02"), ("b", "2026-10-15"), ("c", "2026-10-31"), ("a", "2026-10-20"),
        ("a", "2026-11-03"), ("d", "2026-11-29"), ("a", "2026-12-01"), ("e", "2026-12-09")]
"""Active accounts: October a, b, c (3); November a, d (2); December not whole."""


def _workspace(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "okrs").mkdir(parents=True)
    (root / "metrics.yaml").write_text(MAU, encoding="utf-8")
    (root / "sowhat.toml").write_text(CONFIG, encoding="utf-8")
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, encoding="utf-8")
    _events(root, ROWS, "first")
    return root


def _values(root: Path, **kw: Any) -> list[tuple[date, float | None]]:
    ws = load_workspace(root)
    return [(m.month, m.value) for m in monthly_values(
        workspace=ws, metric="monthly_active_teams", segment=None, start=date(2026, 10, 1),
        end=date(2027, 1, 1), **kw)]


def test_each_whole_month_is_its_own_window_and_new_events_are_read(tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    assert _values(root) == [(date(2026, 10, 1), 3), (date(2026, 11, 1), 2)]
    # a report as of 20 November: October only
    assert _values(root, until=datetime(2026, 11, 20, tzinfo=UTC)) == [(date(2026, 10, 1), 3)]
    # a late November event: the cached months are recomputed, not served stale
    _events(root, [("f", "2026-11-10")], "late")
    assert _values(root) == [(date(2026, 10, 1), 3), (date(2026, 11, 1), 3)]
    # a changed definition too
    # (a count of users: these events name none)
    (root / "metrics.yaml").write_text(MAU.replace("entity: account_id", "entity: user_id"),
                                       encoding="utf-8")
    assert _values(root) == [(date(2026, 10, 1), 0), (date(2026, 11, 1), 0)]


def test_a_ratio_with_a_monthly_part_is_read_month_by_month(tmp_path: Path) -> None:
    """DAU/MAU has no weekly values either: each month, the mean of its days' active
    accounts over the month's active accounts — October 4 account-days over 31 days and 3
    accounts, November 2 over 30 and 2."""
    root = _workspace(tmp_path)
    ws = load_workspace(root)
    got = [(m.month, m.value) for m in monthly_values(
        workspace=ws, metric="stickiness", segment=None, start=date(2026, 10, 1),
        end=date(2027, 1, 1))]
    assert [m for m, _ in got] == [date(2026, 10, 1), date(2026, 11, 1)]
    assert got[0][1] == pytest.approx(4 / 31 / 3)
    assert got[1][1] == pytest.approx(2 / 30 / 2)
    assert monthly_values(workspace=ws, metric="runs", segment=None, start=date(2026, 10, 1),
                          end=date(2027, 1, 1)) == ()  # a count has weeks: no months here


def test_a_monthly_north_star_shows_its_months_and_an_unset_one_says_how(
        tmp_path: Path) -> None:
    root = _workspace(tmp_path)
    _run("apply", "-w", str(root))
    _run("sync", "-w", str(root))
    _run("user", "create", "pm@monthly.test", "--admin", "--password",
         "Outcomes-over-outputs-2026", "-w", str(root))
    with TestClient(create_app(ServerSettings(workspace=root))) as client:
        login(client, "pm@monthly.test", "Outcomes-over-outputs-2026")
        page = " ".join(client.get("/periods/2026-Q4").text.split())
    assert "latest 2 (November 2026)" in page
    assert "monthly_active_teams by month" in page
    assert "no weekly values yet" not in page  # the events are there: nothing to blame
    (root / "okrs" / "2026-Q4.yaml").write_text(
        OKRS.replace("north_star: monthly_active_teams\n", ""), encoding="utf-8")
    _run("apply", "-w", str(root))
    with TestClient(create_app(ServerSettings(workspace=root))) as client:
        login(client, "pm@monthly.test", "Outcomes-over-outputs-2026")
        page = " ".join(client.get("/periods/2026-Q4").text.split())
    assert "data-north-star-unset" in page
    assert "<code>north_star:</code> in <code>okrs/2026-Q4.yaml</code>" in page
