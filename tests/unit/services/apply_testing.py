"""Database URLs and sample plans for the service tests.

A SQLite file per test, and one throwaway PostgreSQL database per test session (emptied
between tests), on the server scripts/test-services.sh starts. Without that server the
PostgreSQL cases skip, saying why.
"""

from __future__ import annotations

import atexit
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from sowhat.domain.okr import (
    Bet,
    BetStatus,
    Change,
    Expectation,
    Guardrail,
    Indicator,
    KeyResult,
    Objective,
    OutputWaiver,
    Plan,
    Team,
)
from sowhat.domain.period import Period
from sowhat.services.apply.run import ChangeSet, apply_changes
from sowhat.store.base import Base
from sowhat.store.db import Database, open_database

PG_ADMIN = os.environ.get("SOWHAT_TEST_PG", "postgresql://postgres@127.0.0.1:54329/postgres")
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@cache
def _pg_database() -> str:
    """Create the session's database once per process; dropped when the process exits."""
    import psycopg

    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN} (run scripts/test-services.sh): {exc}")
    name = f"sowhat_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    admin.close()

    def drop() -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    atexit.register(drop)
    return PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + f"/{name}"


def _reset_pg(url: str) -> None:
    import psycopg

    plain = url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as c:
        c.execute("DROP SCHEMA public CASCADE")
        c.execute("CREATE SCHEMA public")


def database_url(backend: str, tmp_path: Path) -> str:
    """An empty database of that backend."""
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'sowhat.db'}"
    url = _pg_database()
    _reset_pg(url)
    return url


# -- plans and helpers shared by the service tests -------------------------------------------


TEAMS = (
    Team("platform", "Platform", members=("dana@example.com", "li@example.com")),
    Team("growth", "Growth", parent="platform"),
)
HASHES = {"account_retention_90d": "h-ret-1", "time_to_first_value": "h-ttv-1"}


def sample_plan(label: str = "2026-Q4") -> Plan:
    """Every field the files can hold, at least once."""
    retain = Objective(
        id="retain-mid-market",
        title="Mid-sized clients trust us enough to stay",
        team="platform",
        owner="dana@example.com",
        aligns_to="company/net-revenue-retention",
        description="At-risk mid-sized accounts renew.",
        key_results=(
            KeyResult(
                id="mid-retention",
                title="Raise 90-day retention of at-risk mid-sized accounts from 70% to 85%",
                metric="account_retention_90d",
                segment="mid_sized",
                baseline=0.70,
                target=0.85,
                indicator=Indicator.LAGGING,
                owner="dana@example.com",
                unit="share",
            ),
            KeyResult(
                id="first-value",
                title="Cut median time to first report from 120 to 60 minutes",
                metric="time_to_first_value",
                baseline=120.0,
                target=60.0,
                indicator=Indicator.LEADING,
                unit="minutes",
            ),
        ),
        guardrails=(
            Guardrail(metric="support_tickets_per_account", max_change=Change.parse("+10%")),
            Guardrail(metric="nps", segment="mid_sized", min=30.0),
        ),
        bets=(
            Bet(
                id="audit-logs",
                title="Audit logging and compliance export",
                status=BetStatus.SHIPPED,
                opportunity="Regulated mid-sized clients cannot pass their audits",
                hypothesis="If admins can export audit logs, at-risk accounts renew",
                expects=Expectation("mid-retention", Change.parse("+0.05")),
                change_mind_if="Under 20% of at-risk accounts export a log within 30 days",
                shipped_on=date(2026, 11, 2),
                experiment="exp-42",
                owner="li@example.com",
            ),
            Bet(id="sso", title="Single sign-on for mid-sized plans"),
        ),
    )
    insights = Objective(
        id="launch-insights",
        title="Teams see what their customers do",
        team="growth",
        key_results=(
            KeyResult(
                id="insights-mvp",
                title="Launch the insights MVP",
                output_waiver=OutputWaiver("no baseline yet", date(2026, 12, 1)),
            ),
            KeyResult(id="weekly-usage", title="Weekly insight views", baseline=0.0, target=100.0),
        ),
        guardrails=(Guardrail(metric="churn", min_change=Change.parse("-2pp")),),
    )
    return Plan(Period.parse(label), (retain, insights), north_star="weekly_active_teams")


def apply(db: Database, *plans: Plan, teams: tuple[Team, ...] = TEAMS, **kw: Any) -> ChangeSet:
    with db.transaction() as session:
        return apply_changes(
            session=session,
            plans=list(plans),
            teams=list(teams),
            metric_hashes=kw.pop("metric_hashes", HASHES),
            actor=kw.pop("actor", "dana@example.com"),
            **kw,
        )


def dump(db: Database) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, in primary-key order: the state to compare before/after."""
    out = {}
    with db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows = conn.execute(text(f"SELECT * FROM {table.name} ORDER BY id"))
            out[table.name] = [tuple(r) for r in rows]
    return out


@contextmanager
def database(url: str) -> Iterator[Database]:
    db = open_database(url, create=True)
    try:
        yield db
    finally:
        db.dispose()
