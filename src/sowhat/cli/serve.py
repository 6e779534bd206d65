"""`sowhat serve` (web app + JSON API) and `sowhat user create|list|token` (accounts)."""

from __future__ import annotations

import os
from pathlib import Path

import typer
from rich.table import Table

from sowhat.cli.common import actor_name, console, print_json, workspace_option
from sowhat.errors import UserError
from sowhat.services.accounts import (
    Scope,
    UserInfo,
    create_user,
    ensure_user,
    issue_token,
    list_users,
    workspace_secret,
)
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import Database, open_database

user_app = typer.Typer(help="Accounts for `sowhat serve`: admins, team editors, viewers.",
                       no_args_is_help=True)  # fmt: skip

APP_FACTORY = "sowhat.api.app:app_from_environment"
DEMO_PASSWORD = "sowhat-demo"
DEMO_USERS = (
    ("admin@demo.sowhat", True, ()),
    ("editor@demo.sowhat", False, ("growth",)),
)


def _database(workspace: Path) -> Database:
    ws = load_workspace(workspace)
    return open_database(ws.config.database_url(ws.root), create=False)


def serve(
    workspace: Path = workspace_option(),
    host: str = typer.Option("127.0.0.1", help="Address to listen on."),
    port: int = typer.Option(8000, help="Port to listen on."),
    demo: bool = typer.Option(False, "--demo",
                              help="Create a demo admin and a growth editor; print their login."),
    secure_cookies: bool = typer.Option(False, "--secure-cookies",
                                        help="Mark cookies Secure (behind HTTPS)."),
) -> None:
    """Run the web app and the JSON API (docs at /api/docs) for a workspace.

    Example: sowhat serve -w sowhat-demo --port 8000 --demo
    """
    import uvicorn

    ws = load_workspace(workspace)
    db = open_database(ws.config.database_url(ws.root), create=False)
    try:
        workspace_secret(ws.root)  # made once, before any worker needs it
        if demo:
            with db.transaction() as session:
                for email, admin, teams in DEMO_USERS:
                    ensure_user(session=session, email=email, password=DEMO_PASSWORD,
                                is_admin=admin, editor_teams=teams, actor=actor_name())
    finally:
        db.dispose()
    url = f"http://{host}:{port}"
    console.print(f"Sowhat for [bold]{ws.config.workspace.name}[/bold] at {url} "
                  f"(API docs: {url}/api/docs)")  # fmt: skip
    if demo:
        for email, admin, _teams in DEMO_USERS:
            role = "admin" if admin else "editor of growth"
            console.print(f"  log in as {email} / {DEMO_PASSWORD}  ({role})")
    os.environ["SOWHAT_SERVE_WORKSPACE"] = str(ws.root)
    os.environ["SOWHAT_SECURE_COOKIES"] = "1" if secure_cookies else ""
    # By name, not by object: the CLI shell does not import the API shell (import-linter).
    uvicorn.run(APP_FACTORY, factory=True, host=host, port=port, log_level="info",
                proxy_headers=False)  # fmt: skip


@user_app.command("create")
def user_create(
    email: str = typer.Argument(..., help="The person's email (their login)."),
    admin: bool = typer.Option(False, "--admin", help="May change everything."),
    editor: list[str] = typer.Option([], "--editor", help="Team they may edit (repeatable)."),
    viewer: bool = typer.Option(False, "--viewer", help="Read-only (the default)."),
    password: str | None = typer.Option(None, "--password", envvar="SOWHAT_PASSWORD",
                                 help="Password (else $SOWHAT_PASSWORD, else a prompt)."),
    force: bool = typer.Option(False, "--force",
                               help="Update an existing user's roles and password."),
    workspace: Path = workspace_option(),
) -> None:
    """Create a local user who can log in to `sowhat serve`.

    Example: sowhat user create ana@acme.example --editor growth -w sowhat-demo
    """
    if sum([admin, bool(editor), viewer]) > 1:
        raise UserError("choose one of --admin, --editor TEAM..., --viewer",
                        hint="an admin already edits every team")  # fmt: skip
    if password is None:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    db = _database(workspace)
    try:
        with db.transaction() as session:
            make = ensure_user if force else create_user
            info = make(session=session, email=email, password=password, is_admin=admin,
                        editor_teams=editor, actor=actor_name())  # fmt: skip
    finally:
        db.dispose()
    console.print(f"{'saved' if force else 'created'} {info.email} ({_describe(info)})")


@user_app.command("list")
def user_list(
    workspace: Path = workspace_option(),
    as_json: bool = typer.Option(False, "--json", help="Machine-readable output."),
) -> None:
    """List the users and their roles.

    Example: sowhat user list -w sowhat-demo
    """
    db = _database(workspace)
    try:
        with db.transaction(write=False) as session:
            users = list_users(session=session)
    finally:
        db.dispose()
    if as_json:
        print_json([{"email": u.email, "role": u.role, "editor_teams": list(u.editor_teams),
                     "disabled": u.disabled} for u in users])  # fmt: skip
        return
    table = Table("email", "role", "teams", "created")
    for u in users:
        table.add_row(u.email, u.role, ", ".join(u.editor_teams), u.created_at.date().isoformat())
    console.print(table)


@user_app.command("token")
def user_token(
    email: str = typer.Argument(..., help="Whose token: it acts as this user."),
    scope: Scope = typer.Option(Scope.READ, "--scope", help="read (GET only) or write."),
    name: str = typer.Option(None, "--name", help="What the token is for, e.g. ci."),
    workspace: Path = workspace_option(),
) -> None:
    """Create an API token (shown once; only its SHA-256 is stored). Send it as a Bearer token.

    Example: sowhat user token ana@acme.example --scope write --name ci -w sowhat-demo
    """
    db = _database(workspace)
    try:
        with db.transaction() as session:
            issued = issue_token(session=session, email=email, scope=scope, name=name,
                                 actor=actor_name())  # fmt: skip
    finally:
        db.dispose()
    console.print(f"{issued.info.scope} token for {issued.info.email} (shown once, keep it safe):")
    typer.echo(issued.token)


def _describe(info: UserInfo) -> str:
    if info.is_admin:
        return "admin"
    if info.editor_teams:
        return "editor of " + ", ".join(info.editor_teams)
    return "viewer"


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(user_app, name="user")
