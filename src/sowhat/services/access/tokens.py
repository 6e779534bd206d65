"""API tokens over their whole life: create (optionally expiring), list, revoke.

A token is shown once, at creation; afterwards it is known by its id and its prefix (the
first 10 characters, `sw_` and 7 random ones), which is what listings show and what
`sowhat token revoke` accepts. Revoking sets `revoked_at` (the row stays, so the audit log
and the listing can still say which token it was); `authenticate_token` refuses it at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.errors import NotFound, UserError
from sowhat.services.accounts import IssuedToken, Scope, issue_token
from sowhat.store import audit
from sowhat.store.accounts import ApiTokenRow, UserRow
from sowhat.store.db import flush

__all__ = ["TokenView", "create_token", "list_tokens", "parse_expiry", "revoke_token"]

_DURATION = re.compile(r"^(\d+)\s*([dw])$")


@dataclass(frozen=True)
class TokenView:
    """One token as an admin sees it: never the token itself."""

    id: int
    email: str
    prefix: str
    name: str | None
    scope: str
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    now: datetime

    @property
    def status(self) -> str:
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= self.now:
            return "expired"
        return "active"


def create_token(
    *, session: Session, email: str, scope: Scope, name: str | None = None,
    expires_at: datetime | None = None, actor: str, now: datetime | None = None,
) -> IssuedToken:  # fmt: skip
    """A new token acting as `email`; the returned text is the only copy there will be."""
    return issue_token(session=session, email=email, scope=scope, name=name or None,
                       expires_at=expires_at, actor=actor, now=now)  # fmt: skip


def list_tokens(
    *, session: Session, email: str | None = None, include_revoked: bool = False,
    now: datetime | None = None,
) -> list[TokenView]:  # fmt: skip
    """Tokens newest first; revoked and expired ones only with `include_revoked`."""
    now = now or datetime.now(UTC)
    query = (select(ApiTokenRow, UserRow.email).join(UserRow, UserRow.id == ApiTokenRow.user_id)
             .order_by(ApiTokenRow.id.desc()))  # fmt: skip
    if email is not None:
        query = query.where(UserRow.email == email.strip().lower())
    views = [_view(row, owner, now) for row, owner in session.execute(query)]
    return views if include_revoked else [v for v in views if v.status == "active"]


def revoke_token(
    *, session: Session, token: str, actor: str, now: datetime | None = None
) -> TokenView:
    """Revoke one token, named by its id or its prefix (as `sowhat token list` shows)."""
    now = now or datetime.now(UTC)
    row = _find(session, token.strip())
    owner = session.get(UserRow, row.user_id)
    email = owner.email if owner else "?"
    if row.revoked_at is not None:
        raise UserError(f"token {row.prefix} was already revoked on "
                        f"{row.revoked_at.date().isoformat()}",
                        hint="`sowhat token list --all` shows every token")  # fmt: skip
    row.revoked_at = now
    flush(session)
    audit.record(session=session, actor=actor, action=audit.AuditAction.ARCHIVE,
                 entity_type="api_token", entity_key=f"{email}/{row.prefix}",
                 before={"revoked_at": None}, after={"revoked_at": now}, at=now)  # fmt: skip
    return _view(row, email, now)


def parse_expiry(text: str, *, now: datetime) -> datetime | None:
    """`90d`, `2w`, a date (`2027-01-31`, midnight UTC) or `never` (None)."""
    cleaned = text.strip().lower()
    if cleaned in {"", "never", "none"}:
        return None
    hint = "write a duration like 90d or 2w, a date like 2027-01-31, or never"
    m = _DURATION.match(cleaned)
    if m:
        amount = int(m[1])
        if amount <= 0 or amount > 3660:
            raise UserError(f"token expiry {text!r} is out of range", hint=hint)
        return now + (timedelta(days=amount) if m[2] == "d" else timedelta(weeks=amount))
    try:
        day = date.fromisoformat(cleaned)
    except ValueError:
        raise UserError(f"token expiry {text!r} is not a duration or a date",
                        hint=hint) from None  # fmt: skip
    at = datetime(day.year, day.month, day.day, tzinfo=UTC)
    if at <= now:
        raise UserError(f"token expiry {text} is in the past", hint=hint)
    return at


def _find(session: Session, token: str) -> ApiTokenRow:
    if token.isdigit() and len(token) < 12:
        row = session.get(ApiTokenRow, int(token))
        if row is not None:
            return row
    elif len(token) >= 5:
        rows = list(session.scalars(select(ApiTokenRow).where(ApiTokenRow.prefix == token[:10])))
        if len(rows) > 1:
            raise UserError(f"{len(rows)} tokens start with {token[:10]}",
                            hint="revoke by id (`sowhat token list` shows ids)")  # fmt: skip
        if rows:
            return rows[0]
    raise NotFound(f"no API token {token!r}",
                   hint="`sowhat token list --all` shows ids and prefixes")  # fmt: skip


def _view(row: ApiTokenRow, email: str, now: datetime) -> TokenView:
    return TokenView(row.id, email, row.prefix, row.name, row.scope, row.created_at,
                     row.last_used_at, row.expires_at, row.revoked_at, now)  # fmt: skip
