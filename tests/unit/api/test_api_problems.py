"""Every error response of the API is an RFC 9457 problem with one shape."""

from __future__ import annotations

import pytest
from api_testing import PERIOD, Env

KR = f"/api/v1/periods/{PERIOD}/key-results/activation"
PROBLEM_KEYS = {"type", "title", "status", "detail", "instance"}


def _failures(env: Env) -> list[tuple[str, int, object]]:
    """(label, expected status, response) for one request per kind of failure."""
    c, admin = env.client, env.auth("admin")
    etag = c.get(KR, headers=admin).headers["etag"]
    stale = f'"{int(etag.strip(chr(34))) - 1}"' if etag != '"1"' else '"99"'
    out: list[tuple[str, int, object]] = [
        ("no credentials", 401, c.get("/api/v1/periods")),
        ("bad token", 401, c.get("/api/v1/periods", headers={"Authorization": "Bearer nope"})),
        ("not bearer", 401, c.get("/api/v1/periods", headers={"Authorization": "Basic eDp5"})),
        ("viewer writes", 403, c.patch(KR, json={"title": "Raise activation from 40% to 50%"},
                                       headers={**env.auth("viewer"), "If-Match": etag})),
        ("unknown KR", 404, c.get(f"/api/v1/periods/{PERIOD}/key-results/nope", headers=admin)),
        ("unknown period", 404, c.get("/api/v1/periods/1999-Q1/objectives", headers=admin)),
        ("unknown route", 404, c.get("/api/v1/nothing-here", headers=admin)),
        ("wrong method", 405, c.delete("/api/v1/periods", headers=admin)),
        ("stale If-Match", 412, c.patch(KR, json={"title": "Raise activation from 40% to 50%"},
                                        headers={**admin, "If-Match": stale})),
        ("no If-Match", 428, c.patch(KR, json={"title": "Raise activation from 40% to 50%"},
                                     headers=admin)),
        ("schema", 422, c.patch(KR, json={"title": 3, "colour": "red"},
                                headers={**admin, "If-Match": etag})),
        ("bad limit", 422, c.get("/api/v1/periods", params={"limit": 0}, headers=admin)),
        ("not editable", 400, c.put(f"{KR}/check-ins/2026-11-02", json={"value": 0.5},
                                    headers={**admin, "If-None-Match": "*"})),
        ("bad bet move", 400, c.patch(f"/api/v1/periods/{PERIOD}/bets/checklist",
                                      json={"status": "idea"},
                                      headers={**admin, "If-Match": c.get(
                                          f"/api/v1/periods/{PERIOD}/bets/checklist",
                                          headers=admin).headers["etag"]})),
        ("monthly review of a bad month", 400, c.get(
            f"/api/v1/periods/{PERIOD}/reviews/monthly", params={"month": "2026-13"},
            headers=admin)),
    ]
    return out


def test_every_error_response_is_a_problem(env: Env) -> None:
    for label, status, response in _failures(env):
        r = response
        assert r.status_code == status, (label, r.status_code, r.text)  # type: ignore[attr-defined]
        assert r.headers["content-type"] == "application/problem+json", label  # type: ignore[attr-defined]
        body = r.json()  # type: ignore[attr-defined]
        assert set(body) >= PROBLEM_KEYS, (label, body)
        assert body["status"] == status
        assert body["type"].startswith("urn:sowhat:problem:")
        assert isinstance(body["detail"], str), label
        assert body["detail"], label


def test_validation_problems_list_located_errors(env: Env) -> None:
    admin = env.auth("admin")
    etag = env.client.get(KR, headers=admin).headers["etag"]
    body = env.client.patch(KR, json={"title": 3, "colour": "red"},
                            headers={**admin, "If-Match": etag}).json()
    locations = {e["location"] for e in body["errors"]}
    assert {"body.title", "body.colour"} <= locations
    assert all(e["message"] for e in body["errors"])


def test_unauthenticated_api_calls_say_how_to_authenticate(env: Env) -> None:
    r = env.client.get("/api/v1/periods")
    assert r.headers["www-authenticate"].startswith("Bearer")


@pytest.mark.parametrize("path", ["/", "/periods/2026-Q4/bets", "/audit"])
def test_pages_send_anonymous_people_to_the_login_form(env: Env, path: str) -> None:
    r = env.client.get(path, follow_redirects=False)
    assert r.status_code == 303
    assert r.headers["location"].startswith("/login?next=")


def test_an_internal_error_hides_its_detail(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    import warnings

    from sowhat.api.v1 import plans

    def boom(**_kw: object) -> None:
        raise RuntimeError("secret stack detail")

    monkeypatch.setattr(plans, "list_periods", boom)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from fastapi.testclient import TestClient
    client = TestClient(env.client.app, raise_server_exceptions=False)
    r = client.get("/api/v1/periods", headers=env.auth("admin"))
    assert r.status_code == 500
    assert r.headers["content-type"] == "application/problem+json"
    assert "secret" not in r.text
