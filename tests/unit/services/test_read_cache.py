"""The read-model cache: served while the data version stands, rebuilt when any write moves
it (the old version dropped), and never served for another inputs object or database."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

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


def _pg_url() -> str:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "store"))
    from store_testing import _pg_database, _reset_pg

    url = _pg_database()
    _reset_pg(url)
    return url


@pytest.mark.postgres
def test_a_writer_committing_after_a_later_id_is_not_missed_on_postgres(
    write_workspace,  # type: ignore[no-untyped-def]
) -> None:
    """PostgreSQL hands out audit ids before commit: writer A takes an id, writer B a later
    one and commits first, a reader caches the plan (B's check-in in it), then A commits.
    The highest id has not moved, but the version has (A's id was a gap), and the cached
    plan is brought up to date with A's check-in: equal to a plan read afresh."""
    from sowhat.services.dashboard import cached_plan
    from sowhat.services.listing.cache import read_cache
    from sowhat.services.okrs.views import plan_view

    root = write_workspace()
    ws = load_workspace(root)
    db = open_database(_pg_url(), create=True)
    with db.transaction() as session:
        apply_workspace(session=session, workspace=ws, actor="test")
    read_cache.clear()
    day = date(2026, 11, 16)

    def plan():  # type: ignore[no-untyped-def]
        with db.transaction(write=False) as s:
            return cached_plan(session=s, period="2026-Q4", today=day, catalog=ws.metrics)

    def checkin(s, kr: str, value: float) -> None:  # type: ignore[no-untyped-def]
        record_checkin(session=s, kr_id=kr, period="2026-Q4", value=value, confidence=0.5,
                       note=None, blockers=None, source=CheckInSource.MANUAL,
                       actor="ana@example.com", week=date(2026, 11, 9),
                       override_value=True)  # fmt: skip

    plan()  # cached before either write
    with db.transaction() as first:  # A: its audit id is taken now, committed at the end
        checkin(first, "activation", 0.41)
        first.flush()
        with db.transaction() as second:  # B: a later id, committed first
            checkin(second, "activation-mid", 0.33)
        between = plan()
        assert between.key_result("activation-mid").status.current == 0.33
        assert between.key_result("activation").status.current != 0.41
        with db.transaction(write=False) as s:
            assert data_version(s)[2]  # A's id: a gap below the highest
    updates = read_cache.updates
    after = plan()
    assert after.key_result("activation").status.current == 0.41  # A is not missed
    assert read_cache.updates == updates + 1  # by an update, not a rebuild
    with db.transaction(write=False) as s:
        assert data_version(s)[2] == ()
        assert after == plan_view(session=s, period="2026-Q4", today=day, catalog=ws.metrics)
    read_cache.clear()
    db.dispose()
