"""JSON documents (`store.base.JSONDocument`): JSONB on PostgreSQL, JSON elsewhere, stored and
read as `JSON().with_variant(JSONB(), "postgresql")` stored them — without importing
PostgreSQL's dialect into a process that opens a SQLite database."""

from __future__ import annotations

import subprocess
import sys

from sqlalchemy import JSON, Column, Integer, MetaData, Table, create_engine, insert, select, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.schema import CreateTable

from sowhat.store.base import JSONDocument
from sowhat.store.db import upgrade
from sowhat.store.models import AuditEntryRow

VALUES = [None, {"x": 1, "y": [1, 2.5, None]}, [1, "a"], "s", 3.5, JSON.NULL]


def _tables() -> tuple[MetaData, Table]:
    md = MetaData()
    table = Table("docs", md, Column("id", Integer, primary_key=True),
                  Column("old", JSON().with_variant(JSONB(), "postgresql"), nullable=True),
                  Column("new", JSONDocument, nullable=True))
    return md, table


def test_the_ddl_is_jsonb_on_postgresql_and_json_elsewhere() -> None:
    ddl = str(CreateTable(AuditEntryRow.__table__).compile(dialect=postgresql.dialect()))
    assert "\tbefore JSONB," in ddl
    assert "\tafter JSONB," in ddl
    lite = str(CreateTable(AuditEntryRow.__table__).compile(dialect=sqlite.dialect()))
    assert "\t\"before\" JSON," in lite  # a keyword there
    assert "JSONB" not in lite


def test_values_are_stored_and_read_as_the_json_variant_did(url: str) -> None:
    md, table = _tables()
    engine = create_engine(url)
    md.create_all(engine)
    with engine.begin() as conn:
        for i, value in enumerate(VALUES):
            conn.execute(insert(table).values(id=i, old=value, new=value))
        conn.execute(insert(table).values(id=len(VALUES)))  # neither set: SQL NULL
        raw = conn.execute(text("SELECT old, new, old IS NULL, new IS NULL FROM docs "
                                "ORDER BY id")).all()
        assert all((r[0], r[2]) == (r[1], r[3]) for r in raw)
        assert [r[2] for r in raw] == [False] * len(VALUES) + [True]  # None: JSON null
        read = conn.execute(select(table.c.old, table.c.new).order_by(table.c.id)).all()
        assert all(old == new for old, new in read)
        assert conn.execute(select(table.c.id).where(table.c.new["x"].as_integer() == 1)
                            ).scalars().all() == [1]
    engine.dispose()


def test_a_sqlite_workspace_never_imports_the_postgresql_dialect(sqlite_url: str) -> None:
    upgrade(sqlite_url)  # the migrations import it (their types are spelled out)
    code = ("import sys\n"
            "from datetime import UTC, datetime\n"
            "import sowhat.cli.app, sowhat.services.sync.run\n"
            "from sowhat.store import audit\n"
            "from sowhat.store.db import open_database\n"
            f"db = open_database({sqlite_url!r}, create=False)\n"
            "with db.transaction() as s:\n"
            "    audit.record(session=s, actor='a', action=audit.AuditAction.UPDATE,\n"
            "                 entity_type='key_result', entity_key='k', before={'v': 1},\n"
            "                 after=None, at=datetime.now(UTC))\n"
            "db.dispose()\n"
            "print('sqlalchemy.dialects.postgresql' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "False"
