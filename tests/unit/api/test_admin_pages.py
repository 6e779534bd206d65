"""The admin page: users added and disabled, tokens created and revoked, through the same
services as `sowhat user` and `sowhat token`."""

from __future__ import annotations

import re

from api_testing import USERS, Env, login

from sowhat.services.access.tokens import list_tokens


def test_an_admin_creates_and_revokes_a_token_and_disables_a_user(env: Env) -> None:
    csrf = login(env.client, USERS["admin"][0])
    page = env.client.get("/admin")
    assert page.status_code == 200
    assert 'href="/admin"' in page.text  # the nav link, for admins
    made = env.client.post("/admin/tokens", data={"email": USERS["viewer"][0], "scope": "read",
                                                  "name": "dash", "csrf_token": csrf})
    assert made.status_code == 201, made.text
    token = re.search(r'id="issued-token" type="text" readonly value="(sw_[^"]+)"', made.text)
    assert token
    assert env.client.get("/api/v1/me", headers={
        "Authorization": f"Bearer {token[1]}"}).status_code == 200  # fmt: skip
    with env.client.app.state.sowhat.db.transaction(write=False) as session:  # type: ignore[attr-defined]
        mine = next(t for t in list_tokens(session=session) if t.prefix == token[1][:10])
    assert mine.name == "dash"
    gone = env.client.post(f"/admin/tokens/{mine.id}/revoke", data={"csrf_token": csrf},
                           follow_redirects=True)  # fmt: skip
    assert "revoked token" in gone.text
    anon = env.client.get("/api/v1/me", headers={"Authorization": f"Bearer {token[1]}"})
    assert anon.status_code == 401
    added = env.client.post("/admin/users", data={"email": "new@test.io", "role": "editor",
                                                  "teams": "growth", "password": "password",
                                                  "csrf_token": csrf})  # fmt: skip
    assert added.status_code == 400
    assert "guessers" in added.text
    added = env.client.post("/admin/users", data={"email": "new@test.io", "role": "editor",
                                                  "teams": "growth",
                                                  "password": "a-fine-passphrase",
                                                  "csrf_token": csrf}, follow_redirects=True)
    assert "added new@test.io (editor)" in added.text
    off = env.client.post("/admin/users/disable", data={"email": "new@test.io",
                                                        "csrf_token": csrf}, follow_redirects=True)
    assert "new@test.io is disabled" in off.text


def test_non_admins_get_no_admin_page_and_no_link(env: Env) -> None:
    login(env.client, USERS["editor_own"][0])
    assert env.client.get("/admin").status_code == 403
    assert 'href="/admin"' not in env.client.get("/metrics").text
