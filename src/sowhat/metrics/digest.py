"""Per-day digests of the events: what lets `sowhat sync` keep the weeks whose inputs did not
change.

A digest is a short string per UTC day and event name that changes whenever any event of
that name on that day is added, removed or altered. Incremental sync keys every stored value
by the digests of the days and events its window reads (sowhat.services.sync.inputs), so a
day of new events recomputes only the weeks of the metrics that read those events on that
day. Correctness over cleverness: the digests are recomputed from the events themselves on
every sync — one GROUP BY over the timestamp, the event name and two small columns, not a
ledger the ingest has to keep right — so deletes, dedupe and a hand-edited store are all seen.

- the DuckDB store (`sowhat ingest`): row count, newest `ingest_id` and the sum of the
  64-bit `dedupe_key`s of the day (the key is a hash of the message id or of the row's
  content, so a replaced row changes the sum);
- any other DuckDB source (Parquet): row count and the sum of a hash of every column;
- other backends (Ibis): row count and the sum of a hash of every column where the backend
  has `hash()`, else None: such a source is recomputed in full every time.

`traits_digest` does the same for the trait tables (a trait change can move any metric that
reads traits).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sowhat.metrics.source import EventSource, quoted_table

DayDigests = dict[tuple[date, str], str]
"""(UTC day, event name) -> digest of that day's events of that name."""


def _ident(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


def day_digests(events: EventSource) -> DayDigests | None:
    """Each (UTC day, event name) with events -> its digest; None when this source cannot
    be digested."""
    con = events.duckdb_connection()
    if con is not None:
        return _duckdb_digests(con, events)
    return _ibis_digests(events)


def _duckdb_digests(con: Any, events: EventSource) -> DayDigests | None:
    table = quoted_table(events.table_name)
    try:
        columns = [str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
    except Exception:
        return None
    ts = _ident(events.columns.timestamp)
    name = _ident(events.columns.event)
    if {"ingest_id", "dedupe_key"} <= set(columns):
        fold = "max(ingest_id)::VARCHAR || ':' || sum(coalesce(dedupe_key, 0)::HUGEINT)::VARCHAR"
    else:
        every = ", ".join(_ident(c) for c in columns)
        fold = f"sum(hash({every})::HUGEINT)::VARCHAR"
    sql = (f"SELECT CAST(CAST({ts} AS TIMESTAMP) AS DATE) AS d, {name}, "
           f"count(*)::VARCHAR || ':' || {fold} FROM {table} GROUP BY 1, 2")
    try:
        rows = con.execute(sql).fetchall()
    except Exception:
        return None
    return {(r[0], str(r[1])): str(r[2]) for r in rows if r[0] is not None and r[1] is not None}


def _ibis_digests(events: EventSource) -> DayDigests | None:
    try:
        t = events.events()
        hashed = t.mutate(__h=_row_hash(t), __d=t.timestamp.date())
        agg = hashed.group_by(["__d", "event"]).aggregate(n=hashed.count(),
                                                          h=hashed["__h"].sum())
        rows = agg.to_pyarrow().to_pylist()
    except Exception:  # a backend without hash(): no incremental sync there
        return None
    return {(r["__d"], str(r["event"])): f"{r['n']}:{r['h']}" for r in rows
            if r["__d"] is not None and r["event"] is not None}


def _row_hash(t: Any) -> Any:
    import ibis

    parts = [t[c].cast("string").fill_null("\x00") for c in t.columns]
    text = parts[0] if len(parts) == 1 else ibis.literal("\x1f").join(parts)
    return text.hash().cast("decimal(38, 0)")


def traits_digest(events: EventSource) -> str | None:
    """A digest of the trait tables next to the events ('-' when there are none; None when
    they exist but cannot be digested, which makes every sync a full one)."""
    con = events.duckdb_connection()
    if con is None:
        try:
            names = set(events.backend.list_tables())
        except Exception:
            return None
        return "-" if not names & {"traits", "account_links"} else None
    out = []
    for table in ("traits", "account_links"):
        try:
            columns = [str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
        except Exception:
            out.append("-")  # no such table
            continue
        every = ", ".join(_ident(c) for c in columns)
        row = con.execute(f"SELECT count(*), sum(hash({every})::HUGEINT) FROM {table}").fetchone()
        out.append(f"{row[0]}:{row[1]}" if row is not None else "-")
    return "|".join(out)
