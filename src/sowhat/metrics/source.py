"""Where events are read from: one Ibis connection and one table, with canonical column names.

The metric compiler only ever sees `EventSource.events()` — a table with `event`, `timestamp`,
`user_id`, `account_id`, `properties` (and any flat property columns) — so the same
definitions run on the DuckDB file `sowhat ingest` fills, on a Parquet folder, or on a
warehouse reached through `ibis.connect(url)`, or on Spark (`EventSource.spark`, in
sowhat.metrics.spark).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, TypeVar

from sowhat.errors import DataError, UserError
from sowhat.spec.event_source import ColumnMap, EventSourceSpec

if TYPE_CHECKING:
    import ibis.expr.types as ir

T = TypeVar("T")

RESERVED_COLUMNS = frozenset(
    {"event", "timestamp", "user_id", "account_id", "properties", "message_id", "ingest_id",
     "dedupe_key"}
)
"""Canonical and bookkeeping columns; every other column of an event table is a property."""


class EventSource:
    """An open connection to the events; close it (or use `with`) when done.

    DuckDB sources (the store, Parquet) hold a plain DuckDB connection and build the Ibis
    backend only when an expression has to be compiled, so computing from cached SQL never
    imports Ibis.
    """

    def __init__(
        self,
        backend: Any,
        table: str,
        *,
        columns: ColumnMap | None = None,
        description: str = "",
        owns_backend: bool = True,
        cache_dir: Path | None = None,
        duckdb_connection: Any = None,
    ) -> None:
        self._backend = backend
        self._duck = duckdb_connection
        self.table_name = table
        self.columns = columns or ColumnMap()
        self.description = description or table
        self._owns = owns_backend
        self._events: ir.Table | None = None
        self.cache_dir = cache_dir
        """Where compiled SQL templates are kept across processes (None: memory only)."""
        self.frozen = False
        """The events cannot change while this source is open (a read-only DuckDB file: no
        other process can write it meanwhile), so facts about them may be remembered."""
        self._memo: dict[str, Any] = {}
        self.trust_ledger = True
        """Whether facts about the store's events (per-day digests, time range) may be read
        from the ledger `sowhat ingest` keeps (sowhat.metrics.day_ledger); off, they are
        computed from the rows (`sowhat sync --full`)."""
        self.trust_first_events = True
        """Whether cohorts may find their new entities in the store's first-event table
        (sowhat.metrics.first_events); off, they group the events (`sowhat sync --full`)."""

    # -------------------------------------------------------------- constructors

    @classmethod
    def open(cls, spec: EventSourceSpec, root: Path) -> EventSource:
        """The source a workspace's `[events]` settings describe."""
        if spec.kind == "spark":
            from sowhat.metrics.spark import open_spark

            source = open_spark(
                cls, parquet=spec.parquet_glob(root) if spec.parquet else None,
                table=spec.table, master=spec.master, conf=spec.spark_conf,
                columns=spec.columns)
        elif spec.kind == "parquet":
            source = cls.parquet(spec.parquet_glob(root), columns=spec.columns,
                                 **_duck_opts(spec))
        elif spec.kind == "ibis":
            try:
                url = spec.resolved_url()
            except ValueError as exc:
                raise UserError(str(exc), hint="export it, or set [events] url") from None
            source = cls.connect(url, table=spec.table, columns=spec.columns)
        else:
            source = cls.duckdb(spec.duckdb_path(root), table=spec.table, columns=spec.columns,
                                **_duck_opts(spec))
        source.cache_dir = root / ".sowhat" / "cache" / "sql"
        return source

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
        con = _duck_connect(str(path), read_only, threads, memory_limit)
        source = cls(None, table, columns=columns, description=f"duckdb:{path}",
                     cache_dir=path.parent / "cache" / "sql", duckdb_connection=con)
        source.frozen = read_only
        return source

    @classmethod
    def parquet(
        cls,
        glob: str,
        *,
        columns: ColumnMap | None = None,
        threads: int | None = None,
        memory_limit: str | None = None,
    ) -> EventSource:
        con = _duck_connect(":memory:", False, threads, memory_limit)
        reader = "read_parquet('" + glob.replace("'", "''") + "')"
        try:
            # Time-zone-aware columns (what pyarrow and Spark write) are read as naive UTC, the
            # canonical form: handing DuckDB TIMESTAMPTZ values to Python would need pytz.
            aware = [str(r[0]) for r in con.execute(f"DESCRIBE SELECT * FROM {reader}").fetchall()
                     if str(r[1]).upper() == "TIMESTAMP WITH TIME ZONE"]
            replace = ("REPLACE (" + ", ".join(f"CAST({_ident(c)} AS TIMESTAMP) AS {_ident(c)}"
                                               for c in aware) + ")") if aware else ""
            con.execute(f"CREATE VIEW events AS SELECT * {replace} FROM {reader}")
        except Exception as exc:
            raise DataError(f"cannot read Parquet {glob}: {exc}",
                            hint="check the [events] parquet glob") from None
        return cls(None, "events", columns=columns, description=f"parquet:{glob}",
                   duckdb_connection=con)

    @classmethod
    def connect(cls, url: str, *, table: str = "events",
                columns: ColumnMap | None = None) -> EventSource:
        import ibis

        try:
            backend = ibis.connect(url)
        except Exception as exc:
            raise DataError(f"cannot connect to the events backend: {exc}",
                            hint="check [events] url in sowhat.toml") from None
        scheme = url.split(":", 1)[0]
        return cls(backend, table, columns=columns, description=f"{scheme}:{table}")

    @classmethod
    def spark(cls, *, parquet: str | None = None, table: str = "events",
              master: str | None = None, session: Any = None,
              conf: dict[str, Any] | None = None,
              columns: ColumnMap | None = None) -> EventSource:
        """Events on Spark through Ibis' PySpark backend (`pip install 'sowhat[spark]'`).

        `parquet` (a glob) is read in place; otherwise `table` comes from the session's
        catalog. A caller's `session` is used as is and left running; without one, the
        session already active in this process is used, or one is started on `master`
        (default `local[*]`). See sowhat.metrics.spark.
        """
        from sowhat.metrics.spark import open_spark

        return open_spark(cls, parquet=parquet, table=table, master=master, session=session,
                          conf=conf, columns=columns)

    @classmethod
    def from_backend(cls, backend: Any, table: str = "events", *,
                     columns: ColumnMap | None = None) -> EventSource:
        """Wrap a connection the caller keeps (tests, notebooks); `close()` leaves it open."""
        return cls(backend, table, columns=columns, owns_backend=False)

    # -------------------------------------------------------------- use

    @property
    def backend(self) -> Any:
        """The Ibis backend (built on first use for DuckDB sources)."""
        if self._backend is None:
            import ibis

            self._backend = ibis.duckdb.from_connection(self._duck)
        return self._backend

    def duckdb_connection(self) -> Any | None:
        """The raw DuckDB connection when the events are in DuckDB, else None."""
        if self._duck is not None:
            return self._duck
        if getattr(self._backend, "name", "") == "duckdb":
            return getattr(self._backend, "con", None)
        return None

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
        import ibis

        for optional in ("user_id", "account_id"):
            if optional not in t.columns:
                t = t.mutate(**{optional: ibis.null().cast("string")})
        if not t.timestamp.type().is_timestamp():
            t = t.mutate(timestamp=t.timestamp.cast("timestamp"))
        return t

    def first_event_pairs(self) -> frozenset[tuple[str, str]]:
        """The (entity, event) pairs whose first events the store keeps and may be read now:
        only in the store `sowhat ingest` fills (its own `events` table, canonical columns),
        and only while the ledger accounts for every row (nothing changed outside ingest)."""
        if not self.trust_first_events:
            return frozenset()
        return self.remembered("first_event_pairs", self._first_event_pairs)

    def _first_event_pairs(self) -> frozenset[tuple[str, str]]:
        con = self._duck
        if con is None or self.table_name != "events" or self.columns.renames():
            return frozenset()
        from sowhat.metrics import day_ledger, first_events

        # A cursor of its own: a single-row fetch leaves its result open, and DuckDB refuses
        # the next relation (Ibis' table lookup) on a connection with an open result.
        cur = con.cursor()
        try:
            pairs = first_events.kept_pairs(cur)
            if pairs and not (day_ledger.has_ledger(cur) and day_ledger.consistent(cur)):
                return frozenset()
        except Exception:  # a store this version did not write: group the events
            return frozenset()
        finally:
            cur.close()
        return pairs

    def first_events_table(self) -> ir.Table:
        """The store's first-event table as an Ibis table (see `first_event_pairs`)."""
        return self.backend.table("first_events")

    def remembered(self, name: str, compute: Callable[[], T]) -> T:
        """`compute()`, kept for the life of a frozen source (asked again otherwise)."""
        if not self.frozen:
            return compute()
        if name not in self._memo:
            self._memo[name] = compute()
        value: T = self._memo[name]
        return value

    def schema_key(self) -> list[tuple[str, str]]:
        """The physical table's columns and types (cheap: no Ibis table is built for DuckDB;
        asked once per batch of metrics, so remembered while the source is frozen)."""
        return self.remembered("schema", self._schema_key)

    def _schema_key(self) -> list[tuple[str, str]]:
        con = self.duckdb_connection()
        if con is not None and self._events is None:
            try:
                rows = con.execute(f"DESCRIBE {quoted_table(self.table_name)}").fetchall()
                return [(str(r[0]), str(r[1])) for r in rows]
            except Exception:  # fall back to Ibis, which reports a missing table clearly
                pass
        return [(c, str(t)) for c, t in self.events().schema().items()]

    def source_id(self) -> str:
        return f"{self.description}|{self.table_name}|{self.columns.model_dump_json()}"

    def dialect(self) -> str:
        if self._duck is not None:
            return "duckdb"
        return str(getattr(self._backend, "name", "duckdb"))

    def close(self) -> None:
        if not self._owns:
            return
        if self._backend is not None:
            disconnect = getattr(self._backend, "disconnect", None)
            if disconnect is not None:
                disconnect()
        elif self._duck is not None:
            self._duck.close()

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


def _duck_connect(path: str, read_only: bool, threads: int | None,
                  memory_limit: str | None) -> Any:
    import duckdb

    config: dict[str, Any] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    try:
        con = duckdb.connect(path, read_only=read_only, config=config)
    except duckdb.Error as exc:
        raise DataError(f"cannot open the event store {path}: {exc}",
                        hint="is `sowhat ingest` writing to it right now?") from None
    con.execute("SET TimeZone = 'UTC'")
    return con


def quoted_table(table: str) -> str:
    """A (schema.)table name quoted for raw DuckDB SQL."""
    return ".".join('"' + part.replace('"', '""') + '"' for part in table.split("."))


def _ident(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'
