"""The store's per-day ledger: what `sowhat sync` needs to know about the events, kept up to
date by `sowhat ingest` so a sync does not scan every stored row to learn it.

One row per (UTC day, event name) with events: the row count, the newest `ingest_id`, the sum
of the 64-bit `dedupe_key`s and the oldest and newest timestamp. From it a sync reads

- the per-day digests (sowhat.metrics.digest): `count:newest ingest:key sum`, exactly what
  the digest query over the rows gives — so keys stored before the ledger existed stay valid;
- the time range behind the watermark (sowhat.metrics.watermark): the least and greatest
  timestamp.

Why a ledger and not a scan: at 10M events the digests' check (one hash pass over every row)
and the watermark's MIN/MAX cost ≈0.45 s and ≈0.25 s of CPU on every sync, however little
arrived. The ledger costs a sync one small read and a `count(*)` (metadata in DuckDB).

Why it stays right: ingest only appends rows, and every quantity in the ledger is a count,
a sum, a max or a min — so the rows of one load fold into the ledger exactly
(`record_ingest`, in the load's own transaction: a failed load leaves both untouched).

What it cannot see, and what covers it:
- rows deleted or added outside `sowhat ingest` (by hand, in the DuckDB file): the ledger's
  row total no longer equals the table's `count(*)`, which every reader checks — the ledger is
  then ignored (the sync digests the rows, as before) until the next `sowhat ingest`, which
  rebuilds it;
- rows edited in place by hand (same count): only a scan can tell. `sowhat sync --full` reads
  the rows, never the ledger, and says when the two disagree; `sowhat ingest --reindex`
  rebuilds the ledger from the rows.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sowhat.metrics.source import EventSource

LEDGER_SQL = """
CREATE TABLE IF NOT EXISTS day_ledger (
    day DATE NOT NULL,
    event VARCHAR NOT NULL,
    n BIGINT NOT NULL,
    newest INTEGER NOT NULL,
    key_sum HUGEINT NOT NULL,
    first_at TIMESTAMP NOT NULL,
    last_at TIMESTAMP NOT NULL,
    PRIMARY KEY (day, event)
)
"""

_FOLD = ("SELECT CAST(timestamp AS DATE) AS day, event, count(*) AS n, "
         "max(coalesce(ingest_id, 0)) AS newest, "
         "sum(coalesce(dedupe_key, 0)::HUGEINT) AS key_sum, "
         "min(timestamp) AS first_at, max(timestamp) AS last_at FROM events")

LedgerRow = tuple[date, str, int, int, int, datetime, datetime]
"""(day, event, rows, newest ingest_id, sum of dedupe keys, first timestamp, last timestamp)"""


def has_ledger(con: Any) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE table_name = 'day_ledger' "
                      "AND schema_name = 'main'").fetchone()
    return bool(row and row[0])


def rebuild(con: Any) -> None:
    """The ledger from every stored row (one GROUP BY over the store)."""
    con.execute(LEDGER_SQL)
    con.execute("DELETE FROM day_ledger")
    con.execute(f"INSERT INTO day_ledger {_FOLD} GROUP BY 1, 2")


def ensure(con: Any) -> bool:
    """Create the ledger, or rebuild it when its row total is not the table's (a store from
    before the ledger, or rows deleted or added outside ingest). Called as a load starts.
    True when it was rebuilt (what is derived from the rows must be too)."""
    if not has_ledger(con) or not consistent(con):
        rebuild(con)
        return True
    return False


def record_ingest(con: Any, ingest_id: int) -> None:
    """Fold the rows of load `ingest_id` into the ledger (within the load's transaction).

    Reads only that load's rows: they were appended together, so DuckDB's zone maps on
    `ingest_id` skip every other row group.
    """
    con.execute(
        f"INSERT INTO day_ledger {_FOLD} WHERE ingest_id = ? GROUP BY 1, 2 "
        "ON CONFLICT (day, event) DO UPDATE SET n = n + excluded.n, "
        "newest = greatest(newest, excluded.newest), key_sum = key_sum + excluded.key_sum, "
        "first_at = least(first_at, excluded.first_at), "
        "last_at = greatest(last_at, excluded.last_at)", [ingest_id])


def consistent(con: Any) -> bool:
    """Whether the ledger's row total is the table's (no rows added or deleted outside
    ingest)."""
    # The store's event and timestamp are NOT NULL, so every row is in the ledger; a bare
    # count(*) is answered from DuckDB's row-group metadata.
    row = con.execute("SELECT (SELECT coalesce(sum(n), 0) FROM day_ledger) = "
                      "(SELECT count(*) FROM events)").fetchone()
    return bool(row and row[0])


def read(con: Any, *, checked: bool = True) -> list[LedgerRow] | None:
    """The ledger's rows when it accounts for every stored event, else None (no ledger, or
    rows deleted or added outside ingest: read the rows instead). `checked=False` reads it
    whatever its total."""
    try:
        if not has_ledger(con) or (checked and not consistent(con)):
            return None
        rows = con.execute("SELECT day, event, n, newest, key_sum, first_at, last_at "
                           "FROM day_ledger").fetchall()
    except Exception:  # a store this version cannot read as one: scan the rows
        return None
    return [(r[0], str(r[1]), int(r[2]), int(r[3]), int(r[4]), r[5], r[6]) for r in rows]


def _is_store(events: EventSource) -> bool:
    return (events.table_name == "events" and events.columns.event == "event"
            and events.columns.timestamp == "timestamp")


def stale(events: EventSource, digests: dict[tuple[date, str], str]) -> bool:
    """Whether the store has a ledger that disagrees with `digests` computed from its rows:
    events were changed outside `sowhat ingest`, which incremental syncs do not see until
    `sowhat ingest --reindex` (or a load that changes the row count) rebuilds it."""
    con = events.duckdb_connection()
    if con is None or not _is_store(events):
        return False
    rows = read(con, checked=False)
    if rows is None:
        return False
    return {(d, e): digest_text(n, newest, key_sum)
            for d, e, n, newest, key_sum, _, _ in rows} != digests


def store_ledger(events: EventSource) -> list[LedgerRow] | None:
    """The ledger of `events` when they are the store `sowhat ingest` fills and its ledger
    accounts for every row (remembered while the source is frozen); None otherwise — and
    when `events.trust_ledger` is off (`sowhat sync --full` reads the rows)."""
    con = events.duckdb_connection()
    if con is None or not events.trust_ledger or not _is_store(events):
        return None
    return events.remembered("day_ledger", lambda: read(con))


def digest_text(n: int, newest: int, key_sum: int) -> str:
    """A day's digest as sowhat.metrics.digest writes it from the rows."""
    return f"{n}:{newest}:{key_sum}"
