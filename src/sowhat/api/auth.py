"""Who is calling: a Bearer token (API clients) or a signed session cookie (browsers).

The cookie holds the session id signed with the workspace secret (itsdangerous), HttpOnly
and SameSite=Lax; the session row behind it can be revoked (logout). Browser writes also
need the session's CSRF token — a hidden form field, or the X-CSRF-Token header that htmx
sends — because a cookie alone is sent by any site's form. Token calls need no CSRF token:
a browser never attaches an Authorization header on its own.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from datetime import UTC, datetime

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from sowhat.api.problems import Unauthenticated
from sowhat.api.state import ServerState, server_state
from sowhat.errors import Forbidden, UserError
from sowhat.services.accounts import (
    SESSION_LIFETIME,
    Principal,
    authenticate_token,
    csrf_matches,
    resolve_session,
    token_needs_touch,
    touch_token,
)

__all__ = [
    "COOKIE",
    "CSRF_FIELD",
    "CSRF_HEADER",
    "Caller",
    "check_csrf",
    "clear_session_cookie",
    "client_address",
    "optional_caller",
    "require_caller",
    "require_writer",
    "set_session_cookie",
]

COOKIE = "sowhat_session"
CSRF_HEADER = "x-csrf-token"
CSRF_FIELD = "csrf_token"
_SALT = "sowhat-session"


@dataclass(frozen=True)
class Caller:
    principal: Principal
    csrf_token: str | None  # None for token calls
    session_id: str | None = None


def _serializer(state: ServerState) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(state.secret, salt=_SALT)


def set_session_cookie(response: Response, state: ServerState, session_id: str) -> None:
    response.set_cookie(
        COOKIE, _serializer(state).dumps(session_id),
        max_age=int(SESSION_LIFETIME.total_seconds()), httponly=True, samesite="lax",
        secure=state.settings.secure_cookies, path="/",
    )  # fmt: skip


def clear_session_cookie(response: Response, state: ServerState) -> None:
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="lax",
                           secure=state.settings.secure_cookies)  # fmt: skip


def optional_caller(request: Request) -> Caller | None:
    """The caller, or None when the request carries no credentials at all.

    Credentials that are present but wrong (unknown token) are an error, not anonymity,
    so a client with a revoked token hears about it.
    """
    cached = getattr(request.state, "caller", _MISSING)
    if cached is not _MISSING:
        return cached  # type: ignore[return-value]
    state = server_state(request)
    caller: Caller | None = None
    header = request.headers.get("authorization", "")
    now = datetime.now(UTC)
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("the Authorization header is not `Bearer <token>`",
                                  hint="create a token with `sowhat token create EMAIL`")
        with state.db.transaction(write=False) as session:
            principal = authenticate_token(session=session, token=token.strip(), now=now)
            touch = principal is not None and token_needs_touch(
                session=session, token=token.strip(), now=now)
        if principal is None:
            raise Unauthenticated("the API token is unknown, revoked or expired",
                                  hint="create a new one with `sowhat token create EMAIL`")
        if touch:
            _touch(state, token.strip(), now)
        caller = Caller(principal, None)
    elif COOKIE in request.cookies:
        try:
            session_id = _serializer(state).loads(
                request.cookies[COOKIE], max_age=int(SESSION_LIFETIME.total_seconds())
            )
        except BadSignature:
            session_id = None
        if isinstance(session_id, str):
            with state.db.transaction(write=False) as session:
                info = resolve_session(session=session, session_id=session_id, now=now)
            if info is not None:
                caller = Caller(info.principal, info.csrf_token, session_id)
    request.state.caller = caller
    return caller


def require_caller(request: Request) -> Caller:
    caller = optional_caller(request)
    if caller is None:
        raise Unauthenticated("log in first", hint="POST /login in a browser, or send a token")
    return caller


def require_writer(request: Request) -> Caller:
    """A caller whose request may write: a token, or a session with its CSRF header.

    Roles and teams are checked by the write services themselves, next to the write.
    """
    caller = require_caller(request)
    check_csrf(caller, request.headers.get(CSRF_HEADER))
    return caller


def check_csrf(caller: Caller, given: str | None) -> None:
    if caller.csrf_token is not None and not csrf_matches(caller.csrf_token, given):
        raise Forbidden("the form's CSRF token is missing or stale",
                        hint="reload the page and submit again")  # fmt: skip


def client_address(request: Request) -> str:
    """The address login limits count: the peer, or — when the peer is a trusted proxy
    (`[server] trusted_proxies`) — the first untrusted address in X-Forwarded-For, read
    from the right (the left end is whatever the client chose to send)."""
    peer = request.client.host if request.client else "unknown"
    trusted = _trusted(server_state(request).workspace.config.server.trusted_proxies)
    if not trusted or not _in(peer, trusted):
        return peer
    hops = [h.strip() for v in request.headers.getlist("x-forwarded-for") for h in v.split(",")]
    for hop in reversed([h for h in hops if h]):
        if not _in(hop, trusted):
            return hop[:64]
    return peer


def _trusted(items: list[str]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(i.strip(), strict=False) for i in items)


def _in(address: str, networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in n for n in networks)


def _touch(state: ServerState, token: str, now: datetime) -> None:
    """Note the token's use; best effort — a busy database must not fail the request."""
    try:
        with state.db.transaction() as session:
            touch_token(session=session, token=token, now=now)
    except UserError:
        pass


_MISSING = object()
