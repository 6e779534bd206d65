"""Per-day digests of the events: what lets `sowhat sync` keep the weeks whose inputs did not
change.

A digest is a short string per UTC day and event name that changes whenever any event of
that name on that day is added, removed or altered. Incremental sync keys every stored value
by the digests of the days and events its window reads (sowhat.services.sync.inputs), so a
day of new events recomputes only the weeks of the metrics that read those events on that
day. Other sources are digested from the events themselves on every sync — one GROUP BY over
the timestamp, the event name and the row's hash — so deletes and edits are all seen.

- the DuckDB store (`sowhat ingest`): row count, newest `ingest_id` and the sum of the
  64-bit `dedupe_key`s of the day (the key is a hash of the message id or of the row's
  content, so a replaced row changes the sum);
- any other DuckDB source (Parquet): row count and the sum of a hash of every column;
- other backends (Ibis): row count and the sum of a hash of every column where the backend
  has `hash()`, else None: such a source is recomputed in full every time.

The store `sowhat ingest` fills answers from its per-day ledger (sowhat.metrics.day_ledger),
kept by ingest and checked against the table's row count: no pass over the rows at all.
Without a ledger (a store from before it), its digests are cached by ingest
(`.sowhat/cache/digests/`, issue 14): a sync first checks, with one pass over two columns,
that the rows of the ingests the cache has seen are still exactly those (their count and the
sum of a hash of each row's event, timestamp and dedupe key), then recomputes only the days
that rows of newer ingests fall on. Anything else — a deleted or edited old row, a store
swapped for another — fails the check and every day is recomputed, as before.
`sowhat sync --full` ignores the ledger and the cache.

`traits_digest` does the same for the trait tables (a trait change can move any metric that
reads traits).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

from sowhat.metrics.day_ledger import digest_text, store_ledger
from sowhat.metrics.source import EventSource, quoted_table

DayDigests = dict[tuple[date, str], str]
"""(UTC day, event name) -> digest of that day's events of that name."""


def digest_rows(digest: str) -> int:
    """The number of rows a day's digest was taken over: every digest here — the ledger's,
    the store's, a Parquet source's and an Ibis backend's — starts with the day's row count
    of its event, then a colon."""
    return int(digest.split(":", 1)[0])


def _ident(column: str) -> str:
    return '"' + column.replace('"', '""') + '"'


CACHE_FORMAT = 1


def day_digests(events: EventSource, *, cached: bool = True) -> DayDigests | None:
    """Each (UTC day, event name) with events -> its digest; None when this source cannot
    be digested. `cached=False` recomputes every day (no cache read or written)."""
    con = events.duckdb_connection()
    if con is not None:
        return _duckdb_digests(con, events, cached=cached)
    return _ibis_digests(events)


def _duckdb_digests(con: Any, events: EventSource, *, cached: bool = True) -> DayDigests | None:
    table = quoted_table(events.table_name)
    try:
        columns = [str(r[0]) for r in con.execute(f"DESCRIBE {table}").fetchall()]
    except Exception:
        return None
    ts = _ident(events.columns.timestamp)
    name = _ident(events.columns.event)
    by_ingest = {"ingest_id", "dedupe_key"} <= set(columns)
    if by_ingest:
        fold = "max(ingest_id)::VARCHAR || ':' || sum(coalesce(dedupe_key, 0)::HUGEINT)::VARCHAR"
    else:
        every = ", ".join(_ident(c) for c in columns)
        fold = f"sum(hash({every})::HUGEINT)::VARCHAR"
    day = f"CAST(CAST({ts} AS TIMESTAMP) AS DATE)"
    sql = f"SELECT {day} AS d, {name}, count(*)::VARCHAR || ':' || {fold} FROM {table}"

    def compute(where: str = "") -> DayDigests:
        rows = con.execute(f"{sql}{where} GROUP BY 1, 2").fetchall()
        return {(r[0], str(r[1])): str(r[2]) for r in rows
                if r[0] is not None and r[1] is not None}

    if by_ingest and cached:
        ledger = store_ledger(events)
        if ledger is not None:
            return {(d, e): digest_text(n, newest, key_sum)
                    for d, e, n, newest, key_sum, _, _ in ledger}
    try:
        if by_ingest and cached and events.cache_dir is not None:
            folder = events.cache_dir.parent / "digests"
            return _by_ingest(con, folder, events.description, table, day, name, compute)
        return compute()
    except Exception:
        return None


def _by_ingest(con: Any, folder: Path, source: str, table: str, day: str, name: str,
               compute: Callable[..., DayDigests]) -> DayDigests:
    """The digests, recomputing only the days rows of ingests newer than the cache fall on
    (every day when the cache is missing or the older rows changed). `source` names the
    store (`duckdb:<path>`)."""
    where_key = f"{CACHE_FORMAT}\x1f{source}\x1f{table}\x1f{day}\x1f{name}"
    path = folder / (hashlib.sha256(where_key.encode()).hexdigest()[:24] + ".json")
    # Count and a hash sum of what a digest reads of each row: a deleted, added or edited
    # row of an old ingest changes them.
    check = (f"SELECT count(*), coalesce(sum(hash({name}, {day}, dedupe_key)::HUGEINT), 0)"
             f"::VARCHAR, max(coalesce(ingest_id, 0)) FROM {table} ")
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        seen = int(saved["ingest"])
    except (OSError, ValueError, KeyError, TypeError):
        saved, seen = None, -1
    if saved is not None:
        old = con.execute(check + "WHERE coalesce(ingest_id, 0) <= ?", [seen]).fetchone()
        if old is not None and [int(old[0]), str(old[1])] == [saved["rows"], saved["check"]]:
            digests = {(date.fromisoformat(d), e): v for d, e, v in saved["digests"]}
            new = con.execute(check + "WHERE ingest_id > ?", [seen]).fetchone()
            if new is None or not int(new[0]):
                return digests
            fresh = {r[0] for r in con.execute(
                f"SELECT DISTINCT {day} FROM {table} WHERE ingest_id > ?", [seen]).fetchall()
                if r[0] is not None}
            digests = {k: v for k, v in digests.items() if k[0] not in fresh}
            if fresh:
                listed = ", ".join(f"DATE '{d.isoformat()}'" for d in sorted(fresh))
                digests.update(compute(f" WHERE {day} IN ({listed})"))
            _save(path, seen=int(new[2]), rows=int(old[0]) + int(new[0]),
                  total=int(old[1]) + int(new[1]), digests=digests)
            return digests
    digests = compute()
    rows, total, newest = con.execute(check).fetchone()
    _save(path, seen=int(newest or 0), rows=int(rows), total=int(total), digests=digests)
    return digests


def _save(path: Path, *, seen: int, rows: int, total: int, digests: DayDigests) -> None:
    data = {"ingest": seen, "rows": rows, "check": str(total),
            "digests": [[d.isoformat(), e, v] for (d, e), v in sorted(digests.items())]}
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)
    except OSError:
        pass  # a read-only workspace still syncs, recomputing the digests each time


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
