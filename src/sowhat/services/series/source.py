"""What a cached series is keyed by: the event store's state, so new events invalidate it."""

from __future__ import annotations

from pathlib import Path

from sowhat.spec.event_source import EventSourceSpec

__all__ = ["store_stamp"]


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
