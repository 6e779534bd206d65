"""End to end in a real browser: log in, read the dashboard, check in, get coached, log out."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.e2e


def _login(page: Any, server: dict[str, str]) -> None:
    page.goto(server["url"] + "/login")
    page.get_by_label("Email").fill(server["email"])
    page.get_by_label("Password").fill(server["password"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server["url"] + "/")


def _period(page: Any) -> str:
    href = page.get_by_role("link", name="Check-in", exact=True).get_attribute("href")
    return str(href).split("/")[2]


def test_a_week_in_the_life(browser: Any, server: dict[str, str], shots: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, server)
    period = _period(page)
    assert page.get_by_role("heading", level=1).inner_text().startswith(period)
    assert page.get_by_role("heading", name="Objectives, the riskiest first").is_visible()
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    # Keyboard: the first Tab lands on the skip link, and it is visible when focused.
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    assert page.locator(".skip").bounding_box()["x"] >= 0

    # Weekly check-in: record the target value on a KR short of it; its progress reads 100%.
    page.goto(f"{server['url']}/periods/{period}/check-in")
    cards = page.locator("article.checkin-card")
    card = None
    for i in range(cards.count()):
        candidate = cards.nth(i)
        if candidate.get_attribute("data-target") and \
                candidate.get_by_role("meter").first.get_attribute("aria-valuenow") != "100":
            card = candidate
            break
    assert card is not None, "no KR short of its target to check in on"
    kr_id = card.get_attribute("data-kr")
    target = card.get_attribute("data-target")
    before = card.get_by_role("meter").first.get_attribute("aria-valuenow")
    card.get_by_label("Value this week").fill(str(target))
    card.get_by_label("Confidence (%)").fill("80")
    card.get_by_label("What changed, and why?").fill(
        "Reviewed with the team: the new onboarding step is live"
    )
    page.screenshot(path=str(shots / "checkin.png"), full_page=True)
    card.get_by_role("button", name=re.compile("Check in|Update check-in")).click()
    saved = page.locator(f"article.checkin-card[data-kr='{kr_id}']", has_text="Check-in saved")
    saved.wait_for()
    after = saved.get_by_role("meter").first.get_attribute("aria-valuenow")
    assert after == "100"
    assert after != before

    # The KR page: chart, and the coach as a person types an output-style title.
    page.goto(f"{server['url']}/periods/{period}/key-results/gr-activation")
    assert page.locator("svg.kr-chart polyline.series").count() == 1
    shipped = page.locator("section[aria-labelledby=bets-h] .status-shipped").count()
    assert page.locator("svg.kr-chart line.launch").count() == shipped
    page.screenshot(path=str(shots / "key-result.png"), full_page=True)
    title = page.get_by_label("Key result title")
    title.fill("")
    title.press_sequentially("Ship audit logs", delay=20)
    findings = page.locator("#findings")
    findings.get_by_text("SW101").wait_for(timeout=10_000)
    assert "Try:" in findings.inner_text()
    wording = page.locator("section[aria-labelledby=edit-h]")
    wording.scroll_into_view_if_needed()
    wording.screenshot(path=str(shots / "key-result-coach.png"))

    for name, path in (("bets", "bets"), ("alignment", "alignment")):
        page.goto(f"{server['url']}/periods/{period}/{path}")
        page.screenshot(path=str(shots / f"{name}.png"), full_page=True)
    assert page.locator(".tree .node").count() >= 3
    page.goto(f"{server['url']}/audit")
    assert "survey" in page.locator("table.audit").inner_text().lower() or \
        page.locator("table.audit tbody tr").count() > 0
    page.screenshot(path=str(shots / "audit.png"))

    # Log out: the session is over, pages send us back to the login form.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(re.compile(r"/login"))
    page.goto(server["url"] + "/")
    assert "/login" in page.url
    page.close()


def test_phone_layout_has_no_horizontal_scroll(browser: Any, server: dict[str, str],
                                               shots: Path) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True)
    _login(page, server)
    period = _period(page)
    for path in ("/", f"/periods/{period}/check-in",
                 f"/periods/{period}/key-results/gr-activation"):
        page.goto(server["url"] + path)
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 1, (path, overflow)
    page.goto(server["url"] + "/")
    page.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)
    page.close()


AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', "
        "'best-practice']})).violations.map(v => v.id + ': ' + v.help)"
    ))


def test_every_page_passes_axe_wcag_aa(browser: Any, server: dict[str, str]) -> None:
    """axe-core's WCAG 2 A/AA and best-practice rules: labels, contrast, landmarks, names.
    (The page's CSP would refuse the injected axe script; the audit is of the content.)"""
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    page.set_content("<html><body><input type=text></body></html>")  # axe must see this
    assert any(v.startswith("label:") for v in _axe(page))
    page.goto(server["url"] + "/login")
    failures = {"login": _axe(page)}
    _login(page, server)
    period = _period(page)
    for name, path in {
        "dashboard": "/", "objective": f"/periods/{period}/objectives/growth/first-week-win",
        "key result": f"/periods/{period}/key-results/gr-activation",
        "check-in": f"/periods/{period}/check-in", "bets": f"/periods/{period}/bets",
        "alignment": f"/periods/{period}/alignment", "audit": "/audit", "metrics": "/metrics",
    }.items():
        page.goto(server["url"] + path)
        failures[name] = _axe(page)
    assert not any(failures.values()), {k: v for k, v in failures.items() if v}
    page.close()
