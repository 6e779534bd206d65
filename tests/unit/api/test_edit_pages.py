"""Editing an objective and a bet in the browser: every field, team-scoped, with the version
the page was read at; a stale save keeps what was typed and says what changed; a refusal is
shown under the field it is about. The same service as the API's PATCH decides."""

from __future__ import annotations

import re
from typing import Any

from api_testing import PERIOD, USERS, Env, login

OBJ = f"/periods/{PERIOD}/edit/objectives/growth/first-week-win"
BET = f"/periods/{PERIOD}/edit/bets/checklist"


def _post(env: Env, url: str, data: dict[str, str], csrf: str) -> Any:
    return env.client.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)


def _version(html: str) -> str:
    m = re.search(r'name="version" value="(\d+)"', html)
    assert m, html[:2000]
    return m[1]


def _objective(env: Env, key: str = "growth/first-week-win") -> dict[str, Any]:
    r = env.client.get(f"/api/v1/periods/{PERIOD}/objectives/{key}", headers=env.auth("admin"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _bet(env: Env, key: str = "checklist") -> dict[str, Any]:
    r = env.client.get(f"/api/v1/periods/{PERIOD}/bets/{key}", headers=env.auth("admin"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _obj_form(**over: str) -> dict[str, str]:
    return {"title": "New accounts reach their first win in their first week", "team": "growth",
            "owner": "lead@growth.test", "aligns_to": "", "description": "", **over}


def test_edit_every_field_of_an_objective(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    page = env.client.get(OBJ)
    assert page.status_code == 200
    assert 'value="New accounts reach their first win in their first week"' in page.text
    # Its own child (platform/fast-reports aligns to it) is not offered as a parent: a cycle.
    assert 'value="platform/fast-reports"' not in page.text
    saved = _post(env, OBJ, {"version": _version(page.text), **_obj_form(
        title="New accounts win in week one", owner="ana@growth.test",
        description="Week-one winners stay")}, csrf)  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert saved.headers["location"] == (f"/periods/{PERIOD}/objectives/growth/first-week-win"
                                         "?saved=1")
    got = _objective(env)
    assert (got["title"], got["owner"], got["description"]) == (
        "New accounts win in week one", "ana@growth.test", "Week-one winners stay")
    assert "Saved." in env.client.get(saved.headers["location"]).text
    entry = env.client.get("/api/v1/audit", params={"limit": 5},
                           headers=env.auth("admin")).json()["items"][0]
    assert (entry["actor"], entry["entity_key"]) == ("grower@test.io",
                                                     f"{PERIOD}/growth/first-week-win")
    assert entry["after"]["title"] == "New accounts win in week one"


def test_a_stale_objective_save_keeps_what_was_typed_and_shows_what_changed(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    read = _version(env.client.get(OBJ).text)
    # Someone else saves first, through the API.
    url = f"/api/v1/periods/{PERIOD}/objectives/growth/first-week-win"
    etag = env.client.get(url, headers=env.auth("admin")).headers["etag"]
    assert env.client.patch(url, json={"owner": "boss@growth.test"}, headers={
        **env.auth("admin"), "If-Match": etag}).status_code == 200
    stale = _post(env, OBJ, {"version": read, **_obj_form(title="My better words")}, csrf)
    assert stale.status_code == 409
    assert "was changed after you opened the page" in stale.text
    assert 'value="My better words"' in stale.text  # typed value kept
    assert f'href="{OBJ}"' in stale.text  # reload link
    row = re.search(r"<th scope=\"row\">Owner</th><td>([^<]*)</td><td>([^<]*)</td>", stale.text)
    assert row
    assert row.groups() == ("boss@growth.test", "lead@growth.test")
    assert _objective(env)["title"] != "My better words"  # nothing saved
    # Saving again, having seen theirs, replaces it with mine.
    again = _post(env, OBJ, {"version": _version(stale.text),
                             **_obj_form(title="My better words")}, csrf)  # fmt: skip
    assert again.status_code == 303, again.text
    assert _objective(env)["title"] == "My better words"


def test_objective_refusals_are_shown_under_their_field(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    version = _version(env.client.get(OBJ).text)
    empty = _post(env, OBJ, {"version": version, **_obj_form(title="  ")}, csrf)
    assert empty.status_code == 400
    assert re.search(r'id="o-title"[^>]*aria-invalid="true"', empty.text)
    assert re.search(r'<p class="field-error" id="err-title">the title is empty', empty.text)
    assert 'href="#err-title"' in empty.text
    # A cycle: the platform objective already aligns to this one.
    cycle = _post(env, OBJ, {"version": version, **_obj_form(
        aligns_to="platform/fast-reports")}, csrf)  # fmt: skip
    assert cycle.status_code == 400
    assert re.search(r'id="err-aligns_to">alignment cycle: growth/first-week-win -&gt; '
                     r"platform/fast-reports -&gt; growth/first-week-win", cycle.text)
    unknown = _post(env, OBJ, {"version": version, **_obj_form(aligns_to="nope")}, csrf)
    assert unknown.status_code == 400
    assert "aligns_to names unknown objective" in unknown.text
    # Moving it to a team the person may not edit.
    moved = _post(env, OBJ, {"version": version, **_obj_form(team="platform")}, csrf)
    assert moved.status_code == 403
    assert _objective(env)["team"] == "growth"


def test_another_teams_objective_cannot_be_edited_or_archived(env: Env) -> None:
    csrf = login(env.client, USERS["editor_other"][0])
    version = _version(env.client.get(OBJ).text)
    r = _post(env, OBJ, {"version": version, **_obj_form(title="Hijacked")}, csrf)
    assert r.status_code == 403
    archive = _post(env, f"/periods/{PERIOD}/archive/objectives/growth/first-week-win",
                    {"version": version}, csrf)  # fmt: skip
    assert archive.status_code == 403
    assert _objective(env)["title"] != "Hijacked"


def test_align_and_archive_an_objective(env: Env) -> None:
    csrf = login(env.client, USERS["editor_other"][0])
    url = f"/periods/{PERIOD}/edit/objectives/platform/fast-reports"
    version = _version(env.client.get(url).text)
    r = _post(env, url, {"version": version, "title": "Reports feel instant", "team": "platform",
                         "owner": "", "aligns_to": "", "description": ""}, csrf)  # fmt: skip
    assert r.status_code == 303, r.text
    assert _objective(env, "platform/fast-reports")["aligns_to"] is None
    page = env.client.get(url)
    assert 'value="growth/first-week-win"' in page.text  # now a possible parent again
    archived = _post(env, f"/periods/{PERIOD}/archive/objectives/platform/fast-reports",
                     {"version": _version(page.text)}, csrf)  # fmt: skip
    assert archived.status_code == 303
    assert env.client.get(f"/api/v1/periods/{PERIOD}/objectives/platform/fast-reports",
                          headers=env.auth("admin")).status_code == 404
    assert env.client.get(f"/api/v1/periods/{PERIOD}/bets/cache",
                          headers=env.auth("admin")).status_code == 404


def _bet_form(**over: str) -> dict[str, str]:
    return {"title": "Onboarding checklist", "status": "building", "shipped_on": "",
            "opportunity": "", "hypothesis": "", "expects_key_result": "activation",
            "expects_change": "+0.04", "change_mind_if": "", "owner": "", "experiment": "",
            **over}


def test_edit_every_field_of_a_bet_and_ship_it(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    page = env.client.get(BET)
    assert page.status_code == 200
    options = re.findall(r'<option value="(\w+)"[^>]*>\w+(?: \(now\))?</option>',
                         page.text.split('id="b-status"')[1].split("</select>")[0])
    assert options == ["discovery", "building", "shipped", "stopped"]  # the flow from building
    saved = _post(env, BET, {"version": _version(page.text), **_bet_form(
        title="Guided onboarding checklist", status="shipped", shipped_on="2026-11-20",
        opportunity="New admins do not know the three steps",
        hypothesis="If admins see the steps, more finish them in week one",
        expects_change="+0.05", change_mind_if="Under 30% open it in two weeks",
        owner="pm@growth.test", experiment="exp-checklist")}, csrf)  # fmt: skip
    assert saved.status_code == 303, saved.text
    assert "Saved “Guided onboarding checklist”" in env.client.get(saved.headers["location"]).text
    got = _bet(env)
    assert (got["title"], got["status"], got["shipped_on"], got["owner"]) == (
        "Guided onboarding checklist", "shipped", "2026-11-20", "pm@growth.test")
    assert got["hypothesis"].startswith("If admins see the steps")
    assert got["change_mind_if"] == "Under 30% open it in two weeks"
    assert got["opportunity"] == "New admins do not know the three steps"
    assert (got["expects_key_result"], got["expects_change"]) == ("activation", "+0.05")
    # Shipped is history: the status cannot move back.
    page = env.client.get(BET)
    assert re.search(r'id="b-status" type="text" value="shipped" readonly', page.text)
    back = _post(env, BET, {"version": _version(page.text), **_bet_form(status="idea")}, csrf)
    assert back.status_code == 400
    assert re.search(r'id="err-status">bet checklist cannot move from shipped to idea', back.text)
    assert _bet(env)["status"] == "shipped"


def test_bet_refusals_are_shown_under_their_field_with_the_typed_values(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    version = _version(env.client.get(BET).text)
    half = _post(env, BET, {"version": version, **_bet_form(
        expects_key_result="", hypothesis="typed and kept")}, csrf)  # fmt: skip
    assert half.status_code == 400
    assert 'id="err-expects_change">an expectation needs both' in half.text
    assert "typed and kept</textarea>" in half.text
    bad_day = _post(env, BET, {"version": version, **_bet_form(shipped_on="2026-13-40")}, csrf)
    assert bad_day.status_code == 400
    assert 'id="err-shipped_on">shipped_on &#39;2026-13-40&#39; is not a date' in bad_day.text
    bad_change = _post(env, BET, {"version": version, **_bet_form(expects_change="lots")}, csrf)
    assert bad_change.status_code == 400
    assert 'id="err-expects_change">expected change' in bad_change.text
    assert _bet(env)["expects_change"] == "+0.04"


def test_a_stale_bet_save_is_explained(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    version = _version(env.client.get(BET).text)
    url = f"/api/v1/periods/{PERIOD}/bets/checklist"
    etag = env.client.get(url, headers=env.auth("admin")).headers["etag"]
    assert env.client.patch(url, json={"hypothesis": "Theirs"}, headers={
        **env.auth("admin"), "If-Match": etag}).status_code == 200
    stale = _post(env, BET, {"version": version, **_bet_form(hypothesis="Mine")}, csrf)
    assert stale.status_code == 409
    assert re.search(r'<th scope="row">Hypothesis</th><td>Theirs</td><td>Mine</td>', stale.text)
    assert "Mine</textarea>" in stale.text
    assert _bet(env)["hypothesis"] == "Theirs"


def test_another_teams_bet_is_refused(env: Env) -> None:
    csrf = login(env.client, USERS["editor_other"][0])
    page = env.client.get(BET).text
    assert "You can read this bet but not change it" in page
    version = _version(page)
    r = _post(env, BET, {"version": version, **_bet_form(title="Not mine")}, csrf)
    assert r.status_code == 403
    assert _bet(env)["title"] == "Onboarding checklist"


def test_the_api_applies_the_same_rules(env: Env) -> None:
    """One service behind both: the rules the forms show are the API's too."""
    h = env.auth("editor_own")
    url = f"/api/v1/periods/{PERIOD}/bets/checklist"
    etag = env.client.get(url, headers=h).headers["etag"]
    r = env.client.patch(url, json={"expects_key_result": None},
                         headers={**h, "If-Match": etag})  # fmt: skip
    assert r.status_code == 400
    assert "an expectation needs both" in r.json()["detail"]
    url = f"/api/v1/periods/{PERIOD}/objectives/growth/first-week-win"
    etag = env.client.get(url, headers=h).headers["etag"]
    r = env.client.patch(url, json={"aligns_to": "growth/first-week-win"},
                         headers={**h, "If-Match": etag})  # fmt: skip
    assert r.status_code == 400
    assert "cannot align to itself" in r.json()["detail"]


def test_the_pages_link_to_the_edit_forms_for_editors_only(env: Env) -> None:
    login(env.client, USERS["editor_own"][0])
    page = env.client.get(f"/periods/{PERIOD}/objectives/growth/first-week-win").text
    assert f'href="{OBJ}"' in page
    assert f'href="{BET}"' in page
    assert f'href="{BET}"' in env.client.get(f"/periods/{PERIOD}/bets").text
    assert f'href="{OBJ}"' in env.client.get(f"/periods/{PERIOD}/plan").text
    env.client.post("/logout", data={"csrf_token": ""})
    viewer = env.client
    viewer.cookies.clear()
    login(viewer, USERS["viewer"][0])
    assert f'href="{OBJ}"' not in viewer.get(
        f"/periods/{PERIOD}/objectives/growth/first-week-win").text


def test_the_kr_editor_explains_a_stale_save_and_places_refusals(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    url = f"/periods/{PERIOD}/edit/key-results/activation"
    version = _version(env.client.get(url).text)
    form = {"title": "Increase 7-day activation from 40% to 47%", "metric": "activation_rate",
            "baseline": "0.4", "target": "0.47"}
    same = _post(env, url, {"version": version, **form, "target": "0.4"}, csrf)
    assert same.status_code == 400
    assert re.search(r'id="kr-target"[^>]*aria-invalid="true"', same.text)
    assert 'id="err-target">target equals baseline' in same.text
    api = f"/api/v1/periods/{PERIOD}/key-results/activation"
    etag = env.client.get(api, headers=env.auth("admin")).headers["etag"]
    assert env.client.patch(api, json={"target": 0.5}, headers={
        **env.auth("admin"), "If-Match": etag}).status_code == 200
    stale = _post(env, url, {"version": version, **form}, csrf)
    assert stale.status_code == 409
    assert re.search(r'<th scope="row">Target</th><td>0.5</td><td>0.47</td>', stale.text)
    assert 'value="Increase 7-day activation from 40% to 47%"' in stale.text
    again = _post(env, url, {"version": _version(stale.text), **form}, csrf)
    assert again.status_code == 303, again.text
    got = env.client.get(api, headers=env.auth("admin")).json()
    assert got["target"] == 0.47
