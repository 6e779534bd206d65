"""The import page: upload a CSV, see the coach's verdict on every row and every refusal with
its row number before anything is written, then confirm. The same service as `sowhat import`."""

from __future__ import annotations

import re
from typing import Any

from api_testing import USERS, Env, login

from sowhat.services.authoring.csv_import import COLUMNS

CSV = (
    "objective_id,objective,team,kr_id,kr,metric,baseline,target\n"
    "growth/invite,New admins bring their team along,growth,invites,"
    "Increase 7-day activation of invited accounts from 40% to 45%,activation_rate,40%,45%\n"
    "growth/invite,,growth,invite-flow,Launch the invite flow,,,1\n"
)


def _upload(env: Env, csrf: str, text: str, period: str = "2027-Q1",
            name: str = "plan.csv") -> Any:  # fmt: skip
    return env.client.post("/import", data={"period": period, "csrf_token": csrf},
                           files={"file": (name, text.encode("utf-8-sig"), "text/csv")},
                           follow_redirects=False)  # fmt: skip


def _hidden(html: str, name: str) -> str:
    m = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert m, html[:3000]
    import html as h

    return h.unescape(m[1])


def _period(env: Env, label: str = "2027-Q1") -> int:
    return int(env.client.get(f"/api/v1/periods/{label}", headers=env.auth("admin")).status_code)


def test_the_page_documents_the_columns(env: Env) -> None:
    login(env.client, USERS["editor_own"][0])
    page = env.client.get("/import")
    assert page.status_code == 200
    assert 'value="2027-Q1"' in page.text  # the period after the latest stored one
    for column in COLUMNS:
        assert f"<code>{column}</code>" in page.text
    assert 'enctype="multipart/form-data"' in page.text


def test_preview_shows_the_coach_on_every_row_and_writes_nothing(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    preview = _upload(env, csrf, CSV)
    assert preview.status_code == 200, preview.text
    rows = re.findall(r'<tr data-row="(\d+)"', preview.text)
    assert rows == ["2", "3"]
    third = preview.text.split('data-row="3"')[1].split("</tr>")[0]
    assert "output, not outcome" in third
    assert "SW101" in third
    second = preview.text.split('data-row="2"')[1].split("</tr>")[0]
    assert "output, not outcome" not in second
    assert "Nothing is saved yet" in preview.text
    assert "Import 1 objective and 2 key results" in preview.text
    assert _period(env) == 404  # nothing written, not even the draft period
    assert _hidden(preview.text, "text") == CSV


def test_confirm_writes_what_the_preview_showed(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    preview = _upload(env, csrf, CSV)
    confirm = env.client.post("/import/confirm", data={
        "period": "2027-Q1", "name": "plan.csv", "text": _hidden(preview.text, "text"),
        "csrf_token": csrf}, follow_redirects=False)  # fmt: skip
    assert confirm.status_code == 303, confirm.text
    assert confirm.headers["location"].startswith("/periods/2027-Q1/plan?saved=imported")
    assert "Imported 1 objective and 2 key results" in env.client.get(
        confirm.headers["location"]).text
    krs = env.client.get("/api/v1/periods/2027-Q1/key-results",
                         headers=env.auth("admin")).json()["items"]
    assert [(k["id"], k["baseline"], k["target"]) for k in krs] == [
        ("invites", 0.4, 0.45), ("invite-flow", None, 1.0)]
    audit = env.client.get("/api/v1/audit", params={"limit": 10},
                           headers=env.auth("admin")).json()["items"]
    assert {e["actor"] for e in audit if e["entity_key"].startswith("2027-Q1")} == {
        "grower@test.io"}
    # Confirming the same file again: every row refused with its number, nothing doubled.
    again = env.client.post("/import/confirm", data={
        "period": "2027-Q1", "name": "plan.csv", "text": CSV, "csrf_token": csrf},
        follow_redirects=False)  # fmt: skip
    assert again.status_code == 422
    assert "Row 2: a key result &#39;invites&#39; exists already in 2027-Q1" in again.text
    assert "Row 3: a key result &#39;invite-flow&#39; exists already" in again.text
    assert "Import 0 objective" not in again.text
    assert len(env.client.get("/api/v1/periods/2027-Q1/key-results",
                              headers=env.auth("admin")).json()["items"]) == 2


def test_refusals_are_listed_per_row_before_anything_is_written(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    text = ("objective_id,objective,team,kr_id,kr,metric,target\n"
            "growth/a,Admins succeed,growth,ok-kr,Increase activation from 40% to 45%,"
            "activation_rate,0.45\n"
            "platform/b,Reports are fast,platform,speed,Cut load time from 4s to 1s,,1\n"
            "growth/a,,growth,bad-metric,Increase it from 1 to 2,nope,2\n")
    preview = _upload(env, csrf, text, name="sheet.csv")
    assert preview.status_code == 403  # a row she may not write: forbidden, not malformed
    assert "2 rows need fixing" in preview.text
    assert re.search(r"Row 3: [^<]*objective platform/b", preview.text)  # not her team
    assert "Row 4: metric &#39;nope&#39; is not defined in metrics.yaml" in preview.text
    assert "Row 2:" not in preview.text
    assert 'action="/import/confirm"' not in preview.text  # no way to confirm
    assert re.search(r'<tr data-row="3" class="refused">', preview.text)
    assert _period(env) == 404
    # Without the row she may not write, the other refusal is a plain 422.
    only_metric = "\n".join(line for line in text.splitlines() if "platform" not in line)
    again = _upload(env, csrf, only_metric + "\n", name="sheet.csv")
    assert again.status_code == 422
    assert "1 row needs fixing" in again.text


def test_bad_cells_and_columns_name_their_row(env: Env) -> None:
    csrf = login(env.client, USERS["editor_own"][0])
    bad = _upload(env, csrf, "objective_id,kr_id,kr,target\no,k1,Raise it,lots\no,,Raise it,2\n")
    assert bad.status_code == 422
    assert "Row 2: target &#39;lots&#39; is not a number" in bad.text
    assert "Row 3: empty kr_id" in bad.text
    cols = _upload(env, csrf, "objective,kr_id,kr,target,colour\n")
    assert cols.status_code == 422
    assert "Header: unknown column colour; missing column objective_id" in cols.text
    latin = env.client.post("/import", data={"period": "2027-Q1", "csrf_token": csrf},
                            files={"file": ("x.csv", "objective_id,kr\né".encode("latin-1"),
                                            "text/csv")})  # fmt: skip
    assert latin.status_code == 400
    assert "is not UTF-8 text" in latin.text
    period = _upload(env, csrf, CSV, period="next quarter")
    assert period.status_code == 400
    assert "period &#39;next quarter&#39;" in period.text


def test_viewers_cannot_import(env: Env) -> None:
    csrf = login(env.client, USERS["viewer"][0])
    assert "Only editors can import" in env.client.get("/import").text
    assert _upload(env, csrf, CSV).status_code == 403
    confirm = env.client.post("/import/confirm", data={
        "period": "2027-Q1", "text": CSV, "csrf_token": csrf}, follow_redirects=False)
    assert confirm.status_code == 403
    assert "may not plan a period" in confirm.text
    assert 'action="/import/confirm"' not in confirm.text
    assert _period(env) == 404
