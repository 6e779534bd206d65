"""Database URLs for the store tests: a SQLite file per test, and one throwaway PostgreSQL
database per test session (emptied between tests), on the server scripts/test-services.sh
starts. Without that server the PostgreSQL cases skip, saying why."""

from __future__ import annotations

import atexit
import os
import uuid
from functools import cache
from pathlib import Path

import pytest

PG_ADMIN = os.environ.get("SOWHAT_TEST_PG", "postgresql://postgres@127.0.0.1:54329/postgres")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@cache
def _pg_database() -> str:
    """Create the session's database once per process; dropped when the process exits."""
    import psycopg

    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN} (run scripts/test-services.sh): {exc}")
    name = f"sowhat_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def _reset_pg(url: str) -> None:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute("DROP SCHEMA public CASCADE")
        c.execute("CREATE SCHEMA public")


def database_url(backend: str, tmp_path: Path) -> str:
    """An empty database of that backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'sowhat.db'}"
    url = _pg_database()
    _reset_pg(url)
    return url
