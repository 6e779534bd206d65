"""Tables for people who use `sowhat serve`: users, team roles, API tokens, web sessions.

Secrets are never stored as given: passwords as argon2 hashes, API tokens and session ids as
SHA-256 digests (they are long random strings, so a fast hash is enough and lookups stay
indexable). A leaked database then opens no account.

Failed logins are rows too (not process memory), so the rate limit holds across restarts
and across several server processes sharing one database.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sowhat.store.base import Base, UTCDateTime

__all__ = ["ApiTokenRow", "LoginFailureRow", "TeamRoleRow", "UserRow", "WebSessionRow"]

EMAIL = String(320)
DIGEST = String(64)  # hex SHA-256


class UserRow(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(EMAIL, unique=True)  # stored lower-cased
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class TeamRoleRow(Base):
    """A user's role in one team; a user with no row and no admin flag is a viewer."""

    __tablename__ = "team_roles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # Team ids stay text, like objectives.team: a role may name a team before it is applied.
    team: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(16))

    __table_args__ = (
        UniqueConstraint("user_id", "team"),
        CheckConstraint("role IN ('editor')", name="role"),
    )


class ApiTokenRow(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(DIGEST, unique=True)
    prefix: Mapped[str] = mapped_column(String(16))  # shown in listings to tell tokens apart
    name: Mapped[str | None] = mapped_column(String(200))
    scope: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)  # None: never

    __table_args__ = (CheckConstraint("scope IN ('read', 'write')", name="scope"),)


class WebSessionRow(Base):
    """A browser login. The cookie carries the (signed) session id; the row can be revoked."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_hash: Mapped[str] = mapped_column(DIGEST, unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class LoginFailureRow(Base):
    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(EMAIL)
    client: Mapped[str] = mapped_column(String(64))  # IP address
    at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        Index("ix_login_failures_email_client_at", "email", "client", "at"),
        Index("ix_login_failures_client_at", "client", "at"),
    )
