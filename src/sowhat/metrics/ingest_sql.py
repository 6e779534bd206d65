"""The SQL behind ingestion: staging a file with canonical columns, rejects, dedupe, insert.

Kept apart from `ingest.py` (the transaction and reporting) because it is the part to read
when a file loads wrongly: which field feeds which column, how times are parsed, which row
counts as a duplicate.

Timestamps: ISO 8601 strings (an offset or `Z` is honoured; none means UTC), dates (midnight
UTC), typed timestamps, or epoch numbers — seconds, or milliseconds when >= 1e11.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
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
MAX_CLUSTERED_EVENTS = 64


@dataclass
class StagePlan:
    fmt: str
    flat: dict[str, str] = field(default_factory=dict)  # extra column -> DuckDB type
    json_props: bool = False
    reader_rejects: int = 0


def _candidates(mapping: dict[str, str], account_field: str) -> dict[str, tuple[str, ...]]:
    out = dict(CANDIDATES)
    out["account_id"] = ("account_id", account_field, "groupId")
    for column, source in mapping.items():
        out[column] = (source,)
    return out


def _json_path_of(dotted: str) -> str:
    return "$" + "".join("." + json_path(part)[2:] for part in dotted.split("."))


def parse_time(s: str) -> str:
    """SQL turning VARCHAR expression `s` into a UTC TIMESTAMP, NULL when unreadable."""
    return (
        f"CASE WHEN {s} IS NULL THEN NULL "
        f"WHEN regexp_full_match(trim({s}), '-?[0-9]+(\\.[0-9]+)?') THEN "
        f"CASE WHEN abs(trim({s})::DOUBLE) >= 1e14 THEN NULL "
        f"WHEN abs(trim({s})::DOUBLE) >= 1e11 THEN to_timestamp(trim({s})::DOUBLE / 1000) "
        f"ELSE to_timestamp(trim({s})::DOUBLE) END::TIMESTAMP "
        f"ELSE try_cast({s} AS TIMESTAMPTZ)::TIMESTAMP END"
    )


def _finish(con: Any, plan: StagePlan, select: str) -> StagePlan:
    """Create `staged` from a SELECT yielding __row, __record, the raw canonical fields."""
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE staged AS
        SELECT *,
            CASE WHEN __invalid IS NOT NULL THEN __invalid
                 WHEN event IS NULL THEN 'no event name'
                 WHEN ts_raw IS NULL THEN 'no timestamp'
                 WHEN timestamp IS NULL THEN 'unparsable timestamp ' || ts_raw
            END AS reason
        FROM ({select}) s
    """)
    con.execute("""
        UPDATE staged SET message_id = 'h:' || md5(concat_ws('|', event,
            strftime(timestamp, '%Y-%m-%dT%H:%M:%S.%f'), coalesce(user_id, ''),
            coalesce(account_id, ''), coalesce(properties::VARCHAR, '')))
        WHERE message_id IS NULL AND reason IS NULL
    """)
    return plan


def stage(con: Any, path: Path, fmt: str, mapping: dict[str, str], account_field: str) -> StagePlan:
    cands = _candidates(mapping, account_field)
    if fmt == "jsonl":
        return _stage_jsonl(con, path, cands)
    return _stage_columnar(con, path, fmt, cands, explicit=set(mapping))


def _stage_jsonl(con: Any, path: Path, cands: dict[str, tuple[str, ...]]) -> StagePlan:
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
    props_src = cands["properties"][0]
    props_path = sql_string(_json_path_of(props_src))
    reader = (
        f"read_csv({sql_string(str(path))}, columns={{'line': 'VARCHAR'}}, header=false, "
        f"delim='\\0', quote='', escape='', auto_detect=false, max_line_size={MAX_LINE})"
    )
    select = f"""
        SELECT __row,
            CASE WHEN __j IS NULL THEN 'not a JSON object' END AS __invalid,
            line AS __record,
            nullif(trim(CAST({pick['event']} AS VARCHAR)), '') AS event,
            nullif(trim({pick['timestamp']}), '') AS ts_raw,
            {parse_time("nullif(trim(" + pick['timestamp'] + "), '')")} AS timestamp,
            nullif({pick['user_id']}, '') AS user_id,
            nullif({pick['account_id']}, '') AS account_id,
            CASE WHEN json_type(__j, {props_path}) = 'OBJECT' THEN json_extract(__j, {props_path})
                 WHEN __j IS NOT NULL THEN json_merge_patch(__j, {patch})
            END AS properties,
            'm:' || nullif({pick['message_id']}, '') AS message_id
        FROM (
            SELECT __row, line, __j,
                json_extract_string(__j, [{", ".join(sql_string(p) for p in paths)}]) AS __v
            FROM (
                SELECT __row, line,
                    CASE WHEN json_valid(line) THEN
                        CASE WHEN json_type(line) = 'OBJECT' THEN line::JSON END END AS __j
                FROM (SELECT row_number() OVER () AS __row, line FROM {reader})
                WHERE line IS NOT NULL AND trim(line) <> ''
            )
        )
    """
    return _finish(con, StagePlan("jsonl", json_props=True), select)


def _stage_columnar(
    con: Any, path: Path, fmt: str, cands: dict[str, tuple[str, ...]], explicit: set[str]
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
    else:
        reader = f"read_parquet({p}, file_row_number = true)"
    numbered = "file_row_number + 1" if fmt == "parquet" else "row_number() OVER ()"
    con.execute(f"CREATE OR REPLACE TEMP VIEW sowhat_raw AS SELECT {numbered} AS __row, "
                f"* {'EXCLUDE (file_row_number)' if fmt == 'parquet' else ''} FROM {reader}")
    schema = {str(r[0]): str(r[1]) for r in con.execute("DESCRIBE sowhat_raw").fetchall()
              if r[0] != "__row"}

    used: set[str] = set()

    def resolve(column: str) -> tuple[str | None, str | None]:
        for source in cands[column]:
            if source in schema:
                used.add(source)
                return quote(source), schema[source]
            head, _, rest = source.partition(".")
            if rest and head in schema:
                used.add(head)
                if schema[head].startswith("STRUCT"):
                    return quote(head) + "".join("." + quote(x) for x in rest.split(".")), None
                return f"json_extract_string({quote(head)}, {sql_string(_json_path_of(rest))})", \
                    "VARCHAR"
        if column in explicit:
            raise UserError(f"{path.name} has no column {cands[column][0]!r} "
                            f"(mapped to {column})",
                            hint="columns are: " + ", ".join(schema))
        return None, None

    exprs = {c: resolve(c) for c in cands}
    as_text = {c: f"CAST({e} AS VARCHAR)" if e else "NULL::VARCHAR" for c, (e, _) in exprs.items()}
    ts_expr, ts_type = exprs["timestamp"]
    ts_value = _typed_time(ts_expr, ts_type, as_text["timestamp"])
    flat = {n: t for n, t in schema.items() if n not in used}
    plan.flat = flat
    flat_json = (
        "json_merge_patch('{}', to_json(struct_pack(" +
        ", ".join(f"{quote(n)} := {quote(n)}" for n in flat) + ")))" if flat else "'{}'::JSON"
    )
    props_expr, props_type = exprs["properties"]
    if props_expr is not None:
        plan.json_props = True
        if props_type and (props_type.startswith("STRUCT") or props_type.startswith("MAP")):
            pj = f"to_json({props_expr})"
        else:
            pj = (f"CASE WHEN json_valid({as_text['properties']}) "
                  f"THEN {as_text['properties']}::JSON END")
        properties = f"json_merge_patch({flat_json}, coalesce({pj}, '{{}}'::JSON))"
    else:
        properties = flat_json
    flat_cols = "".join(f", {quote(n)}" for n in flat)
    select = f"""
        SELECT __row, NULL::VARCHAR AS __invalid,
            CAST(NULL AS VARCHAR) AS __record,
            nullif(trim({as_text['event']}), '') AS event,
            nullif(trim({as_text['timestamp']}), '') AS ts_raw,
            {ts_value} AS timestamp,
            nullif({as_text['user_id']}, '') AS user_id,
            nullif({as_text['account_id']}, '') AS account_id,
            {properties} AS properties,
            'm:' || nullif({as_text['message_id']}, '') AS message_id
            {flat_cols}
        FROM sowhat_raw r
    """
    _finish(con, plan, select)
    if fmt == "csv":
        plan.reader_rejects = int(con.execute(
            "SELECT count(DISTINCT line) FROM sowhat_rej_err").fetchone()[0])
    return plan


def _typed_time(expr: str | None, dtype: str | None, text: str) -> str:
    if expr is None:
        return "NULL::TIMESTAMP"
    t = (dtype or "").upper()
    if t.startswith("TIMESTAMP") or t == "DATE":
        return f"CAST({expr} AS TIMESTAMP)"
    return parse_time(text)


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
    con.execute(f"COPY (SELECT * FROM ({ours}) ORDER BY row NULLS LAST) "
                f"TO {sql_string(str(target))} (FORMAT JSON)")


def property_types(con: Any, plan: StagePlan) -> dict[str, str]:
    """Property -> column type this load brings (MIXED when it brings two)."""
    seen: dict[str, str] = {}
    if plan.flat:
        counts = con.execute(
            "SELECT " + ", ".join(f"count({quote(n)})" for n in plan.flat)
            + " FROM staged WHERE reason IS NULL"
        ).fetchone()
        for (name, dtype), count in zip(plan.flat.items(), counts, strict=True):
            if count:
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
            seen[str(key)] = merge_type(seen.get(str(key)), kind) if key in seen else kind
    return seen


def insert(con: Any, plan: StagePlan, columns: dict[str, str], ingest_id: int) -> None:
    extra: list[str] = []
    from_json = [n for n in columns if n not in plan.flat] if plan.json_props else []
    for name, kind in columns.items():
        if name in plan.flat:
            extra.append(f"TRY_CAST({quote(name)} AS {kind}) AS {quote(name)}")
        elif name in from_json:
            i = from_json.index(name) + 1
            extra.append(f"TRY_CAST(__pv[{i}] AS {kind}) AS {quote(name)}")
    pv = ""
    if from_json:
        pv = (", json_extract_string(properties, ["
              + ", ".join(sql_string(json_path(n)) for n in from_json) + "]) AS __pv")
    # Within the file, keep the first row per message_id — but only pay for the window
    # when the file has duplicates at all (most exports have none).
    unique = con.execute(
        "SELECT count(*) = count(DISTINCT message_id) FROM staged WHERE reason IS NULL"
    ).fetchone()[0]
    rows = ("(SELECT *" + pv + " FROM staged WHERE reason IS NULL)" if unique else
            "(SELECT *" + pv + ", row_number() OVER (PARTITION BY message_id ORDER BY __row) "
            "AS __rn FROM staged WHERE reason IS NULL QUALIFY __rn = 1)")
    con.execute(f"""
        CREATE OR REPLACE TEMP TABLE fresh AS
        SELECT event, timestamp, user_id, account_id, properties, message_id,
               {ingest_id} AS ingest_id{"".join(", " + e for e in extra)}
        FROM {rows} s
        WHERE NOT EXISTS (SELECT 1 FROM events e WHERE e.message_id = s.message_id)
    """)
    # Append one event name at a time: rows of an event then sit together, so DuckDB's
    # min/max zone maps let a metric skip every row group of other events (measured on 10M
    # events: the demo metric set ran in 0.68 s instead of 1.43 s). A full sort would cost
    # far more than these few filtered scans of the staged rows.
    names = [r[0] for r in con.execute("SELECT DISTINCT event FROM fresh ORDER BY 1").fetchall()]
    if len(names) > MAX_CLUSTERED_EVENTS:
        con.execute("INSERT INTO events BY NAME SELECT * FROM fresh ORDER BY event")
        return
    for name in names:
        con.execute("INSERT INTO events BY NAME SELECT * FROM fresh WHERE event = ?", [name])


def drop_staging(con: Any) -> None:
    con.execute("DROP TABLE IF EXISTS staged")
    con.execute("DROP TABLE IF EXISTS fresh")
    con.execute("DROP VIEW IF EXISTS sowhat_raw")
    for table in ("sowhat_rej_err", "sowhat_rej_scan"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
