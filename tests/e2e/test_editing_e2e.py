"""Editing an objective and a bet in the browser, a stale save explained, and importing a
spreadsheet with the coach's preview before confirming — end to end in headless Chromium,
with axe-core on each new page. Its own server: the edits here must not leak into the other
e2e tests' workspace."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from sowhat.domain.period import Period
from sowhat.services.init import current_quarter
from tests.e2e.conftest import _services_workspace, serving
from tests.e2e.test_authoring_e2e import _axe, _login, _sowhat

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def editing_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    today = datetime.now(UTC).date()
    root = _services_workspace(tmp_path_factory.mktemp("editing") / "acme", today)
    with serving(root) as (base, _log):
        yield {"url": base, "root": str(root), "email": "editor@demo.sowhat",
               "password": "sowhat-demo", "period": current_quarter(today)}


def test_edit_an_objective_and_a_bet_in_the_browser(
        browser: Any, editing_server: dict[str, str], shots: Path) -> None:  # fmt: skip
    server = editing_server
    url, period = server["url"], server["period"]
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    _login(page, server)

    page.goto(f"{url}/periods/{period}/objectives/growth/first-week-win")
    page.get_by_role("link", name="Edit objective").click()
    page.wait_for_url(f"{url}/periods/{period}/edit/objectives/growth/first-week-win")
    aligns = page.get_by_role("combobox", name="Aligns to")
    assert aligns.input_value() == "company/customers-stay"
    page.get_by_role("textbox", name="Objective", exact=True).fill(
        "New accounts reach their first win in their first five days")
    page.get_by_role("textbox", name="Owner (optional)").fill("lee@acme.example")
    page.get_by_role("textbox", name="Why it matters (optional)").fill(
        "Accounts that win in week one are twice as likely to stay a year.")
    page.screenshot(path=str(shots / "edit-objective.png"), full_page=True)
    assert not _axe(page)
    page.get_by_role("button", name="Save objective").click()
    page.wait_for_url(f"{url}/periods/{period}/objectives/growth/first-week-win?saved=1")
    assert page.get_by_role("heading", level=1).inner_text() == (
        "New accounts reach their first win in their first five days")
    page.get_by_text("Saved.").wait_for()
    assert "lee@acme.example" in page.locator(".page-head").inner_text()

    # A bet: every field, moved along its flow to shipped.
    page.goto(f"{url}/periods/{period}/bets")
    page.get_by_role("link", name="Edit bet Project templates for the five most common workflows"
                     ).click()  # fmt: skip
    page.wait_for_url(f"{url}/periods/{period}/edit/bets/template-gallery")
    status = page.get_by_role("combobox", name="Status")
    assert status.locator("option").all_inner_texts() == [
        "discovery", "building (now)", "shipped", "stopped"]
    page.get_by_role("textbox", name="Hypothesis").fill(
        "If new admins start from a template, more reach a first project in week one")
    page.get_by_role("textbox", name="By how much").fill("lots")
    page.get_by_role("button", name="Save bet").click()
    # Refused where the person types, with what was typed kept.
    error = page.locator("#err-expects_change")
    error.wait_for()
    assert "expected change" in error.inner_text()
    assert page.get_by_role("textbox", name="By how much").get_attribute("aria-invalid") == "true"
    assert page.get_by_role("textbox", name="Hypothesis").input_value().startswith(
        "If new admins start from a template")
    page.screenshot(path=str(shots / "edit-bet-error.png"), full_page=True)
    page.get_by_role("textbox", name="By how much").fill("+0.03")
    page.get_by_role("textbox", name="We change our mind if").fill(
        "Fewer than one in five new admins pick a template in two weeks")
    page.get_by_role("combobox", name="Status").select_option("shipped")
    page.get_by_label("Shipped on").fill(datetime.now(UTC).date().isoformat())
    page.screenshot(path=str(shots / "edit-bet.png"), full_page=True)
    assert not _axe(page)
    page.get_by_role("button", name="Save bet").click()
    page.wait_for_url(f"{url}/periods/{period}/bets?saved=template-gallery*")
    page.get_by_text("Saved “Project templates for the five most common workflows”").wait_for()
    shipped = page.locator(".lane-shipped")
    assert "Project templates for the five most common workflows" in shipped.inner_text()
    page.close()


def test_a_stale_bet_save_is_explained_and_can_be_saved_again(
        browser: Any, editing_server: dict[str, str], shots: Path) -> None:  # fmt: skip
    server = editing_server
    url, period = server["url"], server["period"]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    mine = context.new_page()
    _login(mine, server)
    theirs = context.new_page()  # another tab of the same person
    edit = f"{url}/periods/{period}/edit/bets/sample-data"
    mine.goto(edit)
    theirs.goto(edit)
    theirs.get_by_role("textbox", name="Hypothesis").fill("Theirs: sample data shows the value")
    theirs.get_by_role("button", name="Save bet").click()
    theirs.wait_for_url(f"{url}/periods/{period}/bets?saved=sample-data*")

    mine.get_by_role("textbox", name="Bet", exact=True).fill("Sample data in every new workspace")
    mine.get_by_role("button", name="Save bet").click()
    alert = mine.locator(".alert.stale")
    alert.wait_for()
    assert "was changed after you opened the page" in alert.inner_text()
    assert "Theirs: sample data shows the value" in alert.inner_text()
    assert mine.get_by_role("textbox", name="Bet", exact=True).input_value() == (
        "Sample data in every new workspace")
    assert alert.get_by_role("link", name="reload the page").get_attribute("href") == (
        f"/periods/{period}/edit/bets/sample-data")
    mine.screenshot(path=str(shots / "edit-bet-stale.png"), full_page=True)
    mine.get_by_role("button", name="Save bet").click()  # having seen theirs: mine wins
    mine.wait_for_url(f"{url}/periods/{period}/bets?saved=sample-data*")
    mine.get_by_text("Saved “Sample data in every new workspace”").wait_for()
    context.close()


def test_import_a_spreadsheet_preview_then_confirm(
        browser: Any, editing_server: dict[str, str], shots: Path,
        tmp_path: Path) -> None:  # fmt: skip
    server = editing_server
    url = server["url"]
    label = Period.parse(server["period"]).next().label
    bad = tmp_path / "plan-with-errors.csv"
    bad.write_text(
        "objective_id,objective,team,kr_id,kr,metric,baseline,target\n"
        "growth/invites,New admins bring their team along,growth,invited-activation,"
        "Increase 7-day activation of invited accounts from 40% to 46%,activation_rate,40%,"
        "46%\n"
        "growth/invites,,growth,gr-activation,Raise activation,nope,0.4,0.5\n")
    good = tmp_path / "plan.csv"
    good.write_text(
        "objective_id,objective,team,owner,kr_id,kr,metric,baseline,target\n"
        "growth/invites,New admins bring their team along,growth,ana@acme.example,"
        "invited-activation,Increase 7-day activation of invited accounts from 40% to 46%,"
        "activation_rate,40%,46%\n"
        "growth/invites,,growth,,invite-flow,Launch the team invite flow,,,1\n")
    page = browser.new_page(viewport={"width": 1280, "height": 900}, bypass_csp=True)
    _login(page, server)
    page.goto(f"{url}/plan")
    page.get_by_role("link", name="import objectives and key results from a spreadsheet").click()
    page.wait_for_url(f"{url}/import")
    assert not _axe(page)
    page.screenshot(path=str(shots / "import.png"), full_page=True)
    page.get_by_role("textbox", name="Period").fill(label)
    page.get_by_label("CSV file").set_input_files(str(bad))
    page.get_by_role("button", name="Preview").click()
    problems = page.locator("#problems")
    problems.wait_for()
    assert "Row 3: metric 'nope' is not defined in metrics.yaml" in problems.inner_text()
    assert page.locator("tr[data-row='3'].refused").count() == 1
    assert page.get_by_role("button", name="Import", exact=False).count() == 0
    page.screenshot(path=str(shots / "import-errors.png"), full_page=True)

    page.get_by_label("CSV file").set_input_files(str(good))
    page.get_by_role("button", name="Preview").click()
    page.get_by_role("heading", name=f"Preview: 2 key results into {label}").wait_for()
    output_row = page.locator("tr[data-row='3']")
    assert "output, not outcome" in output_row.inner_text()
    assert "SW101" in output_row.inner_text()
    assert "outcome" in page.locator("tr[data-row='2']").inner_text()
    assert not _axe(page)
    page.screenshot(path=str(shots / "import-preview.png"), full_page=True)
    assert label not in _sowhat(server["root"], "diff").stdout  # the preview wrote nothing

    page.get_by_role("button", name="Import 1 objective and 2 key results").click()
    page.wait_for_url(f"{url}/periods/{label}/plan?saved=imported*")
    page.get_by_text("Imported 1 objective and 2 key results").wait_for()
    assert page.locator("tr[data-kr]").count() == 2
    page.screenshot(path=str(shots / "import-done.png"), full_page=True)
    page.close()
