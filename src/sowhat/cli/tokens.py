"""`sowhat token list|create|revoke`: API tokens over their whole life.

The admin page `/admin` calls the same service (`sowhat.services.access.tokens`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from sowhat.cli.common import actor_name, console, print_json, workspace_option
from sowhat.services.access.tokens import (
    TokenView,
    create_token,
    list_tokens,
    parse_expiry,
    revoke_token,
)
from sowhat.services.accounts import IssuedToken, Scope
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import Database, open_database

token_app = typer.Typer(help="API tokens: list, create (optionally expiring), revoke.",
                        no_args_is_help=True)  # fmt: skip


def _database(workspace: Path) -> Database:
    ws = load_workspace(workspace)
    return open_database(ws.config.database_url(ws.root), create=False)


@token_app.command("list")
def token_list(
    user: str = typer.Option(None, "--user", help="Only this user's tokens."),
    show_all: bool = typer.Option(False, "--all", help="Include revoked and expired tokens."),
    workspace: Path = workspace_option(),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List API tokens: id, prefix, owner, scope, last use, expiry (never the token).

    Example: sowhat token list --all -w sowhat-demo
    """
    db = _database(workspace)
    try:
        with db.transaction(write=False) as session:
            tokens = list_tokens(session=session, email=user, include_revoked=show_all)
    finally:
        db.dispose()
    if as_json:
        print_json([_json(t) for t in tokens])
        return
    if not tokens:
        console.print("no API tokens" + ("" if show_all else " (--all shows revoked ones)"))
        return
    table = Table("id", "prefix", "user", "scope", "name", "created", "last used", "expires",
                  "status")  # fmt: skip
    for t in tokens:
        table.add_row(str(t.id), t.prefix, t.email, t.scope, escape(t.name or ""),
                      _day(t.created_at), _day(t.last_used_at) or "never",
                      _day(t.expires_at) or "never", t.status)  # fmt: skip
    console.print(table)


@token_app.command("create")
def token_create(
    email: str = typer.Argument(..., help="Whose token: it acts as this user."),
    scope: Scope = typer.Option(Scope.READ, "--scope", help="read (GET only) or write."),
    name: str = typer.Option(None, "--name", help="What the token is for, e.g. ci."),
    expires: str = typer.Option("never", "--expires",
                                help="90d, 2w, a date like 2027-01-31, or never."),
    workspace: Path = workspace_option(),
) -> None:
    """Create an API token (shown once; only its SHA-256 is stored). Send it as a Bearer token.

    Example: sowhat token create ana@acme.example --scope write --name ci --expires 90d
    """
    issued = _create(workspace, email, scope, name, expires)
    until = issued.info.expires_at
    console.print(f"{issued.info.scope} token {issued.info.prefix} for {issued.info.email}"
                  f"{f', valid until {until:%Y-%m-%d %H:%M} UTC' if until else ''} "
                  "(shown once, keep it safe):")  # fmt: skip
    typer.echo(issued.token)


@token_app.command("revoke")
def token_revoke(
    token: str = typer.Argument(..., help="The token's id or prefix (from `sowhat token list`)."),
    workspace: Path = workspace_option(),
) -> None:
    """Revoke an API token at once; requests with it get 401 from now on.

    Example: sowhat token revoke sw_AbC1234 -w sowhat-demo
    """
    db = _database(workspace)
    try:
        with db.transaction() as session:
            view = revoke_token(session=session, token=token, actor=actor_name())
    finally:
        db.dispose()
    console.print(f"revoked token {view.id} ({view.prefix}, {view.email})")


def _create(workspace: Path, email: str, scope: Scope, name: str | None,
            expires: str) -> IssuedToken:  # fmt: skip
    expires_at = parse_expiry(expires, now=datetime.now(UTC))
    db = _database(workspace)
    try:
        with db.transaction() as session:
            return create_token(session=session, email=email, scope=scope, name=name,
                                expires_at=expires_at, actor=actor_name())  # fmt: skip
    finally:
        db.dispose()


def _day(at: datetime | None) -> str:
    return at.date().isoformat() if at else ""


def _json(t: TokenView) -> dict[str, object]:
    return {"id": t.id, "prefix": t.prefix, "user": t.email, "scope": t.scope, "name": t.name,
            "created_at": t.created_at, "last_used_at": t.last_used_at,
            "expires_at": t.expires_at, "revoked_at": t.revoked_at, "status": t.status}


def register(app: typer.Typer) -> None:
    app.add_typer(token_app, name="token")
