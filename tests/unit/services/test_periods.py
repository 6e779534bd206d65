"""Closing a period: frozen scores, refused check-ins, carry-over into the next period with
history, and files that agree with the database."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from review_testing import AS_OF, copy, module_copy, opened
from sqlalchemy import text

from sowhat.domain.okr import CheckInSource
from sowhat.errors import NotFound, UserError
from sowhat.services.checkins import checkin_history, record_checkin
from sowhat.services.files import apply_workspace
from sowhat.services.guardrails import objective_health
from sowhat.services.periods import close_period, frozen_health, write_period_file
from sowhat.services.plans import status_rows
from sowhat.services.reviews.lessons import add_lesson
from sowhat.services.reviews.quarter import quarter_review
from sowhat.services.reviews.weekly import weekly_review
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store import repositories
from sowhat.store.db import Database

CLOSED_AT = datetime(2027, 1, 4, 9, tzinfo=UTC)


def copy_json(value: object) -> dict:  # type: ignore[type-arg]
    out: dict = json.loads(json.dumps(value))  # type: ignore[type-arg]
    return out


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return module_copy(tmp_path_factory, "periods")


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Workspace:
    return load_workspace(copy(built, tmp_path / "ws"))


@pytest.fixture
def db(ws: Workspace) -> Iterator[Database]:
    with opened(ws) as database:
        yield database


def close(db: Database, ws: Workspace, **kw: object) -> object:
    with db.transaction() as session:
        result = close_period(session=session, workspace=ws, period="2026-Q4", actor="lead",
                              now=CLOSED_AT, **kw)  # type: ignore[arg-type]
    if result.next_period:
        with db.transaction(write=False) as session:
            write_period_file(session=session, workspace=ws, period=result.next_period)
    return result


def test_closing_freezes_the_scores_and_refuses_check_ins(db: Database, ws: Workspace) -> None:
    with db.transaction(write=False) as session:
        live = objective_health(session=session, status=status_rows(
            session=session, period="2026-Q4", today=AS_OF.date(), catalog=ws.metrics))
    close(db, ws)
    with db.transaction(write=False) as session:
        row = repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"]
        assert row.closed_at == CLOSED_AT
        frozen = frozen_health(row)
    assert frozen is not None
    health, teams = frozen
    assert health.objectives == live.objectives
    assert set(teams) == {"growth", "support"}
    with pytest.raises(UserError, match="is closed"), db.transaction() as session:
        record_checkin(session=session, kr_id="act", period="2026-Q4", value=None,
                       confidence=0.5, note=None, blockers=None, source=CheckInSource.MANUAL,
                       actor="ana", week=date(2026, 12, 7))
    # A later change to the stored values (a redefined metric, say) does not move the scores.
    with db.transaction() as session:
        session.execute(text("UPDATE check_ins SET value = value * 2"))
    with db.transaction(write=False) as session:
        review = quarter_review(session=session, period="2026-Q4", as_of=CLOSED_AT)
    assert review.frozen
    assert review.closed
    assert tuple(x.objective for x in review.objectives) == live.objectives
    with db.transaction(write=False) as session:
        assert objective_health(session=session, period="2026-Q4").objectives == \
            live.objectives
        doubled = objective_health(session=session, period="2026-Q4", live=True)
    assert doubled.objectives != live.objectives
    with pytest.raises(UserError, match="was closed on 2027-01-04"), db.transaction() as session:
        close_period(session=session, workspace=ws, period="2026-Q4", actor="lead")


def test_frozen_scores_show_values_in_their_metrics_unit(db: Database, ws: Workspace) -> None:
    """Closing freezes each KR's unit with its scores, and scores frozen before that was so
    (every unit stored as "count") read in the metric's unit: 22.2%, not 0.222."""
    close(db, ws)
    with db.transaction(write=False) as session:
        row = repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"]
        frozen = frozen_health(row)
    assert frozen is not None
    units = {k.id: k.unit for o in frozen[0].objectives for k in o.key_results}
    assert units["act"] == "percent"
    with db.transaction() as session:
        row = repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"]
        old = copy_json(row.final_scores)
        for o in old["health"]["objectives"]:
            for k in o["key_results"]:
                k["unit"] = "count"
        row.final_scores = old
    with db.transaction(write=False) as session:
        review = quarter_review(session=session, period="2026-Q4", as_of=CLOSED_AT,
                                catalog=ws.metrics)
    assert review.frozen
    shown = {k.id: k.unit for o in review.objectives for k in o.objective.key_results}
    assert shown == units


def test_carried_krs_join_the_next_period_with_history_in_db_and_file(
    db: Database, ws: Workspace
) -> None:
    result = close(db, ws, carry=["act"])
    assert result.next_period == "2027-Q1"  # type: ignore[attr-defined]
    path = ws.root / "okrs" / "2027-Q1.yaml"
    written = path.read_text("utf-8")
    assert "id: act\n" in written
    assert "id: first-win" in written
    assert "max_change: \"+10%\"" in written  # the objective's guardrail came along
    assert "act-mid" not in written
    fresh = load_workspace(ws.root)
    with db.transaction(write=False) as session:
        plan = apply_workspace(session=session, workspace=fresh, actor="t", dry_run=True)
        assert plan.empty, plan.changes  # the files and the database agree
        history = checkin_history(session=session, kr_id="act", period="2027-Q1")
    assert {c.extra["period"] for c in history} == {"2026-Q4"}
    assert len(history) == 7
    with db.engine.connect() as conn:
        (carried_from,), = conn.execute(text(
            "SELECT p.label FROM key_results k JOIN key_results old ON old.id = "
            "k.carried_from_id JOIN periods p ON p.id = old.period_id WHERE k.key = 'act' "
            "AND k.period_id = (SELECT id FROM periods WHERE label = '2027-Q1')"))
    assert carried_from == "2026-Q4"


def test_carry_unfinished_takes_every_kr_that_did_not_count(db: Database, ws: Workspace) -> None:
    with db.transaction(write=False) as session:
        live = objective_health(session=session, period="2026-Q4", today=AS_OF.date())
    expected = [k.id for o in live.objectives for k in o.key_results if not k.counts_as_met]
    result = close(db, ws, carry_unfinished=True)
    assert [c.kr_id for c in result.carried] == expected  # type: ignore[attr-defined]
    assert "act-mid" in expected  # met, but behind a breached guardrail: unfinished


def test_carry_refusals(db: Database, ws: Workspace) -> None:
    with pytest.raises(NotFound, match="no key result 'nope'"), db.transaction() as session:
        close_period(session=session, workspace=ws, period="2026-Q4", actor="l", carry=["nope"])
    with pytest.raises(NotFound, match="no stored period"), db.transaction() as session:
        close_period(session=session, workspace=ws, period="2025-Q4", actor="l")
    # A next-period file that is ahead of the database stops the close, closing nothing.
    (ws.root / "okrs" / "2027-Q1.yaml").write_text(
        "period: 2027-Q1\nobjectives:\n  - id: new\n    title: Something new\n", "utf-8")
    ahead = load_workspace(ws.root)
    with pytest.raises(UserError, match="not applied yet"), db.transaction() as session:
        close_period(session=session, workspace=ahead, period="2026-Q4", actor="l",
                     carry=["act"])
    with db.transaction(write=False) as session:
        assert repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"].closed_at is None


def test_a_met_kr_is_not_carried(db: Database, ws: Workspace) -> None:
    with db.transaction() as session:
        session.execute(text("UPDATE guardrail_checks SET breached = false, reason = NULL"))
    with pytest.raises(UserError, match="met its target"), db.transaction() as session:
        close_period(session=session, workspace=ws, period="2026-Q4", actor="l",
                     carry=["act-mid"])


def test_next_quarter_reviews_show_last_quarters_lessons(db: Database, ws: Workspace) -> None:
    with db.transaction() as session:
        add_lesson(session=session, period="2026-Q4", text="Watch support load", actor="ana")
    close(db, ws, carry=["act"])
    with db.transaction(write=False) as session:
        quarter = quarter_review(session=session, period="2027-Q1", as_of=CLOSED_AT)
        weekly = weekly_review(session=session, catalog=ws.metrics, period="2027-Q1",
                               as_of=datetime(2027, 1, 18, tzinfo=UTC))
    assert quarter.previous_period == "2026-Q4"
    assert [x.text for x in quarter.previous_lessons] == ["Watch support load"]
    assert [x.text for x in weekly.previous_lessons] == ["Watch support load"]
    assert [m.kr_id for m in weekly.missing_checkins] == ["act"]
