"""Issue 13, accounts: tokens that can be revoked and expire, sessions that end when the
password changes or the user is disabled, login limits an attacker cannot aim at a victim,
and a password policy that refuses the obvious."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from api_testing import cheap_hashes
from sqlalchemy import select

from sowhat.errors import NotFound, UserError
from sowhat.services.access.limits import (
    ACCOUNT_SLOWDOWN_AFTER,
    CLIENT_LIMIT,
    login_delay,
)
from sowhat.services.access.tokens import (
    create_token,
    list_tokens,
    parse_expiry,
    revoke_token,
)
from sowhat.services.access.users import disable_user, enable_user
from sowhat.services.accounts import (
    Scope,
    TooManyAttempts,
    authenticate_token,
    create_user,
    ensure_user,
    login,
    resolve_session,
)
from sowhat.store.accounts import ApiTokenRow
from sowhat.store.db import Database, open_database

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
EMAIL = "ana@example.com"
PASSWORD = "long-enough-1"


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = open_database(f"sqlite:///{tmp_path / 'a.db'}", create=True)
    with cheap_hashes(), database.transaction() as session:
        create_user(session=session, email=EMAIL, password=PASSWORD, editor_teams=["growth"],
                    actor="test")
    with cheap_hashes():
        yield database
    database.dispose()


def _login(db: Database, password: str = PASSWORD, client: str = "10.0.0.1",
           email: str = EMAIL, now: datetime = T0) -> str | None:  # fmt: skip
    with db.transaction() as session:
        result = login(session=session, email=email, password=password, client=client, now=now)
    return None if result is None else result.session_id


def _live(db: Database, session_id: str, now: datetime = T0) -> bool:
    with db.transaction(write=False) as session:
        return resolve_session(session=session, session_id=session_id, now=now) is not None


# -- defect 4: tokens ------------------------------------------------------------------------


def test_a_revoked_token_stops_working_and_the_revocation_is_audited(db: Database) -> None:
    with db.transaction() as session:
        issued = create_token(session=session, email=EMAIL, scope=Scope.WRITE, name="ci",
                              actor="admin", now=T0)
    with db.transaction() as session:
        assert authenticate_token(session=session, token=issued.token, now=T0) is not None
    with db.transaction() as session:
        revoked = revoke_token(session=session, token=issued.info.prefix, actor="admin", now=T0)
    assert revoked.revoked_at == T0
    with db.transaction() as session:
        assert authenticate_token(session=session, token=issued.token, now=T0) is None
        listed = list_tokens(session=session, include_revoked=True)
        assert [t.status for t in listed] == ["revoked"]
        assert list_tokens(session=session) == []
    with pytest.raises(UserError, match="already revoked"), db.transaction() as session:
        revoke_token(session=session, token=str(issued.info.id), actor="admin", now=T0)
    with pytest.raises(NotFound), db.transaction() as session:
        revoke_token(session=session, token="sw_nothere", actor="admin", now=T0)


def test_tokens_expire_and_record_when_they_were_last_used(db: Database) -> None:
    with db.transaction() as session:
        issued = create_token(session=session, email=EMAIL, scope=Scope.READ,
                              expires_at=T0 + timedelta(days=30), actor="admin", now=T0)
    with db.transaction() as session:
        assert authenticate_token(session=session, token=issued.token,
                                  now=T0 + timedelta(days=2), touch=True) is not None
    with db.transaction(write=False) as session:
        row = session.scalars(select(ApiTokenRow)).one()
        assert row.last_used_at == T0 + timedelta(days=2)
    with db.transaction() as session:
        assert authenticate_token(session=session, token=issued.token,
                                  now=T0 + timedelta(days=30)) is None
        listed = list_tokens(session=session, include_revoked=True, now=T0 + timedelta(days=30))
        assert listed[0].status == "expired"


def test_expiry_is_a_duration_a_date_or_never() -> None:
    assert parse_expiry("90d", now=T0) == T0 + timedelta(days=90)
    assert parse_expiry("2w", now=T0) == T0 + timedelta(weeks=2)
    assert parse_expiry("2027-01-31", now=T0) == datetime(2027, 1, 31, tzinfo=UTC)
    assert parse_expiry("never", now=T0) is None
    for bad in ("soon", "2026-01-01", "0d", "2026-13-45"):
        with pytest.raises(UserError):
            parse_expiry(bad, now=T0)


# -- defect 5: sessions end ------------------------------------------------------------------


def test_a_password_reset_ends_the_users_sessions(db: Database) -> None:
    old = _login(db)
    assert old is not None
    assert _live(db, old)
    with db.transaction() as session:
        ensure_user(session=session, email=EMAIL, password="another-pass-2",
                    editor_teams=["growth"], actor="admin", now=T0)
    assert not _live(db, old)
    assert _login(db, password="another-pass-2") is not None


def test_disabling_a_user_ends_sessions_and_enabling_needs_a_new_login(db: Database) -> None:
    sid = _login(db)
    assert sid is not None
    with db.transaction() as session:
        info = disable_user(session=session, email=EMAIL, actor="admin", now=T0)
    assert info.disabled
    assert not _live(db, sid)
    assert _login(db) is None
    with db.transaction() as session:
        enable_user(session=session, email=EMAIL, actor="admin", now=T0)
    assert not _live(db, sid)  # the old session stays ended
    assert _login(db) is not None


# -- defect 6: login limits ------------------------------------------------------------------


def test_one_address_trying_many_accounts_is_limited(db: Database) -> None:
    for i in range(CLIENT_LIMIT):
        assert _login(db, email=f"guess{i}@example.com", password="wrong-guess",
                      now=T0 + timedelta(seconds=i)) is None
    with pytest.raises(TooManyAttempts):
        _login(db, email="another@example.com", password="wrong-guess",
               now=T0 + timedelta(minutes=1))
    # the victim, logging in from their own address, is not locked out by it
    assert _login(db, client="192.0.2.7", now=T0 + timedelta(minutes=1)) is not None


def test_failures_from_many_addresses_slow_an_account_down_but_never_lock_it(
    db: Database,
) -> None:
    for i in range(ACCOUNT_SLOWDOWN_AFTER + 10):
        assert _login(db, password="wrong-guess", client=f"198.51.100.{i}",
                      now=T0 + timedelta(seconds=i)) is None
    with db.transaction(write=False) as session:
        delay = login_delay(session=session, email=EMAIL, now=T0 + timedelta(minutes=1))
        calm = login_delay(session=session, email="other@example.com", now=T0)
    assert 0 < delay <= 5
    assert calm == 0
    assert _login(db, client="192.0.2.7", now=T0 + timedelta(minutes=1)) is not None


# -- defect 15: password policy -------------------------------------------------------------


@pytest.mark.parametrize("weak", ["password", " " * 8, "aaaaaaaaaa", "12345678", "ana@example.com"])
def test_the_password_policy_refuses_the_obvious(db: Database, weak: str) -> None:
    with pytest.raises(UserError, match="password"), db.transaction() as session:
        ensure_user(session=session, email=EMAIL, password=weak, actor="admin", now=T0)
