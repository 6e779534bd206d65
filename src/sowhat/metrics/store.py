"""The DuckDB event store `sowhat ingest` fills (`.sowhat/events.duckdb` by default).

Table `events` holds the canonical columns — event, timestamp (UTC TIMESTAMP), user_id,
account_id, properties (JSON) — plus message_id (the dedupe key) and ingest_id (which load
brought the row). Table `ingests` records every load; `property_columns` records properties
materialised as typed columns.

Why materialise: reading a property out of JSON costs a parse per row (measured on 10M rows:
0.42 s with DuckDB's json_extract_string, 2.3 s through Ibis' portable JSON unwrap, 0.07 s
from a typed column). So every top-level property whose values all share one scalar type gets
its own column named after it; metrics read that column (`sowhat.metrics.properties.prop`)
and fall back to the JSON for the rest. A property that later shows a second type (a number
here, a string there) loses its column, so column and JSON readings never disagree.
"""

from __future__ import annotations

from typing import Any

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS events (
    event VARCHAR NOT NULL,
    timestamp TIMESTAMP NOT NULL,
    user_id VARCHAR,
    account_id VARCHAR,
    properties JSON,
    message_id VARCHAR NOT NULL,
    ingest_id INTEGER NOT NULL
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
"""

RESERVED = frozenset(
    {"event", "timestamp", "user_id", "account_id", "properties", "message_id", "ingest_id"}
)
MAX_PROPERTY_COLUMNS = 200
MIXED = "MIXED"
"""A property seen with two incompatible types: read from JSON only, never a column again."""

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
    con.execute(SCHEMA_SQL)


def property_columns(con: Any) -> dict[str, str]:
    rows = con.execute("SELECT name, type FROM property_columns").fetchall()
    return {str(name): str(kind) for name, kind in rows}


def apply_property_types(con: Any, seen: dict[str, str]) -> dict[str, str]:
    """Record the types a new load brings; add, widen or drop columns. Returns the columns.

    `seen` maps property -> column type for this load (or MIXED). Runs inside the load's
    transaction, so a failed load leaves the columns as they were.
    """
    known = property_columns(con)
    materialised = sum(1 for t in known.values() if t != MIXED)
    for name, kind in sorted(seen.items()):
        if name in RESERVED:
            continue
        old = known.get(name)
        new = merge_type(old, kind)
        if old == new:
            continue
        if old is None:
            if new == MIXED or materialised >= MAX_PROPERTY_COLUMNS:
                new = MIXED
            else:
                con.execute(f"ALTER TABLE events ADD COLUMN {quote(name)} {new}")
                materialised += 1
            con.execute("INSERT INTO property_columns VALUES (?, ?)", [name, new])
        elif new == MIXED:
            if old != MIXED:
                con.execute(f"ALTER TABLE events DROP COLUMN {quote(name)}")
            con.execute("UPDATE property_columns SET type = ? WHERE name = ?", [MIXED, name])
        else:
            con.execute(f"ALTER TABLE events ALTER {quote(name)} TYPE {new}")
            con.execute("UPDATE property_columns SET type = ? WHERE name = ?", [new, name])
        known[name] = new
    return {k: v for k, v in known.items() if v != MIXED}
