"""Every write route x every kind of caller: allowed or denied, decided on the server.

The routes come from the app's own route table, so a new write endpoint without an entry
here fails `test_every_write_route_has_a_matrix_entry` until someone decides who may call it.
Targets belong to the growth team: its editor may write, the platform editor may not.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import authoring_matrix
import pytest
from api_testing import PERIOD, USERS, Env, login
from fastapi.routing import APIRoute, iter_route_contexts

ROLES = ("admin", "editor_own", "editor_other", "viewer", "anonymous", "read_token")
UNSAFE = {"POST", "PUT", "PATCH", "DELETE"}
WRITERS = frozenset({"admin", "editor_own"})
EVERYONE = frozenset(ROLES)
LOGGED_IN = EVERYONE - {"anonymous"}
P = "/api/v1/periods/{period}"


@dataclass(frozen=True)
class Case:
    allowed: frozenset[str]
    call: Callable[[Env, str], Any]  # (env, role) -> response
    page: bool = False  # browser route: session + CSRF, anonymous is redirected to /login


def _etag(env: Env, url: str) -> str:
    r = env.client.get(url, headers=env.auth("admin"))
    assert r.status_code == 200, r.text
    return str(r.headers["etag"])


def _api_patch(url: str, body: dict[str, Any]) -> Callable[[Env, str], Any]:
    def call(env: Env, role: str) -> Any:
        headers = {**env.auth(role), "If-Match": _etag(env, url)}
        return env.client.patch(url, json=body, headers=headers)
    return call


def _api_checkin(env: Env, role: str) -> Any:
    url = f"/api/v1/periods/{PERIOD}/key-results/nps-manual/check-ins/2026-11-04"
    return env.client.put(url, json={"value": 7.0, "confidence": 0.5},
                          headers={**env.auth(role), "If-None-Match": "*"})


def _page_post(url: str, data: Callable[[Env], dict[str, Any]]) -> Callable[[Env, str], Any]:
    def call(env: Env, role: str) -> Any:
        form = data(env)
        headers: dict[str, str] = {}
        if role == "read_token":
            headers = env.auth(role)
        elif role != "anonymous":
            form["csrf_token"] = login(env.client, USERS[role][0])
        return env.client.post(url, data=form, headers=headers, follow_redirects=False)
    return call


def _login_attempt(env: Env, role: str) -> Any:
    """Public: anyone may try; a wrong password is a 401 page, not a login."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', env.client.get("/login").text)
    assert token
    return env.client.post("/login", data={"email": "x@y.io", "password": "wrong-password",
                                           "csrf_token": token[1]})


def _version(env: Env, url: str) -> dict[str, Any]:
    return {"version": _etag(env, url).strip('"')}


KR_URL = f"/api/v1/periods/{PERIOD}/key-results/activation"
BET_URL = f"/api/v1/periods/{PERIOD}/bets/checklist"

MATRIX: dict[tuple[str, str], Case] = {
    ("PATCH", P + "/objectives/{objective_id:path}"): Case(WRITERS, _api_patch(
        f"/api/v1/periods/{PERIOD}/objectives/growth/first-week-win",
        {"title": "New accounts get a first win in week one"})),
    ("PATCH", P + "/key-results/{kr_id:path}"): Case(WRITERS, _api_patch(
        KR_URL, {"title": "Raise 7-day activation from 40% to 47%"})),
    ("PATCH", P + "/bets/{bet_id:path}"): Case(WRITERS, _api_patch(
        BET_URL, {"hypothesis": "A checklist shows the three steps to a first project"})),
    ("PUT", P + "/key-results/{kr_id:path}/check-ins/{week}"): Case(WRITERS, _api_checkin),
    ("POST", "/api/v1/lint"): Case(LOGGED_IN, lambda env, role: env.client.post(
        "/api/v1/lint", json={"text": "Ship audit logs"}, headers=env.auth(role))),
    ("POST", "/login"): Case(EVERYONE, _login_attempt, page=True),
    ("POST", "/logout"): Case(EVERYONE, lambda env, role: env.client.post(
        "/logout", follow_redirects=False), page=True),
    ("POST", "/coach"): Case(LOGGED_IN, _page_post("/coach", lambda env: {
        "title": "Ship audit logs"}), page=True),
    ("POST", "/periods/{period}/key-results/{kr_id:path}/title"): Case(WRITERS, _page_post(
        f"/periods/{PERIOD}/key-results/activation/title",
        lambda env: {"title": "Raise 7-day activation from 40% to 48%", **_version(env, KR_URL)}),
        page=True),
    ("POST", "/periods/{period}/bets/{bet_id:path}/status"): Case(WRITERS, _page_post(
        f"/periods/{PERIOD}/bets/checklist/status",
        lambda env: {"status": "shipped", **_version(env, BET_URL)}), page=True),
    ("POST", "/periods/{period}/check-in/{kr_id:path}"): Case(WRITERS, _page_post(
        f"/periods/{PERIOD}/check-in/nps-manual",
        lambda env: {"value": "7", "confidence": "60", "version": "0"}), page=True),
}

MATRIX.update(authoring_matrix.entries(Case, WRITERS, LOGGED_IN, _page_post))
ADMINS = frozenset({"admin"})  # with a session or a write token; never a read-only token
MATRIX.update({
    ("POST", "/admin/users"): Case(ADMINS, _page_post("/admin/users", lambda env: {
        "email": "new.person@test.io", "password": "a-fine-passphrase", "role": "viewer"}),
        page=True),
    ("POST", "/admin/users/{action}"): Case(ADMINS, _page_post(
        "/admin/users/disable", lambda env: {"email": "owner@viewer.test"}), page=True),
    ("POST", "/admin/tokens"): Case(ADMINS, _page_post("/admin/tokens", lambda env: {
        "email": USERS["viewer"][0], "scope": "read", "name": "ci"}), page=True),
    ("POST", "/admin/tokens/{token_id}/revoke"): Case(ADMINS, _page_post(
        "/admin/tokens/1/revoke", lambda env: {}), page=True),
})


def test_every_write_route_has_a_matrix_entry(env: Env) -> None:
    routes = {
        (method, str(ctx.path))
        for ctx in iter_route_contexts(env.client.app.routes)  # type: ignore[attr-defined]
        if isinstance(ctx.original_route, APIRoute)
        for method in ctx.original_route.methods & UNSAFE
    }
    assert len(routes) > 5  # the walk sees the included routers
    assert routes == set(MATRIX), (
        f"without a matrix entry: {sorted(routes - set(MATRIX))}; "
        f"stale entries: {sorted(set(MATRIX) - routes)}"
    )


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("route", sorted(MATRIX), ids=lambda r: f"{r[0]} {r[1]}")
def test_write_route_allows_exactly_its_roles(env: Env, route: tuple[str, str], role: str) -> None:
    case = MATRIX[route]
    response = case.call(env, role)
    status = response.status_code
    if role in case.allowed:
        assert status < 400 or (route[1] == "/login" and status == 401), (status, response.text)
        return
    if role == "anonymous":
        expected = 303 if case.page else 401
        assert status == expected, (status, response.text)
        if case.page:
            assert response.headers["location"].startswith("/login")
    else:
        assert status == 403, (status, response.text[:400])


def test_a_kr_owner_without_a_role_may_check_in_but_not_edit(env: Env) -> None:
    """The weekly ritual belongs to the KR's owner, even a viewer; the wording does not."""
    csrf = login(env.client, "owner@viewer.test")
    ok = env.client.post(f"/periods/{PERIOD}/check-in/nps-manual",
                         data={"value": "7.5", "version": "0", "csrf_token": csrf},
                         follow_redirects=False)
    assert ok.status_code == 303, ok.text
    denied = env.client.post(f"/periods/{PERIOD}/key-results/nps-manual/title",
                             data={"title": "Lift the survey score from 6 to 9", "version": "1",
                                   "csrf_token": csrf}, follow_redirects=False)
    assert denied.status_code == 403


def test_no_idor_an_id_from_another_team_in_the_url_is_refused(env: Env) -> None:
    """The growth editor names a platform KR: the team is checked from the stored object."""
    url = f"/api/v1/periods/{PERIOD}/key-results/report-speed"
    r = env.client.patch(url, json={"title": "Cut report load time from 4 s to 0.5 s"},
                         headers={**env.auth("editor_own"), "If-Match": _etag(env, url)})
    assert r.status_code == 403
    assert env.client.get(url, headers=env.auth("admin")).json()["title"].startswith("Cut the")


def test_session_writes_need_the_csrf_token(env: Env) -> None:
    login(env.client, USERS["admin"][0])
    url = f"/api/v1/periods/{PERIOD}/key-results/activation"
    etag = env.client.get(url).headers["etag"]
    r = env.client.patch(url, json={"title": "Raise 7-day activation from 40% to 49%"},
                         headers={"If-Match": etag})
    assert r.status_code == 403
    page = env.client.post(f"/periods/{PERIOD}/bets/checklist/status",
                           data={"status": "shipped", "version": "1", "csrf_token": "forged"})
    assert page.status_code == 403
