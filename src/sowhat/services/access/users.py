"""Disabling and re-enabling users: the admin's way to shut someone out at once.

A disabled user cannot log in, their sessions end (and stay ended when the user is enabled
again), and their API tokens stop working while they are disabled (`authenticate_token`
checks the owner). The user row stays, so the audit log keeps naming them.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.errors import NotFound, UserError
from sowhat.services.accounts import UserInfo, end_sessions, list_users, normalise_email
from sowhat.store import audit
from sowhat.store.accounts import UserRow
from sowhat.store.db import flush

__all__ = ["disable_user", "enable_user"]


def disable_user(
    *, session: Session, email: str, actor: str, now: datetime | None = None
) -> UserInfo:
    return _set_disabled(session, email, True, actor, now or datetime.now(UTC))


def enable_user(
    *, session: Session, email: str, actor: str, now: datetime | None = None
) -> UserInfo:
    return _set_disabled(session, email, False, actor, now or datetime.now(UTC))


def _set_disabled(session: Session, email: str, disabled: bool, actor: str,
                  now: datetime) -> UserInfo:  # fmt: skip
    address = normalise_email(email)
    row = session.scalars(select(UserRow).where(UserRow.email == address)).first()
    if row is None:
        raise NotFound(f"no user {address}", hint="`sowhat user list` shows users")
    if actor == address and disabled:
        raise UserError("you cannot disable your own account",
                        hint="ask another admin to do it")  # fmt: skip
    if (row.disabled_at is not None) == disabled:
        return next(u for u in list_users(session=session) if u.id == row.id)
    row.disabled_at = now if disabled else None
    if disabled:
        end_sessions(session=session, user_id=row.id, now=now)
    flush(session)
    audit.record(session=session, actor=actor, action=audit.AuditAction.UPDATE,
                 entity_type="user", entity_key=address, before={"disabled": not disabled},
                 after={"disabled": disabled}, at=now)  # fmt: skip
    return next(u for u in list_users(session=session) if u.id == row.id)
