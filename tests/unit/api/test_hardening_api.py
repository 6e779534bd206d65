"""Issue 13, the server: each defect found by probing it from outside, reproduced here."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from api_testing import PERIOD, USERS, Env, client_for, login

from sowhat.services.access.tokens import create_token, revoke_token
from sowhat.services.accounts import Scope

KR = f"/api/v1/periods/{PERIOD}/key-results/activation"
CHECKIN = f"/api/v1/periods/{PERIOD}/key-results/nps-manual/check-ins/2026-11-02"


def _db(env: Env):  # type: ignore[no-untyped-def]
    return env.client.app.state.sowhat.db  # type: ignore[attr-defined]


# -- defect 2: htmx check-in for an unknown or another team's KR ------------------------------


def test_htmx_checkin_for_an_unknown_or_foreign_kr_is_an_error_not_a_500(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    for kr, status in (("no-such-kr", 404), ("report-speed", 403)):
        r = env.client.post(f"/periods/{PERIOD}/check-in/{kr}",
                            data={"value": "3", "version": "0", "csrf_token": csrf},
                            headers={"HX-Request": "true"})  # fmt: skip
        assert r.status_code == status, r.text
        assert 'role="alert"' in r.text


# -- defect 4: a revoked or expired token is refused by the server ----------------------------


def test_the_server_refuses_a_revoked_token_and_notes_when_a_token_was_used(env: Env) -> None:
    now = datetime.now(UTC)
    with _db(env).transaction() as session:
        live = create_token(session=session, email=USERS["viewer"][0], scope=Scope.READ,
                            actor="t", now=now)
        gone = create_token(session=session, email=USERS["viewer"][0], scope=Scope.READ,
                            actor="t", now=now)
        soon = create_token(session=session, email=USERS["viewer"][0], scope=Scope.READ,
                            expires_at=now + timedelta(seconds=1), actor="t", now=now)
        revoke_token(session=session, token=gone.info.prefix, actor="t")
    ok = env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {live.token}"})
    assert ok.status_code == 200
    refused = env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {gone.token}"})
    assert refused.status_code == 401
    with _db(env).transaction(write=False) as session:
        from sowhat.services.access.tokens import list_tokens

        used = {t.prefix: t.last_used_at for t in list_tokens(session=session)}
    assert used[live.info.prefix] is not None
    assert soon.info.expires_at is not None


# -- defect 6: the client address behind a trusted proxy ------------------------------------


def test_login_limits_count_the_forwarded_client_only_behind_a_trusted_proxy(
    env: Env, tmp_path: Path
) -> None:
    from fastapi import Request

    from sowhat.api.auth import client_address

    config = env.root / "sowhat.toml"
    config.write_text(config.read_text() + '\n[server]\ntrusted_proxies = ["10.0.0.0/8"]\n')
    client = client_for(env.root)
    app = client.app

    def address(peer: str, forwarded: str | None) -> str:
        headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
        scope = {"type": "http", "app": app, "client": (peer, 1), "headers": headers,
                 "method": "GET", "path": "/"}  # fmt: skip
        return client_address(Request(scope))

    assert address("10.1.2.3", "203.0.113.9, 10.0.0.7") == "203.0.113.9"
    assert address("10.1.2.3", "6.6.6.6, 203.0.113.9") == "203.0.113.9"  # left end is forged
    assert address("198.51.100.1", "203.0.113.9") == "198.51.100.1"  # not a trusted peer
    assert address("10.1.2.3", None) == "10.1.2.3"
    client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]


# -- defect 8: audit visibility ---------------------------------------------------------------


def test_audit_hides_accounts_from_non_admins_and_shows_them_to_admins(env: Env) -> None:
    def types(role: str) -> set[tuple[str, str]]:
        r = env.client.get("/api/v1/audit", params={"limit": 200}, headers=env.auth(role))
        assert r.status_code == 200
        return {(e["entity_type"], e["entity_key"]) for e in r.json()["items"]}

    admin = types("admin")
    assert ("user", USERS["viewer"][0]) in admin
    assert any(t == "api_token" for t, _ in admin)
    for role in ("viewer", "read_token", "editor_own"):
        seen = types(role)
        email = USERS["admin" if role == "read_token" else role][0]
        foreign = {(t, k) for t, k in seen if t in {"user", "api_token"}
                   and k != email and not k.startswith(email + "/")}
        assert foreign == set(), role
        assert any(t == "key_result" for t, _ in seen)
    viewer = types("viewer")
    assert ("user", USERS["viewer"][0]) in viewer  # their own account's history


# -- defect 10: a write blocked by a running sync --------------------------------------------


def test_a_write_blocked_by_another_writer_answers_503_with_retry_after(env: Env) -> None:
    path = _db(env).url.removeprefix("sqlite:///")
    blocker = sqlite3.connect(path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        r = env.client.put(CHECKIN, json={"value": 7}, headers={
            **env.auth("admin"), "If-None-Match": "*"})  # fmt: skip
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert r.status_code == 503, r.text
    assert r.headers["Retry-After"].isdigit()


# -- defect 12: absurd offsets ----------------------------------------------------------------


def test_an_offset_beyond_any_integer_is_refused_not_a_500(env: Env) -> None:
    for path in ("/api/v1/audit", "/api/v1/periods", "/api/v1/metrics"):
        r = env.client.get(path, params={"offset": "9223372036854775808"},
                           headers=env.auth("viewer"))
        assert r.status_code == 422, (path, r.text)
    page = env.client.get("/audit", params={"offset": "9223372036854775808"},
                          headers=env.auth("viewer"))
    assert page.status_code < 500


# -- defect 13: the API contract --------------------------------------------------------------


def test_openapi_declares_412_428_and_400_and_requires_if_match_on_patch(env: Env) -> None:
    schema = env.client.get("/api/openapi.json").json()
    patch = schema["paths"]["/api/v1/periods/{period}/key-results/{kr_id}"]["patch"]
    assert {"400", "412", "428"} <= set(patch["responses"])
    if_match = next(p for p in patch["parameters"] if p["name"] == "If-Match")
    assert if_match["required"] is True
    put = schema["paths"]["/api/v1/periods/{period}/key-results/{kr_id}/check-ins/{week}"]["put"]
    assert {"200", "201", "400", "412", "428"} <= set(put["responses"])


def test_if_match_star_matches_an_existing_resource(env: Env) -> None:
    r = env.client.patch(KR, json={"title": "Increase 7-day activation from 40% to 47%"},
                         headers={**env.auth("admin"), "If-Match": "*"})
    assert r.status_code == 200, r.text
    missing = env.client.put(CHECKIN, json={"value": 7},
                             headers={**env.auth("admin"), "If-Match": "*"})
    assert missing.status_code == 412, missing.text  # `*` needs a current representation


def test_options_lists_the_allowed_methods_and_a_wrong_method_is_405(env: Env) -> None:
    r = env.client.options(KR, headers=env.auth("viewer"))
    assert r.status_code == 204
    assert set(r.headers["Allow"].split(", ")) >= {"GET", "PATCH", "OPTIONS"}
    wrong = env.client.patch(KR + "/check-ins", json={}, headers=env.auth("admin"))
    assert wrong.status_code == 405, wrong.text
    assert "PATCH" not in wrong.headers["Allow"]
    assert "GET" in wrong.headers["Allow"]


def test_unparseable_json_is_400_and_a_created_checkin_is_201(env: Env) -> None:
    bad = env.client.patch(KR, content=b"{not json", headers={
        **env.auth("admin"), "If-Match": '"1"', "Content-Type": "application/json"})
    assert bad.status_code == 400, bad.text
    created = env.client.put(CHECKIN, json={"value": 7},
                             headers={**env.auth("admin"), "If-None-Match": "*"})
    assert created.status_code == 201, created.text
    again = env.client.put(CHECKIN, json={"value": 7.5},
                           headers={**env.auth("admin"), "If-Match": created.headers["ETag"]})
    assert again.status_code == 200, again.text


def test_an_active_metric_window_too_short_for_a_month_is_refused_by_the_api(env: Env) -> None:
    """The rule `sowhat validate` applies to files holds for the API too: a KR on a monthly
    active metric whose `over_days` is shorter than the whole month it is read over is a 400
    naming the fix, and nothing is written."""
    metrics = env.root / "metrics.yaml"
    metrics.write_text(metrics.read_text("utf-8") + "  mau: {type: active, entity: account_id, "
                       "event: workflow_run, per: month}\n", "utf-8")
    admin = {"Authorization": f"Bearer {env.tokens['admin']}"}
    with client_for(env.root) as client:
        before = client.get(KR, headers=admin)
        bad = client.patch(KR, json={"metric": "mau", "over_days": 7},
                           headers={**admin, "If-Match": before.headers["etag"]})
        assert bad.status_code == 400, bad.text
        assert "over: 7d is too short for a `per: month` active metric" in bad.json()["detail"]
        assert "write `over: 28d` or longer" in bad.json()["hint"]
        assert client.get(KR, headers=admin).json()["metric"] == "activation_rate"
        ok = client.patch(KR, json={"metric": "mau", "over_days": 62},
                          headers={**admin, "If-Match": before.headers["etag"]})
        assert ok.status_code == 200, ok.text
        client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]
