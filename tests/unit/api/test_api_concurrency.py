"""No lost updates: two clients that read the same version cannot both write over it."""

from __future__ import annotations

import threading

from api_testing import PERIOD, Env

KR = f"/api/v1/periods/{PERIOD}/key-results/activation"
CHECKIN = f"/api/v1/periods/{PERIOD}/key-results/nps-manual/check-ins/2026-11-04"


def test_second_writer_with_the_same_etag_gets_412_and_nothing_is_lost(env: Env) -> None:
    alice, bob = env.auth("admin"), env.auth("editor_own")
    etag_a = env.client.get(KR, headers=alice).headers["etag"]
    etag_b = env.client.get(KR, headers=bob).headers["etag"]
    assert etag_a == etag_b
    first = env.client.patch(KR, json={"title": "Raise 7-day activation from 40% to 47%"},
                             headers={**alice, "If-Match": etag_a})
    second = env.client.patch(KR, json={"title": "Raise 7-day activation from 40% to 50%"},
                              headers={**bob, "If-Match": etag_b})
    assert first.status_code == 200
    assert second.status_code == 412
    assert second.json()["type"] == "urn:sowhat:problem:stale-version"
    now = env.client.get(KR, headers=alice)
    assert now.json()["title"] == "Raise 7-day activation from 40% to 47%"
    assert now.headers["etag"] == first.headers["etag"] != etag_a


def test_two_first_checkins_of_a_week_one_wins(env: Env) -> None:
    create = {"If-None-Match": "*"}
    a = env.client.put(CHECKIN, json={"value": 7.0}, headers={**env.auth("admin"), **create})
    b = env.client.put(CHECKIN, json={"value": 6.5}, headers={**env.auth("editor_own"), **create})
    assert (a.status_code, b.status_code) == (201, 412)
    assert env.client.get(CHECKIN, headers=env.auth("viewer")).json()["value"] == 7.0


def test_concurrent_writers_in_threads_never_both_succeed(env: Env) -> None:
    """Both requests run at once against one version; the database serialises them."""
    etag = env.client.get(KR, headers=env.auth("admin")).headers["etag"]
    barrier = threading.Barrier(2)
    results: dict[str, int] = {}

    def write(role: str, title: str) -> None:
        barrier.wait()
        headers = {**env.auth(role), "If-Match": etag}
        r = env.client.patch(KR, json={"title": title}, headers=headers)
        results[role] = r.status_code

    threads = [
        threading.Thread(target=write, args=("admin", "Raise 7-day activation from 40% to 47%")),
        threading.Thread(target=write,
                         args=("editor_own", "Raise 7-day activation from 40% to 48%")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert sorted(results.values()) == [200, 412], results
    log = env.client.get("/api/v1/audit", params={"entity_key": f"{PERIOD}/activation"},
                         headers=env.auth("viewer")).json()
    assert log["total"] == 2  # the apply that created it, and exactly one edit
