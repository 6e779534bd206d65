"""The lost-update guarantees on PostgreSQL, where two transactions really run at once."""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_testing import PERIOD, Env, client_for, make_workspace, read_tokens

pytestmark = pytest.mark.postgres
PG_ADMIN = os.environ.get("SOWHAT_TEST_PG", "postgresql://postgres@127.0.0.1:54329/postgres")
KR = f"/api/v1/periods/{PERIOD}/key-results/activation"


@pytest.fixture
def pg_env(tmp_path: Path) -> Iterator[Env]:
    psycopg = pytest.importorskip("psycopg")
    try:
        admin = psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=3)
    except psycopg.OperationalError as exc:
        pytest.skip(f"PostgreSQL not reachable at {PG_ADMIN} (run scripts/test-services.sh): {exc}")
    name = f"sowhat_api_{uuid.uuid4().hex[:10]}"
    admin.execute(f'CREATE DATABASE "{name}"')
    url = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://") + "/" + name
    try:
        root = make_workspace(tmp_path / "ws", store_url=url)
        client = client_for(root)
        with client:
            yield Env(root, client, read_tokens(root))
        client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_concurrent_writers_on_postgres_one_wins_one_gets_412(pg_env: Env) -> None:
    etag = pg_env.client.get(KR, headers=pg_env.auth("admin")).headers["etag"]
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def write(role: str, title: str) -> None:
        barrier.wait()
        headers = {**pg_env.auth(role), "If-Match": etag}
        results[role] = pg_env.client.patch(KR, json={"title": title}, headers=headers).status_code

    threads = [threading.Thread(target=write, args=(role, f"Raise 7-day activation to {n}%"))
               for role, n in (("admin", 47), ("editor_own", 48))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == [200, 412], results
    log = pg_env.client.get("/api/v1/audit", params={"entity_key": f"{PERIOD}/activation"},
                            headers=pg_env.auth("viewer")).json()
    assert log["total"] == 2


def test_a_first_checkin_on_postgres_gets_version_1(pg_env: Env) -> None:
    url = f"/api/v1/periods/{PERIOD}/key-results/nps-manual/check-ins/2026-11-04"
    r = pg_env.client.put(url, json={"value": 7.0},
                          headers={**pg_env.auth("editor_own"), "If-None-Match": "*"})
    assert r.status_code == 201, r.text  # created
    assert r.headers["etag"] == '"1"'
