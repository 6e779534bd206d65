"""`sowhat sync` as a service: idempotence, new events, people's notes kept, the run log,
guardrail evaluations and weekly series — checked against the generated events."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from review_testing import AS_OF, copy, module_copy, opened, run_sync, write_events
from sqlalchemy import select, text

from sowhat.errors import UserError
from sowhat.services.events import open_events
from sowhat.services.sync import sync
from sowhat.services.sync.run import HISTORY_WEEKS
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store.db import Database
from sowhat.store.sync_models import SyncRunRow


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return module_copy(tmp_path_factory, "sync")


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Workspace:
    return load_workspace(copy(built, tmp_path / "ws"))


@pytest.fixture
def db(ws: Workspace) -> Iterator[Database]:
    with opened(ws) as database:
        yield database


def rows(db: Database, sql: str) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(sql))]


CHECKINS = ("SELECT k.key, c.week, c.value, c.source, c.confidence, c.note, c.author, "
            "c.recorded_at, c.version FROM check_ins c JOIN key_results k "
            "ON k.id = c.key_result_id ORDER BY k.key, c.week")
AUDIT = "SELECT id, at, actor, action, entity_type, entity_key, before, after FROM audit_log"


def test_a_second_sync_at_the_same_as_of_records_nothing_new(db: Database,
                                                              ws: Workspace) -> None:
    checkins, audit = rows(db, CHECKINS), rows(db, AUDIT)
    runs = rows(db, "SELECT count(*) FROM sync_runs")[0][0]
    report = run_sync(ws, db, actor="second")
    assert report.checkins_written == 0
    assert all(k.checkins_written == 0 for k in report.key_results)
    assert rows(db, CHECKINS) == checkins
    assert rows(db, AUDIT) == audit
    assert rows(db, "SELECT count(*) FROM sync_runs")[0][0] == runs + 1


def test_new_events_update_the_current_week_and_keep_peoples_notes(
    db: Database, ws: Workspace
) -> None:
    def tickets_rows() -> dict[date, tuple[Any, ...]]:
        return {date.fromisoformat(str(r[1])): r for r in rows(db, CHECKINS)
                if r[0] == "tickets-total"}

    before = tickets_rows()
    current = date(2026, 11, 9)
    assert before[current][4:6] == (0.6, f"tickets-total note {current}")
    # Three late tickets this week, and one in an earlier week: that week (a cumulative
    # count, so "to date" at its end) is recomputed too; the weeks before it are kept.
    late = [{"event": "ticket_opened", "timestamp": f"2026-11-{d}T10:00:00Z",
             "user_id": "late", "account_id": f"late-{d}", "properties": {}}
            for d in ("12", "13", "14", "03")]
    write_events(ws.root, late, name="late.jsonl")
    audit_count = len(rows(db, AUDIT))
    report = run_sync(ws, db)
    after = tickets_rows()
    previous = date(2026, 11, 2)
    assert after[current][2] == before[current][2] + 4  # to date: every late ticket counts
    assert after[previous][2] == before[previous][2] + 1  # the late ticket of Nov 3
    assert after[current][4:6] == before[current][4:6]  # confidence and note kept
    assert after[previous][4:6] == before[previous][4:6]
    assert after[current][3] == "auto"
    assert after[current][8] == before[current][8] + 1
    assert {w: r for w, r in after.items() if w not in (current, previous)} == \
        {w: r for w, r in before.items() if w not in (current, previous)}
    assert report.checkins_written == 2
    tickets = next(k for k in report.key_results if k.kr_id == "tickets-total")
    assert tickets.weeks_computed == 2  # the rest were kept: their inputs did not change
    new_audit = rows(db, AUDIT)[audit_count:]
    assert sorted((r[2], r[3], r[5]) for r in new_audit) == [
        ("sync", "update", f"2026-Q4/tickets-total/{previous.isoformat()}"),
        ("sync", "update", f"2026-Q4/tickets-total/{current.isoformat()}")]


def test_check_ins_and_audit_entries_carry_the_wall_clock_not_the_as_of(
    db: Database, ws: Workspace
) -> None:
    """The as-of is where the data ends (here days before today): a sync's records are dated
    when it ran, or a KR's history would say "3 days ago" for a sync run a minute earlier."""
    late = [{"event": "ticket_opened", "timestamp": "2026-11-13T10:00:00Z", "user_id": "late",
             "account_id": "late-1", "properties": {}}]
    write_events(ws.root, late, name="late.jsonl")
    audit_count = len(rows(db, AUDIT))
    started = datetime.now(UTC).replace(tzinfo=None)
    run_sync(ws, db)
    finished = datetime.now(UTC).replace(tzinfo=None)
    assert AS_OF.replace(tzinfo=None) < started - timedelta(days=1)
    new_audit = rows(db, AUDIT)[audit_count:]
    assert new_audit, "the late ticket rewrites the current week's check-in"
    stamps = [datetime.fromisoformat(str(r[1])).replace(tzinfo=None) for r in new_audit]
    assert all(started <= at <= finished for at in stamps), stamps
    current = next(r for r in rows(db, CHECKINS)
                   if r[0] == "tickets-total" and str(r[1]) == "2026-11-09")
    recorded = datetime.fromisoformat(str(current[7])).replace(tzinfo=None)
    assert started <= recorded <= finished


def test_the_run_log_records_each_run_and_its_errors(db: Database, ws: Workspace) -> None:
    assert ws.metrics is not None
    catalog = MetricsFile.model_validate({
        "metrics": {k: v.model_dump(by_alias=True, exclude_none=True)
                    for k, v in ws.metrics.metrics.items() if k != "tickets"},
        "segments": {k: v.model_dump(by_alias=True, exclude_none=True)
                     for k, v in ws.metrics.segments.items()},
    })
    events = open_events(ws)
    started = datetime.now(UTC)
    try:
        with db.transaction() as session:
            report = sync(session=session, catalog=catalog, events=events, as_of=AS_OF,
                          actor="cron")
    finally:
        events.close()
    assert report.errors == ("tickets-total: metric 'tickets' is not defined in metrics.yaml",)
    assert {k.kr_id for k in report.key_results} == {"act", "act-mid"}
    with db.transaction(write=False) as session:
        runs = list(session.scalars(select(SyncRunRow).order_by(SyncRunRow.id)))
    assert len(runs) == 2
    first, last = runs
    assert (first.actor, first.errors, first.krs_computed, first.period_label) == (
        "sync", [], 3, "2026-Q4")
    assert first.checkins_written > 0
    assert (last.actor, last.krs_computed, last.checkins_written, last.as_of) == (
        "cron", 2, 0, AS_OF)
    assert last.errors == list(report.errors)
    assert started <= last.started_at <= last.finished_at <= datetime.now(UTC)
    assert last.id == report.run_id


def test_weekly_series_and_check_ins_match_the_generated_events(db: Database) -> None:
    """Ticket counts are exact: TICKETS_DURING a day inside the period, 3 before."""
    series = rows(db, "SELECT s.week, s.phase, s.value FROM kr_series s JOIN key_results k "
                      "ON k.id = s.key_result_id WHERE k.key = 'tickets-total' ORDER BY s.week")
    period = [(str(w), v) for w, p, v in series if p == "period"]
    assert period[0] == ("2026-10-01", 4 * 5)  # Thursday to Sunday
    assert period[1:] == [(str(date(2026, 10, 5) + timedelta(weeks=i)), 35) for i in range(6)]
    history = [v for _, p, v in series if p == "history"]
    # 56 weeks back from Oct 1 reach into a 57th ISO week (a year and a month: a forecast can
    # see a yearly swing)
    assert len(history) == HISTORY_WEEKS + 1
    assert history[-1] == 3 * 3  # Monday 28 Sep to Wednesday 30 Sep
    to_date = [(str(w), v) for k, w, v, *_ in rows(db, CHECKINS) if k == "tickets-total"]
    assert to_date == [("2026-09-28", 20), *[
        (str(date(2026, 10, 5) + timedelta(weeks=i)), 20 + 35 * (i + 1)) for i in range(6)]]


def test_guardrails_are_evaluated_against_the_same_length_window_before(db: Database) -> None:
    (baseline, current, breached, reason), = rows(
        db, "SELECT baseline, current, breached, reason FROM guardrail_checks")
    days = (AS_OF.date() - date(2026, 10, 1)).days
    assert (baseline, current) == (3 * days, 5 * days)
    assert breached
    assert "more than the allowed +10%" in reason


def test_a_period_that_has_not_started_is_refused(db: Database, ws: Workspace) -> None:
    with pytest.raises(UserError, match="no open period covers 2026-09-01"):
        run_sync(ws, db, as_of=datetime(2026, 9, 1, tzinfo=UTC))


def test_sync_keeps_as_much_history_as_the_forecast_reads() -> None:
    from sowhat.stats.forecast import HISTORY_WEEKS as FORECAST_WEEKS

    assert HISTORY_WEEKS == FORECAST_WEEKS
