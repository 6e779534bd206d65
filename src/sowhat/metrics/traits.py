"""Entity traits: what is known about a user or an account, and since when.

Segment `identify` calls (userId + traits) and `group` calls (groupId + traits, and the
user -> account link they state) arrive in the same JSONL exports as track calls; trait files
(`sowhat ingest --traits FILE --entity user_id|account_id`) bring the same facts from a CRM
or billing export. Both land in the event store (`.sowhat/events.duckdb`), next to `events`:

- `traits(entity, id, name, value, timestamp)`: one row per stated value. `entity` is
  `user_id` or `account_id`; `value` is the JSON scalar as text (`pro`, `12`, `true`; objects
  and arrays as JSON text), NULL when a call unset it. History is kept: a value holds from
  its timestamp until the entity's next value of that trait. One value per (entity, id,
  name, timestamp): a later load stating the same instant replaces it, so re-loading a file
  changes nothing.
- `account_links(user_id, account_id, timestamp)`: a `group` call's user -> account link,
  used for account traits on events that carry no account_id (see sowhat.metrics.trait_join).

Why a table of its own and not a property stamped on events: a plan changes mid-quarter;
the question "was this account on `pro` when it did this?" needs the history, read as of each
event's time.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sowhat.errors import DataError, UserError
from sowhat.metrics.store import quote, sql_string

TRAIT_ENTITIES = ("user_id", "account_id")
EPOCH = "1970-01-01 00:00:00"
"""The instant of a trait file row without a timestamp: the trait holds for all history."""

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS traits (
    entity VARCHAR NOT NULL,
    id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    value VARCHAR,
    timestamp TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS account_links (
    user_id VARCHAR NOT NULL,
    account_id VARCHAR NOT NULL,
    timestamp TIMESTAMP NOT NULL
);
"""

CALL_TYPES = ("identify", "group")


def ensure_schema(con: Any) -> None:
    con.execute(SCHEMA_SQL)


def absorb_calls(con: Any) -> int:
    """Move the identify/group calls of the staged file (table `staged`) into the trait tables.

    Called by ingest right after staging, inside the file's transaction. Track-call staging
    has already read each record's `userId`, `groupId` (as account_id) and timestamp; the
    calls are the rows it found no event name on whose record says `type: identify|group`.
    Stored calls leave `staged` (they are not events); calls missing an id or a timestamp
    stay there with a reason saying so, and are reported as rejects like any bad row.
    Returns how many calls were stored.
    """
    if "__record" not in _columns(con, "staged"):
        return 0
    ensure_schema(con)
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sowhat_calls AS
        SELECT __row, json_extract_string(__record, '$.type') AS kind, user_id, account_id,
               timestamp, ts_raw,
               CASE WHEN json_type(__record, '$.traits') = 'OBJECT'
                    THEN json_extract(__record, '$.traits') END AS traits
        FROM staged
        WHERE event IS NULL AND __record IS NOT NULL AND json_valid(__record)
          AND json_extract_string(__record, '$.type') IN ({", ".join(map(sql_string, CALL_TYPES))})
    """)
    con.execute("""
        UPDATE staged SET reason = c.why
        FROM (SELECT __row, CASE
                WHEN kind = 'identify' AND user_id IS NULL THEN 'identify call without userId'
                WHEN kind = 'group' AND account_id IS NULL THEN 'group call without groupId'
                WHEN ts_raw IS NULL THEN kind || ' call without a timestamp'
                WHEN timestamp IS NULL THEN 'unparsable timestamp ' || ts_raw
              END AS why FROM sowhat_calls) c
        WHERE staged.__row = c.__row AND c.why IS NOT NULL
    """)
    con.execute("""
        DELETE FROM sowhat_calls WHERE __row IN (
            SELECT __row FROM staged WHERE reason <> 'no event name')
    """)
    stated = """
        SELECT CASE WHEN c.kind = 'identify' THEN 'user_id' ELSE 'account_id' END AS entity,
               CASE WHEN c.kind = 'identify' THEN c.user_id ELSE c.account_id END AS id,
               j.key AS name,
               CASE WHEN json_type(j.value) = 'NULL' THEN NULL
                    WHEN json_type(j.value) IN ('OBJECT', 'ARRAY') THEN j.value::VARCHAR
                    ELSE json_extract_string(j.value, '$') END AS value,
               c.timestamp, c.__row AS ord
        FROM sowhat_calls c, json_each(c.traits) AS j
        WHERE c.traits IS NOT NULL
    """
    upsert_traits(con, stated)
    con.execute("""
        INSERT INTO account_links
        SELECT DISTINCT c.user_id, c.account_id, c.timestamp FROM sowhat_calls c
        WHERE c.kind = 'group' AND c.user_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM account_links l WHERE l.user_id = c.user_id
                          AND l.account_id = c.account_id AND l.timestamp = c.timestamp)
    """)
    calls = int(con.execute("SELECT count(*) FROM sowhat_calls").fetchone()[0])
    con.execute("DELETE FROM staged WHERE __row IN (SELECT __row FROM sowhat_calls)")
    con.execute("DROP TABLE IF EXISTS sowhat_calls")
    return calls


def upsert_traits(con: Any, select: str) -> int:
    """Store the (entity, id, name, value, timestamp, ord) rows of `select`; returns how many.

    Within the load the row with the highest `ord` wins an instant; a stored value at the
    same (entity, id, name, timestamp) is replaced.
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sowhat_new_traits AS
        SELECT entity, id, name, value, timestamp FROM ({select}) s
        WHERE id IS NOT NULL AND name IS NOT NULL AND timestamp IS NOT NULL
        QUALIFY row_number() OVER (PARTITION BY entity, id, name, timestamp
                                   ORDER BY ord DESC) = 1
    """)
    con.execute("""
        DELETE FROM traits t USING sowhat_new_traits n
        WHERE t.entity = n.entity AND t.id = n.id AND t.name = n.name
          AND t.timestamp = n.timestamp
    """)
    con.execute("INSERT INTO traits SELECT * FROM sowhat_new_traits")
    n = int(con.execute("SELECT count(*) FROM sowhat_new_traits").fetchone()[0])
    con.execute("DROP TABLE sowhat_new_traits")
    return n


@dataclass(frozen=True)
class TraitFileReport:
    path: str
    entity: str
    rows: int  # rows read
    values: int  # trait values stored
    traits: tuple[str, ...]  # trait names (columns)
    timestamped: bool  # False: no timestamp column, every value holds from the epoch


def ingest_trait_file(con: Any, path: Path, entity: str) -> TraitFileReport:
    """Load one CSV / JSONL / Parquet trait file: an id column, an optional timestamp, traits.

    The id column is the entity's own name (`user_id`, `account_id`) or `id` (also `userId`,
    `groupId`); the timestamp column is `timestamp` (ISO text, a date or epoch seconds/ms),
    and without one every value holds from the start of history (1970-01-01). Every other
    column is a trait; empty cells state nothing (they do not unset a trait).
    Runs in the caller's transaction: a bad file stores nothing.
    """
    from sowhat.metrics.ingest import file_format
    from sowhat.metrics.ingest_sql import parse_time

    if entity not in TRAIT_ENTITIES:
        raise UserError(f"unknown --entity {entity!r}", hint="use user_id or account_id")
    fmt = file_format(path)
    p = sql_string(str(path))
    reader = {"csv": f"read_csv({p}, sample_size=-1)",
              "jsonl": f"read_json_auto({p}, format='newline_delimited')",
              "parquet": f"read_parquet({p})"}[fmt]
    ensure_schema(con)
    try:
        con.execute(f"CREATE OR REPLACE TEMP VIEW sowhat_trait_raw AS "
                    f"SELECT row_number() OVER () AS __row, * FROM {reader}")
        schema = {str(r[0]): str(r[1]) for r in
                  con.execute("DESCRIBE sowhat_trait_raw").fetchall() if r[0] != "__row"}
    except Exception as exc:  # duckdb errors: unreadable file
        first = str(exc).strip().splitlines()[0]
        raise DataError(f"cannot read trait file {path.name}: {first}",
                        hint="a CSV, JSONL or Parquet file with an id column") from None
    id_col = next((c for c in (entity, "id", "userId" if entity == "user_id" else "groupId")
                   if c in schema), None)
    if id_col is None:
        raise UserError(f"{path.name} has no id column for {entity}",
                        hint=f"name the id column {entity!r} or 'id'; columns are: "
                        + ", ".join(schema))
    ts_col = "timestamp" if "timestamp" in schema else None
    names = [c for c in schema if c not in (id_col, ts_col)]
    if not names:
        raise UserError(f"{path.name} has no trait columns",
                        hint="add a column per trait, e.g. plan, seats")
    if ts_col is None:
        ts = f"TIMESTAMP '{EPOCH}'"
    elif schema[ts_col].upper().startswith(("TIMESTAMP", "DATE")):
        ts = f"CAST({quote(ts_col)} AS TIMESTAMP)"
    else:
        ts = parse_time(f"CAST({quote(ts_col)} AS VARCHAR)")
    bad = con.execute(f"""
        SELECT __row, CAST({quote(ts_col) if ts_col else 'NULL'} AS VARCHAR)
        FROM sowhat_trait_raw WHERE {ts} IS NULL OR {quote(id_col)} IS NULL LIMIT 1
    """).fetchone()
    if bad is not None:
        what = f"unreadable timestamp {bad[1]!r}" if bad[1] is not None and ts_col else (
            f"no {id_col}" if ts_col is None or bad[1] is not None else "no timestamp")
        raise DataError(f"{path.name} row {bad[0]}: {what}",
                        hint="every row needs an id and (with a timestamp column) a time; "
                        "nothing from this file was stored")
    parts = [
        f"SELECT {sql_string(entity)} AS entity, CAST({quote(id_col)} AS VARCHAR) AS id, "
        f"{sql_string(n)} AS name, {_as_text(n, schema[n])} AS value, {ts} AS timestamp, "
        f"__row AS ord FROM sowhat_trait_raw WHERE {quote(n)} IS NOT NULL"
        for n in names
    ]
    values = upsert_traits(con, " UNION ALL ".join(parts))
    rows = int(con.execute("SELECT count(*) FROM sowhat_trait_raw").fetchone()[0])
    con.execute("DROP VIEW sowhat_trait_raw")
    return TraitFileReport(str(path), entity, rows, values, tuple(names), ts_col is not None)


def _as_text(column: str, dtype: str) -> str:
    t = dtype.upper()
    if t == "BOOLEAN":
        return f"CASE WHEN {quote(column)} THEN 'true' ELSE 'false' END"
    if t in ("DOUBLE", "FLOAT", "REAL") or t.startswith("DECIMAL"):
        # 12.0 reads back as the number 12, like a JSON 12.0
        return (f"CASE WHEN {quote(column)} = trunc({quote(column)}) AND abs({quote(column)})"
                f" < 1e15 THEN CAST(CAST({quote(column)} AS BIGINT) AS VARCHAR) "
                f"ELSE CAST({quote(column)} AS VARCHAR) END")
    if t.startswith(("STRUCT", "MAP")) or t.endswith("[]"):
        return f"CAST(to_json({quote(column)}) AS VARCHAR)"
    return f"CAST({quote(column)} AS VARCHAR)"


def _columns(con: Any, table: str) -> set[str]:
    try:
        return {str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()}
    except Exception:
        return set()


def ingest_traits(paths: list[Path], *, store: Path, entity: str) -> list[TraitFileReport]:
    """Load trait files into the store, one transaction per file (a bad file stores nothing)."""
    import duckdb

    if entity not in TRAIT_ENTITIES:
        raise UserError(f"unknown --entity {entity!r}", hint="use user_id or account_id")
    for path in paths:
        if not path.is_file():
            raise UserError(f"no such file: {path}", hint="check the path")
    store.parent.mkdir(parents=True, exist_ok=True)
    try:
        con = duckdb.connect(str(store))
    except duckdb.Error as exc:
        raise DataError(f"cannot open the event store {store}: {exc}",
                        hint="is another sowhat process using it?") from None
    reports = []
    try:
        con.execute("SET TimeZone = 'UTC'")
        for path in paths:
            con.execute("BEGIN TRANSACTION")
            try:
                reports.append(ingest_trait_file(con, path, entity))
                con.execute("COMMIT")
            except BaseException:
                con.execute("ROLLBACK")
                raise
    finally:
        con.close()
    return reports
