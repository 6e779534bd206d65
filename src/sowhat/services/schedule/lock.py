"""One sync at a time per workspace, whichever process runs it: `sowhat serve`'s scheduler,
a cron-run `sowhat sync`, a person at a terminal.

The lock is an OS file lock (`flock`) on `.sowhat/sync.lock` in the workspace, so it holds
between processes on one machine and is released by the kernel when a holder dies — no stale
lock survives a crash. With a PostgreSQL store, machines share the database but not the file,
so a session-level advisory lock on the database is taken as well.

A second sync either waits (`wait` seconds) or fails at once with `SyncRunning`, whose exit
code 75 (EX_TEMPFAIL, "try again later") lets cron wrappers tell "busy" from "failed".
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from sqlalchemy import Connection, text

from sowhat.errors import Busy
from sowhat.store.db import Database

__all__ = ["LOCK_NAME", "SYNC_BUSY_EXIT", "SyncRunning", "lock_path", "sync_lock"]

LOCK_NAME = "sync.lock"
SYNC_BUSY_EXIT = 75
# pg_advisory_lock takes a bigint; this one is "sowhat-sync" read as ASCII, cut to 63 bits.
PG_LOCK_KEY = int.from_bytes(b"swsync01", "big") & ((1 << 63) - 1)
_POLL_SECONDS = 0.2


class SyncRunning(Busy):
    """Another sync holds this workspace's lock."""

    exit_code = SYNC_BUSY_EXIT


def lock_path(root: Path) -> Path:
    return root / ".sowhat" / LOCK_NAME


@contextmanager
def sync_lock(root: Path, *, db: Database | None = None, wait: float = 0.0,
              holder: str = "sowhat sync") -> Iterator[None]:  # fmt: skip
    """Hold the workspace's sync lock for the block; SyncRunning when another holds it past
    `wait` seconds. `holder` is written into the lock file so the refusal names who has it."""
    path = lock_path(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + max(wait, 0.0)
    with path.open("a+", encoding="utf-8") as handle:
        _acquire_file(handle, path, deadline)
        try:
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "holder": holder,
                                     "since": datetime.now(UTC).isoformat(timespec="seconds")}))
            handle.flush()
            with _advisory(db, deadline, path):
                yield
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)


def _acquire_file(handle: IO[str], path: Path, deadline: float) -> None:
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                raise _running(path) from None
            time.sleep(_POLL_SECONDS)


@contextmanager
def _advisory(db: Database | None, deadline: float, path: Path) -> Iterator[None]:
    """A PostgreSQL advisory lock on its own connection, held for the block."""
    if db is None or db.engine.dialect.name != "postgresql":
        yield
        return
    with db.engine.connect() as conn:
        while not _try_pg(conn):
            if time.monotonic() >= deadline:
                raise SyncRunning("another sync is running against this database (on another "
                                  "machine: its advisory lock is held)",
                                  hint="wait for it to finish, or pass --wait SECONDS")
            time.sleep(_POLL_SECONDS)
        try:
            yield
        finally:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": PG_LOCK_KEY})
            conn.commit()


def _try_pg(conn: Connection) -> bool:
    got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": PG_LOCK_KEY}).scalar()
    conn.commit()
    return bool(got)


def _running(path: Path) -> SyncRunning:
    who = ""
    try:
        info = json.loads(path.read_text("utf-8") or "{}")
        if info:
            who = f" ({info.get('holder', 'a sync')}, pid {info.get('pid')}, since " \
                  f"{info.get('since')})"
    except (OSError, ValueError):
        pass
    return SyncRunning(f"another sync is running in this workspace{who}",
                       hint=f"wait for it to finish, or pass --wait SECONDS; the lock is {path}")
