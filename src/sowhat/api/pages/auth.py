"""Log in and out. The login form carries its own CSRF token (a double-submit cookie),
since there is no session to hold one yet."""

from __future__ import annotations

import secrets
import time
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sowhat.api.auth import (
    CSRF_FIELD,
    check_csrf,
    clear_session_cookie,
    client_address,
    optional_caller,
    set_session_cookie,
)
from sowhat.api.pages.templating import render
from sowhat.api.state import server_state
from sowhat.errors import Forbidden
from sowhat.services.access.limits import login_delay
from sowhat.services.accounts import TooManyAttempts, login, logout

router = APIRouter()
LOGIN_COOKIE = "sowhat_login_csrf"


@router.get("/login")
def login_page(request: Request, next: str = "/") -> Response:
    if optional_caller(request) is not None:
        return RedirectResponse(_safe_next(next), status_code=303)
    return _form(request, next)


@router.post("/login")
def login_submit(request: Request, email: Annotated[str, Form()],
                 password: Annotated[str, Form()], csrf_token: Annotated[str, Form()] = "",
                 next: Annotated[str, Form()] = "/") -> Response:  # fmt: skip
    expected = request.cookies.get(LOGIN_COOKIE, "")
    if not expected or not secrets.compare_digest(expected, csrf_token):
        raise Forbidden("the login form expired", hint="reload the page and log in again")
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        delay = login_delay(session=session, email=email, now=datetime.now(UTC))
    # An account guessed at from many addresses answers slowly; it is never locked, so
    # nobody can lock someone else out (services.access.limits).
    time.sleep(delay)
    try:
        with state.db.transaction() as session:
            result = login(session=session, email=email, password=password,
                           client=client_address(request))  # fmt: skip
    except TooManyAttempts as exc:
        return _form(request, next, error=exc.message, email=email, status_code=429)
    if result is None:
        return _form(request, next, error="wrong email or password", email=email,
                     status_code=401)  # fmt: skip
    response = RedirectResponse(_safe_next(next), status_code=303)
    set_session_cookie(response, state, result.session_id)
    response.delete_cookie(LOGIN_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout_submit(request: Request, csrf_token: Annotated[str, Form()] = "") -> Response:
    state = server_state(request)
    caller = optional_caller(request)
    if caller is not None and caller.session_id is not None:
        check_csrf(caller, csrf_token)
        with state.db.transaction() as session:
            logout(session=session, session_id=caller.session_id)
    response = RedirectResponse("/login", status_code=303)
    clear_session_cookie(response, state)
    return response


def _form(request: Request, next: str, *, error: str | None = None, email: str = "",
          status_code: int = 200) -> Response:  # fmt: skip
    token = secrets.token_urlsafe(24)
    response = render(request, "login.html", {"next": _safe_next(next), "error": error,
                      "email": email, "login_csrf": token, "csrf_field": CSRF_FIELD},
                      status_code=status_code)  # fmt: skip
    response.set_cookie(LOGIN_COOKIE, token, httponly=True, samesite="strict", path="/login",
                        secure=server_state(request).settings.secure_cookies)  # fmt: skip
    return response


def _safe_next(target: str) -> str:
    """Only paths on this site: `//evil.example` and `https://...` would be open redirects."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
