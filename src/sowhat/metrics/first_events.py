"""Each entity's first anchor event, kept by `sowhat ingest` so a cohort does not group every
anchor event in history to learn who is new.

A cohort metric (conversion, retention, duration) anchors each entity at its first `from` /
`start` event ever (DESIGN.md "Window semantics"). Asked as SQL, that is a GROUP BY over every
such event the store holds — every signup since the beginning — for each cohort window, each
segment and each sync, although a daily sync only asks about the last few days' cohorts. At
100M events that grouping was more than half of an incremental sync's cohort queries
(benchmarks/README.md, incremental.py).

Table `first_events` holds, for each (entity column, event name) pair some cohort metric
anchors on, each entity's earliest timestamp of that event; table `first_event_pairs` says
which pairs are kept. A cohort then reads the entities whose first instant lies in its
window from here and fetches only their events at that instant from `events` (the anchor
rows: a segment is read on them, ties at the instant included), which is what the GROUP BY
found (sowhat.metrics.compile).

Why it stays right: ingest only appends, and the first instant of a set of rows is a
minimum, so a load folds in exactly (`record_ingest`, in the load's own transaction: a late
event earlier than the kept one replaces it). Rows deleted or changed outside ingest are what
the per-day ledger notices (sowhat.metrics.day_ledger); the table is rebuilt with the ledger,
and a sync does not read it while the ledger disagrees with the rows (`usable_pairs`), nor
on `sowhat sync --full`. Anchors with a `where` are never kept: their first event is the
first *matching* one.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sowhat.spec.metric_defs import (
    ConversionMetric,
    DurationMetric,
    MetricsFile,
    RetentionMetric,
)

KINDS = ("user_id", "account_id")
"""The entity columns a cohort can be counted by (the store's canonical id columns)."""

SCHEMA_SQL = """
CREATE TABLE IF NOT EXISTS first_events (
    kind VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    entity VARCHAR NOT NULL,
    first_at TIMESTAMP NOT NULL
);
CREATE TABLE IF NOT EXISTS first_event_pairs (
    kind VARCHAR NOT NULL,
    event VARCHAR NOT NULL,
    PRIMARY KEY (kind, event)
);
"""

Pair = tuple[str, str]
"""(entity column, event name)"""


def anchor_pairs(catalog: MetricsFile) -> set[Pair]:
    """The (entity, event) pairs the catalog's cohort metrics anchor on without a `where`."""
    pairs: set[Pair] = set()
    for m in catalog.metrics.values():
        if isinstance(m, RetentionMetric):
            ref = m.start
        elif isinstance(m, ConversionMetric | DurationMetric):
            ref = m.from_
        else:
            continue
        if m.entity in KINDS and not ref.where:
            pairs.add((m.entity, ref.event))
    return pairs


def _exists(con: Any) -> bool:
    row = con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND "
                      "table_name IN ('first_events', 'first_event_pairs')").fetchone()
    return bool(row and row[0] == 2)


def kept_pairs(con: Any) -> frozenset[Pair]:
    """The pairs the store keeps (none when it has no table)."""
    if not _exists(con):
        return frozenset()
    return frozenset((str(k), str(e)) for k, e in
                     con.execute("SELECT kind, event FROM first_event_pairs").fetchall())


def keep(con: Any, pairs: Iterable[Pair]) -> None:
    """Start keeping `pairs` (built from every stored row); pairs already kept are left."""
    wanted = {(k, e) for k, e in pairs if k in KINDS}
    if not wanted and not _exists(con):
        return
    con.execute(SCHEMA_SQL)
    for kind, event in sorted(wanted - kept_pairs(con)):
        con.execute("BEGIN TRANSACTION")  # built and registered together, or neither
        try:
            _build(con, kind, event)
            con.execute("INSERT INTO first_event_pairs VALUES (?, ?)", [kind, event])
        except Exception:
            con.execute("ROLLBACK")
            raise
        con.execute("COMMIT")


def _build(con: Any, kind: str, event: str) -> None:
    # Written in time order, so a cohort's read of a few days skips the other row groups.
    con.execute(f'INSERT INTO first_events SELECT ?, ?, "{kind}", min(timestamp) AS first_at '
                f'FROM events WHERE event = ? AND "{kind}" IS NOT NULL GROUP BY 3 '
                "ORDER BY first_at", [kind, event, event])


def rebuild(con: Any) -> None:
    """Every kept pair again from the rows (after the rows changed outside ingest)."""
    if not _exists(con):
        return
    con.execute("DELETE FROM first_events")
    for kind, event in sorted(kept_pairs(con)):
        _build(con, kind, event)


def record_ingest(con: Any, ingest_id: int) -> None:
    """Fold load `ingest_id`'s rows into the kept pairs (within the load's transaction)."""
    for kind, event in sorted(kept_pairs(con)):
        con.execute(
            f'CREATE OR REPLACE TEMP TABLE sowhat_new_firsts AS SELECT "{kind}" AS entity, '
            f'min(timestamp) AS first_at FROM events WHERE ingest_id = ? AND event = ? '
            f'AND "{kind}" IS NOT NULL GROUP BY 1', [ingest_id, event])
        found = con.execute("SELECT count(*) FROM sowhat_new_firsts").fetchone()
        if not found or not found[0]:
            con.execute("DROP TABLE sowhat_new_firsts")
            continue
        con.execute("DELETE FROM first_events f WHERE f.kind = ? AND f.event = ? AND EXISTS "
                    "(SELECT 1 FROM sowhat_new_firsts n WHERE n.entity = f.entity "
                    "AND n.first_at < f.first_at)", [kind, event])
        con.execute("INSERT INTO first_events SELECT ?, ?, n.entity, n.first_at "
                    "FROM sowhat_new_firsts n WHERE NOT EXISTS (SELECT 1 FROM first_events f "
                    "WHERE f.kind = ? AND f.event = ? AND f.entity = n.entity) "
                    "ORDER BY n.first_at", [kind, event, kind, event])
        con.execute("DROP TABLE sowhat_new_firsts")
