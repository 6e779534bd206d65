"""The event source the coach reads when it judges the OKR files on disk.

SW114 (measured baselines) and SW108/SW109 (ambition) both hold a file's numbers against the
events; they share one open store and one look at how far the events reach, rather than each
opening DuckDB and scanning for the time range on every `sowhat lint` run.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime

from sowhat.errors import UserError
from sowhat.metrics.source import EventSource
from sowhat.metrics.watermark import event_time_range
from sowhat.services.events import open_events
from sowhat.spec.metric_defs import MetricsFile
from sowhat.spec.workspace import Workspace

__all__ = ["FileEvents", "file_events"]


@dataclass(frozen=True)
class FileEvents:
    catalog: MetricsFile
    events: EventSource
    earliest: datetime  # the first event's time
    latest: datetime  # the last event's time


@contextmanager
def file_events(workspace: Workspace) -> Iterator[FileEvents | None]:
    """The workspace's metrics and events with their span, closed on exit; None when there
    is no catalog, no event store or no event to ask."""
    catalog = workspace.metrics
    if catalog is None:
        yield None
        return
    try:
        events = open_events(workspace)
    except UserError:
        yield None
        return
    try:
        earliest, latest = event_time_range(events)
        yield (None if earliest is None or latest is None
               else FileEvents(catalog, events, earliest, latest))  # fmt: skip
    finally:
        events.close()
