"""The DuckDB event store `sowhat ingest` fills (`.sowhat/events.duckdb` by default).

Table `events` holds the canonical columns — event, timestamp (UTC TIMESTAMP), user_id,
account_id, properties (JSON) — plus message_id (the file's message id, when it has one),
dedupe_key (a 64-bit hash of the message id, or of the row's content when there is none) and
ingest_id (which load brought the row). Table `ingests` records every load; `property_columns`
records which properties are typed columns and which live in the JSON only.

Why materialise: reading a property out of JSON costs a parse per row (measured on 10M rows:
0.42 s with DuckDB's json_extract_string, 2.3 s through Ibis' portable JSON unwrap, 0.07 s
from a typed column). So every top-level property whose values all share one scalar type gets
its own column named after it; metrics read that column (`sowhat.metrics.properties.prop`)
and fall back to the JSON for the rest. A property that later shows a second type (a number
here, a string there) loses its column — its values are folded into the JSON first — so column
and JSON readings never disagree. A property held in a column is not repeated in the JSON.

Property names are untrusted input: a name that is empty, names a canonical column, or differs
only in case from another property (DuckDB column names ignore case) stays in the JSON only.
"""

from __future__ import annotations

from typing import Any

from sowhat.metrics import day_ledger, first_events

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS events (
    event VARCHAR NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    user_id VARCHAR,
    account_id VARCHAR,
    properties JSON,
    message_id VARCHAR,
    ingest_id INTEGER NOT NULL,
    dedupe_key UBIGINT
);
CREATE TABLE IF NOT EXISTS ingests (
    id INTEGER PRIMARY KEY,
    file VARCHAR NOT NULL,
    format VARCHAR NOT NULL,
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    rows_read BIGINT NOT NULL,
    loaded BIGINT NOT NULL,
    duplicates BIGINT NOT NULL,
    rejected BIGINT NOT NULL,
    rejects_path VARCHAR
);
CREATE TABLE IF NOT EXISTS property_columns (
    name VARCHAR PRIMARY KEY,
    type VARCHAR NOT NULL
);
CREATE TABLE IF NOT EXISTS store_meta (
    key VARCHAR PRIMARY KEY,
    value VARCHAR NOT NULL
);
"""
ROW_ORDER = "event,timestamp"
"""How the rows of `events` lie on disk, recorded in store_meta under 'row_order'.

Every load appends its rows ordered by event, then time (sowhat.metrics.ingest_sql), so a
query for one event over a few days reads the few row groups that hold them: DuckDB skips
the rest by their min/max. Stores begun by earlier versions may hold their rows in the order
of the files (the demo's: per simulated account), where a one-day count of one event reads
every row of that event; `sowhat ingest --reindex` rewrites them once
(sowhat.metrics.ingest.reindex)."""

HASH_PROBE = "SELECT hash('sowhat dedupe probe')::VARCHAR"
"""DuckDB's hash() is fast but not promised stable across versions; the store keeps this probe's
value so an upgrade that changes it is noticed and the message-id keys are recomputed."""

RESERVED = frozenset(
    {"event", "timestamp", "user_id", "account_id", "properties", "message_id", "ingest_id",
     "dedupe_key"}
)
MAX_PROPERTY_COLUMNS = 200
MIXED = "MIXED"
"""A property read from JSON only, never a column again: seen with two incompatible types, or
a name that cannot be a column (empty, canonical, or clashing in case with another)."""

JSON_TO_SQL = {
    "VARCHAR": "VARCHAR",
    "BIGINT": "BIGINT",
    "UBIGINT": "BIGINT",
    "DOUBLE": "DOUBLE",
    "BOOLEAN": "BOOLEAN",
}
"""json_type() of a value -> the column type that holds it; others (objects, arrays) stay JSON."""


def column_type_of(duckdb_type: str) -> str | None:
    """The column type a flat source column of this DuckDB type is stored as, if any."""
    t = duckdb_type.upper()
    if t in ("VARCHAR", "BOOLEAN", "DOUBLE"):
        return t
    if t in ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER"):
        return "BIGINT"
    if t in ("FLOAT", "REAL", "HUGEINT", "UBIGINT") or t.startswith("DECIMAL"):
        return "DOUBLE"
    return None


def merge_type(old: str | None, new: str) -> str:
    """The type a property column must have once values of `new` type arrive too."""
    if old is None or old == new:
        return new
    if {old, new} == {"BIGINT", "DOUBLE"}:
        return "DOUBLE"
    return MIXED


def quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def json_path(name: str) -> str:
    """A JSON path selecting top-level key `name`, whatever characters it holds."""
    escaped = name.replace("\\", "\\\\").replace('"', '\\"')
    return "$." + '"' + escaped + '"'


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def ensure_schema(con: Any) -> None:
    """Create the tables, upgrading a store written before dedupe keys existed, and make sure
    the per-day ledger (sowhat.metrics.day_ledger) accounts for every stored row."""
    con.execute(SCHEMA_SQL)
    cols = {str(r[0]): r for r in con.execute("DESCRIBE events").fetchall()}
    if "dedupe_key" not in cols:
        # Stores from before 2026-12: message_id was 'm:<id>' or 'h:<md5 of content>'; the
        # content hashes cannot be recomputed the new way, so those rows keep a key that no
        # new row matches.
        con.execute("ALTER TABLE events ADD COLUMN dedupe_key UBIGINT")
        con.execute("ALTER TABLE events ALTER message_id DROP NOT NULL")
        con.execute("UPDATE events SET message_id = CASE WHEN message_id LIKE 'm:%' "
                    "THEN message_id[3:] END, dedupe_key = hash(CASE WHEN message_id LIKE 'm:%' "
                    "THEN message_id[3:] ELSE message_id END)")
    probe = str(con.execute(HASH_PROBE).fetchone()[0])
    stored = con.execute("SELECT value FROM store_meta WHERE key = 'hash_probe'").fetchone()
    if stored is None:
        con.execute("INSERT INTO store_meta VALUES ('hash_probe', ?)", [probe])
    elif stored[0] != probe:
        con.execute("UPDATE events SET dedupe_key = hash(message_id) "
                    "WHERE message_id IS NOT NULL")
        con.execute("UPDATE store_meta SET value = ? WHERE key = 'hash_probe'", [probe])
        day_ledger.rebuild(con)  # every key sum changed
    if _row_order(con) is None:
        rows = con.execute("SELECT count(*) FROM events").fetchone()
        if rows is not None and rows[0] == 0:  # a new store: every load appends in order
            con.execute("INSERT INTO store_meta VALUES ('row_order', ?)", [ROW_ORDER])
    if day_ledger.ensure(con):
        first_events.rebuild(con)


def _row_order(con: Any) -> str | None:
    row = con.execute("SELECT value FROM store_meta WHERE key = 'row_order'").fetchone()
    return None if row is None else str(row[0])


def in_row_order(con: Any) -> bool:
    """Whether every load since the store began appended its rows by event, then time."""
    return _row_order(con) == ROW_ORDER


def column_safe(name: str, taken: set[str]) -> bool:
    """Whether property `name` may become a column, given the names (lower-cased) in use."""
    return (bool(name.strip()) and len(name) <= 255 and "\x00" not in name
            and name.lower() not in taken)


def property_columns(con: Any) -> dict[str, str]:
    rows = con.execute("SELECT name, type FROM property_columns").fetchall()
    return {str(name): str(kind) for name, kind in rows}


def apply_property_types(con: Any, seen: dict[str, str]) -> dict[str, str]:
    """Record the types a new load brings; add, widen or drop columns. Returns the columns.

    `seen` maps property -> column type for this load (or MIXED). Runs inside the load's
    transaction, so a failed load leaves the columns as they were. A column that must go has
    its values folded into the JSON first, so no value is lost.
    """
    known = property_columns(con)
    materialised = sum(1 for t in known.values() if t != MIXED)
    taken = {n.lower() for n in RESERVED} | {n.lower() for n, t in known.items() if t != MIXED}
    fresh = [n for n in seen if n not in known]
    clashing = {n for n in fresh if sum(1 for m in fresh if m.lower() == n.lower()) > 1}
    for name, kind in sorted(seen.items()):
        old = known.get(name)
        new = merge_type(old, kind)
        if old == new:
            continue
        if old is None:
            if (new == MIXED or materialised >= MAX_PROPERTY_COLUMNS or name in clashing
                    or not column_safe(name, taken)):
                new = MIXED
            else:
                con.execute(f"ALTER TABLE events ADD COLUMN {quote(name)} {new}")
                materialised += 1
                taken.add(name.lower())
            con.execute("INSERT INTO property_columns VALUES (?, ?)", [name, new])
        elif new == MIXED:
            if old != MIXED:
                col = quote(name)
                con.execute(
                    f"UPDATE events SET properties = json_merge_patch(coalesce(properties, "
                    f"'{{}}'::JSON), json_object({sql_string(name)}, {col})) "
                    f"WHERE {col} IS NOT NULL")
                con.execute(f"ALTER TABLE events DROP COLUMN {col}")
            con.execute("UPDATE property_columns SET type = ? WHERE name = ?", [MIXED, name])
        else:
            con.execute(f"ALTER TABLE events ALTER {quote(name)} TYPE {new}")
            con.execute("UPDATE property_columns SET type = ? WHERE name = ?", [new, name])
        known[name] = new
    return {k: v for k, v in known.items() if v != MIXED}
