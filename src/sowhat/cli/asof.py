"""`--as-of` for commands that read events or their results: parsed, refused when it is in
the future, clipped to the data watermark, with the warnings printed once on stderr."""

from __future__ import annotations

from datetime import datetime

from rich.markup import escape

from sowhat.cli.common import err_console
from sowhat.cli.sync import _parse_as_of
from sowhat.services.events import data_clock
from sowhat.services.sync.asof import AsOf, refuse_future
from sowhat.spec.workspace import Workspace


def effective_as_of(ws: Workspace, text: str | None, *, quiet: bool = False) -> AsOf | None:
    """The as-of to compute with, or None when the workspace has no events to bound it
    (then the requested time, or now, is used as it is)."""
    requested = _parse_as_of(text) if text is not None else None
    refuse_future(requested)
    clock = data_clock(ws, requested)
    if clock is None:
        return None
    if not quiet:
        for warning in clock.warnings:
            err_console.print(f"[yellow]warning:[/yellow] {escape(warning)}")
    return clock


def as_of_moment(ws: Workspace, text: str | None, *, quiet: bool = False) -> datetime:
    """`effective_as_of` as a plain moment: the clipped as-of, else the requested one/now."""
    clock = effective_as_of(ws, text, quiet=quiet)
    return clock.effective if clock is not None else _parse_as_of(text)
