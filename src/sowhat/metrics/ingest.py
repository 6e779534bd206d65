"""`sowhat ingest`: load CSV, JSONL and Parquet files into the DuckDB event store.

DuckDB reads and parses every file (read_csv / read_parquet, and JSONL read as lines then
parsed with its JSON functions) so ingestion is columnar, not a Python loop over rows. Per file:
1. stage the rows with canonical columns (event, timestamp, user_id, account_id, properties,
   message_id) and a reject reason per row;
2. write rejected rows, with their reason, to `.sowhat/rejects/<file>.rejects.jsonl`;
3. insert the valid rows whose dedupe key is not stored yet (a hash of the Segment
   `messageId`, or of the canonical row), comparing only with stored events of the same name
   in the days the file covers, all in one transaction — a failure leaves nothing from that
   file.
Events timestamped more than a day after the ingest are rejected ("in the future") unless
`allow_future` — a clock error upstream would otherwise move every watermark.
Segment track-call JSONL (`event`, `userId`, `timestamp`, `properties`, `context.groupId`,
`messageId`) maps without options; Amplitude, Mixpanel and PostHog exports with `vendor`
(`ingest_vendors`); other layouts use `--map column=field`. Segment `identify` / `group`
calls in the same file become entity traits (sowhat.metrics.traits).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from sowhat.errors import DataError, UserError
from sowhat.metrics import day_ledger, first_events
from sowhat.metrics import ingest_sql as q
from sowhat.metrics import ingest_vendors as vendors
from sowhat.metrics.store import (
    ROW_ORDER,
    apply_property_types,
    ensure_schema,
    in_row_order,
    quote,
    sql_string,
)
from sowhat.metrics.traits import absorb_calls

FORMATS = {
    ".csv": "csv", ".tsv": "csv", ".txt": "csv",
    ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl",
    ".parquet": "parquet", ".pq": "parquet",
}
CANONICAL = ("event", "timestamp", "user_id", "account_id", "properties", "message_id")
USER_ID_PROPERTIES = frozenset({"user_id", "userid", "distinct_id", "person_id"})
ID_PROPERTIES = USER_ID_PROPERTIES | frozenset({
    "account_id", "accountid", "account", "group_id", "groupid", "org_id", "orgid",
    "organization_id", "organisation_id", "company_id", "workspace_id", "team_id",
    "tenant_id", "customer_id",
})
"""Property names that hold a user's or an account's id, for ingest's hint when the file's
envelope carries none (`properties.account_id` in a Segment-style file)."""


@dataclass(frozen=True)
class FileReport:
    path: str
    format: str
    read: int
    loaded: int
    duplicates: int
    rejected: int
    rejects_path: str | None
    seconds: float
    calls: int = 0
    """Segment identify/group calls stored as traits (sowhat.metrics.traits), not events."""
    ids: dict[str, int] = field(default_factory=dict)
    """Valid rows of the file with a user_id / an account_id."""
    id_properties: dict[str, int] = field(default_factory=dict)
    """Properties whose name says they hold an id (`account_id`, `org_id`…) -> rows with one:
    where the id is when the envelope has none."""

    @property
    def valid(self) -> int:
        return self.read - self.rejected - self.calls


@dataclass(frozen=True)
class Reindexed:
    """What `sowhat ingest --reindex` did: the rows the ledger now accounts for, and
    whether the rows were rewritten by event and time."""

    rows: int
    reordered: bool


@dataclass(frozen=True)
class IngestReport:
    files: tuple[FileReport, ...]
    in_file_order: bool = False
    """The store was begun by a version that kept rows in file order, and has not been
    rewritten by event and time since (`sowhat ingest --reindex` does it)."""

    @property
    def read(self) -> int:
        return sum(f.read for f in self.files)

    @property
    def loaded(self) -> int:
        return sum(f.loaded for f in self.files)

    @property
    def duplicates(self) -> int:
        return sum(f.duplicates for f in self.files)

    @property
    def rejected(self) -> int:
        return sum(f.rejected for f in self.files)

    @property
    def calls(self) -> int:
        """Segment identify/group calls stored as traits."""
        return sum(f.calls for f in self.files)


def parse_mapping(items: Sequence[str]) -> dict[str, str]:
    """`["event=event_name", "account_id=context.groupId"]` -> {"event": "event_name", ...}."""
    out: dict[str, str] = {}
    for item in items:
        column, sep, field = item.partition("=")
        column, field = column.strip(), field.strip()
        if not sep or not field:
            raise UserError(f"cannot read mapping {item!r}",
                            hint="write --map column=field, e.g. --map event=event_name")
        if column not in CANONICAL:
            raise UserError(f"unknown column {column!r} in --map {item}",
                            hint="map one of: " + ", ".join(CANONICAL))
        out[column] = field
    return out


def file_format(path: Path, vendor: str | None = None) -> str:
    if vendor == "amplitude" and path.suffix.lower() == ".zip":
        return "jsonl"  # unpacked before staging
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in (".gz", ".zst"):
        suffixes = suffixes[:-1]
    fmt = FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        raise UserError(f"cannot tell the format of {path.name}",
                        hint="name it .csv, .jsonl (or .ndjson) or .parquet")
    return fmt


def ingest(
    paths: Sequence[Path],
    *,
    store: Path,
    mapping: Mapping[str, str] | None = None,
    account_field: str = "context.groupId",
    rejects_dir: Path | None = None,
    on_start: Callable[[Path], None] | None = None,
    on_done: Callable[[FileReport], None] | None = None,
    threads: int | None = None,
    memory_limit: str | None = None,
    allow_future: bool = False,
    vendor: str | None = None,
    anchors: Collection[tuple[str, str]] = (),
) -> IngestReport:
    """Load files into the store at `store`, one transaction per file; files load in order.

    `on_start` / `on_done` let a shell draw progress; the library itself prints nothing.
    `anchors` are the (entity, event) pairs whose first events the store should keep for
    cohort metrics (sowhat.metrics.first_events.anchor_pairs of the workspace's metrics).
    """
    for path in paths:
        if not path.is_file():
            raise UserError(f"no such file: {path}", hint="check the path")
        file_format(path, vendor)
    preset = vendors.preset(vendor) if vendor else None
    store.parent.mkdir(parents=True, exist_ok=True)
    rejects = rejects_dir or store.parent / "rejects"
    config: dict[str, Any] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    con = _open_store(store, config)
    reports = []
    try:
        con.execute("SET TimeZone = 'UTC'")
        ensure_schema(con)
        first_events.keep(con, anchors)
        for path in paths:
            if on_start is not None:
                on_start(path)
            with vendors.readable(path, vendor) as readable:
                report = _ingest_file(con, path, dict(mapping or {}), account_field, rejects,
                                      allow_future, preset, readable)
            reports.append(report)
            if on_done is not None:
                on_done(report)
        stored = con.execute("SELECT count(*) FROM events").fetchone()
        in_file_order = not in_row_order(con) and stored is not None and bool(stored[0])
    finally:
        con.close()
    return IngestReport(tuple(reports), in_file_order)


def reindex(store: Path, *, threads: int | None = None, memory_limit: str | None = None
            ) -> Reindexed:
    """Rebuild the store's per-day ledger from its rows (sowhat.metrics.day_ledger): after
    events were edited in place outside `sowhat ingest`. A store written before rows were
    kept by event and time is first copied in that order (sowhat.metrics.store.ROW_ORDER)
    into a new file that replaces it once complete: a failure leaves it as it was."""
    if not store.exists():
        raise UserError(f"no event store at {store}", hint="load events with `sowhat ingest FILE`")
    config: dict[str, Any] = {}
    if threads:
        config["threads"] = threads
    if memory_limit:
        config["memory_limit"] = memory_limit
    reordered = _rewrite_in_order(store, config)
    con = _open_store(store, config)
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("BEGIN TRANSACTION")
        ensure_schema(con)
        day_ledger.rebuild(con)
        first_events.rebuild(con)
        con.execute("COMMIT")
        total = con.execute("SELECT coalesce(sum(n), 0) FROM day_ledger").fetchone()
        return Reindexed(int(total[0]) if total is not None else 0, reordered)
    finally:
        con.close()


def _open_store(store: Path, config: dict[str, Any]) -> Any:
    """A write connection to the store, or a DataError saying who may hold it."""
    try:
        return duckdb.connect(str(store), config=config)
    except duckdb.Error as exc:
        raise DataError(f"cannot open the event store {store}: {exc}",
                        hint="is another sowhat process using it?") from None


def _rewrite_in_order(store: Path, config: dict[str, Any]) -> bool:
    """Copy a store whose rows lie in file order into a new file, rows by event and time,
    and put it in the old one's place; False when the rows already are in order.

    A new file rather than a rewrite in place: DuckDB does not give a file's freed blocks
    back, so sorting in place left a 10M-event store twice its size. The old file stays
    whole until the new one is complete (a failure or an interruption leaves it as it was)."""
    fresh = store.with_name(store.name + ".reorder")
    for leftover in (fresh, fresh.with_name(fresh.name + ".wal")):
        leftover.unlink(missing_ok=True)
    con = _open_store(store, config)
    try:
        con.execute("SET TimeZone = 'UTC'")
        ensure_schema(con)
        if in_row_order(con):
            return False
        con.execute("CHECKPOINT")  # nothing of the old file left in a WAL at the swap
        name = str(con.execute("SELECT current_database()").fetchone()[0])
        con.execute(f"ATTACH {sql_string(str(fresh))} AS sowhat_fresh")
        con.execute(f"COPY FROM DATABASE {quote(name)} TO sowhat_fresh (SCHEMA)")
        tables = [str(r[0]) for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = ? "
            "AND schema_name = 'main'", [name]).fetchall()]
        for table in tables:
            order = " ORDER BY event, timestamp" if table == "events" else ""
            con.execute(f"INSERT INTO sowhat_fresh.main.{quote(table)} "
                        f"FROM {quote(name)}.main.{quote(table)}{order}")
        con.execute("INSERT OR REPLACE INTO sowhat_fresh.main.store_meta VALUES "
                    "('row_order', ?)", [ROW_ORDER])
        con.execute("DETACH sowhat_fresh")
        # Swapped while this connection still holds the old file's write lock, so no other
        # load can slip rows into it between the copy and the swap.
        os.replace(fresh, store)
    except duckdb.Error as exc:
        con.close()
        for partial in (fresh, fresh.with_name(fresh.name + ".wal")):
            partial.unlink(missing_ok=True)
        fix = ("raise [events] memory_limit in sowhat.toml" if "Out of Memory" in str(exc)
               else "check free disk space (the rewrite needs about the store's size again)")
        raise DataError(f"could not rewrite {store} by event and time: {exc}",
                        hint=f"the store is unchanged; {fix} and run it again") from None
    finally:
        con.close()
    return True


def _ingest_file(
    con: Any, path: Path, mapping: dict[str, str], account_field: str, rejects_dir: Path,
    allow_future: bool = False,
    preset: dict[str, tuple[str, ...]] | None = None,
    readable: Path | None = None,
) -> FileReport:
    started = time.perf_counter()
    started_at = datetime.now(UTC).replace(tzinfo=None)
    fmt = file_format(readable or path, "amplitude" if readable not in (None, path) else None)
    future_after = None if allow_future else started_at + q.FUTURE_SLACK
    # Outside the transaction: a file the fast reader cannot take fails a statement, which
    # would abort the transaction (it only writes temporary tables).
    fast = q.stage_fast(con, readable or path, fmt, mapping, account_field, future_after,
                        preset)
    con.execute("BEGIN TRANSACTION")
    try:
        plan = fast or q.stage(con, readable or path, fmt, mapping, account_field,
                               future_after, preset)
        calls = absorb_calls(con) if fmt == "jsonl" else 0  # identify/group: traits
        summary = q.summarise(con, plan)
        read, rejected = summary.read + calls, summary.rejected
        rejects_path = None
        if rejected:
            rejects_dir.mkdir(parents=True, exist_ok=True)
            rejects_path = rejects_dir / f"{path.name}.rejects.jsonl"
            q.write_rejects(con, plan, rejects_path)
        columns = apply_property_types(con, q.property_types(con, plan, summary))
        ingest_id = int(con.execute("SELECT coalesce(max(id), 0) + 1 FROM ingests").fetchone()[0])
        before = int(con.execute("SELECT count(*) FROM events").fetchone()[0])
        q.insert(con, plan, summary, columns, ingest_id)
        day_ledger.record_ingest(con, ingest_id)
        first_events.record_ingest(con, ingest_id)
        loaded = int(con.execute("SELECT count(*) FROM events").fetchone()[0]) - before
        valid = read - rejected - calls
        report = FileReport(
            path=str(path), format=fmt, read=read, loaded=loaded,
            duplicates=valid - loaded, rejected=rejected,
            rejects_path=str(rejects_path) if rejects_path else None,
            seconds=time.perf_counter() - started, calls=calls, ids=dict(summary.ids),
        )
        con.execute(
            "INSERT INTO ingests VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [ingest_id, str(path), fmt, started_at, datetime.now(UTC).replace(tzinfo=None),
             read, loaded, report.duplicates, rejected, report.rejects_path],
        )
        q.drop_staging(con)
        con.execute("COMMIT")
        if loaded and not all(summary.ids.values()):
            report = replace(report, id_properties=_id_properties(con, ingest_id))
        return report
    except duckdb.Error as exc:
        con.execute("ROLLBACK")
        first = str(exc).strip().splitlines()[0]
        fix = ("raise [events] memory_limit in sowhat.toml, or split the file"
               if isinstance(exc, duckdb.OutOfMemoryException) else "fix the file")
        raise DataError(f"cannot load {path.name}: {first}",
                        hint=f"nothing from this file was stored; {fix} and re-run") from None
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _id_properties(con: Any, ingest_id: int) -> dict[str, int]:
    """Rows of one ingest whose properties hold an id under a common name: where the ids
    are when the envelope has none. Run only for such a file, after its commit."""
    names = sorted(ID_PROPERTIES)
    parts = ", ".join(
        f"count(*) FILTER (WHERE json_extract_string(properties, {sql_string('$.' + n)}) "
        "IS NOT NULL)" for n in names)
    try:
        row = con.execute(f"SELECT {parts} FROM events WHERE ingest_id = ?",
                          [ingest_id]).fetchone()
    except duckdb.Error:  # properties that are not JSON objects: no hint, no harm
        return {}
    return {n: int(c) for n, c in zip(names, row, strict=True) if c}


def reject_reasons(rejects_path: str | Path, limit: int = 3) -> list[tuple[str, int]]:
    """The most common reasons in a rejects file, most frequent first.

    Read with DuckDB rather than Python so a rejects file of millions of lines costs seconds;
    the shell turns them into the hint a person needs when nothing loaded.
    """
    con = duckdb.connect()
    try:
        rows = con.execute(
            "SELECT reason, count(*) AS n FROM read_json(?, format='newline_delimited', "
            "columns={'reason': 'VARCHAR'}) GROUP BY reason ORDER BY n DESC, reason LIMIT ?",
            [str(rejects_path), limit],
        ).fetchall()
    finally:
        con.close()
    return [(str(reason), int(n)) for reason, n in rows]


def file_columns(path: Path) -> list[str]:
    """The column names of a CSV file as DuckDB's sniffer reads them (for mapping hints)."""
    con = duckdb.connect()
    try:
        cursor = con.execute("SELECT * FROM read_csv(?, all_varchar=true) LIMIT 0", [str(path)])
        return [d[0] for d in cursor.description or []]
    except duckdb.Error:
        return []
    finally:
        con.close()
