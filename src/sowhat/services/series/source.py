"""What a cached series is keyed by — the event store's state, so new events invalidate
it — and the cache both series share."""

from __future__ import annotations

from collections.abc import Callable, Hashable
from pathlib import Path
from threading import Lock
from typing import Generic, TypeVar

from sowhat.spec.event_source import EventSourceSpec
from sowhat.spec.workspace import Workspace

__all__ = ["SeriesCache", "store_stamp"]

T = TypeVar("T")


def store_stamp(spec: EventSourceSpec, root: Path) -> float | None:
    """The default DuckDB store's modification time (0.0 for any other source, whose files a
    process cannot watch cheaply); None when the store does not exist yet — nothing ingested,
    so there is nothing to compute."""
    if spec.kind != "duckdb":
        return 0.0
    path = spec.duckdb_path(root)
    if not path.exists():
        return None
    return path.stat().st_mtime


class SeriesCache(Generic[T]):
    """One series per workspace, store state and caller's key, kept for the process: a page
    reload costs nothing until new events arrive (or the key's parts — a definition's hash —
    change). Nothing ingested: empty, and nothing kept."""

    def __init__(self) -> None:
        self._values: dict[tuple[Hashable, ...], tuple[T, ...]] = {}
        self._lock = Lock()

    def get(self, workspace: Workspace, key: tuple[Hashable, ...],
            compute: Callable[[EventSourceSpec], tuple[T, ...]]) -> tuple[T, ...]:
        spec = EventSourceSpec.from_config(workspace.config.events)
        stamp = store_stamp(spec, workspace.root)
        if stamp is None:
            return ()
        full = (str(workspace.root), stamp, *key)
        with self._lock:
            if full in self._values:
                return self._values[full]
        series = compute(spec)
        with self._lock:
            self._values[full] = series
        return series
