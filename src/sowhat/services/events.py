"""Opening a workspace's events the way its `[events]` settings say."""

from __future__ import annotations

from datetime import datetime

from pydantic import ValidationError

from sowhat.errors import Diagnostic, Location, SpecError, UserError
from sowhat.metrics.source import EventSource
from sowhat.services.sync.asof import resolve_as_of
from sowhat.spec.event_source import EventSourceSpec
from sowhat.spec.workspace import Workspace


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


def as_of_the_data(workspace: Workspace, requested: datetime | None) -> datetime | None:
    """The moment a review or report reads: the requested one (default now) clipped to the
    data watermark, as `sowhat review` does — a review "as of today" when the data ended two
    weeks ago would pick a week with no values. None when there is no event source to ask
    (the caller's own default then applies)."""
    try:
        events = open_events(workspace)
    except UserError:
        return requested
    try:
        return resolve_as_of(events=events, spec=event_source_spec(workspace),
                             requested=requested).effective
    finally:
        events.close()
