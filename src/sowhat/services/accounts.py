"""Accounts for `sowhat serve`: users, roles, API tokens, browser sessions, login limits.

Roles are deliberately few: an admin may change everything; an editor may change the
objectives, key results, bets and check-ins of the teams they edit; everyone else who can
log in is a viewer. An API token acts as its user, narrowed by its scope (a `read` token
never writes, whoever owns it). `Principal` is what every write service is handed, so the
team check happens next to the write, on the server, whatever the shell.

Nothing here commits; the shell owns the transaction. One exception to "raise, don't
return": a failed login returns None so the caller can commit the recorded failure (raising
would roll it back and make the rate limit count nothing).
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import os
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from sowhat.errors import Conflict, Forbidden, NotFound, UserError
from sowhat.services.access.limits import (
    CLIENT_LIMIT,
    LOGIN_LIMIT,
    LOGIN_WINDOW,
    client_failures,
    pair_failures,
)
from sowhat.store import audit
from sowhat.store.accounts import (
    ApiTokenRow,
    LoginFailureRow,
    TeamRoleRow,
    UserRow,
    WebSessionRow,
)
from sowhat.store.db import flush

__all__ = [
    "LOGIN_LIMIT",
    "LOGIN_WINDOW",
    "SESSION_LIFETIME",
    "IssuedToken",
    "LoginResult",
    "Principal",
    "Scope",
    "SessionInfo",
    "TokenInfo",
    "TooManyAttempts",
    "UserInfo",
    "authenticate_token",
    "check_password",
    "create_user",
    "csrf_matches",
    "end_sessions",
    "ensure_user",
    "issue_token",
    "list_users",
    "login",
    "logout",
    "normalise_email",
    "resolve_session",
    "workspace_secret",
]

SESSION_LIFETIME = timedelta(days=14)
TOKEN_PREFIX = "sw_"
# `last_used_at` is written at most this often per token, so reads stay reads.
TOKEN_TOUCH_EVERY = timedelta(minutes=5)
_COMMON_PASSWORDS = frozenset({
    "password", "password1", "password123", "passw0rd", "12345678", "123456789", "1234567890",
    "qwertyui", "qwerty123", "iloveyou", "sunshine", "letmein1", "welcome1", "admin123",
    "abcdefgh", "abc12345", "changeme", "football", "baseball", "trustno1", "11111111",
    "00000000", "sowhat123",
})  # fmt: skip
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_HASHER = PasswordHasher()


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so a wrong email costs as long as a wrong
    password and response times do not tell which emails have accounts. Made on first use,
    not at import: hashing costs ≈0.2 s of CPU, which every CLI command importing this
    module (`sowhat status`, `sowhat sync`, `sowhat --help`) paid before it did anything."""
    return _HASHER.hash(secrets.token_urlsafe(16))


class Scope(StrEnum):
    READ = "read"
    WRITE = "write"


class TooManyAttempts(UserError):
    """Too many failed logins from one address (for one email, or across emails)."""

    status = 429


@dataclass(frozen=True)
class Principal:
    """Who is asking, and what they may change."""

    user_id: int
    email: str
    is_admin: bool
    editor_teams: frozenset[str]
    scope: Scope = Scope.WRITE
    via: str = "session"  # session | token

    @property
    def role(self) -> str:
        if self.is_admin:
            return "admin"
        return "editor" if self.editor_teams else "viewer"

    @property
    def can_write(self) -> bool:
        return self.scope == Scope.WRITE and (self.is_admin or bool(self.editor_teams))

    def can_edit_team(self, team: str | None) -> bool:
        if self.scope != Scope.WRITE:
            return False
        return self.is_admin or (team is not None and team in self.editor_teams)

    def require_team(self, team: str | None, what: str) -> None:
        """Raise Forbidden unless this principal may change `what`, owned by `team`."""
        if self.scope != Scope.WRITE:
            raise Forbidden(
                f"this API token is read-only; it cannot change {what}",
                hint="create a token with `sowhat user token EMAIL --scope write`",
            )
        if not self.can_edit_team(team):
            raise Forbidden(
                f"{self.email} may not change {what} (team {team or 'none'})",
                hint="ask an admin for an editor role in that team "
                "(`sowhat user create EMAIL --editor TEAM`)",
            )


@dataclass(frozen=True)
class UserInfo:
    id: int
    email: str
    is_admin: bool
    editor_teams: tuple[str, ...]
    created_at: datetime
    disabled: bool

    @property
    def role(self) -> str:
        return "admin" if self.is_admin else ("editor" if self.editor_teams else "viewer")


@dataclass(frozen=True)
class TokenInfo:
    id: int
    email: str
    prefix: str
    name: str | None
    scope: Scope
    created_at: datetime
    expires_at: datetime | None = None


@dataclass(frozen=True)
class IssuedToken:
    """The token text is here once, at creation; only its digest is stored."""

    token: str
    info: TokenInfo


@dataclass(frozen=True)
class SessionInfo:
    principal: Principal
    csrf_token: str
    expires_at: datetime


@dataclass(frozen=True)
class LoginResult:
    session_id: str  # goes (signed) into the cookie; only its digest is stored
    session: SessionInfo


def normalise_email(email: str) -> str:
    cleaned = email.strip().lower()
    if not _EMAIL.match(cleaned):
        raise UserError(f"{email!r} is not an email address", hint="write name@example.com")
    return cleaned


def create_user(
    *,
    session: Session,
    email: str,
    password: str,
    is_admin: bool = False,
    editor_teams: Iterable[str] = (),
    actor: str,
    now: datetime | None = None,
) -> UserInfo:
    """Add a local user; Conflict when the email already has an account."""
    address = normalise_email(email)
    if _user_row(session, address) is not None:
        raise Conflict(f"a user {address} already exists", hint="`sowhat user list` shows users")
    return _write_user(session, address, password, is_admin, editor_teams, actor, now)


def ensure_user(
    *,
    session: Session,
    email: str,
    password: str,
    is_admin: bool = False,
    editor_teams: Iterable[str] = (),
    actor: str,
    now: datetime | None = None,
) -> UserInfo:
    """Create the user, or bring an existing one to exactly these roles and this password.

    For `sowhat serve --demo`: running it twice leaves one account whose printed login works.
    """
    address = normalise_email(email)
    row = _user_row(session, address)
    if row is None:
        return _write_user(session, address, password, is_admin, editor_teams, actor, now)
    teams = sorted(set(editor_teams))
    before = _user_fields(session, row)
    if not _password_ok(row.password_hash, password):
        row.password_hash = _hash_password(password, address)
        # A new password is how an admin shuts out whoever knew the old one: their
        # sessions end with it (API tokens are separate credentials; revoke them apart).
        end_sessions(session=session, user_id=row.id, now=now)
    row.is_admin = is_admin
    row.disabled_at = None
    _set_roles(session, row, teams)
    flush(session)
    after = _user_fields(session, row)
    if after != before:
        audit.record(session=session, actor=actor, action=audit.AuditAction.UPDATE,
                     entity_type="user", entity_key=address, before=before, after=after, at=now)
    return _user_info(session, row)


def list_users(*, session: Session) -> list[UserInfo]:
    rows = session.scalars(select(UserRow).order_by(UserRow.email))
    return [_user_info(session, r) for r in rows]


def issue_token(
    *,
    session: Session,
    email: str,
    scope: Scope,
    name: str | None = None,
    expires_at: datetime | None = None,
    actor: str,
    now: datetime | None = None,
) -> IssuedToken:
    now = now or datetime.now(UTC)
    user = _require_user(session, email)
    if expires_at is not None and expires_at <= now:
        raise UserError("the token would expire before it is used",
                        hint="give an expiry in the future, e.g. --expires 90d")  # fmt: skip
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiTokenRow(
        user_id=user.id, token_hash=_digest(token), prefix=token[:10], name=name,
        scope=str(scope), created_at=now, expires_at=expires_at,
    )  # fmt: skip
    session.add(row)
    flush(session)
    audit.record(
        session=session, actor=actor, action=audit.AuditAction.CREATE, entity_type="api_token",
        entity_key=f"{user.email}/{row.prefix}", before=None,
        after={"scope": str(scope), "name": name, "user": user.email,
               "expires_at": expires_at}, at=now,
    )  # fmt: skip
    info = TokenInfo(row.id, user.email, row.prefix, name, scope, now, expires_at)
    return IssuedToken(token, info)


def authenticate_token(
    *, session: Session, token: str, now: datetime | None = None, touch: bool = False
) -> Principal | None:
    """The principal behind a Bearer token, or None for an unknown, revoked or expired one.

    `touch` (in a write transaction) notes the use in `last_used_at`, at most every
    TOKEN_TOUCH_EVERY; `token_needs_touch` tells a read-only caller whether to write it.
    """
    now = now or datetime.now(UTC)
    found = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.token_hash == _digest(token))
    ).first()
    if found is None or found.revoked_at is not None:
        return None
    if found.expires_at is not None and found.expires_at <= now:
        return None
    user = session.get(UserRow, found.user_id)
    if user is None or user.disabled_at is not None:
        return None
    if touch and _stale(found, now):
        touch_token(session=session, token=token, now=now)
    return _principal(session, user, Scope(found.scope), via="token")


def token_needs_touch(*, session: Session, token: str, now: datetime) -> bool:
    found = session.scalars(
        select(ApiTokenRow).where(ApiTokenRow.token_hash == _digest(token))
    ).first()
    return found is not None and _stale(found, now)


def touch_token(*, session: Session, token: str, now: datetime) -> None:
    """Record that a token was used now (not audited: it is usage, not a change)."""
    session.execute(update(ApiTokenRow).where(ApiTokenRow.token_hash == _digest(token))
                    .values(last_used_at=now))  # fmt: skip


def end_sessions(*, session: Session, user_id: int, now: datetime | None = None) -> int:
    """End every live browser session of a user; returns how many were ended."""
    now = now or datetime.now(UTC)
    result = session.execute(
        update(WebSessionRow)
        .where(WebSessionRow.user_id == user_id, WebSessionRow.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


def login(
    *,
    session: Session,
    email: str,
    password: str,
    client: str,
    now: datetime | None = None,
    lifetime: timedelta = SESSION_LIFETIME,
) -> LoginResult | None:
    """Open a session, or record the failure and return None (the caller commits it).

    Raises TooManyAttempts after LOGIN_LIMIT failures for this email from this client, or
    CLIENT_LIMIT failures from this client across emails, within LOGIN_WINDOW — before
    looking at the password, so guessing gains nothing (see `services.access.limits`).
    """
    now = now or datetime.now(UTC)
    address = email.strip().lower()
    if pair_failures(session=session, email=address, client=client, now=now) >= LOGIN_LIMIT:
        raise TooManyAttempts(
            f"too many failed logins for {address}; try again in 15 minutes",
            hint="ask an admin to reset the password with `sowhat user create --force`",
        )
    if client_failures(session=session, client=client, now=now) >= CLIENT_LIMIT:
        raise TooManyAttempts(
            "too many failed logins from this address; try again in 15 minutes",
            hint="check the email and password you are using",
        )
    user = _user_row(session, address)
    valid = _password_ok(user.password_hash if user else _dummy_hash(), password)
    if user is None or not valid or user.disabled_at is not None:
        session.execute(delete(LoginFailureRow).where(LoginFailureRow.at < now - LOGIN_WINDOW))
        session.add(LoginFailureRow(email=address[:320], client=client[:64], at=now))
        flush(session)
        return None
    session.execute(delete(LoginFailureRow).where(
        LoginFailureRow.email == address, LoginFailureRow.client == client))  # fmt: skip
    session.execute(delete(WebSessionRow).where(WebSessionRow.expires_at < now))  # housekeeping
    session_id = secrets.token_urlsafe(32)
    row = WebSessionRow(
        session_hash=_digest(session_id), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
        created_at=now, expires_at=now + lifetime,
    )  # fmt: skip
    session.add(row)
    flush(session)
    info = SessionInfo(_principal(session, user, Scope.WRITE, "session"), row.csrf_token,
                       row.expires_at)  # fmt: skip
    return LoginResult(session_id, info)


def resolve_session(
    *, session: Session, session_id: str, now: datetime | None = None
) -> SessionInfo | None:
    """The live session behind a cookie's id; None when unknown, expired or logged out."""
    now = now or datetime.now(UTC)
    row = session.scalars(
        select(WebSessionRow).where(WebSessionRow.session_hash == _digest(session_id))
    ).first()
    if row is None or row.revoked_at is not None or row.expires_at <= now:
        return None
    user = session.get(UserRow, row.user_id)
    if user is None or user.disabled_at is not None:
        return None
    return SessionInfo(_principal(session, user, Scope.WRITE, "session"), row.csrf_token,
                       row.expires_at)  # fmt: skip


def logout(*, session: Session, session_id: str, now: datetime | None = None) -> None:
    row = session.scalars(
        select(WebSessionRow).where(WebSessionRow.session_hash == _digest(session_id))
    ).first()
    if row is not None and row.revoked_at is None:
        row.revoked_at = now or datetime.now(UTC)
        flush(session)


def csrf_matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), (given or "").encode())


def workspace_secret(root: Path) -> bytes:
    """The key that signs this workspace's session cookies, made once in `.sowhat/secret`.

    Created with mode 0600 in one atomic step (O_EXCL), so two servers starting together
    agree on one secret and nobody else on the machine can read it.
    """
    path = root / ".sowhat" / "secret"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        secret = path.read_bytes().strip()
        if len(secret) < 32:
            raise UserError(f"{path} is too short to be a secret",
                            hint="delete it; the server makes a new one") from None  # fmt: skip
        return secret
    with os.fdopen(fd, "wb") as handle:
        handle.write(secrets.token_hex(32).encode())
    return path.read_bytes().strip()


# -- helpers --------------------------------------------------------------------------------


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def check_password(password: str, email: str = "") -> None:
    """Refuse passwords that any guesser tries first: short, blank, one repeated
    character, a well-known one, or the email itself."""
    hint = "choose a longer phrase of several words, e.g. correct-horse-battery"
    if len(password) < 8:
        raise UserError("the password is shorter than 8 characters", hint=hint)
    if not password.strip() or len(set(password)) < 4:
        raise UserError("the password has fewer than 4 different characters", hint=hint)
    lowered = password.strip().lower()
    if lowered in _COMMON_PASSWORDS or (email and lowered in {email, email.split("@")[0]}):
        raise UserError("the password is one that guessers try first", hint=hint)


def _hash_password(password: str, email: str = "") -> str:
    check_password(password, email)
    return _HASHER.hash(password)


def _stale(row: ApiTokenRow, now: datetime) -> bool:
    return row.last_used_at is None or now - row.last_used_at >= TOKEN_TOUCH_EVERY


def _password_ok(stored: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored, password)
    except (VerificationError, InvalidHashError):
        return False


def _user_row(session: Session, address: str) -> UserRow | None:
    return session.scalars(select(UserRow).where(UserRow.email == address)).first()


def _require_user(session: Session, email: str) -> UserRow:
    row = _user_row(session, normalise_email(email))
    if row is None:
        raise NotFound(f"no user {email}", hint="create it with `sowhat user create EMAIL`")
    return row


def _teams(session: Session, user_id: int) -> list[str]:
    return list(session.scalars(
        select(TeamRoleRow.team).where(TeamRoleRow.user_id == user_id).order_by(TeamRoleRow.team)
    ))  # fmt: skip


def _set_roles(session: Session, row: UserRow, teams: list[str]) -> None:
    existing = {r.team: r for r in session.scalars(
        select(TeamRoleRow).where(TeamRoleRow.user_id == row.id))}  # fmt: skip
    for team, role in existing.items():
        if team not in teams:
            session.delete(role)
    for team in teams:
        if team not in existing:
            session.add(TeamRoleRow(user_id=row.id, team=team, role="editor"))


def _write_user(
    session: Session, address: str, password: str, is_admin: bool, editor_teams: Iterable[str],
    actor: str, now: datetime | None,
) -> UserInfo:  # fmt: skip
    now = now or datetime.now(UTC)
    row = UserRow(email=address, password_hash=_hash_password(password, address),
                  is_admin=is_admin,
                  created_at=now)  # fmt: skip
    session.add(row)
    flush(session)
    _set_roles(session, row, sorted(set(editor_teams)))
    flush(session)
    audit.record(session=session, actor=actor, action=audit.AuditAction.CREATE,
                 entity_type="user", entity_key=address, before=None,
                 after=_user_fields(session, row), at=now)  # fmt: skip
    return _user_info(session, row)


def _user_fields(session: Session, row: UserRow) -> dict[str, object]:
    """What the audit log says about a user: never the password hash."""
    return {"is_admin": row.is_admin, "editor_teams": _teams(session, row.id),
            "disabled": row.disabled_at is not None}  # fmt: skip


def _user_info(session: Session, row: UserRow) -> UserInfo:
    return UserInfo(row.id, row.email, row.is_admin, tuple(_teams(session, row.id)),
                    row.created_at, row.disabled_at is not None)  # fmt: skip


def _principal(session: Session, user: UserRow, scope: Scope, via: str) -> Principal:
    return Principal(user.id, user.email, user.is_admin, frozenset(_teams(session, user.id)),
                     scope, via)  # fmt: skip
