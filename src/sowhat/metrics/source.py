"""Where events are read from: one Ibis connection and one table, with canonical column names.

The metric compiler only ever sees `EventSource.events()` — a table with `event`, `timestamp`,
`user_id`, `account_id`, `properties` (and any flat property columns) — so the same
definitions run on the DuckDB file `sowhat ingest` fills, on a Parquet folder, or on a
warehouse reached through `ibis.connect(url)`.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Any

import ibis
import ibis.expr.types as ir

from sowhat.errors import DataError, UserError
from sowhat.spec.event_source import ColumnMap, EventSourceSpec

RESERVED_COLUMNS = frozenset(
    {"event", "timestamp", "user_id", "account_id", "properties", "message_id", "ingest_id"}
)
"""Canonical and bookkeeping columns; every other column of an event table is a property."""


class EventSource:
    """An open connection to the events; close it (or use `with`) when done."""

    def __init__(
        self,
        backend: Any,
        table: str,
        *,
        columns: ColumnMap | None = None,
        description: str = "",
        owns_backend: bool = True,
    ) -> None:
        self.backend = backend
        self.table_name = table
        self.columns = columns or ColumnMap()
        self.description = description or table
        self._owns = owns_backend
        self._events: ir.Table | None = None

    # -------------------------------------------------------------- constructors

    @classmethod
    def open(cls, spec: EventSourceSpec, root: Path) -> EventSource:
        """The source a workspace's `[events]` settings describe."""
        if spec.kind == "parquet":
            return cls.parquet(spec.parquet_glob(root), columns=spec.columns, **_duck_opts(spec))
        if spec.kind == "ibis":
            try:
                url = spec.resolved_url()
            except ValueError as exc:
                raise UserError(str(exc), hint="export it, or set [events] url") from None
            return cls.connect(url, table=spec.table, columns=spec.columns)
        return cls.duckdb(spec.duckdb_path(root), table=spec.table, columns=spec.columns,
                          **_duck_opts(spec))

    @classmethod
    def duckdb(
        cls,
        path: Path | str,
        *,
        table: str = "events",
        columns: ColumnMap | None = None,
        read_only: bool = True,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> EventSource:
        path = Path(path)
        if not path.exists():
            raise DataError(
                f"no events yet: {path} does not exist",
                hint="load events with `sowhat ingest FILE`, or set [events] in sowhat.toml",
            )
        config = _duck_config(threads, memory_limit)
        backend = ibis.duckdb.connect(str(path), read_only=read_only, **config)
        return cls(backend, table, columns=columns, description=f"duckdb:{path}")

    @classmethod
    def parquet(
        cls,
        glob: str,
        *,
        columns: ColumnMap | None = None,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> EventSource:
        backend = ibis.duckdb.connect(**_duck_config(threads, memory_limit))
        try:
            backend.read_parquet(glob, table_name="events")
        except Exception as exc:
            raise DataError(f"cannot read Parquet {glob}: {exc}",
                            hint="check the [events] parquet glob") from None
        return cls(backend, "events", columns=columns, description=f"parquet:{glob}")

    @classmethod
    def connect(cls, url: str, *, table: str = "events",
                columns: ColumnMap | None = None) -> EventSource:
        try:
            backend = ibis.connect(url)
        except Exception as exc:
            raise DataError(f"cannot connect to the events backend: {exc}",
                            hint="check [events] url in sowhat.toml") from None
        scheme = url.split(":", 1)[0]
        return cls(backend, table, columns=columns, description=f"{scheme}:{table}")

    @classmethod
    def from_backend(cls, backend: Any, table: str = "events", *,
                     columns: ColumnMap | None = None) -> EventSource:
        """Wrap a connection the caller keeps (tests, notebooks); `close()` leaves it open."""
        return cls(backend, table, columns=columns, owns_backend=False)

    # -------------------------------------------------------------- use

    def events(self) -> ir.Table:
        """The event table under canonical names; missing id columns read as null."""
        if self._events is None:
            self._events = self._canonical()
        return self._events

    def _canonical(self) -> ir.Table:
        schema_name, _, name = self.table_name.rpartition(".")
        try:
            t = self.backend.table(name, database=schema_name) if schema_name else (
                self.backend.table(name))
        except Exception as exc:
            raise DataError(f"cannot read event table {self.table_name!r}: {exc}",
                            hint="check [events] table and columns in sowhat.toml") from None
        renames = {src: dst for src, dst in self.columns.renames().items() if src in t.columns}
        if renames:
            t = t.rename({dst: src for src, dst in renames.items()})
        for required in ("event", "timestamp"):
            if required not in t.columns:
                raise DataError(
                    f"event table {self.table_name!r} has no {required!r} column",
                    hint=f"map it: [events.columns] {required} = \"<your column>\"",
                )
        for optional in ("user_id", "account_id"):
            if optional not in t.columns:
                t = t.mutate(**{optional: ibis.null().cast("string")})
        if not t.timestamp.type().is_timestamp():
            t = t.mutate(timestamp=t.timestamp.cast("timestamp"))
        return t

    def dialect(self) -> str:
        return str(getattr(self.backend, "name", "duckdb"))

    def close(self) -> None:
        if self._owns:
            disconnect = getattr(self.backend, "disconnect", None)
            if disconnect is not None:
                disconnect()

    def __enter__(self) -> EventSource:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _duck_opts(spec: EventSourceSpec) -> dict[str, Any]:
    return {"threads": spec.threads, "memory_limit": spec.memory_limit}


def _duck_config(threads: int | None, memory_limit: str | None) -> dict[str, Any]:
    config: dict[str, Any] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    return config
