"""What every command shares: consoles, the workspace option, output formats."""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

import typer
from rich.console import Console

if TYPE_CHECKING:
    from sowhat.spec.workspace import Workspace
    from sowhat.store.db import Database


def _width() -> int | None:
    """Wide enough for the status tree when output is piped (rich assumes 80 columns)."""
    import os
    import sys

    if os.environ.get("COLUMNS") or sys.stdout.isatty():
        return None
    return 140


console = Console(highlight=False, width=_width())
err_console = Console(stderr=True, highlight=False, soft_wrap=True)


class Format(StrEnum):
    TABLE = "table"
    JSON = "json"


def database(ws: Workspace, *, create: bool) -> Database:
    """The workspace's database. SQLAlchemy is imported here, on first use, not by every
    command that shares this module (`sowhat rules` and `validate` never open it)."""
    from sowhat.store.db import open_database

    return open_database(ws.config.database_url(ws.root), create=create)


def workspace_option() -> Any:
    return typer.Option(
        Path("."),
        "--workspace",
        "-w",
        envvar="SOWHAT_WORKSPACE",
        help="Workspace folder (holds sowhat.toml).",
        file_okay=False,
    )


def print_json(data: Any) -> None:
    """Machine-readable output goes to stdout untouched by rich."""
    typer.echo(json.dumps(data, indent=2, ensure_ascii=False, default=_json_default))


def _json_default(value: Any) -> Any:
    """Times as ISO 8601 (2026-11-16T00:00:00+00:00), what every JSON reader parses."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def actor_name() -> str:
    """Who a CLI change is recorded as in the audit log: $SOWHAT_ACTOR, else the OS user."""
    import getpass
    import os

    return os.environ.get("SOWHAT_ACTOR") or f"cli:{getpass.getuser()}"
