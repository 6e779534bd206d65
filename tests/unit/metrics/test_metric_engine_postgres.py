"""The same definitions on PostgreSQL through Ibis give the reference answers too.

Needs the server `scripts/test-services.sh` starts (127.0.0.1:54329, user postgres, trust
auth); each session gets a fresh database, dropped afterwards.
"""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from metric_reference import compute as reference
from test_metric_engine_reference import END, START, assert_same

from conftest import CATALOG, METRIC_NAMES, catalog, duckdb_source, random_rows
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.source import EventSource

pytestmark = pytest.mark.postgres
psycopg = pytest.importorskip("psycopg", reason="psycopg (Ibis' postgres driver) is missing")

HOST = os.environ.get("SOWHAT_TEST_PGHOST", "127.0.0.1")
PORT = int(os.environ.get("SOWHAT_TEST_PGPORT", "54329"))


@pytest.fixture(scope="module")
def pg_rows() -> list[dict[str, Any]]:
    return random_rows(5)


@pytest.fixture(scope="module")
def pg_url(pg_rows: list[dict[str, Any]]) -> Iterator[str]:
    admin_dsn = f"host={HOST} port={PORT} user=postgres dbname=postgres"
    try:
        admin = psycopg.connect(admin_dsn, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {HOST}:{PORT} (run scripts/test-services.sh): {exc}")
    name = f"sowhat_metrics_{uuid.uuid4().hex[:10]}"
    admin.execute(f"CREATE DATABASE {name}")
    try:
        with psycopg.connect(f"host={HOST} port={PORT} user=postgres dbname={name}") as con:
            con.execute("""CREATE TABLE events (event text NOT NULL, timestamp timestamp NOT NULL,
                           user_id text, account_id text, properties json)""")
            con.execute("""CREATE TABLE tracks (name text, ts timestamp, uid text, acct text,
                           props jsonb)""")
            records = [(r["event"], r["timestamp"], r["user_id"], r["account_id"],
                        json.dumps(r["properties"])) for r in pg_rows]
            with con.cursor() as cur:
                cur.executemany("INSERT INTO events VALUES (%s, %s, %s, %s, %s)", records)
                cur.executemany("INSERT INTO tracks VALUES (%s, %s, %s, %s, %s)", records)
        yield f"postgres://postgres@{HOST}:{PORT}/{name}"
    finally:
        admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        admin.close()


CASES: list[tuple[str | None, str | None, datetime | None]] = [
    ("week", None, None),
    (None, "mid", END + timedelta(days=3)),
    ("week", "high", END - timedelta(days=4)),
]


def test_every_metric_on_postgres_matches_reference(
    pg_url: str, pg_rows: list[dict[str, Any]]
) -> None:
    with EventSource.connect(pg_url, table="events") as source:
        assert source.dialect() == "postgres"
        for grain, segment, as_of in CASES:
            results = compute_many([MetricRequest(n, segment) for n in METRIC_NAMES],
                                   catalog=catalog(), events=source, start=START, end=END,
                                   grain=grain, as_of=as_of)
            for name, result in zip(METRIC_NAMES, results, strict=True):
                assert result.error is None, f"{name}: {result.error}"
                want = reference(name, CATALOG, pg_rows, START, END, as_of, grain, segment)
                assert_same(list(result.values), want, f"postgres {name} {grain} {segment}")


def test_every_segment_at_once_on_postgres_matches_reference(
    pg_url: str, pg_rows: list[dict[str, Any]]
) -> None:
    """Each metric under every segment in one slotted part (compile's `slots`: UNNEST of
    an ARRAY on PostgreSQL), each request equal to the reference."""
    segments = [None, *CATALOG["segments"]]
    requests = [MetricRequest(n, s) for n in METRIC_NAMES for s in segments]
    with EventSource.connect(pg_url, table="events") as source:
        results = compute_many(requests, catalog=catalog(), events=source, start=START,
                               end=END, grain="week", as_of=END - timedelta(days=4))
    for req, result in zip(requests, results, strict=True):
        assert result.error is None, f"{req}: {result.error}"
        want = reference(req.metric, CATALOG, pg_rows, START, END, END - timedelta(days=4),
                         "week", req.segment)
        assert_same(list(result.values), want, f"postgres {req.metric} [{req.segment}]")


def test_whole_months_on_postgres_match_reference(
    pg_url: str, pg_rows: list[dict[str, Any]]
) -> None:
    start, end = datetime(2026, 10, 1), datetime(2026, 11, 16)
    with EventSource.connect(pg_url, table="events") as source:
        for grain in (None, "week"):
            results = compute_many(METRIC_NAMES, catalog=catalog(), events=source,
                                   start=start, end=end, grain=grain)
            for name, result in zip(METRIC_NAMES, results, strict=True):
                assert result.error is None, f"{name}: {result.error}"
                want = reference(name, CATALOG, pg_rows, start, end, None, grain, None)
                assert_same(list(result.values), want, f"postgres months {name} {grain}")


def test_column_mapping_and_jsonb_on_postgres(pg_url: str, pg_rows: list[dict[str, Any]]
                                              ) -> None:
    from sowhat.spec.event_source import ColumnMap

    columns = ColumnMap(event="name", timestamp="ts", user_id="uid", account_id="acct",
                        properties="props")
    with EventSource.connect(pg_url, table="tracks", columns=columns) as source:
        names = ["activation", "nps", "revenue", "active_accounts"]
        results = compute_many([MetricRequest(n, "mid") for n in names], catalog=catalog(),
                               events=source, start=START, end=END, grain="week")
        for name, result in zip(names, results, strict=True):
            assert result.error is None, f"{name}: {result.error}"
            want = reference(name, CATALOG, pg_rows, START, END, None, "week", "mid")
            assert_same(list(result.values), want, f"postgres jsonb {name}")


def test_trait_segments_on_postgres_match_duckdb(pg_url: str, pg_rows: list[dict[str, Any]]
                                                 ) -> None:
    """The as-of interval join is plain SQL: a `traits` table next to the events suffices."""
    from sowhat.spec.metric_defs import MetricsFile

    rnd = __import__("random").Random(5)
    traits = []
    for a in range(60):
        t = datetime(2026, 9, 20) + timedelta(hours=rnd.randrange(0, 24 * 20))
        for _ in range(rnd.randrange(1, 4)):
            traits.append(("account_id", f"a{a}", "tier", rnd.choice(["gold", "silver"]), t))
            t += timedelta(hours=rnd.randrange(1, 24 * 15))
    traits += [("user_id", f"u{u}", "role", "admin", datetime(2026, 10, 10))
               for u in range(0, 300, 3)]
    catalog = MetricsFile.model_validate({
        "metrics": {**CATALOG["metrics"],
                    "admin_sessions": {"type": "count", "event": "session",
                                       "where": {"trait": "role", "equals": "admin"}}},
        "segments": {"gold": {"trait": "tier", "equals": "gold"}},
    })
    names = ["signups", "active_users", "wau", "activation", "d1", "nps", "admin_sessions"]
    with psycopg.connect(pg_url.replace("postgres://", "postgresql://")) as con:
        con.execute("""CREATE TABLE IF NOT EXISTS traits (entity text, id text, name text,
                       value text, timestamp timestamp)""")
        con.execute("DELETE FROM traits")
        with con.cursor() as cur:
            cur.executemany("INSERT INTO traits VALUES (%s, %s, %s, %s, %s)", traits)
    with duckdb_source(pg_rows) as duck:
        dcon = duck.duckdb_connection()
        dcon.execute("CREATE TABLE traits (entity VARCHAR, id VARCHAR, name VARCHAR, "
                     "value VARCHAR, timestamp TIMESTAMP)")
        dcon.executemany("INSERT INTO traits VALUES (?, ?, ?, ?, ?)", traits)
        want = compute_many([MetricRequest(n, "gold") for n in names], catalog=catalog,
                            events=duck, start=START, end=END, grain="week")
    with EventSource.connect(pg_url, table="events") as source:
        got = compute_many([MetricRequest(n, "gold") for n in names], catalog=catalog,
                           events=source, start=START, end=END, grain="week")
    for g, w in zip(got, want, strict=True):
        assert g.error is None, f"{g.request}: {g.error}"
        assert w.error is None, f"{w.request}: {w.error}"
        assert [v.value for v in g.values] == pytest.approx([v.value for v in w.values]), \
            g.request
    assert any(v.value for v in want[0].values)
