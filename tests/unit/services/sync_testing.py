"""Syncing a test workspace the way `sowhat sync` does: apply its files, then sync once."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sowhat.services.events import open_events
from sowhat.services.files import apply_workspace
from sowhat.services.sync import SyncReport, sync
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database


def sync_workspace(root: Path, as_of: datetime, *, full: bool = False) -> SyncReport:
    """Apply `root`'s files to its database, then sync as of `as_of` (every week with
    `full`); each call opens and closes the database and the event store."""
    ws = load_workspace(root)
    assert ws.metrics is not None
    db = open_database(ws.config.database_url(ws.root), create=True)
    events = open_events(ws)
    try:
        with db.transaction() as session:
            apply_workspace(session=session, workspace=ws, actor="test")
        with db.transaction() as session:
            return sync(session=session, catalog=ws.metrics, events=events, as_of=as_of,
                        full=full)
    finally:
        events.close()
        db.dispose()
