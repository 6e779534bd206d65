"""The one declarative Base every table module hangs off, and the column types they share.

Later features (users, API tokens, sync runs, lessons, webhooks) each add one module of
models importing `Base` from here, plus one Alembic revision; nothing else needs to change.
The naming convention gives every constraint a stable name so that migrations can drop or
alter them later, including SQLite's batch mode, which recreates tables by name.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, DateTime, Dialect, MetaData
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[datetime]):
    """Timestamps are UTC in and UTC out, whatever the backend keeps.

    SQLite has no time zones and would silently drop an offset; PostgreSQL keeps
    `timestamptz`. Either way a reader gets an aware UTC datetime back, and a naive one
    going in is refused rather than guessed at.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: store times as aware UTC values")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


class _JSONDocument(TypeDecorator[Any]):
    """JSON documents (audit before/after, team members, stored forecasts): JSONB on
    PostgreSQL, JSON (text) elsewhere.

    What `JSON().with_variant(JSONB(), "postgresql")` was — the same DDL, the same values
    stored and read on both backends (None as JSON null, as JSON does) — but PostgreSQL's
    dialect package is imported only when a PostgreSQL database is used: importing it cost
    every `sowhat` process ≈40 ms of CPU, most of a SQLite workspace's ORM set-up after
    SQLAlchemy itself.
    """

    impl = JSON
    cache_ok = True
    should_evaluate_none = True  # as JSON(none_as_null=False): None is stored as JSON null

    def load_dialect_impl(self, dialect: Dialect) -> Any:
        if dialect.name == "postgresql":
            from sqlalchemy.dialects.postgresql import JSONB

            return dialect.type_descriptor(JSONB())
        return dialect.type_descriptor(JSON())


JSONDocument: Any = _JSONDocument()


def all_tables() -> MetaData:
    """Base.metadata with every table of the package registered.

    Tables register when their module is imported; Alembic and the schema tests need all of
    them, including modules added by later features, so this imports every module of
    `sowhat.store` instead of keeping a list someone must remember to extend.
    """
    import importlib
    import pkgutil

    import sowhat.store

    for info in pkgutil.iter_modules(sowhat.store.__path__):
        if not info.ispkg:
            importlib.import_module(f"sowhat.store.{info.name}")
    return Base.metadata


def utcnow() -> datetime:
    return datetime.now(UTC)
