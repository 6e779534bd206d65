"""Opening the database, keeping its schema current, and turning driver errors into ours.

SQLite is the default and the awkward one. Python's sqlite3 driver (before 3.12) starts a
transaction only before DML, so SELECTs and DDL would run outside it; we switch that off and
emit BEGIN ourselves, so reads are repeatable and migrations are transactional. Write
transactions start with `BEGIN IMMEDIATE`: a second writer then waits (up to the busy
timeout) for the first to commit and reads the committed data, instead of failing at its
first write or, worse, writing over it.
"""

from __future__ import annotations

import ast
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, create_engine, event, inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, IntegrityError, OperationalError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import StaticPool

from sowhat.errors import Busy, Conflict, UserError

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "DEFAULT_BUSY_TIMEOUT_MS",
    "Database",
    "current_revision",
    "default_url",
    "flush",
    "head_revision",
    "open_database",
    "translate_errors",
    "upgrade",
]

DEFAULT_BUSY_TIMEOUT_MS = 5000
MIGRATIONS = Path(__file__).parent / "migrations"
_WRITE = "sowhat_write"  # execution option: this connection's transaction will write

LOCKED = "database is locked by another process; retry"


def default_url(workspace: Path) -> str:
    """`sqlite:///<workspace>/.sowhat/sowhat.db`, the database a workspace uses by default."""
    return f"sqlite:///{(workspace / '.sowhat' / 'sowhat.db').resolve()}"


@dataclass(frozen=True)
class Database:
    """An engine and its session factory; `transaction()` is how callers should write."""

    url: str
    engine: Engine
    sessions: sessionmaker[Session]
    write_sessions: sessionmaker[Session]

    @contextmanager
    def transaction(self, *, write: bool = True) -> Iterator[Session]:
        """One session in one transaction: committed on success, rolled back on any error.

        Services never commit; the shell wraps one use case in this block. Database errors
        leave the block as `UserError`/`Conflict` with a hint, after the rollback, so
        nothing is half-written.
        """
        factory = self.write_sessions if write else self.sessions
        with translate_errors(), factory() as session:
            try:
                yield session
                if write:
                    session.commit()
                # A read-only block just closes: the connection rolls back, and objects
                # already loaded stay readable (a rollback would expire them).
            except BaseException:
                session.rollback()
                raise

    def session(self) -> Session:
        """A plain session (reading, or transactions the caller manages itself)."""
        return self.sessions()

    def dispose(self) -> None:
        self.engine.dispose()


def open_database(
    url: str, *, create: bool, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS
) -> Database:
    """Open the database at `url`, checking its schema is the one this Sowhat expects.

    `create=True` (what `apply` uses) creates a missing SQLite file and brings a new, empty
    database to the current schema. An existing database at an older schema is never
    upgraded silently: the error tells to run `sowhat db upgrade` (after a backup).
    """
    parsed = _parse(url)
    path = _sqlite_path(parsed)
    if path is not None and not path.exists():
        if not create:
            raise UserError(f"no Sowhat database at {path}", hint="run `sowhat apply` to create it")
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(parsed, busy_timeout_ms)
    try:
        _check_schema(engine, url, create=create)
    except BaseException:
        engine.dispose()
        raise
    return Database(
        url=url,
        engine=engine,
        sessions=sessionmaker(engine, expire_on_commit=False),
        write_sessions=sessionmaker(
            engine.execution_options(**{_WRITE: True}), expire_on_commit=False
        ),
    )


def upgrade(url: str, *, revision: str = "head") -> str | None:
    """Migrate the database at `url` to `revision` in one transaction; returns the new one."""
    parsed = _parse(url)
    path = _sqlite_path(parsed)
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
    engine = _engine(parsed, DEFAULT_BUSY_TIMEOUT_MS)
    try:
        from alembic.runtime.migration import MigrationContext
        from alembic.util import CommandError

        with translate_errors(), engine.execution_options(**{_WRITE: True}).begin() as conn:
            try:
                _run_alembic(conn, revision)
            except CommandError as exc:  # e.g. a revision only a newer Sowhat knows
                raise UserError(
                    f"cannot upgrade the database at {_safe(url)}: {exc}",
                    hint="upgrade Sowhat to the version that wrote this database",
                ) from exc
        with engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def current_revision(url: str) -> str | None:
    """The schema revision the database is at; None for an empty (or missing) database."""
    parsed = _parse(url)
    path = _sqlite_path(parsed)
    if path is not None and not path.exists():
        return None
    engine = _engine(parsed, DEFAULT_BUSY_TIMEOUT_MS)
    try:
        from alembic.runtime.migration import MigrationContext

        with translate_errors(), engine.connect() as conn:
            return MigrationContext.configure(conn).get_current_revision()
    finally:
        engine.dispose()


def head_revision() -> str:
    """The schema revision this version of Sowhat writes."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None, "the migrations folder has no head revision"
    return head


def flush(session: Session) -> None:
    """Flush with our errors: services call this so conflicts surface inside the use case."""
    with translate_errors():
        session.flush()


@contextmanager
def translate_errors() -> Iterator[None]:
    """Turn lock, stale-version and duplicate-key errors from any backend into UserErrors."""
    try:
        yield
    except StaleDataError as exc:
        raise Conflict(
            "the data changed since it was read (another edit was saved first)",
            hint="reload and apply your change again",
        ) from exc
    except OperationalError as exc:
        name = getattr(exc.orig, "sqlite_errorname", "")
        if getattr(exc.orig, "sqlstate", None) in {"40001", "40P01"}:
            raise Conflict(
                "another transaction changed the same rows at the same time",
                hint="run the command again",
            ) from exc
        if name == "SQLITE_BUSY_SNAPSHOT":
            raise Conflict(
                "the database changed while this transaction was reading it",
                hint="retry; the next attempt reads the new data",
            ) from exc
        if isinstance(exc.orig, sqlite3.OperationalError) and "locked" in str(exc.orig):
            raise Busy(LOCKED, hint="wait for the other writer to finish") from exc
        raise
    except IntegrityError as exc:
        if _is_unique_violation(exc):
            raise Conflict(
                "another writer saved the same record at the same time",
                hint="run the command again; it will update that record instead",
            ) from exc
        raise


def _is_unique_violation(exc: IntegrityError) -> bool:
    orig = exc.orig
    if getattr(orig, "sqlite_errorname", "") in {
        "SQLITE_CONSTRAINT_UNIQUE",
        "SQLITE_CONSTRAINT_PRIMARYKEY",
    }:
        return True
    return getattr(orig, "sqlstate", None) == "23505"


def _parse(url: str) -> URL:
    try:
        return make_url(url)
    except ArgumentError as exc:
        raise UserError(
            f"cannot read database URL {url!r}",
            hint="write sqlite:///path/to/sowhat.db or postgresql+psycopg://user@host/db",
        ) from exc


def _sqlite_path(url: URL) -> Path | None:
    """The file behind a SQLite URL; None for other backends and in-memory databases."""
    if url.get_backend_name() != "sqlite":
        return None
    db = url.database or ""
    if db in {"", ":memory:"} or db.startswith("file:"):
        return None
    return Path(db)


def _engine(url: URL, busy_timeout_ms: int) -> Engine:
    if url.get_backend_name() != "sqlite":
        return create_engine(url, pool_pre_ping=True)
    kwargs: dict[str, Any] = {"connect_args": {"timeout": busy_timeout_ms / 1000.0}}
    if _sqlite_path(url) is None and not (url.database or "").startswith("file:"):
        # A plain in-memory database lives in one connection; share it across sessions.
        kwargs["poolclass"] = StaticPool
        kwargs["connect_args"]["check_same_thread"] = False
    engine = create_engine(url, **kwargs)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, record: object) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves, below
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
        cur.execute("PRAGMA journal_mode=WAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        writes = conn.get_execution_options().get(_WRITE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if writes else "BEGIN")

    return engine


def _alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def _run_alembic(conn: Connection, revision: str) -> None:
    cfg = _alembic_config()
    cfg.attributes["connection"] = conn
    from alembic import command

    command.upgrade(cfg, revision)


def migration_heads() -> set[str] | None:
    """The head revisions of the migrations folder, read from the files' `revision` and
    `down_revision` lines without Alembic (None: a file this reader cannot follow)."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        found: dict[str, Any] = {}
        try:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in tree.body:
                if isinstance(node, ast.Assign):
                    target, value = node.targets[0], node.value
                elif isinstance(node, ast.AnnAssign) and node.value is not None:
                    target, value = node.target, node.value
                else:
                    continue
                if isinstance(target, ast.Name) and target.id in ("revision", "down_revision"):
                    found[target.id] = ast.literal_eval(value)
        except (OSError, SyntaxError, ValueError):
            return None
        if not isinstance(found.get("revision"), str):
            return None
        revisions.add(found["revision"])
        down = found.get("down_revision")
        parents.update([down] if isinstance(down, str) else down or ())
    heads = revisions - parents
    return heads or None


def _stored_revision(engine: Engine) -> str | None:
    """The database's single `alembic_version` row, read with plain SQL (None: none, several
    or no such table)."""
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT version_num FROM alembic_version")).all()
    except Exception:  # no table yet, or a driver error: the full check below says which
        return None
    return str(rows[0][0]) if len(rows) == 1 else None


def _check_schema(engine: Engine, url: str, *, create: bool) -> None:
    # Every command opens the database: when its one revision is this Sowhat's one head,
    # that is the whole check — without importing Alembic (≈0.4 s of a `sowhat sync`).
    heads = migration_heads()
    if heads is not None and len(heads) == 1 and _stored_revision(engine) in heads:
        return
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    head = head_revision()
    with translate_errors(), engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
        empty = not inspect(conn).get_table_names()
    if current == head:
        return
    if current is None:
        if create and empty:
            with translate_errors(), engine.execution_options(**{_WRITE: True}).begin() as conn:
                _run_alembic(conn, "head")
            return
        raise UserError(
            f"the database at {_safe(url)} has no Sowhat schema",
            hint="run `sowhat db upgrade` to create it (or `sowhat apply`, which creates it)",
        )
    script = ScriptDirectory.from_config(_alembic_config())
    known = {rev.revision for rev in script.walk_revisions()}
    if current not in known:
        raise UserError(
            f"the database at {_safe(url)} is at schema revision {current}, "
            "written by a newer Sowhat",
            hint="upgrade Sowhat to a version that knows this schema",
        )
    raise UserError(
        f"the database at {_safe(url)} is at schema revision {current}; this Sowhat needs {head}",
        hint="back it up, then run `sowhat db upgrade`",
    )


def _safe(url: str) -> str:
    """The URL without its password, fit for an error message."""
    return make_url(url).render_as_string(hide_password=True)
