"""The SQL behind ingestion: staging a file with canonical columns, rejects, dedupe, insert.

Kept apart from `ingest.py` (the transaction and reporting) because it is the part to read
when a file loads wrongly: which field feeds which column, how times are parsed, which row
counts as a duplicate.

Speed (issue 14): the file is read, not copied. Parquet is staged as a *view* over
`read_parquet`, so each pass reads only the columns it needs; CSV and JSONL are parsed once into
a temporary table. Flat columns are stored as typed columns without building
JSON, the dedupe key is DuckDB's 64-bit `hash()` (an md5 per row cost more than the whole
load), and dedupe compares a new event only with stored events of the same name in the days
the file covers, so its cost does not grow with the store.

Timestamps: ISO 8601 strings (an offset or `Z` is honoured; none means UTC), dates (midnight
UTC), typed timestamps, or epoch numbers — seconds, or milliseconds when >= 1e11.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sowhat.errors import UserError
from sowhat.metrics.store import (
    JSON_TO_SQL,
    MIXED,
    column_type_of,
    json_path,
    merge_type,
    quote,
    sql_string,
)

CANDIDATES: dict[str, tuple[str, ...]] = {
    "event": ("event",),
    "timestamp": ("timestamp", "originalTimestamp", "receivedAt"),
    "user_id": ("user_id", "userId"),
    "account_id": ("account_id",),  # + the account field (context.groupId) and groupId
    "message_id": ("message_id", "messageId"),
    "properties": ("properties",),
}
MAX_LINE = 64 * 1024 * 1024
FUTURE_SLACK = timedelta(days=1)
"""Events more than this after the ingest time are rejected as "in the future"."""


@dataclass
class StagePlan:
    fmt: str
    flat: dict[str, str] = field(default_factory=dict)  # property -> DuckDB type of its column
    alias: dict[str, str] = field(default_factory=dict)  # property -> its column in `staged`
    json_props: bool = False
    reader_rejects: int = 0
    event_raw: bool = False  # `staged.__event_raw` is the file's own event column
    fast: bool = False  # JSONL read by DuckDB's own JSON reader (no line text kept)
    order: str = "__row"  # what orders `staged` as the file does (the first of twins is kept)


@dataclass(frozen=True)
class EventGroup:
    """The valid rows of one event name: counts and the time range dedupe must look at."""

    event: str
    raw_values: tuple[Any, ...]
    rows: int
    distinct_keys: int
    first: datetime
    last: datetime


@dataclass(frozen=True)
class Summary:
    read: int
    rejected: int
    groups: tuple[EventGroup, ...]
    non_null: dict[str, int]  # flat property -> non-null count among valid rows
    ids: dict[str, int] = field(default_factory=dict)  # user_id/account_id -> valid rows with one


def _candidates(mapping: dict[str, str], account_field: str,
                preset: dict[str, tuple[str, ...]] | None = None) -> dict[str, tuple[str, ...]]:
    """Where each canonical column is read from: the first present field wins (JSONL: the
    first non-null). A vendor preset replaces the defaults; `--map` replaces both."""
    out = dict(CANDIDATES)
    out["account_id"] = ("account_id", account_field, "groupId")
    out.update(preset or {})
    for column, source in mapping.items():
        out[column] = (source,)
    return out


def _json_path_of(dotted: str) -> str:
    return "$" + "".join("." + json_path(part)[2:] for part in dotted.split("."))


def utc(tz: str) -> str:
    """SQL turning TIMESTAMPTZ expression `tz` into the UTC TIMESTAMP that `CAST(tz AS
    TIMESTAMP)` gives in ingest's UTC session, without the cast's per-value ICU calendar
    (≈1.2 s of CPU per 9M values, against ≈0.05 s): a TIMESTAMPTZ holds UTC microseconds.
    Infinities (where `epoch_us` gives NULL) still take the cast."""
    return (f"CASE WHEN isfinite({tz}) THEN make_timestamp(epoch_us({tz})) "
            f"ELSE CAST({tz} AS TIMESTAMP) END")


def parse_time(s: str) -> str:
    """SQL turning VARCHAR expression `s` into a UTC TIMESTAMP, NULL when unreadable.

    ISO text is tried first (the common case); only what does not read as a time is tried as
    an epoch number, so most rows pay for one cast. The number is bound once, inside a lambda:
    written three times, DuckDB's common-subexpression pass hoisted it out of the `coalesce`
    and cast every row to DOUBLE (≈3.6 s of CPU on 9M JSON lines).
    """
    epoch = (f"list_transform([try_cast(trim({s}) AS DOUBLE)], lambda d: "
             "CASE WHEN abs(d) >= 1e14 THEN NULL "
             "WHEN abs(d) >= 1e11 THEN to_timestamp(d / 1000)::TIMESTAMP "
             "ELSE to_timestamp(d)::TIMESTAMP END)[1]")
    return f"coalesce({utc(f'try_cast({s} AS TIMESTAMPTZ)')}, {epoch})"


def _finish(con: Any, plan: StagePlan, select: str, *, table: bool,
            future_after: datetime | None) -> StagePlan:
    """Create `staged` from a SELECT yielding __row, __invalid, the raw canonical fields and the
    flat property columns; add the reject reason and the dedupe key."""
    future = (f"WHEN timestamp > TIMESTAMP '{future_after.isoformat(sep=' ')}' "
              "THEN 'in the future' " if future_after is not None else "")
    content = ", ".join(["event", "timestamp", "user_id", "account_id",
                         "CAST(properties AS VARCHAR)", *plan.alias.values()])
    keep_line = plan.fmt == "jsonl" and not plan.fast
    con.execute(f"""
        CREATE OR REPLACE TEMP {'TABLE' if table else 'VIEW'} staged AS
        SELECT * EXCLUDE (ts_raw, __invalid{', __line' if keep_line else ''}),
            CASE WHEN reason IS NOT NULL THEN ts_raw END AS ts_raw
            {', CASE WHEN reason IS NOT NULL THEN __line END AS __record' if keep_line else ''}
        FROM (SELECT *,
            CASE WHEN __invalid IS NOT NULL THEN __invalid
                 WHEN event IS NULL THEN 'no event name'
                 WHEN ts_raw IS NULL THEN 'no timestamp'
                 WHEN timestamp IS NULL THEN 'unparsable timestamp ' || ts_raw
                 {future}
            END AS reason,
            CASE WHEN message_id IS NOT NULL THEN hash(message_id)
                 ELSE hash({content}) END AS __key
        FROM ({select}) s) s2
    """)
    return plan


def stage(con: Any, path: Path, fmt: str, mapping: dict[str, str], account_field: str,
          future_after: datetime | None = None,
          preset: dict[str, tuple[str, ...]] | None = None) -> StagePlan:
    cands = _candidates(mapping, account_field, preset)
    if fmt == "jsonl":
        return _stage_jsonl(con, path, cands, future_after)
    return _stage_columnar(con, path, fmt, cands, set(mapping), future_after)


def stage_fast(con: Any, path: Path, fmt: str, mapping: dict[str, str], account_field: str,
               future_after: datetime | None = None,
               preset: dict[str, tuple[str, ...]] | None = None) -> StagePlan | None:
    """Stage a JSONL file with DuckDB's own JSON reader, or None when the file needs the line
    reader (`stage`); run OUTSIDE the ingest's transaction (a failed read aborts one).

    `read_json` with the columns named up front parses each line straight into the canonical
    fields and keeps `properties` as JSON text (the same text `json_extract_string` gives),
    at about half the line reader's cost. It only covers the common, clean file: every line
    a JSON object with a `properties` object and nothing rejected. Anything else — a line
    that is not JSON, a record without a properties object (its other keys are the
    properties), an identify/group call, a row to reject — makes this give up, and the line
    reader stages the file with its exact line numbers and records.
    """
    if fmt != "jsonl" or preset:
        return None
    cands = _candidates(mapping, account_field, preset)
    props = cands["properties"]
    if len(props) != 1 or "." in props[0]:
        return None
    flat: set[str] = set()
    nested: dict[str, Any] = {}
    exprs: dict[str, str] = {}
    for column, sources in cands.items():
        picks = []
        for source in sources:
            head, *rest = source.split(".")
            if rest:
                node = nested.setdefault(head, {})
                for part in rest[:-1]:
                    node = node.setdefault(part, {})
                    if not isinstance(node, dict):
                        return None
                if isinstance(node.get(rest[-1]), dict):
                    return None
                node[rest[-1]] = "VARCHAR"
                picks.append(quote(head) + "".join("." + quote(x) for x in rest))
            else:
                flat.add(head)
                picks.append(quote(head))
        exprs[column] = ("coalesce(" + ", ".join(picks) + ")") if len(picks) > 1 else picks[0]
    if flat & set(nested):
        return None

    def struct(node: dict[str, Any]) -> str:
        return "STRUCT(" + ", ".join(
            f"{quote(k)} {struct(v) if isinstance(v, dict) else v}" for k, v in node.items()) + ")"

    types = {name: "JSON" if name == props[0] else "VARCHAR" for name in flat}
    types.update({name: struct(node) for name, node in nested.items()})
    spec = "{" + ", ".join(f"{sql_string(k)}: {sql_string(v)}" for k, v in types.items()) + "}"
    reader = (f"read_json({sql_string(str(path))}, format='newline_delimited', "
              f"columns={spec}, maximum_object_size={MAX_LINE})")
    ts = f"nullif(trim({exprs['timestamp']}), '')"
    select = f"""
        SELECT NULL::VARCHAR AS __invalid,
            nullif(trim({exprs['event']}), '') AS event,
            {ts} AS ts_raw,
            {parse_time(ts)} AS timestamp,
            nullif({exprs['user_id']}, '') AS user_id,
            nullif({exprs['account_id']}, '') AS account_id,
            {exprs['properties']} AS properties,
            nullif({exprs['message_id']}, '') AS message_id
        FROM {reader}
    """
    # No row number: `row_number() OVER ()` made the whole read single-threaded (9M lines:
    # 14 s against 7 s). The temp table keeps the file's order (DuckDB preserves insertion
    # order), so its rowid orders twins as the file does.
    plan = StagePlan("jsonl", json_props=True, fast=True, order="rowid")
    try:
        _finish(con, plan, select, table=True, future_after=future_after)
        clean = con.execute(
            "SELECT NOT EXISTS (SELECT 1 FROM staged WHERE reason IS NOT NULL "
            "OR properties IS NULL OR NOT starts_with(CAST(properties AS VARCHAR), '{'))"
        ).fetchone()[0]
    except Exception:  # duckdb.Error: not clean JSON lines; the line reader says which
        clean = False
    if not clean:
        con.execute("DROP TABLE IF EXISTS staged")
        return None
    return plan


def _line_reader(path: Path) -> str:
    # One VARCHAR column per line; a line that is not valid UTF-8 goes to the reader's rejects
    # table (not an error for the whole file).
    return (
        f"read_csv({sql_string(str(path))}, columns={{'line': 'VARCHAR'}}, header=false, "
        f"delim='\\0', quote='', escape='', auto_detect=false, max_line_size={MAX_LINE}, "
        "store_rejects=true, rejects_table='sowhat_rej_err', rejects_scan='sowhat_rej_scan')"
    )


def _stage_jsonl(con: Any, path: Path, cands: dict[str, tuple[str, ...]],
                 future_after: datetime | None) -> StagePlan:
    fields = [c for c in cands if c != "properties"]
    paths: list[str] = []
    index: dict[str, list[int]] = {}
    for column in fields:
        index[column] = []
        for source in cands[column]:
            paths.append(_json_path_of(source))
            index[column].append(len(paths))
    pick = {c: "coalesce(" + ", ".join(f"__v[{i}]" for i in idx) + ")" if len(idx) > 1
            else f"__v[{idx[0]}]" for c, idx in index.items()}
    # Flat records (no `properties` object): every other top-level key is a property.
    removed = {s: None for c in fields for s in cands[c] if "." not in s}
    patch = sql_string(json.dumps(removed))
    # Several properties sources (a vendor's event and user properties) merge, the first
    # winning on a shared key.
    props_srcs = cands["properties"]
    plan = StagePlan("jsonl", json_props=True)
    # One parse for the canonical fields and the properties object's text (a parse per JSON
    # function call is what JSONL ingest costs); `try` turns a line that is not JSON into NULL.
    props_at = [len(paths) + 1 + i for i in range(len(props_srcs))]
    # The text json_extract_string gives for an object is that object's JSON, valid once the
    # line parsed: cast without `try` (which costs a second, row-by-row evaluation).
    objects = [f"CASE WHEN starts_with(__v[{i}], '{{') THEN __v[{i}]::JSON END"
               for i in props_at]
    merged = objects[-1]
    for obj in reversed(objects[:-1]):
        merged = f"json_merge_patch(coalesce({merged}, '{{}}'::JSON), coalesce({obj}, '{{}}'))"
    any_first = " OR ".join(f"starts_with(__v[{i}], '{{')" for i in props_at)
    wanted = ", ".join(sql_string(p) for p in [*paths, *map(_json_path_of, props_srcs)])
    select = f"""
        SELECT __row, __line,
            CASE WHEN __v IS NULL THEN 'not a JSON object' END AS __invalid,
            nullif(trim(CAST({pick['event']} AS VARCHAR)), '') AS event,
            nullif(trim({pick['timestamp']}), '') AS ts_raw,
            {parse_time("nullif(trim(" + pick['timestamp'] + "), '')")} AS timestamp,
            nullif({pick['user_id']}, '') AS user_id,
            nullif({pick['account_id']}, '') AS account_id,
            CASE WHEN __v IS NULL THEN NULL
                 WHEN {any_first} THEN {merged}
                 ELSE json_merge_patch(__line, {patch})
            END AS properties,
            nullif({pick['message_id']}, '') AS message_id
        FROM (
            SELECT __row, line AS __line, __v
            FROM (
                SELECT row_number() OVER () AS __row, line,
                    CASE WHEN starts_with(ltrim(line), '{{') THEN try(json_extract_string(line,
                        [{wanted}])) END AS __v
                FROM {_line_reader(path)}
            )
            WHERE __line IS NOT NULL AND trim(__line) <> ''
        )
    """
    _finish(con, plan, select, table=True, future_after=future_after)
    plan.reader_rejects = _renumber_after_reader_rejects(con, "staged")
    return plan


def _renumber_after_reader_rejects(con: Any, table: str) -> int:
    """Give the lines read their line numbers in the file again once the reader has skipped
    unreadable lines (row k read is line k + the number of skipped lines before it)."""
    bad = [int(r[0]) for r in con.execute(
        "SELECT DISTINCT line FROM sowhat_rej_err ORDER BY 1").fetchall()]
    if not bad:
        return 0
    # Skipped line b_j (j = 1, 2, ...) shifts every later row read: row k's line is
    # k + #{j : b_j - j < k}.
    shifts = ", ".join(str(b - j) for j, b in enumerate(bad, start=1))
    con.execute(f"UPDATE {table} SET __row = __row + "
                f"len(list_filter([{shifts}], lambda s: s < __row))")
    return len(bad)


def _stage_columnar(
    con: Any, path: Path, fmt: str, cands: dict[str, tuple[str, ...]], explicit: set[str],
    future_after: datetime | None,
) -> StagePlan:
    p = sql_string(str(path))
    plan = StagePlan(fmt)
    if fmt == "csv":
        sniff = f"read_csv({p}, store_rejects=true, rejects_table='sowhat_rej_err', " \
                "rejects_scan='sowhat_rej_scan')"
        described = con.execute(f"DESCRIBE SELECT * FROM {sniff}").fetchall()
        names = [str(r[0]) for r in described]
        varchar = {n: "VARCHAR" for c in ("event", "timestamp", "user_id", "account_id",
                                           "message_id", "properties")
                   for n in cands[c] if n in names}
        types = "{" + ", ".join(f"{sql_string(k)}: 'VARCHAR'" for k in varchar) + "}"
        reader = (f"read_csv({p}, sample_size=-1, store_rejects=true, "
                  f"rejects_table='sowhat_rej_err', rejects_scan='sowhat_rej_scan'"
                  + (f", types={types}" if varchar else "") + ")")
        # Parsed once: the passes below (summary, rejects, one insert per event) read this.
        # Numbered by the temp table's rowid (it keeps the file's order): `row_number() OVER
        # ()` would make the parse single-threaded. A column named rowid would shadow it.
        if any(n.lower() == "rowid" for n in names):
            con.execute(f"CREATE OR REPLACE TEMP TABLE sowhat_raw AS "
                        f"SELECT row_number() OVER () AS __row, * FROM {reader}")
        else:
            con.execute(f"CREATE OR REPLACE TEMP TABLE sowhat_csv AS SELECT * FROM {reader}")
            con.execute("CREATE OR REPLACE TEMP VIEW sowhat_raw AS "
                        "SELECT rowid + 1 AS __row, * FROM sowhat_csv")
    else:
        reader = f"read_parquet({p}, file_row_number = true)"
        con.execute(f"CREATE OR REPLACE TEMP VIEW sowhat_raw AS SELECT file_row_number + 1 "
                    f"AS __row, * EXCLUDE (file_row_number) FROM {reader}")
    schema = {str(r[0]): str(r[1]) for r in con.execute("DESCRIBE sowhat_raw").fetchall()
              if r[0] != "__row"}

    used: set[str] = set()

    def resolve(column: str) -> tuple[str | None, str | None]:
        in_json: list[str] = []  # fields inside a JSON text column: the first non-null wins
        for source in cands[column]:
            if source in schema and not in_json:
                used.add(source)
                return quote(source), schema[source]
            head, _, rest = source.partition(".")
            if rest and head in schema:
                used.add(head)
                if schema[head].startswith("STRUCT"):
                    if in_json:
                        continue
                    return quote(head) + "".join("." + quote(x) for x in rest.split(".")), None
                in_json.append(
                    f"json_extract_string({quote(head)}, {sql_string(_json_path_of(rest))})")
        if in_json:
            return ("coalesce(" + ", ".join(in_json) + ")" if len(in_json) > 1
                    else in_json[0]), "VARCHAR"
        if column in explicit:
            raise UserError(f"{path.name} has no column {cands[column][0]!r} "
                            f"(mapped to {column})",
                            hint="columns are: " + ", ".join(schema))
        return None, None

    exprs = {c: resolve(c) for c in cands}
    as_text = {c: f"CAST({e} AS VARCHAR)" if e else "NULL::VARCHAR" for c, (e, _) in exprs.items()}
    ts_expr, ts_type = exprs["timestamp"]
    ts_value = _typed_time(ts_expr, ts_type, as_text["timestamp"])
    typed = (ts_type or "").upper().startswith("TIMESTAMP") or (ts_type or "").upper() == "DATE"
    # A typed timestamp is never unparsable: skip formatting it as text for every row.
    ts_raw = (f"CASE WHEN {ts_expr} IS NOT NULL THEN '' END" if typed
              else f"nullif(trim({as_text['timestamp']}), '')")
    plan.flat = {n: t for n, t in schema.items() if n not in used}
    plan.alias = {n: f"__p{i}" for i, n in enumerate(plan.flat)}
    props_expr, props_type = exprs["properties"]
    if props_expr is not None:
        plan.json_props = True
        if props_type and (props_type.startswith("STRUCT") or props_type.startswith("MAP")):
            properties = f"to_json({props_expr})"
        else:
            properties = (f"CASE WHEN json_valid({as_text['properties']}) "
                          f"THEN {as_text['properties']}::JSON END")
    else:
        properties = "NULL::JSON"
    event_expr, event_type = exprs["event"]
    plan.event_raw = event_expr is not None and event_type == "VARCHAR"
    flat_cols = "".join(f", r.{quote(n)} AS {a}" for n, a in plan.alias.items())
    select = f"""
        SELECT __row, NULL::VARCHAR AS __invalid,
            {event_expr if plan.event_raw else 'NULL'} AS __event_raw,
            nullif(trim({as_text['event']}), '') AS event,
            {ts_raw} AS ts_raw,
            {ts_value} AS timestamp,
            nullif({as_text['user_id']}, '') AS user_id,
            nullif({as_text['account_id']}, '') AS account_id,
            {properties} AS properties,
            nullif({as_text['message_id']}, '') AS message_id
            {flat_cols}
        FROM sowhat_raw r
    """
    # CSV: a table, so its text times are parsed and its keys hashed once, not again on each
    # pass (twins, summary, insert; 1.79M rows: 10.7 s of CPU against 17.1 s as a view).
    # Parquet: a view, each pass reading only the columns it needs (a table cost more).
    _finish(con, plan, select, table=fmt == "csv", future_after=future_after)
    if fmt == "csv":
        plan.reader_rejects = int(con.execute(
            "SELECT count(DISTINCT line) FROM sowhat_rej_err").fetchone()[0])
    return plan


def _typed_time(expr: str | None, dtype: str | None, text: str) -> str:
    if expr is None:
        return "NULL::TIMESTAMP"
    t = (dtype or "").upper()
    if t in ("TIMESTAMP WITH TIME ZONE", "TIMESTAMPTZ"):
        return utc(expr)
    if t.startswith("TIMESTAMP") or t == "DATE":
        return f"CAST({expr} AS TIMESTAMP)"
    return parse_time(text)


def summarise(con: Any, plan: StagePlan) -> Summary:
    """Counts, rejects, and per event name the rows, distinct dedupe keys and time range
    (what the insert and dedupe need).

    The file's own twins — valid rows sharing an event name and dedupe key — go to table
    `sowhat_twins` with the place of the first of them in the file: `insert` skips the
    others with a join against that small table. (A window keeping each key's first row made
    DuckDB carry every row through a hash table: 22 s of a 9M-row Parquet load's 38.)
    """
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE sowhat_twins AS
        SELECT event, __key, count(*) AS n, min({plan.order}) AS __first
        FROM staged WHERE reason IS NULL GROUP BY event, __key HAVING count(*) > 1
    """)
    surplus = {str(e): int(n) for e, n in con.execute(
        "SELECT event, sum(n - 1) FROM sowhat_twins GROUP BY event").fetchall()}
    raw = "__event_raw" if plan.event_raw else "NULL"
    non_null = "".join(f", count({a}) FILTER (WHERE reason IS NULL)"
                       for a in plan.alias.values())
    rows = con.execute(f"""
        SELECT event, list(DISTINCT {raw}) FILTER (WHERE reason IS NULL), count(*),
            count(reason), count(*) FILTER (WHERE reason IS NULL),
            min(timestamp) FILTER (WHERE reason IS NULL),
            max(timestamp) FILTER (WHERE reason IS NULL),
            count(user_id) FILTER (WHERE reason IS NULL),
            count(account_id) FILTER (WHERE reason IS NULL){non_null}
        FROM staged GROUP BY event ORDER BY event NULLS FIRST
    """).fetchall()
    read = rejected = 0
    groups = []
    counts = dict.fromkeys(plan.alias, 0)
    ids = {"user_id": 0, "account_id": 0}
    for row in rows:
        ids["user_id"] += int(row[7])
        ids["account_id"] += int(row[8])
        read += int(row[2])
        rejected += int(row[3])
        if row[4]:
            groups.append(EventGroup(str(row[0]), tuple(row[1] or ()), int(row[4]),
                                     int(row[4]) - surplus.get(str(row[0]), 0), row[5], row[6]))
        for name, n in zip(plan.alias, row[9:], strict=True):
            counts[name] += int(n)
    return Summary(read + plan.reader_rejects, rejected + plan.reader_rejects, tuple(groups),
                   counts, ids)


def write_rejects(con: Any, plan: StagePlan, target: Path) -> None:
    """One JSON line per rejected row: its row number, the reason, and the record as text."""
    if plan.fmt == "jsonl":
        ours = ("SELECT __row AS row, reason, __record AS record "
                "FROM staged WHERE reason IS NOT NULL")
    else:
        ours = """
            SELECT s.__row AS row, s.reason,
                CAST(json_merge_patch(to_json(r), '{"__row": null}') AS VARCHAR) AS record
            FROM staged s
            JOIN sowhat_raw r USING (__row)
            WHERE s.reason IS NOT NULL
        """
    if plan.fmt == "csv":
        ours += """
            UNION ALL
            SELECT DISTINCT ON (line) NULL AS row,
                'malformed CSV row (line ' || line || '): ' || error_message AS reason,
                csv_line AS record
            FROM sowhat_rej_err
        """
    elif plan.fmt == "jsonl":
        ours += """
            UNION ALL
            SELECT DISTINCT ON (line) line AS row,
                CASE WHEN error_type = 'INVALID ENCODING' THEN 'not valid UTF-8'
                     ELSE 'unreadable line: ' || error_message END AS reason,
                csv_line AS record
            FROM sowhat_rej_err
        """
    con.execute(f"COPY (SELECT * FROM ({ours}) ORDER BY row NULLS LAST) "
                f"TO {sql_string(str(target))} (FORMAT JSON)")


def property_types(con: Any, plan: StagePlan, summary: Summary) -> dict[str, str]:
    """Property -> column type this load brings (MIXED when it brings two)."""
    seen: dict[str, str] = {}
    for name, dtype in plan.flat.items():
        if summary.non_null.get(name):
            seen[name] = column_type_of(dtype) or MIXED
    if plan.json_props:
        rows = con.execute("""
            SELECT j.key, json_type(j.value) AS t
            FROM staged, json_each(staged.properties) AS j
            WHERE staged.reason IS NULL
            GROUP BY ALL
        """).fetchall()
        for key, jtype in rows:
            if jtype == "NULL":
                continue
            kind = JSON_TO_SQL.get(str(jtype), MIXED)
            name = str(key)
            if name in plan.flat and name in seen:
                continue  # the flat column is read first
            seen[name] = merge_type(seen.get(name), kind) if name in seen else kind
    return seen


def insert(con: Any, plan: StagePlan, summary: Summary, columns: dict[str, str],
           ingest_id: int) -> None:
    """Append the new valid rows ordered by event name, then time, skipping duplicates.

    Ordered by event: rows of an event then sit together, so DuckDB's min/max zone maps let a
    metric skip every row group of other events (measured on 10M events: the demo metric set
    ran in 0.68 s instead of 1.43 s). One sorted insert measured faster than one filtered
    insert per event name (1.27M events: 10.8 s against 16 s, loaded machine).
    Then by time: a file written in any other order (the demo's are per simulated account)
    left every row group of an event spanning all its dates, so a one-day or 28-day window
    read all of that event's rows; in time order the zone maps skip the other dates too (10M
    events: one day's session starts counted in 3 ms instead of 17 ms; an incremental sync
    0.76x and a full one 0.84x of the CPU). The longer sort key costs a 9M-event Parquet
    ingest 1.25x the CPU (JSONL 1.09x): paid once per file, against every query after it
    (benchmarks/README.md).
    """
    extra: list[str] = []
    from_json = [n for n in columns if n not in plan.flat] if plan.json_props else []
    for name, kind in columns.items():
        if name in plan.flat:
            extra.append(f"TRY_CAST({plan.alias[name]} AS {kind}) AS {quote(name)}")
        elif name in from_json:
            i = from_json.index(name) + 1
            extra.append(f"TRY_CAST(__pv[{i}] AS {kind}) AS {quote(name)}")
    pv = ""
    if from_json:
        pv = (", json_extract_string(properties, ["
              + ", ".join(sql_string(json_path(n)) for n in from_json) + "]) AS __pv")
    # Flat columns that are not typed columns (JSON-only names, nested values, beyond the
    # column cap) go into the JSON, nulls dropped.
    loose = [n for n in plan.flat if n not in columns and summary.non_null.get(n)]
    props = "properties"
    if loose:
        packed = ", ".join(f"{quote(n)} := {plan.alias[n]}" for n in loose)
        props = (f"json_merge_patch(coalesce(properties, '{{}}'::JSON), "
                 f"to_json(struct_pack({packed})))")
    select = (f"SELECT event, timestamp, user_id, account_id, {props} AS properties, "
              f"message_id, __key AS dedupe_key, {ingest_id} AS ingest_id"
              + "".join(", " + e for e in extra))
    groups = list(summary.groups)
    if not groups:
        return
    rows = f"(SELECT *{pv} FROM staged WHERE reason IS NULL)"
    if any(g.distinct_keys < g.rows for g in groups):
        # The file's own twins: keep the first. A plain join with the small twins table (a
        # correlated NOT EXISTS had DuckDB materialise and group every staged row).
        rows = (f"(SELECT r.*{pv} FROM staged r LEFT JOIN sowhat_twins t "
                "ON t.event = r.event AND t.__key = r.__key "
                f"WHERE r.reason IS NULL AND (t.__first IS NULL OR t.__first = r.{plan.order}))")
    stored = _stored_twins_filter(con, groups)
    where = f" WHERE {stored}" if stored else ""
    order = " ORDER BY event, timestamp" if len(groups) > 1 else " ORDER BY timestamp"
    con.execute(f"INSERT INTO events BY NAME {select} FROM {rows} s{where}{order}")


def _stored_twins_filter(con: Any, batch: list[EventGroup]) -> str:
    """A NOT EXISTS against stored events of the same name in the days the new rows cover —
    or nothing when the store has none there (a first load, or a new day's file)."""
    conds = []
    for g in batch:
        lo = g.first.replace(hour=0, minute=0, second=0, microsecond=0)
        hi = g.last.replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        cond = (f"(e.event = {sql_string(g.event)} AND e.timestamp >= TIMESTAMP "
                f"'{lo.isoformat(sep=' ')}' AND e.timestamp < TIMESTAMP '{hi.isoformat(sep=' ')}')")
        if con.execute(f"SELECT 1 FROM events e WHERE {cond} LIMIT 1").fetchone():
            conds.append(cond)
    if not conds:
        return ""
    return ("NOT EXISTS (SELECT 1 FROM events e WHERE (" + " OR ".join(conds) + ") "
            "AND e.event = s.event AND e.dedupe_key = s.__key)")


def drop_staging(con: Any) -> None:
    views = {str(r[0]) for r in con.execute(
        "SELECT view_name FROM duckdb_views() WHERE temporary").fetchall()}
    for name in ("staged", "sowhat_twins", "sowhat_raw", "sowhat_csv", "sowhat_lines",
                 "sowhat_rej_err", "sowhat_rej_scan"):
        con.execute(f"DROP {'VIEW' if name in views else 'TABLE'} IF EXISTS {name}")
