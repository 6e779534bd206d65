"""Transactions: a locked SQLite database is a clear UserError with nothing written, a
stale version is a Conflict, and an error inside `transaction()` rolls everything back."""

from __future__ import annotations

import sqlite3
import threading
import time

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sowhat.errors import Conflict, UserError
from sowhat.store.db import LOCKED, Database, flush, open_database
from sowhat.store.models import TeamRow


def _teams(db: Database) -> list[tuple[str, str, int]]:
    with db.transaction(write=False) as session:
        rows = session.scalars(select(TeamRow).order_by(TeamRow.key))
        return [(r.key, r.name, r.version) for r in rows]


def _add_two_teams(session: Session) -> None:
    session.add(TeamRow(key="platform", name="Platform", members=[]))
    session.add(TeamRow(key="growth", name="Growth", members=[]))
    flush(session)


def test_locked_database_is_a_user_error_and_writes_nothing(sqlite_url: str) -> None:
    open_database(sqlite_url, create=True).dispose()
    db = open_database(sqlite_url, create=False, busy_timeout_ms=100)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock
    try:
        with pytest.raises(UserError) as info, db.transaction() as session:
            _add_two_teams(session)
        assert info.value.message == LOCKED
        assert info.value.exit_code == 1
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert _teams(db) == []
    with db.transaction() as session:  # the lock is gone: the same write now works
        session.add(TeamRow(key="platform", name="Platform", members=[]))
    assert _teams(db) == [("platform", "Platform", 1)]
    db.dispose()


def test_a_waiting_writer_proceeds_once_the_lock_is_released(sqlite_url: str) -> None:
    db = open_database(sqlite_url, create=True, busy_timeout_ms=5000)
    holder = sqlite3.connect(sqlite_url.removeprefix("sqlite:///"), isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    started = threading.Event()
    errors: list[BaseException] = []

    def write() -> None:
        try:
            with db.transaction() as session:
                started.set()
                session.connection()  # BEGIN IMMEDIATE: waits for the holder
                session.add(TeamRow(key="platform", name="Platform", members=[]))
                flush(session)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    thread = threading.Thread(target=write)
    thread.start()
    started.wait(5)
    time.sleep(0.3)  # let the writer reach its BEGIN and wait on the lock
    holder.execute("ROLLBACK")
    holder.close()
    thread.join(10)
    assert errors == []
    assert _teams(db) == [("platform", "Platform", 1)]
    db.dispose()


def test_stale_version_raises_conflict(db: Database) -> None:
    with db.transaction() as session:
        session.add(TeamRow(key="platform", name="Platform", members=[]))
    # Alice reads version 1 and keeps the object past her read transaction.
    alice = db.session()
    row = alice.scalars(select(TeamRow)).one()
    alice.commit()
    # Bob saves first.
    with db.transaction() as session:
        session.scalars(select(TeamRow)).one().name = "Platform team"
    row.name = "Core platform"
    with pytest.raises(Conflict):
        flush(alice)
    alice.rollback()
    alice.close()
    assert _teams(db) == [("platform", "Platform team", 2)]


def test_error_inside_a_transaction_rolls_everything_back(db: Database) -> None:
    def fail_midway(session: Session) -> None:
        _add_two_teams(session)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError), db.transaction() as session:
        fail_midway(session)
    with db.transaction(write=False) as session:
        assert session.scalar(select(func.count()).select_from(TeamRow)) == 0


def test_read_transactions_do_not_commit(db: Database) -> None:
    with db.transaction(write=False) as session:
        session.add(TeamRow(key="platform", name="Platform", members=[]))
        flush(session)
    assert _teams(db) == []
