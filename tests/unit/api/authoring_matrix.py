"""Authorization-matrix entries for the authoring routes (merged into MATRIX by
test_authorization_matrix.py): who may create, archive, plan and publish."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from api_testing import PERIOD, Env

P = "/api/v1/periods/{period}"
API = f"/api/v1/periods/{PERIOD}"
GROWTH_OBJECTIVE = "growth/first-week-win"


def _post(url: str, body: dict[str, Any]) -> Callable[[Env, str], Any]:
    def call(env: Env, role: str) -> Any:
        return env.client.post(url, json=body, headers=env.auth(role))
    return call


def _delete(url: str) -> Callable[[Env, str], Any]:
    def call(env: Env, role: str) -> Any:
        etag = env.client.get(url, headers=env.auth("admin")).headers["etag"]
        return env.client.delete(url, headers={**env.auth(role), "If-Match": etag})
    return call


def _publish(env: Env, role: str) -> Any:
    made = env.client.post("/api/v1/periods", json={"label": "2027-Q1"},
                           headers=env.auth("admin"))
    assert made.status_code == 201, made.text
    return env.client.post("/api/v1/periods/2027-Q1/publish", headers=env.auth(role))


def _guardrail_delete(env: Env, role: str) -> Any:
    made = env.client.post(f"{API}/guardrails", headers=env.auth("admin"), json={
        "objective": GROWTH_OBJECTIVE, "metric": "weekly_active_teams", "max_change": "+5%"})
    assert made.status_code == 201, made.text
    return env.client.delete(made.headers["location"],
                             headers={**env.auth(role), "If-Match": made.headers["etag"]})


def _draft(env: Env) -> dict[str, Any]:
    made = env.client.post("/api/v1/periods", json={"label": "2027-Q1"},
                           headers=env.auth("admin"))
    assert made.status_code == 201, made.text
    return {}


def _kr_version(env: Env) -> dict[str, Any]:
    etag = env.client.get(f"{API}/key-results/activation", headers=env.auth("admin"))
    return {"version": etag.headers["etag"].strip('"')}


IMPORT_CSV = ("objective_id,objective,team,kr_id,kr,metric,baseline,target\n"
              "growth/invite,New admins bring their team,growth,invites,"
              "Increase activation of invited teams from 30% to 40%,activation_rate,0.3,0.4\n")


def _import_upload(env: Env, role: str) -> Any:
    from api_testing import USERS, login

    data: dict[str, str] = {"period": "2027-Q1"}
    headers: dict[str, str] = {}
    if role == "read_token":
        headers = env.auth(role)
    elif role != "anonymous":
        data["csrf_token"] = login(env.client, USERS[role][0])
    return env.client.post("/import", data=data, headers=headers, follow_redirects=False,
                           files={"file": ("plan.csv", IMPORT_CSV.encode(), "text/csv")})


def _bet_version(env: Env) -> dict[str, Any]:
    etag = env.client.get(f"{API}/bets/checklist", headers=env.auth("admin"))
    return {"version": etag.headers["etag"].strip('"')}


def _objective_version(env: Env) -> dict[str, Any]:
    etag = env.client.get(f"{API}/objectives/{GROWTH_OBJECTIVE}", headers=env.auth("admin"))
    return {"version": etag.headers["etag"].strip('"')}


def entries(case: Any, writers: frozenset[str], logged_in: frozenset[str],
            page_post: Any) -> dict[Any, Any]:
    """`case` is the matrix's Case class, `page_post(url, data)` its browser-form caller;
    writers may write growth's objects."""
    any_editor = writers | {"editor_other"}
    pages = "/periods/{period}"
    kr = {"objective": GROWTH_OBJECTIVE, "metric": "activation_rate", "baseline": "0.3",
          "target": "0.4", "title": "Increase activation of invited teams from 30% to 40%"}
    return {
        ("POST", "/plan"): case(any_editor, page_post("/plan", lambda env: {"label": "2027-Q1"}),
                                page=True),
        ("POST", pages + "/plan/publish"): case(any_editor, page_post(
            "/periods/2027-Q1/plan/publish", _draft), page=True),
        ("POST", pages + "/plan/carry"): case(writers, page_post(
            "/periods/2027-Q1/plan/carry", lambda env: {**_draft(env), "kr": "nps-manual"}),
            page=True),
        ("POST", pages + "/kr-check"): case(logged_in, page_post(
            f"/periods/{PERIOD}/kr-check", lambda env: {"title": "Ship audit logs"}),
            page=True),
        ("POST", pages + "/new/objective"): case(writers, page_post(
            f"/periods/{PERIOD}/new/objective", lambda env: {
                "id": "growth/new", "title": "Teams invite each other", "team": "growth"}),
            page=True),
        ("POST", pages + "/new/key-result"): case(writers, page_post(
            f"/periods/{PERIOD}/new/key-result", lambda env: {"id": "invites", **kr}),
            page=True),
        ("POST", pages + "/edit/key-results/{kr_id:path}"): case(writers, page_post(
            f"/periods/{PERIOD}/edit/key-results/activation",
            lambda env: {**_kr_version(env), **kr}), page=True),
        ("POST", pages + "/archive/key-results/{kr_id:path}"): case(writers, page_post(
            f"/periods/{PERIOD}/archive/key-results/activation", _kr_version), page=True),
        ("POST", pages + "/edit/objectives/{objective_id:path}"): case(writers, page_post(
            f"/periods/{PERIOD}/edit/objectives/{GROWTH_OBJECTIVE}", lambda env: {
                **_objective_version(env), "title": "New accounts win in week one",
                "team": "growth"}), page=True),
        ("POST", pages + "/archive/objectives/{objective_id:path}"): case(writers, page_post(
            f"/periods/{PERIOD}/archive/objectives/{GROWTH_OBJECTIVE}", _objective_version),
            page=True),
        ("POST", pages + "/edit/bets/{bet_id:path}"): case(writers, page_post(
            f"/periods/{PERIOD}/edit/bets/checklist", lambda env: {
                **_bet_version(env), "title": "Guided checklist", "status": "building",
                "expects_key_result": "activation", "expects_change": "+0.04"}), page=True),
        ("POST", pages + "/archive/bets/{bet_id:path}"): case(writers, page_post(
            f"/periods/{PERIOD}/archive/bets/checklist", _bet_version), page=True),
        ("POST", "/import"): case(writers, _import_upload, page=True),
        ("POST", "/import/confirm"): case(writers, page_post("/import/confirm", lambda env: {
            "period": "2027-Q1", "name": "plan.csv", "text": IMPORT_CSV}), page=True),
        ("POST", pages + "/new/guardrail"): case(writers, page_post(
            f"/periods/{PERIOD}/new/guardrail", lambda env: {
                "objective": GROWTH_OBJECTIVE, "metric": "weekly_active_teams",
                "bound": "min_change", "amount": "-5%"}), page=True),
        ("POST", pages + "/new/bet"): case(writers, page_post(
            f"/periods/{PERIOD}/new/bet", lambda env: {
                "id": "nudge", "objective": GROWTH_OBJECTIVE, "title": "Invite nudge"}),
            page=True),
        ("POST", "/api/v1/periods"): case(any_editor, _post("/api/v1/periods",
                                                            {"label": "2027-Q1"})),
        ("POST", P + "/publish"): case(any_editor, _publish),
        ("POST", P + "/objectives"): case(writers, _post(f"{API}/objectives", {
            "id": "growth/new", "title": "New admins invite their team", "team": "growth"})),
        ("DELETE", P + "/objectives/{objective_id:path}"): case(
            writers, _delete(f"{API}/objectives/{GROWTH_OBJECTIVE}")),
        ("POST", P + "/key-results"): case(writers, _post(f"{API}/key-results", {
            "id": "invites", "objective": GROWTH_OBJECTIVE, "metric": "activation_rate",
            "title": "Increase activation of invited teams from 30% to 40%",
            "baseline": 0.3, "target": 0.4})),
        ("POST", P + "/key-results/check"): case(logged_in, _post(f"{API}/key-results/check", {
            "title": "Ship audit logs"})),
        ("DELETE", P + "/key-results/{kr_id:path}"): case(
            writers, _delete(f"{API}/key-results/activation")),
        ("POST", P + "/guardrails"): case(writers, _post(f"{API}/guardrails", {
            "objective": GROWTH_OBJECTIVE, "metric": "weekly_active_teams",
            "min_change": "-5%"})),
        ("DELETE", P + "/guardrails/{ref:path}"): case(writers, _guardrail_delete),
        ("POST", P + "/bets"): case(writers, _post(f"{API}/bets", {
            "id": "nudge", "objective": GROWTH_OBJECTIVE, "title": "Invite nudge"})),
        ("DELETE", P + "/bets/{bet_id:path}"): case(writers, _delete(f"{API}/bets/checklist")),
    }
