"""A large plan in a real browser: filter the dashboard by team and owner, page through it,
follow the pager to the KR list with the filters kept, and check both pages with axe.

The workspace is a plan of 45 objectives over three teams (135 key results) in the current
quarter, applied by the services and served by a real `sowhat serve`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sowhat.services.files import apply_workspace
from sowhat.services.init import current_quarter
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database
from tests.e2e.conftest import serving

pytestmark = pytest.mark.e2e
AXE = Path(__file__).parent / "vendor" / "axe.min.js"
TEAMS = ("alpha", "beta", "gamma")


def _plan(period: str) -> str:
    out = [f"period: {period}", "objectives:"]
    for n in range(45):
        team = TEAMS[n % 3]
        out += [f"  - id: {team}/o{n:02d}", f"    title: Customers of {team} get value {n:02d}",
                f"    team: {team}", f"    owner: lead{n % 5}@example.com", "    key_results:"]
        for i in range(3):
            out += [f"      - id: k{n:02d}-{i}",
                    f"        title: Raise weekly reports read by admins {n:02d}-{i} from 10 to 20",
                    f"        owner: kr{(n + i) % 4}@example.com",
                    "        baseline: 10", "        target: 20"]
    return "\n".join(out) + "\n"


@pytest.fixture(scope="module")
def big_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    root = tmp_path_factory.mktemp("e2e-big") / "ws"
    (root / "okrs").mkdir(parents=True)
    period = current_quarter(datetime.now(UTC).date())
    (root / "okrs" / f"{period}.yaml").write_text(_plan(period), encoding="utf-8")
    teams = "".join(f'[teams.{t}]\nname = "{t.title()}"\n' for t in TEAMS)
    (root / "sowhat.toml").write_text(f'[workspace]\nname = "Big (e2e)"\n{teams}')
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(root), create=True)
    with db.transaction() as session:
        apply_workspace(session=session, workspace=ws, actor="e2e")
    db.dispose()
    with serving(root) as (base, log):
        m = re.search(r"log in as (admin@\S+) / (\S+)", log.read_text())
        assert m, log.read_text()
        yield {"url": base, "email": m[1], "password": m[2], "period": period}


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', "
        "'best-practice']})).violations.map(v => v.id + ': ' + v.help)"))


def _objectives(page: Any) -> list[str]:
    return [str(h) for h in page.locator("article.objective h3 a").evaluate_all(
        "els => els.map(e => e.getAttribute('href'))")]


def test_filter_and_page_the_dashboard_then_the_kr_list(browser: Any,
                                                        big_server: dict[str, str],
                                                        shots: Path) -> None:  # fmt: skip
    s = big_server
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=False)
    page.goto(s["url"] + "/login")
    page.get_by_label("Email").fill(s["email"])
    page.get_by_label("Password").fill(s["password"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(s["url"] + "/")
    assert len(_objectives(page)) == 20
    pager = page.get_by_role("navigation", name="Pages of objectives")
    assert "Objectives 1–20 of 45" in pager.inner_text()
    page.screenshot(path=str(shots / "dashboard-large.png"), full_page=True)

    # filter: team beta, owner lead1 — by the form, as a person would
    page.get_by_label("Team", exact=True).select_option("beta")
    page.get_by_label("Owner", exact=True).fill("lead1@example.com")
    page.get_by_role("button", name="Filter").click()
    page.wait_for_url(re.compile(r"team=beta&owner=lead1%40example\.com"))
    shown = _objectives(page)
    # beta is n % 3 == 1, lead1 is n % 5 == 1: n = 1, 16, 31
    assert sorted(shown) == [f"/periods/{s['period']}/objectives/beta/o{n:02d}"
                             for n in (1, 16, 31)]
    assert page.get_by_label("Team", exact=True).input_value() == "beta"

    # the unfiltered team list has one page of 15; pages of every objective: 3
    page.goto(s["url"] + f"/periods/{s['period']}?team=gamma")
    assert len(_objectives(page)) == 15
    page.goto(s["url"] + "/")
    page.get_by_role("link", name="Page 3").click()
    page.wait_for_url(re.compile(r"page=3"))
    assert len(_objectives(page)) == 5
    current = page.locator('.pager a[aria-current="page"]')
    assert current.inner_text().strip().endswith("3")

    # KR list: filtered by team, paged, and the pager keeps the filter
    page.goto(s["url"] + f"/periods/{s['period']}/key-results?owner=kr2@example.com")
    rows = page.locator("table.kr-table tbody tr")
    # kr2 owns KR i of objective n when (n + i) % 4 == 2: 34 of the 135
    assert "Key results 1–34 of 34" in page.get_by_role(
        "navigation", name="Pages of key results").inner_text()
    assert rows.count() == 34
    page.goto(s["url"] + f"/periods/{s['period']}/key-results?team=alpha")
    assert rows.count() == 45
    page.goto(s["url"] + f"/periods/{s['period']}/key-results")
    assert rows.count() == 50
    page.get_by_role("link", name="Next page").click()
    page.wait_for_url(re.compile(r"key-results\?page=2"))
    assert rows.count() == 50
    page.goto(s["url"] + f"/periods/{s['period']}/key-results?team=beta&owner=kr0@example.com")
    page.get_by_role("link", name=re.compile("Dashboard with these filters")).click()
    page.wait_for_url(re.compile(r"team=beta&owner=kr0%40example\.com"))
    assert page.get_by_label("Owner", exact=True).input_value() == "kr0@example.com"
    page.screenshot(path=str(shots / "dashboard-filtered.png"), full_page=True)
    page.close()

    audit = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    audit.goto(s["url"] + "/login")
    audit.get_by_label("Email").fill(s["email"])
    audit.get_by_label("Password").fill(s["password"])
    audit.get_by_role("button", name="Log in").click()
    audit.wait_for_url(s["url"] + "/")
    failures: dict[str, list[str]] = {}
    audit.goto(s["url"] + "/?page=2")
    failures["dashboard page 2"] = _axe(audit)
    audit.goto(s["url"] + f"/periods/{s['period']}/key-results?team=alpha&page=1")
    audit.screenshot(path=str(shots / "key-results.png"), full_page=True)
    failures["key results"] = _axe(audit)
    assert not any(failures.values()), failures
    audit.close()
