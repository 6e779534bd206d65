"""Admin pages: users (add, disable, enable) and API tokens (create, revoke).

The same services as `sowhat user ...` and `sowhat token ...` (services.accounts and
services.access), so a token made here is listed and revoked there and vice versa. Only
admins see these pages; every form carries the session's CSRF token.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sowhat.api.auth import Caller, require_caller
from sowhat.api.pages.okrs import page_writer
from sowhat.api.pages.templating import render
from sowhat.api.state import server_state
from sowhat.errors import Forbidden, UserError
from sowhat.services.access.tokens import create_token, list_tokens, parse_expiry, revoke_token
from sowhat.services.access.users import disable_user, enable_user
from sowhat.services.accounts import IssuedToken, Scope, create_user, list_users

router = APIRouter()


@router.get("/admin")
def admin_page(request: Request) -> Response:
    _admin(require_caller(request))
    return _page(request, notice=request.query_params.get("done"))


@router.post("/admin/users")
def add_user(
    request: Request, email: Annotated[str, Form()], password: Annotated[str, Form()],
    role: Annotated[str, Form()] = "viewer", teams: Annotated[str, Form()] = "",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    caller = _admin(page_writer(request, csrf_token))
    editor_teams = [t.strip() for t in teams.split(",") if t.strip()]
    try:
        if role not in {"admin", "editor", "viewer"}:
            raise UserError(f"unknown role {role!r}", hint="choose admin, editor or viewer")
        if role == "editor" and not editor_teams:
            raise UserError("an editor needs at least one team", hint="write e.g. growth")
        with server_state(request).db.transaction() as session:
            info = create_user(session=session, email=email, password=password,
                               is_admin=role == "admin",
                               editor_teams=editor_teams if role == "editor" else (),
                               actor=caller.principal.email)  # fmt: skip
    except UserError as exc:
        return _page(request, error=exc, form={"email": email, "role": role, "teams": teams})
    return _done(f"added {info.email} ({info.role})")


@router.post("/admin/users/{action}")
def toggle_user(request: Request, action: str, email: Annotated[str, Form()],
                csrf_token: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    caller = _admin(page_writer(request, csrf_token))
    change = {"disable": disable_user, "enable": enable_user}.get(action)
    if change is None:
        return _page(request, error=UserError(f"unknown action {action!r}"))
    try:
        with server_state(request).db.transaction() as session:
            info = change(session=session, email=email, actor=caller.principal.email)
    except UserError as exc:
        return _page(request, error=exc)
    return _done(f"{info.email} is {'disabled' if info.disabled else 'enabled'}")


@router.post("/admin/tokens")
def add_token(
    request: Request, email: Annotated[str, Form()], scope: Annotated[str, Form()] = "read",
    name: Annotated[str, Form()] = "", expires: Annotated[str, Form()] = "90d",
    csrf_token: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    caller = _admin(page_writer(request, csrf_token))
    try:
        if scope not in {"read", "write"}:
            raise UserError(f"unknown scope {scope!r}", hint="choose read or write")
        expires_at = parse_expiry(expires, now=datetime.now(UTC))
        with server_state(request).db.transaction() as session:
            issued = create_token(session=session, email=email, scope=Scope(scope),
                                  name=name.strip() or None, expires_at=expires_at,
                                  actor=caller.principal.email)  # fmt: skip
    except UserError as exc:
        return _page(request, error=exc)
    return _page(request, issued=issued, status_code=201)


@router.post("/admin/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: int,
           csrf_token: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    caller = _admin(page_writer(request, csrf_token))
    try:
        with server_state(request).db.transaction() as session:
            view = revoke_token(session=session, token=str(token_id),
                                actor=caller.principal.email)  # fmt: skip
    except UserError as exc:
        return _page(request, error=exc)
    return _done(f"revoked token {view.prefix} of {view.email}")


def _admin(caller: Caller) -> Caller:
    if not caller.principal.is_admin or caller.principal.scope != Scope.WRITE:
        raise Forbidden("only admins manage users and API tokens",
                        hint="ask an admin (`sowhat user list` shows them)")  # fmt: skip
    return caller


def _done(message: str) -> Response:
    from urllib.parse import quote

    return RedirectResponse(f"/admin?done={quote(message)}", status_code=303)


def _page(request: Request, *, error: UserError | None = None, notice: str | None = None,
          issued: IssuedToken | None = None, form: dict[str, Any] | None = None,
          status_code: int | None = None) -> Response:  # fmt: skip
    with server_state(request).db.transaction(write=False) as session:
        users = list_users(session=session)
        tokens = list_tokens(session=session, include_revoked=True)
    status = status_code or (int(error.status) if error else 200)
    return render(request, "admin.html", {
        "users": users, "tokens": tokens, "error": error, "notice": notice, "issued": issued,
        "form": form or {}, "teams": sorted(server_state(request).workspace.config.teams),
    }, status_code=status)  # fmt: skip
