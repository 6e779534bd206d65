"""A per-process cache of read models, valid for as long as the data they were built from.

A plan of 5,000 key results takes seconds to assemble (every check-in read, every forecast
fitted), and nothing in it changes between two writes. Every write Sowhat makes to a plan is
recorded in the append-only audit log, and every sync adds a `sync_runs` row, so the pair
(last audit entry id, last sync run id) is a version of everything a page reads: two cheap
primary-key lookups decide whether a cached model is still true. Another process's writes
(a cron-run sync, a second server) change the version too, since it is read from the database
on every request.

Audit ids are handed out when a writer adds its entry, not when it commits: on PostgreSQL a
writer that took id 10 can commit after another that took 11, so "the highest id" alone
could stay 11 while entry 10 appears. The version therefore also names the ids missing
below the highest within the last `WINDOW` entries (in flight, or rolled back): when a
missing one commits the version moves, and the cached model's update reads it
(services.listing.incremental). The bound: a writer holding its id while more than `WINDOW`
newer entries commit goes unseen until the next write (a web write holds it for
milliseconds; a sync moves the sync-run id, which rebuilds everything). SQLite's single
writer holds its lock from its first write to its commit, so its ids are taken in commit
order and never leave such a gap open: there the check is skipped.

Entries also carry the day they were built for (scores, "this week", forecasts depend on
it) and whatever else the caller puts in the key. The cache keeps a few recent versions
(LRU); a stale entry is never served, only left to age out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sowhat.store.models import AuditEntryRow
from sowhat.store.sync_models import SyncRunRow

__all__ = ["WINDOW", "EntryCache", "ReadCache", "Update", "Version", "data_version",
           "entry_cache", "read_cache"]

T = TypeVar("T")
Version = tuple[int, int, tuple[int, ...]]
"""(last audit entry id, last sync run id, audit ids missing below the last: see above)."""
Update = Callable[[T, Version], T | None]
"""Brings an entry of an earlier data version (given) up to date, or says it cannot (None)."""
WINDOW = 2_000


def data_version(session: Session) -> Version:
    """Changes on every committed write to a plan: (last audit entry id, last sync run id,
    the audit ids below the last not visible yet — see the module docstring)."""
    audit_id = int(session.scalar(select(func.max(AuditEntryRow.id))) or 0)
    sync_id = int(session.scalar(select(func.max(SyncRunRow.id))) or 0)
    if session.get_bind().dialect.name == "sqlite":
        return audit_id, sync_id, ()  # one writer at a time: ids are taken in commit order
    floor = max(0, audit_id - WINDOW)
    seen = int(session.scalar(select(func.count()).select_from(AuditEntryRow)
                              .where(AuditEntryRow.id > floor, AuditEntryRow.id <= audit_id))
               or 0)  # fmt: skip
    if seen == audit_id - floor:  # no gap: the usual case, one index range counted
        return audit_id, sync_id, ()
    present = set(session.scalars(select(AuditEntryRow.id).where(
        AuditEntryRow.id > floor, AuditEntryRow.id <= audit_id)))
    return audit_id, sync_id, tuple(i for i in range(floor + 1, audit_id) if i not in present)


class ReadCache:
    def __init__(self, size: int = 16) -> None:
        self.size = size
        self._items: OrderedDict[tuple[Hashable, ...], Any] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0
        self.updates = 0  # misses served by updating an earlier version's entry

    def get(self, session: Session, key: Hashable, build: Callable[[], T], *,
            inputs: object = None, update: Update[T] | None = None) -> T:  # fmt: skip
        """The cached value for `key` at the data's current version, built on a miss.

        The database's URL is part of the key; `inputs` is an object the value depends on
        besides the database (the metric catalog): an entry only serves the very same object
        (identity, kept alive by the entry, so its id cannot be reused by another).
        On a miss, `update(value, version)` is offered the entry of an earlier version (the
        same key, database and inputs) and may bring it up to date from what was written
        since (services.listing.incremental) — or return None, and the value is built anew.
        Two requests missing at once both build (no lock is held while building): wasted
        work, never a wrong answer."""
        version = data_version(session)
        full = (key, str(session.get_bind().engine.url), id(inputs), version)
        older: tuple[Any, Any] | None = None
        with self._lock:
            entry = self._items.get(full)
            if entry is not None and entry[0] is inputs:
                self._items.move_to_end(full)
                self.hits += 1
                value: T = entry[1]
                return value
            self.misses += 1
            if update is not None:
                earlier = [(k[3], e) for k, e in self._items.items()
                           if k[:3] == full[:3] and e[0] is inputs]
                if earlier:  # one at most: a newer version's entry drops the older ones
                    older = earlier[-1]
        updated = update(older[1][1], older[0]) if update is not None and older else None
        if updated is not None:
            self.updates += 1
            value = updated
        else:
            value = build()
        with self._lock:
            # an older version of the same entry can never be served again: drop it now
            # rather than let a plan of thousands of KRs wait in memory for the LRU
            for old in [k for k in self._items if k[:3] == full[:3] and k != full]:
                del self._items[old]
            self._items[full] = (inputs, value)
            self._items.move_to_end(full)
            while len(self._items) > self.size:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


read_cache = ReadCache()


class EntryCache:
    """A bounded LRU map for values with keys the caller makes complete (every input the
    value depends on is in the key): per-KR forecasts, which must survive a check-in on
    another KR."""

    def __init__(self, size: int = 50_000) -> None:
        self.size = size
        self._items: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()

    def get_many(self, keys: dict[str, Hashable]) -> dict[str, Any]:
        with self._lock:
            out = {}
            for name, key in keys.items():
                if key in self._items:
                    self._items.move_to_end(key)
                    out[name] = self._items[key]
            return out

    def put_many(self, items: dict[Hashable, Any]) -> None:
        with self._lock:
            for key, value in items.items():
                self._items[key] = value
                self._items.move_to_end(key)
            while len(self._items) > self.size:
                self._items.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()


entry_cache = EntryCache()
