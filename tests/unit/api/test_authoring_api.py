"""Authoring through the API: create with POST (201, ETag, Location), archive with DELETE and
If-Match, team checks, validation as strict as the files, one audit entry per write."""

from __future__ import annotations

import pytest
from api_testing import PERIOD, Env

BASE = f"/api/v1/periods/{PERIOD}"


def _post(env: Env, path: str, body: dict[str, object], role: str = "editor_own"):  # type: ignore[no-untyped-def]
    return env.client.post(BASE + path, json=body, headers=env.auth(role))


def test_an_objective_with_two_krs_and_a_guardrail_is_created_and_read_back(env: Env) -> None:
    made = _post(env, "/objectives", {"id": "growth/teams-invite", "title": "New admins bring "
                                      "their team along in week one", "team": "growth",
                                      "owner": "lead@growth.test"})
    assert made.status_code == 201, made.text
    location = made.headers["Location"]
    assert location == f"{BASE}/objectives/growth/teams-invite"
    again = env.client.get(location, headers=env.auth("viewer"))
    assert again.status_code == 200
    assert again.headers["ETag"] == made.headers["ETag"]
    assert again.json()["title"].startswith("New admins bring")

    for kr_id, target in (("invite-rate", 0.5), ("invite-activation", 0.55)):
        kr = _post(env, "/key-results", {
            "id": kr_id, "objective": "growth/teams-invite",
            "title": f"Increase {kr_id} of new accounts from 40% to {target:.0%}",
            "metric": "activation_rate", "baseline": 0.4, "target": target})
        assert kr.status_code == 201, kr.text
        assert kr.headers["Location"] == f"{BASE}/key-results/{kr_id}"
        assert kr.json()["objective"] == "growth/teams-invite"
        assert kr.json()["version"] == int(kr.headers["ETag"].strip('"'))
    guard = _post(env, "/guardrails", {"objective": "growth/teams-invite",
                                       "metric": "weekly_active_teams", "min_change": "-5%"})
    assert guard.status_code == 201, guard.text
    assert guard.json()["key"] == "weekly_active_teams"
    assert guard.json()["min_change"] == "-5%"
    read = env.client.get(guard.headers["Location"], headers=env.auth("viewer"))
    assert read.status_code == 200
    assert read.json()["min_change"] == "-5%"

    objective = env.client.get(location, headers=env.auth("viewer")).json()
    assert objective["key_results"] == ["invite-rate", "invite-activation"]
    audit = env.client.get("/api/v1/audit", headers=env.auth("admin"),
                           params={"limit": 10}).json()["items"]
    mine = [(e["action"], e["entity_type"], e["entity_key"]) for e in audit
            if e["actor"] == "grower@test.io"]
    assert ("create", "objective", f"{PERIOD}/growth/teams-invite") in mine
    assert ("create", "key_result", f"{PERIOD}/invite-rate") in mine
    assert ("create", "guardrail",
            f"{PERIOD}/growth/teams-invite/guardrail:weekly_active_teams") in mine


def test_creates_are_refused_for_other_teams_viewers_duplicates_and_bad_input(env: Env) -> None:
    body = {"id": "platform/x", "title": "Reports open fast", "team": "platform"}
    assert _post(env, "/objectives", body).status_code == 403
    assert _post(env, "/objectives", {**body, "team": "growth"}, "viewer").status_code == 403
    kr = {"id": "activation", "objective": "growth/first-week-win", "title": "Raise it",
          "target": 0.5}
    dup = _post(env, "/key-results", kr)
    assert dup.status_code == 409
    assert "exists already" in dup.json()["detail"]
    unknown = _post(env, "/key-results", {**kr, "id": "new-kr", "metric": "no_such_metric"})
    assert unknown.status_code == 400
    assert "activation_rate" in unknown.json()["hint"]
    bad_id = _post(env, "/key-results", {**kr, "id": "Bad Id"})
    assert bad_id.status_code == 400
    assert "not an id" in bad_id.json()["detail"]
    same = _post(env, "/key-results", {**kr, "id": "flat", "baseline": 0.5})
    assert same.status_code == 400
    assert "nothing would change" in same.json()["detail"]
    other = _post(env, "/key-results", {**kr, "id": "x", "objective": "platform/fast-reports"})
    assert other.status_code == 403
    bet = _post(env, "/bets", {"id": "b2", "objective": "growth/first-week-win", "title": "B",
                               "expects": {"key_result": "nope", "change": "+5%"}})
    assert bet.status_code == 404


def test_archiving_needs_the_current_etag_and_keeps_the_audit_trail(env: Env) -> None:
    path = f"{BASE}/key-results/activation"
    assert env.client.delete(path, headers=env.auth("editor_own")).status_code == 428
    etag = env.client.get(path, headers=env.auth("viewer")).headers["ETag"]
    stale = env.client.delete(path, headers={**env.auth("editor_own"), "If-Match": '"99"'})
    assert stale.status_code in (409, 412)
    gone = env.client.delete(path, headers={**env.auth("editor_own"), "If-Match": etag})
    assert gone.status_code == 204
    assert env.client.get(path, headers=env.auth("viewer")).status_code == 404
    entries = env.client.get("/api/v1/audit", headers=env.auth("admin")).json()["items"]
    assert entries[0]["action"] == "archive"
    assert entries[0]["entity_key"] == f"{PERIOD}/activation"


def test_a_bet_is_created_with_its_hypothesis_and_moves_through_its_flow(env: Env) -> None:
    made = _post(env, "/bets", {
        "id": "invite-nudge", "objective": "growth/first-week-win",
        "title": "Nudge admins to invite a teammate",
        "hypothesis": "If admins invite a teammate on day one, more accounts activate",
        "expects": {"key_result": "activation", "change": "+0.03"},
        "change_mind_if": "Under 10% of admins invite anyone in two weeks"})
    assert made.status_code == 201, made.text
    assert (made.json()["status"], made.json()["expects_change"]) == ("idea", "+0.03")
    moved = env.client.patch(made.headers["Location"], json={"status": "building"},
                             headers={**env.auth("editor_own"), "If-Match": made.headers["ETag"]})
    assert moved.status_code == 200
    assert moved.json()["status"] == "building"
    back = env.client.patch(made.headers["Location"], json={"status": "shipped",
                                                             "expects_change": "+10%"},
                            headers={**env.auth("editor_own"), "If-Match": moved.headers["ETag"]})
    assert back.status_code == 200
    assert (back.json()["status"], back.json()["expects_change"]) == ("shipped", "+10%")


def test_a_kr_metric_segment_and_baseline_can_be_edited_and_checked(env: Env) -> None:
    path = f"{BASE}/key-results/nps-manual"
    etag = env.client.get(path, headers=env.auth("viewer")).headers["ETag"]
    bad = env.client.patch(path, json={"metric": "nope"},
                           headers={**env.auth("editor_own"), "If-Match": etag})
    assert bad.status_code == 400
    ok = env.client.patch(path, json={"metric": "activation_rate", "baseline": 0.3,
                                      "target": 0.35},
                          headers={**env.auth("editor_own"), "If-Match": etag})
    assert ok.status_code == 200, ok.text
    assert (ok.json()["metric"], ok.json()["baseline"]) == ("activation_rate", 0.3)


def test_the_draft_check_coaches_an_output_kr_without_events(env: Env) -> None:
    r = env.client.post(f"{BASE}/key-results/check", headers=env.auth("viewer"), json={
        "title": "Launch the new onboarding checklist", "metric": "activation_rate",
        "target": 0.5})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["kind"] == "output"
    assert body["verdict"] == "output"
    assert any(f["code"] == "SW101" for f in body["findings"])
    assert body["metric_type"] == "conversion"
    assert body["measured_baseline"] is None
    assert any("no events" in n for n in body["notes"])


def test_a_draft_period_is_created_planned_and_published(env: Env) -> None:
    made = env.client.post("/api/v1/periods", json={"label": "2027-Q1"},
                           headers=env.auth("editor_own"))
    assert made.status_code == 201, made.text
    assert made.headers["Location"] == "/api/v1/periods/2027-Q1"
    assert made.json()["start"] == "2027-01-01"
    assert env.client.post("/api/v1/periods", json={"label": "2027-Q1"},
                           headers=env.auth("editor_own")).status_code == 409
    assert env.client.post("/api/v1/periods", json={"label": "next"},
                           headers=env.auth("editor_own")).status_code == 400
    published = env.client.post("/api/v1/periods/2027-Q1/publish", headers=env.auth("viewer"))
    assert published.status_code == 403
    published = env.client.post("/api/v1/periods/2027-Q1/publish",
                                headers=env.auth("editor_own"))
    assert published.status_code == 200
    assert env.client.post("/api/v1/periods/2027-Q1/publish",
                           headers=env.auth("editor_own")).status_code == 409


def test_krs_written_through_the_api_are_held_to_the_metric_range(env: Env) -> None:
    made = _post(env, "/key-results", {
        "id": "scaled", "objective": "growth/first-week-win",
        "title": "Increase activation from 32% to 38%", "metric": "activation_rate",
        "baseline": 32, "target": 38})
    assert made.status_code == 422
    assert made.json()["detail"].startswith("baseline 32 is outside the range of a rate")
    assert made.json()["hint"].startswith("did you mean 0.32?")
    path = f"{BASE}/key-results/nps-manual"  # 6 -> 8, no metric yet
    etag = env.client.get(path, headers=env.auth("viewer")).headers["ETag"]
    moved = env.client.patch(path, json={"metric": "activation_rate"},
                             headers={**env.auth("editor_own"), "If-Match": etag})
    assert moved.status_code == 422  # 6 and 8 are no rates
    assert "did you mean 0.06?" in moved.json()["hint"]


def test_the_web_and_api_refuse_numbers_typed_as_the_title_shows_them() -> None:
    """The same rule as `sowhat validate`: the new-KR form, the API and a KR edit all pass
    through `check_numbers`, with the title."""
    from sowhat.errors import ScaleError
    from sowhat.services.authoring.objects import check_numbers
    from sowhat.spec.metric_defs import MetricsFile

    metrics = MetricsFile.model_validate({"metrics": {
        "clicks": {"type": "count", "event": "recommendation_clicked"},
        "shown": {"type": "count", "event": "recommendation_shown"},
        "ctr": {"type": "ratio", "numerator": "clicks", "denominator": "shown",
                "unit": "percent"}}})
    with pytest.raises(ScaleError) as refused:
        check_numbers(metrics, "ctr", 8, 10, "Lift click-through from 8% to 10%")
    assert str(refused.value).startswith("baseline 8 reads 800%, but the title says 8%")
    assert refused.value.hint is not None
    assert refused.value.hint.startswith("write `baseline: 0.08`")
    check_numbers(metrics, "ctr", 0.08, 0.10, "Lift click-through from 8% to 10%")
    check_numbers(metrics, "ctr", 8, 10, None)  # no title to read: lint's SW115 warns


def test_a_guardrail_with_a_trailing_window_is_created_and_read_back(env: Env) -> None:
    """`over` makes a weekly limit on a count a weekly limit, not a cap on the period's
    growing total; the API takes it as the files write it and says it back in days."""
    guard = _post(env, "/guardrails", {"objective": "growth/first-week-win",
                                       "metric": "weekly_active_teams", "min": 10,
                                       "over": "2w"})
    assert guard.status_code == 201, guard.text
    assert guard.json()["over_days"] == 14
    read = env.client.get(guard.headers["Location"], headers=env.auth("viewer"))
    assert read.json()["over_days"] == 14
    bad = _post(env, "/guardrails", {"objective": "growth/first-week-win",
                                     "metric": "weekly_active_teams", "min": 10,
                                     "over": "12h"})
    assert bad.status_code == 400
    assert "whole number of days" in bad.text
