"""The audit log only grows: the database refuses UPDATE/DELETE (triggers from the
migration) even from raw SQL, and the ORM refuses them before they get there."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, delete, func, select, text, update
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from sowhat.errors import InternalError
from sowhat.store import audit
from sowhat.store.db import Database
from sowhat.store.models import AuditEntryRow


def _write_entries(db: Database, n: int = 3) -> None:
    with db.transaction() as session:
        for i in range(n):
            audit.record(
                session=session,
                actor="dana@example.com",
                action=audit.AuditAction.UPDATE,
                entity_type="key_result",
                entity_key=f"2026-Q4/kr-{i}",
                before={"target": 0.8, "shipped_on": datetime(2026, 11, 2, tzinfo=UTC)},
                after={"target": 0.85 + i, "nan": float("nan")},
            )


def test_entries_round_trip_newest_first(db: Database) -> None:
    _write_entries(db)
    with db.transaction(write=False) as session:
        entries = audit.list_entries(session=session)
        assert [e.entity_key for e in entries] == [f"2026-Q4/kr-{i}" for i in (2, 1, 0)]
        first = entries[-1]
        assert first.actor == "dana@example.com"
        assert first.action == "update"
        assert first.before == {"target": 0.8, "shipped_on": "2026-11-02T00:00:00+00:00"}
        assert first.after == {"target": 0.85, "nan": None}
        assert first.at.tzinfo is not None
        only = audit.list_entries(session=session, entity_key="2026-Q4/kr-1")
        assert [e.entity_key for e in only] == ["2026-Q4/kr-1"]
        page = audit.list_entries(session=session, entity_type="key_result", limit=1, offset=1)
        assert [e.entity_key for e in page] == ["2026-Q4/kr-1"]
        assert audit.count_entries(session=session) == 3


@pytest.mark.parametrize(
    "statement",
    ["UPDATE audit_log SET actor = 'mallory'", "DELETE FROM audit_log"],
)
def test_database_rejects_update_and_delete(db: Database, statement: str) -> None:
    _write_entries(db)
    # A separate engine, no Sowhat code in the way: only the database's triggers.
    engine = create_engine(db.url)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM audit_log")).scalar() == 3
        actors = conn.execute(text("SELECT DISTINCT actor FROM audit_log")).scalars().all()
        assert actors == ["dana@example.com"]
    engine.dispose()


@pytest.mark.parametrize(
    "url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)
def test_postgres_rejects_truncate(db: Database) -> None:
    _write_entries(db)
    engine = create_engine(db.url)
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text("TRUNCATE audit_log"))
    engine.dispose()


def test_inserts_still_work_after_a_rejected_update(db: Database) -> None:
    _write_entries(db, 1)
    engine = create_engine(db.url)
    with pytest.raises(DBAPIError), engine.begin() as conn:
        conn.execute(text("UPDATE audit_log SET actor = 'x'"))
    engine.dispose()
    _write_entries(db, 1)
    with db.transaction(write=False) as session:
        assert audit.count_entries(session=session) == 2


def test_orm_refuses_to_edit_or_delete_entries(db: Database) -> None:
    _write_entries(db, 1)

    def edit(session: Session) -> None:
        session.scalars(select(AuditEntryRow)).one().actor = "mallory"
        session.flush()

    def remove(session: Session) -> None:
        session.delete(session.scalars(select(AuditEntryRow)).one())
        session.flush()

    def bulk_edit(session: Session) -> None:
        session.execute(update(AuditEntryRow).values(actor="mallory"))

    def bulk_remove(session: Session) -> None:
        session.execute(delete(AuditEntryRow))

    for attempt in (edit, remove, bulk_edit, bulk_remove):
        with pytest.raises(InternalError, match="append-only"), db.transaction() as session:
            attempt(session)
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(AuditEntryRow)) == 1
        assert session.scalars(select(AuditEntryRow.actor)).one() == "dana@example.com"
