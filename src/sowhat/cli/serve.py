"""`sowhat serve` (web app + JSON API) and `sowhat user create|list|token` (accounts)."""

from __future__ import annotations

import os
import socket
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
    list_users,
    workspace_secret,
)
from sowhat.spec.config import ScheduleSection
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
    schedule: bool = typer.Option(True, "--schedule/--no-schedule",
                                  help="Run [schedule]'s sync/notify jobs (sowhat.toml)."),
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
    listener = bind_socket(host, port)  # before saying where it runs: the port may be taken
    url = f"http://{host}:{listener.getsockname()[1]}"
    console.print(f"Sowhat for [bold]{ws.config.workspace.name}[/bold] at {url} "
                  f"(API docs: {url}/api/docs)")  # fmt: skip
    if demo:
        for email, admin, _teams in DEMO_USERS:
            role = "admin" if admin else "editor of growth"
            console.print(f"  log in as {email} / {DEMO_PASSWORD}  ({role})")
    os.environ["SOWHAT_SERVE_WORKSPACE"] = str(ws.root)
    os.environ["SOWHAT_SECURE_COOKIES"] = "1" if secure_cookies else ""
    os.environ["SOWHAT_SERVE_SCHEDULE"] = "1" if schedule else ""
    if schedule:
        _print_schedule(ws.config.schedule)
    # By name, not by object: the CLI shell does not import the API shell (import-linter).
    # Client addresses behind a proxy come from `[server] trusted_proxies`, not uvicorn.
    config = uvicorn.Config(APP_FACTORY, factory=True, host=host, port=port, log_level="info",
                            proxy_headers=False)  # fmt: skip
    uvicorn.Server(config).run(sockets=[listener])


def _print_schedule(section: ScheduleSection) -> None:
    from datetime import UTC, datetime

    from sowhat.domain.schedule import next_run, parse_schedule, parse_timezone

    tz = parse_timezone(section.timezone)
    for name, text in (("sync", section.sync), ("notify", section.notify)):
        if text:
            upcoming = next_run(parse_schedule(text), datetime.now(UTC), tz).astimezone(tz)
            console.print(f"  scheduled {name}: {text} ({section.timezone}); next "
                          f"{upcoming:%Y-%m-%d %H:%M %Z}")


def bind_socket(host: str, port: int) -> socket.socket:
    """The listening socket, bound now so a taken port is an error before any output."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise UserError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                        hint="another program uses that port; choose one with --port") from None
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


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
    table = Table("email", "role", "teams", "created", "status")
    for u in users:
        table.add_row(u.email, u.role, ", ".join(u.editor_teams), u.created_at.date().isoformat(),
                      "disabled" if u.disabled else "active")  # fmt: skip
    console.print(table)


@user_app.command("token")
def user_token(
    email: str = typer.Argument(..., help="Whose token: it acts as this user."),
    scope: Scope = typer.Option(Scope.READ, "--scope", help="read (GET only) or write."),
    name: str = typer.Option(None, "--name", help="What the token is for, e.g. ci."),
    expires: str = typer.Option("never", "--expires",
                                help="90d, 2w, a date like 2027-01-31, or never."),
    workspace: Path = workspace_option(),
) -> None:
    """Create an API token (same as `sowhat token create`).

    Example: sowhat user token ana@acme.example --scope write --name ci -w sowhat-demo
    """
    from sowhat.cli.tokens import token_create

    token_create(email=email, scope=scope, name=name, expires=expires, workspace=workspace)


@user_app.command("disable")
def user_disable(
    email: str = typer.Argument(..., help="The user to shut out."),
    workspace: Path = workspace_option(),
) -> None:
    """Disable a user: no login, their sessions end, their API tokens stop working.

    Example: sowhat user disable ana@acme.example -w sowhat-demo
    """
    _set_disabled(workspace, email, disabled=True)


@user_app.command("enable")
def user_enable(
    email: str = typer.Argument(..., help="The user to let back in."),
    workspace: Path = workspace_option(),
) -> None:
    """Enable a disabled user again (they log in anew; old sessions stay ended).

    Example: sowhat user enable ana@acme.example -w sowhat-demo
    """
    _set_disabled(workspace, email, disabled=False)


def _set_disabled(workspace: Path, email: str, *, disabled: bool) -> None:
    from sowhat.services.access.users import disable_user, enable_user

    db = _database(workspace)
    try:
        with db.transaction() as session:
            change = disable_user if disabled else enable_user
            info = change(session=session, email=email, actor=actor_name())
    finally:
        db.dispose()
    console.print(f"{info.email} is {'disabled' if info.disabled else 'enabled'} "
                  f"({_describe(info)})")  # fmt: skip


def _describe(info: UserInfo) -> str:
    if info.is_admin:
        return "admin"
    if info.editor_teams:
        return "editor of " + ", ".join(info.editor_teams)
    return "viewer"


def register(app: typer.Typer) -> None:
    app.command()(serve)
    app.add_typer(user_app, name="user")
