"""`sowhat apply` merges: the file changed one field, the web another, since file and database
last agreed — both are kept, `diff` calls it mergeable, the audit log records the merge. Only
the same field changed on both sides refuses, field by field, unless --force (the file wins
there, and only there). The web side is the real API; the file side the real CLI."""

from __future__ import annotations

from typing import Any

from api_testing import PERIOD, Env
from test_files_honesty import FILE, audit, cli, web_edit_target


def _patch(env: Env, kind: str, key: str, body: dict[str, Any], role: str = "editor_own") -> None:
    url = f"/api/v1/periods/{PERIOD}/{kind}/{key}"
    etag = env.client.get(url, headers=env.auth(role)).headers["etag"]
    r = env.client.patch(url, json=body, headers={**env.auth(role), "If-Match": etag})
    assert r.status_code == 200, r.text


def _get(env: Env, kind: str, key: str) -> dict[str, Any]:
    r = env.client.get(f"/api/v1/periods/{PERIOD}/{kind}/{key}", headers=env.auth("admin"))
    assert r.status_code == 200, r.text
    return dict(r.json())


def _edit_file(env: Env, old: str, new: str) -> None:
    path = env.root / FILE
    text = path.read_text()
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new))


def test_different_fields_are_merged_and_the_merge_is_audited(env: Env) -> None:
    web_edit_target(env, "activation", 0.48)  # the web: target
    _edit_file(env, "title: Increase 7-day activation from 40% to 46%",
               "title: Increase 7-day activation of new accounts from 40% to 46%")  # the file

    code, out = cli(env, "diff")
    assert code == 1
    assert "mergeable: `sowhat apply` takes the file's 1 edit and keeps the web's 1" in out
    assert "key result 2026-Q4/activation · title:" in out
    assert "(edited in the file)" in out
    assert "key result 2026-Q4/activation · target: file 0.46 | database 0.48 (edited in the web)" \
        in out

    code, out = cli(env, "apply")
    assert code == 0, out
    assert "kept 1 web edit" in out
    kr = _get(env, "key-results", "activation")
    assert kr["title"] == "Increase 7-day activation of new accounts from 40% to 46%"  # file's
    assert kr["target"] == 0.48  # web's
    entry = next(e for e in audit(env) if e["entity_type"] == "okr_file")
    assert entry["action"] == "apply"
    assert entry["after"]["merged"] == [{"entity": "key result 2026-Q4/activation",
                                         "field": "target", "file": 0.46, "database": 0.48}]
    assert "overwrote" not in entry["after"]
    update = next(e for e in audit(env) if e["entity_type"] == "key_result")
    assert update["after"]["title"].endswith("of new accounts from 40% to 46%")
    assert update["after"]["target"] == 0.48  # the apply did not touch the web's value

    # The web's edit is still a web edit: export writes it, keeping the file's title.
    code, out = cli(env, "diff")
    assert code == 1
    assert "1 web edit: `sowhat export` writes them into the file; `sowhat apply` keeps them" \
        in out
    assert cli(env, "apply")[1].strip().startswith("No changes")
    code, out = cli(env, "export")
    assert code == 0, out
    text = (env.root / FILE).read_text()
    assert "target: 0.48" in text
    assert "of new accounts from 40% to 46%" in text
    code, out = cli(env, "diff")
    assert code == 0, out
    assert cli(env, "apply")[1].strip().startswith("No changes")


def test_the_same_field_refuses_and_force_lets_the_file_win_only_there(env: Env) -> None:
    web_edit_target(env, "activation", 0.48)
    _patch(env, "objectives", "growth/first-week-win", {"owner": "web@growth.test"})
    _edit_file(env, "target: 0.46", "target: 0.5")

    code, out = cli(env, "diff")
    assert code == 1
    assert "1 field edited on both sides" in out
    assert "target: file 0.5 | database 0.48 (edited on both sides; was 0.46)" in out
    assert "owner: file lead@growth.test | database web@growth.test (edited in the web)" in out

    code, out = cli(env, "apply")
    assert code == 1
    assert "would overwrite 1 web edit to a field the file also changed" in out
    assert "nothing was written" in out
    assert "key result 2026-Q4/activation · target: file 0.5 | database 0.48" in out
    assert "owner" not in out.split("hint:")[0]  # only the conflict is listed
    assert _get(env, "key-results", "activation")["target"] == 0.48

    code, out = cli(env, "apply", "--dry-run")
    assert code == 0
    assert "1 field edited in the file and in the web" in out

    code, out = cli(env, "apply", "--force")
    assert code == 0, out
    assert _get(env, "key-results", "activation")["target"] == 0.5  # the file won the conflict
    assert _get(env, "objectives", "growth/first-week-win")["owner"] == "web@growth.test"  # kept
    entry = next(e for e in audit(env) if e["entity_type"] == "okr_file")
    assert entry["after"]["overwrote"] == [{"entity": "key result 2026-Q4/activation",
                                            "field": "target", "file": 0.5, "database": 0.48}]
    assert [m["field"] for m in entry["after"]["merged"]] == ["owner"]


def test_objects_created_and_archived_in_the_web_survive_a_file_edit(env: Env) -> None:
    h = env.auth("editor_own")
    base = f"/api/v1/periods/{PERIOD}"
    r = env.client.post(f"{base}/key-results", headers=h, json={
        "id": "invites", "objective": "growth/first-week-win", "metric": "activation_rate",
        "title": "Increase 7-day activation of invited accounts from 40% to 44%",
        "baseline": 0.4, "target": 0.44})  # fmt: skip
    assert r.status_code == 201, r.text
    etag = env.client.get(f"{base}/bets/checklist", headers=h).headers["etag"]
    assert env.client.delete(f"{base}/bets/checklist",
                             headers={**h, "If-Match": etag}).status_code == 204
    _patch(env, "bets", "cache", {"hypothesis": "Cached reports load in under a second"},
           role="editor_other")  # fmt: skip
    _edit_file(env, "status: idea", "status: discovery")  # the file: the cache bet's status

    code, out = cli(env, "diff")
    assert code == 1
    assert "mergeable" in out
    code, out = cli(env, "apply")
    assert code == 0, out
    assert _get(env, "key-results", "invites")["target"] == 0.44  # not archived by the file
    assert env.client.get(f"{base}/bets/checklist", headers=h).status_code == 404  # stays gone
    cache = _get(env, "bets", "cache")
    assert (cache["status"], cache["hypothesis"]) == ("discovery",
                                                      "Cached reports load in under a second")
    code, out = cli(env, "export")
    assert code == 0, out
    text = (env.root / FILE).read_text()
    assert "id: invites" in text
    assert "id: checklist" not in text
    assert "Cached reports load in under a second" in text
    assert cli(env, "diff")[0] == 0


def test_archived_in_the_web_but_edited_in_the_file_is_a_conflict(env: Env) -> None:
    h = env.auth("editor_own")
    url = f"/api/v1/periods/{PERIOD}/bets/checklist"
    etag = env.client.get(url, headers=h).headers["etag"]
    assert env.client.delete(url, headers={**h, "If-Match": etag}).status_code == 204
    _edit_file(env, "title: Onboarding checklist", "title: Guided onboarding checklist")
    code, out = cli(env, "diff")
    assert code == 1
    assert "bet 2026-Q4/checklist · (exists): file yes | database no (edited on both sides" in out
    code, out = cli(env, "apply")
    assert code == 1
    assert "would overwrite 1 web edit" in out
    assert env.client.get(url, headers=h).status_code == 404


def test_a_web_kr_under_an_objective_the_file_removed_is_a_conflict(env: Env) -> None:
    h = env.auth("editor_other")
    r = env.client.post(f"/api/v1/periods/{PERIOD}/key-results", headers=h, json={
        "id": "p95", "objective": "platform/fast-reports", "title": "Cut p95 load from 9s to 3s",
        "baseline": 9, "target": 3})  # fmt: skip
    assert r.status_code == 201, r.text
    path = env.root / FILE
    text = path.read_text()
    path.write_text(text[:text.index("  - id: platform/fast-reports")])
    code, out = cli(env, "apply")
    assert code == 1, out
    assert "key result 2026-Q4/p95 · (exists): file no | database yes" in out
    assert _get(env, "key-results", "p95")["target"] == 3
