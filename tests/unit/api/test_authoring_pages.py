"""The authoring pages through a logged-in browser session: plan a period, write an objective,
KRs (with the coach panel), a guardrail and a bet, edit a KR, carry over, publish."""

from __future__ import annotations

import re

from api_testing import PERIOD, USERS, Env, login


def _form(env: Env, url: str, data: dict[str, str], csrf: str, **headers: str):  # type: ignore[no-untyped-def]
    return env.client.post(url, data={**data, "csrf_token": csrf}, headers=headers,
                           follow_redirects=False)


def test_plan_a_period_in_the_browser_and_publish_it(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    index = env.client.get("/plan")
    assert index.status_code == 200
    assert 'value="2027-Q1"' in index.text  # the period after the latest stored one
    made = _form(env, "/plan", {"label": "2027-Q1"}, csrf)
    assert made.status_code == 303
    assert made.headers["location"] == "/periods/2027-Q1/plan"
    plan = env.client.get("/periods/2027-Q1/plan")
    assert plan.status_code == 200
    assert "draft" in plan.text
    assert "Carry over from 2026-Q4" in plan.text

    obj = _form(env, "/periods/2027-Q1/new/objective", {
        "id": "growth/invite", "title": "New admins bring their team along", "team": "growth",
        "owner": "lead@growth.test", "next": "plan"}, csrf)
    assert obj.status_code == 303, obj.text
    page = env.client.get("/periods/2027-Q1/new/key-result?objective=growth/invite")
    assert page.status_code == 200
    assert 'hx-post="/periods/2027-Q1/kr-check"' in page.text

    panel = _form(env, "/periods/2027-Q1/kr-check", {
        "title": "Launch the invite flow", "metric": "activation_rate", "target": "0.5"},
        csrf, **{"HX-Request": "true"})
    assert panel.status_code == 200
    assert "SW101" in panel.text
    assert "output" in panel.text
    assert "no events yet" in panel.text  # this workspace has none: said, not hidden

    bad = _form(env, "/periods/2027-Q1/new/key-result", {
        "id": "invites", "objective": "growth/invite", "title": "More invites",
        "metric": "activation_rate", "baseline": "40%", "target": "40%"}, csrf)
    assert bad.status_code == 400
    assert "nothing would change" in bad.text
    assert 'value="More invites"' in bad.text
    for kr_id, target in (("invites", "45%"), ("invite-activation", "0.5")):
        made = _form(env, "/periods/2027-Q1/new/key-result", {
            "id": kr_id, "objective": "growth/invite", "metric": "activation_rate",
            "title": "Increase 7-day activation of invited accounts from 40% to 45%",
            "baseline": "40%", "target": target}, csrf)
        assert made.status_code == 303, made.text
    guard = _form(env, "/periods/2027-Q1/new/guardrail", {
        "objective": "growth/invite", "metric": "weekly_active_teams", "bound": "min_change",
        "amount": "-5%"}, csrf)
    assert guard.status_code == 303, guard.text
    bet = _form(env, "/periods/2027-Q1/new/bet", {
        "id": "invite-nudge", "objective": "growth/invite", "title": "Invite nudge",
        "hypothesis": "If admins are nudged to invite, more teams activate",
        "expects_key_result": "invites", "expects_change": "+0.05",
        "change_mind_if": "Nobody clicks the nudge in two weeks"}, csrf)
    assert bet.status_code == 303, bet.text

    carried = _form(env, "/periods/2027-Q1/plan/carry", {"kr": "activation"}, csrf)
    assert carried.status_code == 303, carried.text
    plan = env.client.get("/periods/2027-Q1/plan").text
    rows = re.findall(r'<tr data-kr="([^"]+)"', plan)
    assert rows == ["invites", "invite-activation", "activation"]
    assert "verdict-ok" in plan
    # a conversion's baseline and target read as percentages, as on every other page
    row = plan.split('<tr data-kr="invite-activation"')[1].split("</tr>")[0]
    assert "<td>40%</td>" in row, row
    assert "<td>50%</td>" in row, row

    edit = env.client.get("/periods/2027-Q1/edit/key-results/invites")
    assert edit.status_code == 200
    version = re.search(r'name="version" value="(\d+)"', edit.text)
    assert version
    saved = _form(env, "/periods/2027-Q1/edit/key-results/invites", {
        "version": version[1], "title": "Increase 7-day activation of invited accounts "
        "from 40% to 47%", "metric": "activation_rate", "baseline": "0.4", "target": "0.47"},
        csrf)
    assert saved.status_code == 303, saved.text
    stale = _form(env, "/periods/2027-Q1/edit/key-results/invites", {
        "version": version[1], "title": "x y z", "target": "0.5"}, csrf)
    assert stale.status_code == 409

    published = _form(env, "/periods/2027-Q1/plan/publish", {}, csrf)
    assert published.status_code == 303
    assert "published" in env.client.get("/periods/2027-Q1/plan").text


def test_viewers_see_the_forms_refused(env: Env) -> None:
    csrf = login(env.client, USERS["viewer"][0])
    assert _form(env, "/plan", {"label": "2027-Q1"}, csrf).status_code == 403
    r = _form(env, f"/periods/{PERIOD}/new/objective", {"id": "x", "title": "X y z",
                                                         "team": "growth"}, csrf)
    assert r.status_code == 403
