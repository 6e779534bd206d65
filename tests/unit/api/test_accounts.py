"""Accounts: what is stored for secrets, the login limit, sessions, roles, the cookie secret."""

from __future__ import annotations

import hashlib
import stat
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from api_testing import cheap_hashes
from sqlalchemy import select

from sowhat.errors import Conflict, Forbidden
from sowhat.services.accounts import (
    LOGIN_LIMIT,
    Principal,
    Scope,
    TooManyAttempts,
    authenticate_token,
    create_user,
    ensure_user,
    issue_token,
    login,
    logout,
    resolve_session,
    workspace_secret,
)
from sowhat.store.accounts import ApiTokenRow, UserRow, WebSessionRow
from sowhat.store.db import Database, open_database

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'a.db'}", create=True)
    with cheap_hashes(), database.transaction() as session:
        create_user(session=session, email="Ana@Example.com ", password="long-enough-1",
                    editor_teams=["growth"], actor="test")
    yield database
    database.dispose()


def test_passwords_are_argon2_hashes_and_emails_are_normalised(db: Database) -> None:
    with db.transaction(write=False) as session:
        row = session.scalars(select(UserRow)).one()
    assert row.email == "ana@example.com"
    assert row.password_hash.startswith("$argon2id$")
    assert "long-enough-1" not in row.password_hash


def test_duplicate_user_is_a_conflict_and_ensure_user_is_idempotent(db: Database) -> None:
    with pytest.raises(Conflict), db.transaction() as session:
        create_user(session=session, email="ana@example.com", password="x" * 10, actor="t")
    for _ in range(2):
        with db.transaction() as session:
            info = ensure_user(session=session, email="ana@example.com", password="new-pass-12",
                               is_admin=True, actor="t")
    assert info.is_admin
    assert info.editor_teams == ()
    with db.transaction() as session:
        assert login(session=session, email="ana@example.com", password="new-pass-12",
                     client="1.2.3.4") is not None


def test_tokens_are_stored_as_sha256_and_authenticate_with_their_scope(db: Database) -> None:
    with db.transaction() as session:
        issued = issue_token(session=session, email="ana@example.com", scope=Scope.READ, actor="t")
    with db.transaction(write=False) as session:
        row = session.scalars(select(ApiTokenRow)).one()
        principal = authenticate_token(session=session, token=issued.token)
        nobody = authenticate_token(session=session, token=issued.token + "x")
    assert row.token_hash == hashlib.sha256(issued.token.encode()).hexdigest()
    assert issued.token not in (row.token_hash, row.prefix)
    assert principal is not None
    assert principal.scope == Scope.READ
    assert not principal.can_edit_team("growth")
    assert nobody is None


def test_login_is_limited_per_email_and_client(db: Database) -> None:
    for i in range(LOGIN_LIMIT):
        with db.transaction() as session:
            assert login(session=session, email="ana@example.com", password="wrong",
                         client="10.0.0.1", now=T0 + timedelta(minutes=i)) is None
    with pytest.raises(TooManyAttempts), db.transaction() as session:
        login(session=session, email="ana@example.com", password="long-enough-1",
              client="10.0.0.1", now=T0 + timedelta(minutes=6))
    with db.transaction() as session:  # another address is not blocked
        assert login(session=session, email="ana@example.com", password="long-enough-1",
                     client="10.0.0.2", now=T0 + timedelta(minutes=6)) is not None
    with db.transaction() as session:  # 15 minutes after the first failures, it opens again
        assert login(session=session, email="ana@example.com", password="long-enough-1",
                     client="10.0.0.1", now=T0 + timedelta(minutes=20)) is not None


def test_sessions_store_a_digest_expire_and_end_at_logout(db: Database) -> None:
    with db.transaction() as session:
        result = login(session=session, email="ana@example.com", password="long-enough-1",
                       client="c", now=T0)
    assert result is not None
    with db.transaction(write=False) as session:
        row = session.scalars(select(WebSessionRow)).one()
        assert row.session_hash != result.session_id
        live = resolve_session(session=session, session_id=result.session_id, now=T0)
        late = resolve_session(session=session, session_id=result.session_id,
                               now=T0 + timedelta(days=15))
    assert live is not None
    assert live.principal.editor_teams == frozenset({"growth"})
    assert late is None
    with db.transaction() as session:
        logout(session=session, session_id=result.session_id, now=T0)
    with db.transaction(write=False) as session:
        assert resolve_session(session=session, session_id=result.session_id, now=T0) is None


def test_roles() -> None:
    admin = Principal(1, "a@x.io", True, frozenset())
    editor = Principal(2, "e@x.io", False, frozenset({"growth"}))
    viewer = Principal(3, "v@x.io", False, frozenset())
    reader = Principal(1, "a@x.io", True, frozenset(), scope=Scope.READ, via="token")
    assert [p.role for p in (admin, editor, viewer)] == ["admin", "editor", "viewer"]
    assert admin.can_edit_team("platform")
    assert admin.can_edit_team(None)
    assert editor.can_edit_team("growth")
    assert not editor.can_edit_team("platform")
    assert not viewer.can_write
    assert not reader.can_write
    with pytest.raises(Forbidden, match="read-only"):
        reader.require_team("growth", "x")
    with pytest.raises(Forbidden, match="may not change"):
        editor.require_team(None, "x")


def test_workspace_secret_is_made_once_with_mode_0600(tmp_path: Path) -> None:
    first = workspace_secret(tmp_path)
    second = workspace_secret(tmp_path)
    path = tmp_path / ".sowhat" / "secret"
    assert first == second
    assert len(first) >= 32
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_importing_accounts_hashes_nothing_and_an_unknown_email_still_costs_a_verify(
    db: Database,
) -> None:
    """The dummy hash that hides which emails exist is made on the first login with an unknown
    email, not when the module is imported: every CLI command importing it paid ≈0.2 s."""
    import subprocess
    import sys

    probe = ("import argon2\n"
             "made = []\n"
             "real = argon2.PasswordHasher.hash\n"
             "argon2.PasswordHasher.hash = lambda self, *a, **k: made.append(1) or "
             "real(self, *a, **k)\n"
             "import sowhat.services.accounts\n"
             "print(len(made))\n")
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True,
                          check=True)
    assert done.stdout.strip() == "0"

    import sowhat.services.accounts as accounts

    accounts._dummy_hash.cache_clear()
    verified: list[str] = []
    real_check = accounts._password_ok

    def check(stored: str, password: str) -> bool:
        verified.append(stored)
        return real_check(stored, password)

    with pytest.MonkeyPatch.context() as mp, db.transaction() as session:
        mp.setattr(accounts, "_password_ok", check)
        assert login(session=session, email="nobody@example.com", password="long-enough-1",
                     client="10.0.0.9", now=T0) is None
    assert verified == [accounts._dummy_hash()]
    assert verified[0].startswith("$argon2id$")
