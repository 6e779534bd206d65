"""The read-model cache: served while the data version stands, rebuilt when any write moves
it (the old version dropped), and never served for another inputs object or database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from sowhat.domain.okr import CheckInSource
from sowhat.services.checkins import record_checkin
from sowhat.services.files import apply_workspace
from sowhat.services.listing.cache import ReadCache, data_version
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import Database, open_database


def _db(root: Path) -> Database:
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(root), create=True)
    with db.transaction() as session:
        apply_workspace(session=session, workspace=ws, actor="test")
    return db


def test_cache_follows_the_data_version(write_workspace) -> None:  # type: ignore[no-untyped-def]
    db = _db(write_workspace())
    other = _db(write_workspace(name="other"))
    cache, built = ReadCache(), []
    catalog = object()

    def build() -> int:
        built.append(1)
        return len(built)

    with db.transaction(write=False) as s:
        before = data_version(s)
        assert cache.get(s, "plan", build, inputs=catalog) == 1
        assert cache.get(s, "plan", build, inputs=catalog) == 1  # served
        assert cache.get(s, "plan", build, inputs=object()) == 2  # another catalog: rebuilt
    with other.transaction(write=False) as s:  # same key and version, another database
        assert data_version(s) == before
        assert cache.get(s, "plan", build, inputs=catalog) == 3
    with db.transaction() as s:
        record_checkin(session=s, kr_id="activation", period="2026-Q4", value=None,
                       confidence=0.5, note="on plan", blockers=None, source=CheckInSource.MANUAL,
                       actor="ana@example.com", week=date(2026, 11, 9))  # fmt: skip
    with db.transaction(write=False) as s:
        assert data_version(s)[0] > before[0]
        assert cache.get(s, "plan", build, inputs=catalog) == 4  # the check-in moved it
        assert cache.get(s, "plan", build, inputs=catalog) == 4
    # one entry per (key, database, inputs): the superseded version was dropped
    assert len(cache._items) == 3
    db.dispose()
    other.dispose()
