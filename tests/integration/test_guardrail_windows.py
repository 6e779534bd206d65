"""A guardrail's window says what its number is (found using a fresh workspace as a PM,
December 2026).

`max: 40` on support tickets, meant as "no more than 40 a week", was held against the
period's running total: sync said "support_tickets is 348, above its limit 40" of a team
whose weekly tickets had risen from 27 to 50 — right by definition, wrong in meaning, and
silent about which window 348 covered. Now `over: 7d` gives a guardrail a trailing window
(and the same days before the period for a change bound), every breach names its windows,
and the coach (SW119) flags an absolute bound on a running total with no `over:`.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sowhat.errors import SpecError
from tests.integration.test_meaningless_zeros import _run
from tests.integration.test_meaningless_zeros import _wide_console as _wide_console

FIRST = datetime(2026, 8, 1, tzinfo=UTC)
JUMP = datetime(2026, 11, 19, tzinfo=UTC)  # tickets go from 2 to 8 a day
LAST = datetime(2026, 11, 25, 18, tzinfo=UTC)
AS_OF = (LAST + timedelta(seconds=1)).isoformat()

METRICS = """\
metrics:
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
    title: New accounts get value in their first week
    team: growth
    key_results:
      - id: act
        title: Raise 7-day activation of new accounts from 40% to 50%
        metric: activation
        baseline: 0.4
        target: 0.5
    guardrails:
{guardrails}
"""


def _rows() -> list[dict[str, Any]]:
    """Tickets at 01:00 and 05:00 (and 09:00-21:00 from JUMP on); two signups a day, the
    first of each day converting at 30 hours."""
    rows: list[dict[str, Any]] = []
    day, n = FIRST, 0
    while day <= LAST:
        hours = (1, 5) if day < JUMP else (1, 5, 9, 11, 13, 15, 17, 21)
        rows += [{"event": "ticket_opened", "timestamp": (day + timedelta(hours=h)).isoformat(),
                  "user_id": "x", "account_id": "x"} for h in hours]
        for i in range(2):
            n += 1
            at = day + timedelta(hours=3 + i)
            rows.append({"event": "signup", "timestamp": at.isoformat(),
                         "account_id": f"a{n}", "user_id": f"u{n}"})
            if i == 0:
                rows.append({"event": "project_created",
                             "timestamp": (at + timedelta(hours=30)).isoformat(),
                             "account_id": f"a{n}", "user_id": f"u{n}"})
        day += timedelta(days=1)
    return [r for r in rows if datetime.fromisoformat(r["timestamp"]) <= LAST]


ROWS = _rows()


def _count(event: str, start: datetime, end: datetime) -> int:
    return sum(1 for r in ROWS if r["event"] == event
               and start <= datetime.fromisoformat(r["timestamp"]) < end)


def _workspace(root: Path, guardrails: str) -> Path:
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS.format(guardrails=guardrails), "utf-8")
    (root / "metrics.yaml").write_text(METRICS, "utf-8")
    (root / "sowhat.toml").write_text('[workspace]\nname = "G"\n\n[teams.growth]\n'
                                      'name = "Growth"\n', "utf-8")
    path = root / "events.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in ROWS), "utf-8")
    _run("ingest", str(path), "-w", str(root))
    _run("apply", "-w", str(root))
    return root


def _checks(root: Path) -> list[tuple[float | None, float | None, int, str | None]]:
    with sqlite3.connect(root / ".sowhat" / "sowhat.db") as db:
        return list(db.execute("select c.baseline, c.current, c.breached, c.reason from "
                               "guardrail_checks c join guardrails g on g.id = c.guardrail_id "
                               "order by g.position"))


def test_a_weekly_limit_reads_the_trailing_week_and_says_so(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws", "      - {metric: tickets, max: 40, over: 7d}\n"
                                       "      - {metric: tickets, max_change: \"+10%\", "
                                       "over: 7d}\n"
                                       "      - {metric: tickets, max: 40}\n")
    end = datetime.fromisoformat(AS_OF)
    week = _count("ticket_opened", end - timedelta(days=7), end)
    before = _count("ticket_opened", datetime(2026, 9, 24, tzinfo=UTC),
                    datetime(2026, 10, 1, tzinfo=UTC))
    to_date = _count("ticket_opened", datetime(2026, 10, 1, tzinfo=UTC), end)
    assert (week, before) == (55, 14)  # Nov 19-24: 6 x 8; Nov 25 to 18:00: 7

    lint = _run("lint", "-w", str(root))
    assert lint.count("SW119") == 1  # the bound with no `over:` only
    assert "`max: 40` is held against the period's total so far, which only grows" in lint

    out = _run("sync", "-w", str(root), "--as-of", AS_OF)
    weekly, change, total = _checks(root)
    assert (weekly[1], weekly[2]) == (week, 1)
    assert weekly[3] == "tickets is 55 over the 7 days Nov 19–Nov 25, above its limit 40"
    assert change[:3] == (before, week, 1)
    assert change[3] == ("tickets rose from 14 over the 7 days Sep 24–Sep 30 before the "
                         "period to 55 over the 7 days Nov 19–Nov 25 (+293%), more than the "
                         "allowed +10%")
    assert total[1] == to_date
    assert total[3] == (f"tickets is {to_date} over the period to date (Oct 01–Nov 25), "
                        "above its limit 40")
    assert "tickets is 55 over the 7 days Nov 19–Nov 25, above its limit 40" in out

    # a week before the jump the weekly limit held, while the running total was long past 40
    _run("sync", "-w", str(root), "--as-of", "2026-11-18T00:00:00+00:00", "--full")
    weekly, change, total = _checks(root)
    assert (weekly[1], weekly[2]) == (14, 0)
    assert (change[1], change[2]) == (14, 0)
    assert total[2] == 1

    # the file round-trips: export writes `over: 7d` back, apply sees nothing to do
    _run("export", "-w", str(root), "--force")
    text = (root / "okrs" / "2026-Q4.yaml").read_text("utf-8")
    assert text.count("over: 7d") == 2
    assert "No changes: the database matches the files." in _run("apply", "-w", str(root))


def test_a_cohort_guardrails_trailing_window_ends_where_its_cohorts_matured(
    tmp_path: Path,
) -> None:
    """7-day activation over the last 7 days would hold no matured cohort: like a KR's level,
    its window ends 7 days before the as-of."""
    root = _workspace(tmp_path / "ws", "      - {metric: activation, min: 0.6, over: 7d}\n")
    _run("sync", "-w", str(root), "--as-of", AS_OF)
    [(_, current, breached, reason)] = _checks(root)
    assert current == pytest.approx(0.5)
    assert breached == 1
    assert reason == "activation is 50% over the 7 days Nov 12–Nov 18, below its floor 60%"


def test_a_floor_on_a_running_total_is_flagged_and_a_weekly_one_is_not(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws", "      - {metric: tickets, min: 5}\n"
                                       "      - {metric: tickets, min: 5, over: 7d}\n"
                                       "      - {metric: activation, min: 0.3}\n")
    lint = _run("lint", "-w", str(root))
    assert lint.count("SW119") == 1
    assert "which starts at 0: it is breached from the first day" in lint


def test_a_trailing_window_too_short_for_an_active_metric_is_refused(tmp_path: Path) -> None:
    """Weekly actives over 3 days hold no whole week: the guardrail would never be judged."""
    root = tmp_path / "ws"
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS.format(
        guardrails="      - {metric: weekly, min: 5, over: 3d}\n"), "utf-8")
    (root / "metrics.yaml").write_text(
        METRICS + "  weekly: {type: active, entity: account_id, event: signup, per: week}\n",
        "utf-8")
    (root / "sowhat.toml").write_text('[workspace]\nname = "G"\n\n[teams.growth]\n'
                                      'name = "Growth"\n', "utf-8")
    with pytest.raises(SpecError) as raised:
        _run("validate", "-w", str(root))
    said = str(raised.value)
    assert "okrs/2026-Q4.yaml:13:40: over: 3d is too short for a `per: week` active " in said
    assert "3 days are less than one week" in said
    assert "write `over: 7d` or longer" in said
