"""Reads: the API answers with the numbers the services compute, paginated, with ETags."""

from __future__ import annotations

import re

from api_testing import PERIOD, Env

from sowhat.services.plans import status_rows
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database


def test_key_results_match_the_status_service(env: Env) -> None:
    headers = env.auth("viewer")
    put = env.client.put(f"/api/v1/periods/{PERIOD}/key-results/nps-manual/check-ins/2026-11-04",
                         json={"value": 7, "confidence": 0.6},
                         headers={**env.auth("admin"), "If-None-Match": "*"})
    assert put.status_code == 201, put.text  # created
    body = env.client.get(f"/api/v1/periods/{PERIOD}/key-results", headers=headers).json()
    ws = load_workspace(env.root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction(write=False) as session:
        status = status_rows(session=session, period=PERIOD)
    db.dispose()
    expected = {kr.id: (kr.current, kr.progress) for o in status.objectives for kr in o.key_results}
    got = {k["id"]: (k["current"], k["progress"]) for k in body["items"]}
    assert got == expected
    assert got["nps-manual"] == (7.0, 0.5)  # (7 - 6) / (8 - 6), by hand
    # a check-in below the baseline: progress clipped at 0, signed_progress how far it fell
    env.client.put(f"/api/v1/periods/{PERIOD}/key-results/nps-manual/check-ins/2026-11-11",
                   json={"value": 5}, headers={**env.auth("admin"), "If-None-Match": "*"})
    fell = env.client.get(f"/api/v1/periods/{PERIOD}/key-results/nps-manual",
                          headers=headers).json()
    assert (fell["current"], fell["progress"], fell["signed_progress"]) == (5.0, 0.0, -0.5)


def test_pagination_has_total_and_respects_limit_and_offset(env: Env) -> None:
    url = f"/api/v1/periods/{PERIOD}/key-results"
    first = env.client.get(url, params={"limit": 2}, headers=env.auth("viewer")).json()
    params = {"limit": 2, "offset": 2}
    second = env.client.get(url, params=params, headers=env.auth("viewer")).json()
    assert first["total"] == second["total"] == 3
    assert [len(first["items"]), len(second["items"])] == [2, 1]
    ids = [k["id"] for k in first["items"] + second["items"]]
    assert ids == ["activation", "nps-manual", "report-speed"]
    too_big = env.client.get(url, params={"limit": 1000}, headers=env.auth("viewer"))
    assert too_big.status_code == 422


def test_every_single_object_get_carries_its_version_as_etag(env: Env) -> None:
    h = env.auth("viewer")
    for path in (f"/api/v1/periods/{PERIOD}/objectives/growth/first-week-win",
                 f"/api/v1/periods/{PERIOD}/key-results/activation",
                 f"/api/v1/periods/{PERIOD}/bets/checklist"):
        r = env.client.get(path, headers=h)
        assert r.status_code == 200, (path, r.text)
        assert r.headers["etag"] == f'"{r.json()["version"]}"'


def test_ids_with_slashes_route_to_the_right_object(env: Env) -> None:
    r = env.client.get(f"/api/v1/periods/{PERIOD}/objectives/platform/fast-reports",
                       headers=env.auth("viewer"))
    assert r.json()["title"] == "Reports feel instant"
    r = env.client.get(f"/api/v1/periods/{PERIOD}/objectives", params={"team": "platform"},
                       headers=env.auth("viewer"))
    assert [o["id"] for o in r.json()["items"]] == ["platform/fast-reports"]


def test_alignment_nests_by_aligns_to(env: Env) -> None:
    tree = env.client.get(f"/api/v1/periods/{PERIOD}/alignment", headers=env.auth("viewer")).json()
    assert [n["id"] for n in tree] == ["growth/first-week-win"]
    assert [c["id"] for c in tree[0]["children"]] == ["platform/fast-reports"]


def test_metrics_and_me(env: Env) -> None:
    metrics = env.client.get("/api/v1/metrics", headers=env.auth("viewer")).json()
    assert [m["name"] for m in metrics["items"]] == ["activation_rate", "weekly_active_teams"]
    me = env.client.get("/api/v1/me", headers=env.auth("editor_own")).json()
    assert me == {"email": "grower@test.io", "role": "editor", "is_admin": False,
                  "editor_teams": ["growth"], "scope": "write", "via": "token"}


def test_lint_coaches_an_output_kr(env: Env) -> None:
    r = env.client.post("/api/v1/lint", json={"text": "Ship audit logs"},
                        headers=env.auth("read_token"))
    assert r.status_code == 200
    body = r.json()
    assert body["kind"] == "output"
    sw101 = [f for f in body["findings"] if f["code"] == "SW101"]
    assert sw101
    assert sw101[0]["suggestion"]


def test_openapi_lists_the_routes_and_docs_are_served(env: Env) -> None:
    spec = env.client.get("/api/openapi.json").json()
    assert "/api/v1/periods/{period}/key-results/{kr_id}" in spec["paths"]
    docs = env.client.get("/api/docs")
    assert docs.status_code == 200
    assert "cdn" not in docs.text.lower()  # offline: assets are served by the app itself
    for asset in re.findall(r'(?:src|href)="(/static/[^"]+)"', docs.text):
        assert env.client.get(asset).status_code == 200, asset


def test_writes_land_in_the_audit_log_with_the_user_as_actor(env: Env) -> None:
    url = f"/api/v1/periods/{PERIOD}/key-results/activation"
    etag = env.client.get(url, headers=env.auth("editor_own")).headers["etag"]
    title = "Raise 7-day activation of new accounts from 40% to 46%"
    r = env.client.patch(url, json={"title": title},
                         headers={**env.auth("editor_own"), "If-Match": etag})
    assert r.status_code == 200, r.text
    log = env.client.get("/api/v1/audit", params={"key_prefix": f"{PERIOD}/activation"},
                         headers=env.auth("viewer")).json()
    newest = log["items"][0]
    assert newest["actor"] == "grower@test.io"
    assert newest["action"] == "update"
    assert newest["before"]["title"] == "Increase 7-day activation from 40% to 46%"
    assert newest["after"]["title"].startswith("Raise 7-day activation")


def test_a_web_edit_is_written_back_to_yaml_by_export(env: Env) -> None:
    from sowhat.services.files import export_workspace

    url = f"/api/v1/periods/{PERIOD}/objectives/platform/fast-reports"
    etag = env.client.get(url, headers=env.auth("admin")).headers["etag"]
    env.client.patch(url, json={"title": "Reports open before people look away"},
                     headers={**env.auth("admin"), "If-Match": etag}).raise_for_status()
    ws = load_workspace(env.root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction(write=False) as session:
        export_workspace(session=session, workspace=ws)
    db.dispose()
    text = (env.root / "okrs" / f"{PERIOD}.yaml").read_text()
    assert "Reports open before people look away" in text


def test_audit_key_prefix_takes_the_object_and_its_children_only(tmp_path: object) -> None:
    from pathlib import Path

    from sowhat.services.okrs.views import audit_page
    from sowhat.store import audit

    db = open_database(f"sqlite:///{Path(str(tmp_path)) / 'a.db'}", create=True)
    with db.transaction() as session:
        for key in ("2026-Q4/a_b", "2026-Q4/a_b/2026-11-02", "2026-Q4/a_b-mid", "2026-Q4/axb"):
            audit.record(session=session, actor="t", action="create", entity_type="x",
                         entity_key=key, before=None, after={})
    with db.transaction(write=False) as session:
        page = audit_page(session=session, key_prefix="2026-Q4/a_b")
    db.dispose()
    assert sorted(e.entity_key for e in page.entries) == ["2026-Q4/a_b", "2026-Q4/a_b/2026-11-02"]
    assert page.total == 2


def test_weekly_and_quarter_reviews_come_from_the_review_services(env: Env) -> None:
    h = env.auth("viewer")
    weekly = env.client.get(f"/api/v1/periods/{PERIOD}/reviews/weekly", headers=h)
    assert weekly.status_code == 200, weekly.text
    body = weekly.json()
    assert body["period"] == PERIOD
    krs = {k["kr_id"] for k in body["key_results"]}
    assert krs == {"activation", "nps-manual", "report-speed"}
    quarter = env.client.get(f"/api/v1/periods/{PERIOD}/reviews/quarter", headers=h)
    assert quarter.status_code == 200, quarter.text


def test_checkin_scale_problems_carry_the_hint(env: Env) -> None:
    url = f"/api/v1/periods/{PERIOD}/key-results/activation/check-ins/2026-11-04"
    headers = {**env.auth("admin"), "If-None-Match": "*"}
    refused = env.client.put(url, json={"value": 36, "override_value": True, "force": True},
                             headers=headers)
    assert refused.status_code == 422
    body = refused.json()
    assert "36 is outside the range of a rate (0 to 1" in body["detail"]
    assert "did you mean 0.36?" in body["hint"]
    manual = f"/api/v1/periods/{PERIOD}/key-results/nps-manual/check-ins/2026-11-04"
    far = env.client.put(manual, json={"value": 700}, headers=headers)
    assert far.status_code == 422
    assert "force" in far.json()["hint"]
    forced = env.client.put(manual, json={"value": 700, "force": True}, headers=headers)
    assert forced.status_code == 201  # created (If-None-Match: *)
    assert forced.json()["value"] == 700


def test_key_results_carry_their_unit_and_display(env: Env) -> None:
    kr = env.client.get(f"/api/v1/periods/{PERIOD}/key-results/activation",
                        headers=env.auth("viewer")).json()
    assert kr["unit"] == "percent"
    assert kr["baseline"] == 0.40
    assert kr["display"]["baseline"] == "40%"
    assert kr["display"]["target"] == "46%"
