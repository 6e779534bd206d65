"""How failed logins are limited, so guessing is slow and lock-outs cannot be aimed.

Three counts over the same window (failed logins are rows, so they hold across restarts and
across server processes sharing a database):

- one account from one address: LOGIN_LIMIT failures lock that pair (429). An attacker can
  only lock the pair they are part of; the real user, at their own address, still logs in.
- one address across accounts: CLIENT_LIMIT failures lock the address (429), so spraying
  one common password over many emails is stopped. It locks the attacker, not a victim.
- one account across addresses: never a lock (that would let anyone lock anyone out), but
  a growing delay before each answer (`login_delay`), which makes distributed guessing slow.

"Address" is the client the server sees; behind a reverse proxy every client shares the
proxy's address, which is why `[server] trusted_proxies` exists (`sowhat.api.auth`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sowhat.store.accounts import LoginFailureRow

__all__ = [
    "ACCOUNT_SLOWDOWN_AFTER",
    "CLIENT_LIMIT",
    "LOGIN_LIMIT",
    "LOGIN_WINDOW",
    "MAX_DELAY_SECONDS",
    "client_failures",
    "login_delay",
    "pair_failures",
]

LOGIN_LIMIT = 5
CLIENT_LIMIT = 20
ACCOUNT_SLOWDOWN_AFTER = 10
MAX_DELAY_SECONDS = 5.0
LOGIN_WINDOW = timedelta(minutes=15)


def pair_failures(*, session: Session, email: str, client: str, now: datetime) -> int:
    return _count(session, now, LoginFailureRow.email == email, LoginFailureRow.client == client)


def client_failures(*, session: Session, client: str, now: datetime) -> int:
    return _count(session, now, LoginFailureRow.client == client)


def login_delay(*, session: Session, email: str, now: datetime) -> float:
    """Seconds to wait before answering a login for `email`: 0 until the account has had
    ACCOUNT_SLOWDOWN_AFTER failures in the window (from any address), then doubling from
    a quarter second up to MAX_DELAY_SECONDS."""
    failures = _count(session, now, LoginFailureRow.email == email.strip().lower())
    if failures < ACCOUNT_SLOWDOWN_AFTER:
        return 0.0
    return float(min(MAX_DELAY_SECONDS, 0.25 * 2 ** min(failures - ACCOUNT_SLOWDOWN_AFTER, 8)))


def _count(session: Session, now: datetime, *conditions: object) -> int:
    query = select(func.count()).select_from(LoginFailureRow).where(
        LoginFailureRow.at >= now - LOGIN_WINDOW, *conditions  # type: ignore[arg-type]
    )
    return int(session.scalar(query) or 0)
