"""Issue 13, periods: no early close without --force, a reopen that undoes a close (audited),
and carried KRs that start from their measured value, not last quarter's baseline."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from review_testing import copy, module_copy, opened

from sowhat.errors import UserError
from sowhat.services.okrs.views import audit_page
from sowhat.services.periods import close_period, reopen_period
from sowhat.services.plans import load_plans, status_rows
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store import repositories
from sowhat.store.db import Database

EARLY = datetime(2026, 12, 3, 9, tzinfo=UTC)  # four weeks before 2026-Q4 ends
AFTER = datetime(2027, 1, 4, 9, tzinfo=UTC)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return module_copy(tmp_path_factory, "reopen")


@pytest.fixture
def ws(built: Path, tmp_path: Path) -> Workspace:
    return load_workspace(copy(built, tmp_path / "ws"))


@pytest.fixture
def db(ws: Workspace) -> Iterator[Database]:
    with opened(ws) as database:
        yield database


def _closed_at(db: Database) -> datetime | None:
    with db.transaction(write=False) as session:
        return repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"].closed_at


def test_closing_a_period_that_has_not_ended_needs_force(db: Database, ws: Workspace) -> None:
    with pytest.raises(UserError, match="ends on 2027-01-01") as info, \
            db.transaction() as session:
        close_period(session=session, workspace=ws, period="2026-Q4", actor="l", now=EARLY)
    assert "--force" in (info.value.hint or "")
    assert _closed_at(db) is None
    with db.transaction() as session:
        close_period(session=session, workspace=ws, period="2026-Q4", actor="l", now=EARLY,
                     force=True)
    assert _closed_at(db) == EARLY


def test_reopen_undoes_a_close_and_is_audited(db: Database, ws: Workspace) -> None:
    with pytest.raises(UserError, match="is not closed"), db.transaction() as session:
        reopen_period(session=session, period="2026-Q4", actor="lead", now=AFTER)
    with db.transaction() as session:
        close_period(session=session, workspace=ws, period="2026-Q4", actor="lead", now=AFTER)
    with db.transaction() as session:
        reopen_period(session=session, period="2026-Q4", actor="lead", now=AFTER)
    with db.transaction(write=False) as session:
        row = repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"]
        assert row.closed_at is None
        assert row.final_scores is None
        entries = audit_page(session=session, entity_type="period", entity_key="2026-Q4")
    assert entries.entries[0].action == "restore"
    assert entries.entries[0].after == {"closed_at": None}
    with db.transaction() as session:  # it can be closed again
        close_period(session=session, workspace=ws, period="2026-Q4", actor="lead", now=AFTER)


def test_a_carried_kr_starts_from_its_measured_value(db: Database, ws: Workspace) -> None:
    with db.transaction(write=False) as session:
        status = status_rows(session=session, period="2026-Q4", today=AFTER.date())
    old = next(k for o in status.objectives for k in o.key_results if k.id == "act")
    assert old.current is not None
    assert old.current != old.baseline
    with db.transaction() as session:
        result = close_period(session=session, workspace=ws, period="2026-Q4", actor="l",
                              carry=["act"], now=AFTER)
    (carried,) = result.carried
    assert carried.baseline == old.current
    with db.transaction(write=False) as session:
        (plan,) = load_plans(session=session, period="2027-Q1")
    kr = next(k for o in plan.objectives for k in o.key_results if k.id == "act")
    assert kr.baseline == old.current
    assert kr.target == old.target
    # The title's starting number follows the baseline; the rest of the sentence is kept.
    assert kr.title == (f"Increase 2-day activation of new accounts from {old.current * 100:.0f}%"
                        " to 50%")
    assert carried.old_title == "Increase 2-day activation of new accounts from 40% to 50%"
    assert carried.title == kr.title
