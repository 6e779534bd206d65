"""Opening a workspace's events the way its `[events]` settings say."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import ValidationError

from sowhat.errors import Diagnostic, Location, SpecError, UserError
from sowhat.metrics.source import EventSource
from sowhat.spec.event_source import EventSourceSpec
from sowhat.spec.workspace import Workspace

if TYPE_CHECKING:
    from sowhat.services.sync.asof import AsOf


def event_source_spec(workspace: Workspace) -> EventSourceSpec:
    try:
        return EventSourceSpec.from_config(workspace.config.events)
    except ValidationError as exc:
        raise SpecError([
            Diagnostic(Location("sowhat.toml"),
                       f"[events] {'.'.join(str(p) for p in e['loc'])}: {e['msg']}",
                       "see docs/metrics.md")
            for e in exc.errors()
        ]) from None


def open_events(workspace: Workspace) -> EventSource:
    """The workspace's event source; a clear error when there are no events yet."""
    spec = event_source_spec(workspace)
    if spec.kind == "duckdb" and not spec.duckdb_path(workspace.root).exists():
        raise UserError(
            f"no events yet at {spec.duckdb_path(workspace.root)}",
            hint="load some with `sowhat ingest FILE...`, or point [events] at a warehouse",
        )
    return EventSource.open(spec, workspace.root)


def data_clock(workspace: Workspace, requested: datetime | None) -> AsOf | None:
    """The requested moment (default now) clipped to the data watermark, with the warnings
    about it; None when the workspace has no event source to bound it."""
    # imported here: the sync package is heavy and most readers of this module never clip
    from sowhat.services.sync.asof import resolve_as_of

    try:
        events = open_events(workspace)
    except UserError:
        return None
    try:
        return resolve_as_of(events=events, spec=event_source_spec(workspace),
                             requested=requested)
    finally:
        events.close()


def as_of_the_data(workspace: Workspace, requested: datetime | None) -> datetime | None:
    """The moment a review or report reads, as `sowhat review` does: a review "as of today"
    when the data ended two weeks ago would pick a week with no values. Without an event
    source, the requested moment (None: the caller's own default)."""
    clock = data_clock(workspace, requested)
    return clock.effective if clock is not None else requested
