"""Migrations: an empty database reaches head on both backends, matching the models exactly,
and an outdated or foreign database is refused with the command that fixes it."""

from __future__ import annotations

import math
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from sowhat.errors import UserError
from sowhat.store import db as store_db
from sowhat.store.base import all_tables
from sowhat.store.db import current_revision, head_revision, open_database, upgrade

TABLES = {
    "alembic_version", "audit_log", "bets", "check_ins", "guardrails", "key_results",
    "objectives", "periods", "teams",
}  # fmt: skip


def test_upgrade_from_empty_reaches_head_and_matches_models(url: str) -> None:
    assert current_revision(url) is None
    assert upgrade(url) == head_revision()
    assert current_revision(url) == head_revision()
    engine = create_engine(url)
    with engine.connect() as conn:
        tables = set(inspect(conn).get_table_names())
        assert tables >= TABLES
        assert tables == {"alembic_version", *all_tables().tables}
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, all_tables()) == []
    engine.dispose()


def test_upgrade_twice_is_a_no_op(url: str) -> None:
    upgrade(url)
    assert upgrade(url) == head_revision()


def test_open_with_create_upgrades_an_empty_database(url: str) -> None:
    database = open_database(url, create=True)
    database.dispose()
    assert current_revision(url) == head_revision()


def test_open_without_create_refuses_a_missing_sqlite_file(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'nope' / 'sowhat.db'}"
    with pytest.raises(UserError, match="no Sowhat database") as info:
        open_database(url, create=False)
    assert "sowhat apply" in (info.value.hint or "")
    assert not (tmp_path / "nope").exists()


def test_open_without_create_refuses_an_empty_database(url: str) -> None:
    if url.startswith("sqlite"):
        Path(url.removeprefix("sqlite:///")).touch()
    with pytest.raises(UserError, match="no Sowhat schema") as info:
        open_database(url, create=False)
    assert "sowhat db upgrade" in (info.value.hint or "")


def test_create_refuses_a_database_with_foreign_tables(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE something_else (id INTEGER)"))
    engine.dispose()
    with pytest.raises(UserError, match="no Sowhat schema"):
        open_database(url, create=True)


def test_outdated_schema_asks_for_db_upgrade(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(sqlite_url)
    # Pretend this Sowhat ships a newer revision than the database has.
    monkeypatch.setattr(store_db, "head_revision", lambda: "9999")
    monkeypatch.setattr(store_db, "migration_heads", lambda: {"9999"})
    with pytest.raises(UserError, match="this Sowhat needs 9999") as info:
        open_database(sqlite_url, create=True)
    assert "sowhat db upgrade" in (info.value.hint or "")


def test_a_database_one_migration_behind_is_refused(sqlite_url: str) -> None:
    upgrade(sqlite_url, revision="0007_sync_inputs")
    with pytest.raises(UserError, match=f"this Sowhat needs {head_revision()}"):
        open_database(sqlite_url, create=False)


def test_the_quick_head_is_alembics_head() -> None:
    """The start-up check reads the migration files' revision lines without Alembic; it must
    find the one head Alembic finds."""
    assert store_db.migration_heads() == {head_revision()}


def test_opening_a_current_database_does_not_import_alembic(sqlite_url: str) -> None:
    import subprocess
    import sys

    upgrade(sqlite_url)
    code = ("import sys; from sowhat.store.db import open_database; "
            f"open_database({sqlite_url!r}, create=False).dispose(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "[]"


def test_database_from_a_newer_sowhat_is_refused(sqlite_url: str) -> None:
    upgrade(sqlite_url)
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00d'"))
    engine.dispose()
    with pytest.raises(UserError, match="newer Sowhat"):
        open_database(sqlite_url, create=False)
    with pytest.raises(UserError, match="cannot upgrade"):
        upgrade(sqlite_url)


def test_sqlite_connections_get_the_pragmas(sqlite_url: str) -> None:
    database = open_database(sqlite_url, create=True, busy_timeout_ms=1234)
    with database.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() == 1234
    database.dispose()


def test_default_url_points_into_the_workspace(tmp_path: Path) -> None:
    assert store_db.default_url(tmp_path) == f"sqlite:///{tmp_path.resolve()}/.sowhat/sowhat.db"


def test_bad_url_is_a_user_error() -> None:
    with pytest.raises(UserError, match="cannot read database URL"):
        open_database("not a url", create=True)



def test_non_finite_numbers_from_older_versions_are_cleared(url: str) -> None:
    """Issue 13: `.inf`/`1e400`/`.nan` targets stored before validation refused them become
    NULL at 0007; finite numbers are untouched. Rows are written at 0006 (same schema)."""
    upgrade(url, revision="0006_authoring")
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO periods (id, label, start, \"end\", version) "
                          "VALUES (1, '2026-Q4', '2026-10-01', '2026-12-31', 1)"))
        conn.execute(text("INSERT INTO objectives (id, period_id, key, title, position, "
                          "version) VALUES (1, 1, 'o', 'O', 0, 1)"))
        for i, (baseline, target) in enumerate(
            [(0.35, math.inf), (-math.inf, 0.45), (0.35, math.nan), (0.35, 0.45)], start=1
        ):
            conn.execute(
                text("INSERT INTO key_results (id, period_id, objective_id, key, title, "
                     "baseline, target, position, version) VALUES (:i, 1, 1, :k, 'KR', :b, "
                     ":t, 0, 1)"),
                {"i": i, "k": f"kr{i}", "b": baseline, "t": target},
            )
    engine.dispose()
    assert upgrade(url) == head_revision()
    engine = create_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(text("SELECT key, baseline, target FROM key_results ORDER BY id"))
        assert [tuple(r) for r in rows] == [
            ("kr1", 0.35, None), ("kr2", None, 0.45), ("kr3", 0.35, None), ("kr4", 0.35, 0.45),
        ]
    engine.dispose()
