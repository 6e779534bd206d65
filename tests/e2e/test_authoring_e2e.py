"""Writing OKRs in the browser, end to end: plan a new period, write an objective with two
KRs and a guardrail while the coach reacts, publish, then `sowhat export` writes the file and
`sowhat apply` afterwards changes nothing. Plus axe-core on every authoring page.

The workspace is the e2e one plus six months of generated signup and project events, so the
measured baseline has something to measure; it gets its own server.
"""

from __future__ import annotations

import csv
import random
import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import BIN, _services_workspace, serving

pytestmark = pytest.mark.e2e
AXE = Path(__file__).parent / "vendor" / "axe.min.js"


def _events(path: Path, today: datetime) -> None:
    """Signups every day for 26 weeks; 42% create a project within a few days."""
    rng = random.Random(15)
    start = today - timedelta(weeks=26)
    with path.open("w", newline="") as f:
        out = csv.writer(f)
        out.writerow(["event", "timestamp", "user_id", "account_id"])
        n = 0
        day = start
        while day < today - timedelta(days=1):
            for _ in range(12):
                n += 1
                at = day + timedelta(minutes=rng.randrange(24 * 60))
                account = f"acct-{n}"
                out.writerow(["signup", at.isoformat(), f"u-{n}", account])
                if rng.random() < 0.42:
                    done = at + timedelta(hours=rng.randrange(1, 6 * 24))
                    if done < today:
                        out.writerow(["project_created", done.isoformat(), f"u-{n}", account])
                for w in range(rng.randrange(0, 4)):
                    run = at + timedelta(days=w * 7 + 1)
                    if run < today:
                        out.writerow(["workflow_run", run.isoformat(), f"u-{n}", account])
            day += timedelta(days=1)


@pytest.fixture(scope="module")
def authoring_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    now = datetime.now(UTC).replace(microsecond=0)
    root = _services_workspace(tmp_path_factory.mktemp("authoring") / "acme", now.date())
    _events(root / "events.csv", now)
    subprocess.run([str(BIN / "sowhat"), "ingest", str(root / "events.csv"), "-w", str(root)],
                   check=True, capture_output=True, timeout=300)
    with serving(root) as (base, _log):
        yield {"url": base, "root": str(root), "email": "editor@demo.sowhat",
               "password": "sowhat-demo"}


def _login(page: Any, server: dict[str, str]) -> None:
    page.goto(server["url"] + "/login")
    page.get_by_label("Email").fill(server["email"])
    page.get_by_label("Password").fill(server["password"])
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url(server["url"] + "/")


def _axe(page: Any) -> list[str]:
    page.add_script_tag(path=str(AXE))
    return list(page.evaluate(
        "async () => (await axe.run(document, {runOnly: ['wcag2a', 'wcag2aa', "
        "'best-practice']})).violations.map(v => v.id + ': ' + v.help)"
    ))


def _sowhat(root: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(BIN / "sowhat"), *args, "-w", root], capture_output=True,
                          text=True, timeout=120, check=False,
                          env={"PATH": "/usr/bin:/bin", "SOWHAT_ACTOR": "cli:e2e",
                               "COLUMNS": "200"})  # fmt: skip


def test_plan_write_with_the_coach_publish_export_apply(
        browser: Any, authoring_server: dict[str, str], shots: Path) -> None:  # fmt: skip
    server = authoring_server
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    _login(page, server)
    page.get_by_role("link", name="Plan", exact=True).click()
    label = page.get_by_role("textbox", name="Period").input_value()
    page.get_by_role("button", name="Start planning").click()
    page.wait_for_url(f"{server['url']}/periods/{label}/plan")

    page.get_by_role("link", name="+ Objective").click()
    page.get_by_role("textbox", name="Objective", exact=True).fill(
        "New admins bring their team along in their first week")
    page.get_by_role("textbox", name="Id", exact=True).fill("growth/team-along")
    page.get_by_role("combobox", name="Team", exact=True).select_option("growth")
    page.get_by_role("button", name="Create objective").click()
    page.wait_for_url(f"{server['url']}/periods/{label}/plan")

    # First KR: an output-style title gets the coach's objection; the metric brings the
    # measured baseline (filled into the empty baseline field) with its window.
    page.get_by_role("link", name="+ Key result").click()
    title = page.get_by_role("textbox", name="Key result", exact=True)
    title.press_sequentially("Launch the team invite flow", delay=15)
    panel = page.locator("#kr-check")
    panel.get_by_text("SW101").wait_for(timeout=15_000)
    assert "output" in panel.inner_text()
    page.get_by_role("combobox", name="Metric", exact=True).select_option("activation_rate")
    panel.get_by_role("heading", name="Measured baseline").wait_for(timeout=30_000)
    measured = panel.locator("[data-measured]").get_attribute("data-measured")
    assert measured, panel.inner_text()
    baseline = page.get_by_role("textbox", name="Baseline", exact=True)
    page.wait_for_function("document.getElementById('kr-baseline').value !== ''",
                           timeout=15_000)
    assert abs(float(baseline.input_value()) - float(measured)) < 1e-3
    assert 0.3 < float(measured) < 0.55  # 42% planted, by construction of the events
    page.screenshot(path=str(shots / "author-kr-output.png"), full_page=True)
    title.fill("Increase 7-day activation of new accounts from 42% to 50%")
    page.get_by_role("textbox", name="Target", exact=True).fill("0.5")
    page.get_by_role("textbox", name="Id", exact=True).fill("team-activation")
    panel.get_by_role("heading", name="If nothing changes").wait_for(timeout=30_000)
    panel.get_by_text("Reads as an").wait_for()
    page.screenshot(path=str(shots / "author-kr.png"), full_page=True)
    page.get_by_role("button", name="Create key result").click()
    page.wait_for_url(f"{server['url']}/periods/{label}/key-results/team-activation?saved=1")

    page.goto(f"{server['url']}/periods/{label}/new/key-result?objective=growth/team-along")
    page.get_by_role("textbox", name="Key result", exact=True).fill(
        "Increase 7-day activation of invited accounts from 42% to 47%")
    page.get_by_role("textbox", name="Id", exact=True).fill("invited-activation")
    page.get_by_role("combobox", name="Metric", exact=True).select_option("activation_rate")
    page.get_by_role("textbox", name="Baseline", exact=True).fill("0.42")
    page.get_by_role("textbox", name="Target", exact=True).fill("47%")
    page.get_by_role("button", name="Create key result").click()
    page.wait_for_url(f"{server['url']}/periods/{label}/key-results/invited-activation?saved=1")

    page.goto(f"{server['url']}/periods/{label}/new/guardrail?objective=growth/team-along")
    page.get_by_role("combobox", name="Metric", exact=True).select_option("weekly_active_teams")
    page.get_by_role("combobox", name="Must not", exact=True).select_option("min_change")
    page.get_by_role("textbox", name="Amount", exact=True).fill("-5%")
    page.get_by_role("combobox", name="Measured over", exact=True).select_option("7d")
    page.get_by_role("button", name="Add guardrail").click()
    page.wait_for_url(f"{server['url']}/periods/{label}/objectives/growth/team-along")
    # a change bound over the trailing week, said as such on the objective page
    page.get_by_text("must not fall more than 5%, over the trailing 7 days").wait_for()

    page.goto(f"{server['url']}/periods/{label}/plan")
    rows = page.locator("tr[data-kr]")
    assert rows.count() == 2
    assert page.locator(".verdict-badge").count() == 2
    page.screenshot(path=str(shots / "plan.png"), full_page=True)
    page.get_by_role("button", name=f"Publish {label}").click()
    page.get_by_text("Published.").wait_for()
    page.close()

    exported = _sowhat(server["root"], "export")
    assert exported.returncode == 0, exported.stdout + exported.stderr
    written = Path(server["root"]) / "okrs" / f"{label}.yaml"
    text = written.read_text()
    for needle in ("growth/team-along", "team-activation", "invited-activation",
                   "weekly_active_teams", "target: 0.47", "over: 7d"):
        assert needle in text, text
    applied = _sowhat(server["root"], "apply")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    assert "No changes" in applied.stdout
    assert _sowhat(server["root"], "diff").returncode == 0


def test_authoring_pages_pass_axe(browser: Any, authoring_server: dict[str, str]) -> None:
    server = authoring_server
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    _login(page, server)
    httpx_period = page.evaluate("document.querySelector('a[href$=\"/check-in\"]').href")
    period = str(httpx_period).split("/")[4]
    failures = {}
    for name, path in {
        "plan index": "/plan", "plan": f"/periods/{period}/plan",
        "new objective": f"/periods/{period}/new/objective",
        "new key result": f"/periods/{period}/new/key-result?objective=growth/first-week-win",
        "edit key result": f"/periods/{period}/edit/key-results/gr-activation",
        "new guardrail": f"/periods/{period}/new/guardrail",
        "new bet": f"/periods/{period}/new/bet",
    }.items():
        page.goto(server["url"] + path)
        failures[name] = _axe(page)
    # The panel after htmx filled it (findings, measured baseline, ambition).
    page.goto(f"{server['url']}/periods/{period}/edit/key-results/gr-activation")
    page.get_by_role("combobox", name="Metric", exact=True).select_option("activation_rate")
    page.locator("#kr-check").get_by_role("heading", name="Measured baseline").wait_for(
        timeout=30_000)
    failures["key result panel"] = _axe(page)
    assert not any(failures.values()), {k: v for k, v in failures.items() if v}
    page.close()
