"""A real `sowhat serve` on a free loopback port, and a headless Chromium to drive it.

The workspace is built by the services (init's layout, apply, a few weeks of check-ins) in a
period that covers today, so the tests never depend on the calendar. SOWHAT_E2E_DEMO=1 runs
the same tests on `sowhat demo` instead (richer — synced series, forecasts — but about a
minute slower on two cores). Screenshots go to a temporary folder, or to
$SOWHAT_SCREENSHOTS_DIR; the ones in docs/ are refreshed with
`SOWHAT_E2E_DEMO=1 SOWHAT_SCREENSHOTS_DIR=docs/screenshots pytest tests/e2e`.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from sowhat.domain.okr import CheckInSource
from sowhat.domain.period import Period, week_start
from sowhat.services.checkins import record_checkin
from sowhat.services.files import apply_workspace
from sowhat.services.init import current_quarter
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

CHROMIUM = "/usr/bin/chromium"
BIN = Path(sys.executable).parent

CONFIG = """\
[workspace]
name = "Acme (e2e)"

[teams.company]
name = "Company"

[teams.growth]
name = "Growth"
parent = "company"

[teams.platform]
name = "Platform"
parent = "company"
"""

METRICS = """\
metrics:
  activation_rate:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: project_created}
    within: 7d
    description: New accounts that create a project within 7 days of signup
  weekly_active_teams:
    type: unique
    entity: account_id
    event: workflow_run
    description: Accounts that run at least one workflow in the week
"""

OKRS = """\
period: {period}
north_star: weekly_active_teams
objectives:
  - id: company/customers-stay
    title: Customers get enough value from Acme to stay and grow with us
    team: company
    owner: maya@acme.example
    key_results:
      - id: co-active-teams
        title: Grow the accounts running workflows every week from 1000 to 1300
        baseline: 1000
        target: 1300
  - id: growth/first-week-win
    title: New accounts reach their first win in their first week
    team: growth
    owner: ana@acme.example
    aligns_to: company/customers-stay
    key_results:
      - id: gr-activation
        title: Increase 7-day activation of new accounts from 40% to 46%
        baseline: 0.40
        target: 0.46
      - id: gr-survey
        title: Lift the onboarding survey score of new admins from 6.0 to 8.0
        baseline: 6
        target: 8
    guardrails:
      - {{metric: weekly_active_teams, min_change: "-5%"}}
    bets:
      - id: onboarding-checklist
        title: Guided onboarding checklist for mid-sized accounts
        hypothesis: If admins see the three steps to a first project, more finish in week one
        expects: {{key_result: gr-activation, change: +0.04}}
        change_mind_if: Fewer than 30% of new admins open the checklist in two weeks
        status: shipped
        shipped_on: {shipped}
      - id: template-gallery
        title: Project templates for the five most common workflows
        expects: {{key_result: gr-activation, change: +0.02}}
        status: building
      - id: sample-data
        title: Sample data in new workspaces
        expects: {{key_result: gr-survey, change: +0.5}}
        status: idea
  - id: platform/fast-reports
    title: Reports feel instant to the people who read them
    team: platform
    owner: dana@acme.example
    aligns_to: company/customers-stay
    key_results:
      - id: pl-report-speed
        title: Cut the median report load time from 4 seconds to 1 second
        baseline: 4
        target: 1
        unit: seconds
    bets:
      - id: query-cache
        title: Cache report queries per account
        expects: {{key_result: pl-report-speed, change: "-50%"}}
        status: discovery
"""


def _services_workspace(root: Path, today: date) -> Path:
    label = current_quarter(today)
    period = Period.parse(label)
    shipped = max(period.start, today - timedelta(days=21))
    (root / "okrs").mkdir(parents=True)
    (root / "sowhat.toml").write_text(CONFIG, encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    (root / "okrs" / f"{label}.yaml").write_text(
        textwrap.dedent(OKRS).format(period=label, shipped=shipped.isoformat()), encoding="utf-8"
    )
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(ws.root), create=True)
    weeks = []
    monday = week_start(period.start)
    while monday < week_start(today):
        weeks.append(monday)
        monday += timedelta(days=7)
    start = {"co-active-teams": 1000.0, "gr-activation": 0.40, "gr-survey": 6.0,
             "pl-report-speed": 4.0}
    step = {"co-active-teams": 18.0, "gr-activation": 0.004, "gr-survey": 0.1,
            "pl-report-speed": -0.15}
    with db.transaction() as session:
        apply_workspace(session=session, workspace=ws, actor="e2e-setup")
    for i, monday in enumerate(weeks[-8:]):
        with db.transaction() as session:
            for kr, base in start.items():
                wobble = (-1) ** i * 0.3 * step[kr]
                record_checkin(
                    session=session, kr_id=kr, period=label, value=base + step[kr] * i + wobble,
                    confidence=min(0.9, 0.45 + 0.04 * i), note=None, blockers=None,
                    source=CheckInSource.MANUAL, actor="ana@acme.example", week=monday,
                    now=datetime.combine(monday + timedelta(days=4), datetime.min.time(), UTC),
                )
    db.dispose()
    return root


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def workspace(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("e2e") / "acme"
    if os.environ.get("SOWHAT_E2E_DEMO"):
        subprocess.run([str(BIN / "sowhat"), "demo", str(root), "--events", "100k"],
                       check=True, capture_output=True, timeout=900)
        return root
    return _services_workspace(root, datetime.now(UTC).date())


@contextmanager
def serving(root: Path, *extra: str) -> Iterator[tuple[str, Path]]:
    """`sowhat serve --demo` on `root` as a real process on a free port: yields its URL and
    its log once /api/v1/health answers, and stops it afterwards (each e2e module that needs
    its own workspace starts one the same way)."""
    port = _free_port()
    log = root.parent / "serve.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            [str(BIN / "sowhat"), "serve", "-w", str(root), "--host", "127.0.0.1",
             "--port", str(port), "--demo", *extra], stdout=out, stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180  # a loaded CI machine starts slowly
        while True:
            try:
                if httpx.get(base + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"sowhat serve did not start:\n{log.read_text()}")
            time.sleep(0.3)
        yield base, log
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()


@pytest.fixture(scope="session")
def server(workspace: Path) -> Iterator[dict[str, str]]:
    """`sowhat serve --demo` as a real process; yields its URL and the printed login."""
    with serving(workspace) as (base, log):
        printed = log.read_text()
        m = re.search(r"log in as (editor@\S+) / (\S+)", printed)
        assert m, printed
        yield {"url": base, "email": m[1], "password": m[2]}


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Chromium is not installed (scripts/test-services.sh installs it)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                  "--disable-background-networking"],
        )
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = os.environ.get("SOWHAT_SCREENSHOTS_DIR")
    folder = Path(target) if target else tmp_path_factory.mktemp("screenshots")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
