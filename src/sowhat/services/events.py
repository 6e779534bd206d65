"""Opening a workspace's events the way its `[events]` settings say."""

from __future__ import annotations

from pydantic import ValidationError

from sowhat.errors import Diagnostic, Location, SpecError, UserError
from sowhat.metrics.source import EventSource
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
