"""How far a source's events are complete: the watermark no computation may look past.

A value computed "as of today" over events that stop on the 16th is not today's value: a
cohort whose outcome window runs past the last event looks like nobody converted, a week
with three days of events looks like a collapse. So every computation's as-of is clipped to
the watermark, and every output says "data through …".

The watermark is, in order of precedence:
- `[events] complete_through` — a fixed instant someone vouches for;
- the latest event's timestamp minus `[events] lag` (pipelines whose last hours still
  trickle in);
- the latest event's timestamp.
For the store `sowhat ingest` fills, the oldest and newest timestamps come from its per-day
ledger (sowhat.metrics.day_ledger; `sowhat sync --full` reads the rows). Otherwise the latest
timestamp is one MAX query — cheap on DuckDB (min/max zone maps) — and cached for
a few minutes for remote backends, where it is a warehouse round trip.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sowhat.metrics.day_ledger import store_ledger
from sowhat.metrics.source import EventSource, quoted_table
from sowhat.metrics.values import to_utc
from sowhat.spec.event_source import EventSourceSpec

REMOTE_CACHE_SECONDS = 300
"""How long a remote backend's latest timestamp is trusted before asking again."""


@dataclass(frozen=True)
class Watermark:
    """`through`: the instant up to which data is complete (None: no events at all)."""

    through: datetime | None
    latest_event: datetime | None
    basis: str  # "latest event" | "latest event − lag" | "complete_through" | "no events"
    stale_after: timedelta = timedelta(days=2)

    def is_stale(self, now: datetime) -> bool:
        return self.through is None or now - self.through > self.stale_after

    @property
    def bound(self) -> datetime | None:
        """The as-of that reads exactly the complete data: metrics read events with
        timestamp < as-of, so the latest event itself needs the next microsecond; a
        `complete_through` instant or a lagged one is already an exclusive bound."""
        if self.through is None:
            return None
        if self.basis == "latest event":
            return self.through + timedelta(microseconds=1)
        return self.through

    def describe(self) -> str:
        if self.through is None:
            return "no events yet"
        return f"data through {self.through:%Y-%m-%d %H:%M} UTC"


def event_time_range(events: EventSource) -> tuple[datetime | None, datetime | None]:
    """The oldest and newest event timestamps (aware UTC), or Nones for an empty source."""
    ledger = store_ledger(events)
    if ledger is not None:  # the store: its ledger knows each day's first and last event
        if not ledger:
            return None, None
        return (to_utc(min(r[5] for r in ledger)), to_utc(max(r[6] for r in ledger)))
    con = events.duckdb_connection()
    if con is not None:  # DuckDB: one MIN/MAX pass, remembered while the source is frozen
        found = events.remembered("time_range", lambda: _duckdb_range(con, events))
        if found is not None:
            return found
    cached = _read_cache(events)
    if cached is not None:
        return cached
    t = events.events()
    found = t.aggregate(lo=t.timestamp.min(), hi=t.timestamp.max()).to_pyarrow().to_pylist()
    pair = _pair((found[0]["lo"], found[0]["hi"]) if found else None)
    _write_cache(events, pair)
    return pair


def _duckdb_range(con: Any, events: EventSource) -> tuple[datetime | None, datetime | None] | None:
    column = '"' + events.columns.timestamp.replace('"', '""') + '"'
    table = quoted_table(events.table_name)
    try:
        rows = con.execute(f"SELECT min(CAST({column} AS TIMESTAMP)), "
                           f"max(CAST({column} AS TIMESTAMP)) FROM {table}").fetchall()
    except Exception:  # an unusual table: let Ibis (and its clear errors) answer
        return None
    return _pair(rows[0] if rows else None)


def _pair(row: Any) -> tuple[datetime | None, datetime | None]:
    if not row:
        return None, None
    return (to_utc(row[0]) if row[0] is not None else None,
            to_utc(row[1]) if row[1] is not None else None)


def latest_event_time(events: EventSource) -> datetime | None:
    return event_time_range(events)[1]


def earliest_event_time(events: EventSource) -> datetime | None:
    return event_time_range(events)[0]


def watermark(events: EventSource, spec: EventSourceSpec | None = None) -> Watermark:
    """The source's watermark under its `[events]` settings."""
    spec = spec or EventSourceSpec()
    latest = latest_event_time(events)
    if spec.complete_through is not None:
        # A vouched-for instant stands even past the latest event: a quiet last day is data.
        return Watermark(to_utc(spec.complete_through), latest, "complete_through",
                         spec.stale_after)
    if latest is None:
        return Watermark(None, None, "no events", spec.stale_after)
    if spec.lag:
        return Watermark(latest - spec.lag, latest, "latest event − lag", spec.stale_after)
    return Watermark(latest, latest, "latest event", spec.stale_after)


def _cache_file(events: EventSource) -> Path | None:
    if events.cache_dir is None:
        return None
    return events.cache_dir.parent / "watermark.json"


def _read_cache(events: EventSource) -> tuple[datetime | None, datetime | None] | None:
    path = _cache_file(events)
    if path is None or not path.exists():
        return None
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        entry = data.get(events.source_id())
        if entry is None or time.time() - float(entry["at"]) > REMOTE_CACHE_SECONDS:
            return None
        lo, hi = entry["earliest"], entry["latest"]
        return (datetime.fromisoformat(lo) if lo else None,
                datetime.fromisoformat(hi) if hi else None)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _write_cache(events: EventSource, pair: tuple[datetime | None, datetime | None]) -> None:
    path = _cache_file(events)
    if path is None:
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        data: dict[str, Any] = {}
        if path.exists():
            data = json.loads(path.read_text(encoding="utf-8"))
        lo, hi = pair
        data[events.source_id()] = {"at": time.time(),
                                    "earliest": lo.isoformat() if lo else None,
                                    "latest": hi.isoformat() if hi else None}
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(data), encoding="utf-8")
        tmp.replace(path)
    except (OSError, ValueError):
        pass  # a cache that cannot be written only costs a query next time
