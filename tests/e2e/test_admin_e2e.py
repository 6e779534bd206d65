"""The admin page in a real browser: create a token, see it once, revoke it; add a user and
disable them; axe-core finds no WCAG 2 A/AA violation on the page."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.e2e
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', "
        "'best-practice']})).violations.map(v => v.id + ': ' + v.help)"
    ))


def _admin_login(page: Any, server: dict[str, str], workspace: Path) -> None:
    log = (workspace.parent / "serve.log").read_text()
    m = re.search(r"log in as (admin@\S+) / (\S+)", log)
    assert m, log
    page.goto(server["url"] + "/login")
    page.get_by_label("Email").fill(m[1])
    page.get_by_label("Password").fill(m[2])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server["url"] + "/")


def test_admin_creates_and_revokes_a_token_and_disables_a_user(
    browser: Any, server: dict[str, str], workspace: Path
) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    _admin_login(page, server, workspace)
    page.get_by_role("link", name="Admin", exact=True).click()
    page.wait_for_url(server["url"] + "/admin")
    assert _axe(page) == []
    page.get_by_label("What it is for").fill("e2e")
    page.get_by_role("button", name="Create token").click()
    token = page.get_by_role("textbox", name="Token", exact=True).input_value()
    assert token.startswith("sw_")
    assert _axe(page) == []
    auth = {"Authorization": f"Bearer {token}"}
    assert httpx.get(server["url"] + "/api/v1/me", headers=auth).status_code == 200
    page.get_by_role("button", name=f"Revoke token {token[:10]}").click()
    assert page.get_by_role("status").inner_text().startswith("revoked token")
    assert httpx.get(server["url"] + "/api/v1/me", headers=auth).status_code == 401

    page.get_by_label("Email").fill("e2e.person@demo.sowhat")
    page.get_by_label("Password", exact=True).fill("a-fine-passphrase")
    page.get_by_role("button", name="Add user").click()
    assert "added e2e.person@demo.sowhat" in page.get_by_role("status").inner_text()
    page.get_by_role("button", name="Disable e2e.person@demo.sowhat").click()
    assert "is disabled" in page.get_by_role("status").inner_text()
    assert _axe(page) == []
    page.close()
