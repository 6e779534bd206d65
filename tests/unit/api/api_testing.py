"""A small two-team workspace, applied and with one user per role, for API and page tests."""

from __future__ import annotations

import re
import textwrap
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from unittest.mock import patch

with warnings.catch_warnings():  # starlette asks for httpx2, which is not a dependency
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

from sowhat.api.app import create_app
from sowhat.api.settings import ServerSettings
from sowhat.services.accounts import Scope, create_user, issue_token
from sowhat.services.files import apply_workspace
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

PERIOD = "2026-Q4"
PASSWORD = "correct-horse-1"

CONFIG = """\
[workspace]
name = "Test Co"

[teams.growth]
name = "Growth"

[teams.platform]
name = "Platform"
"""

METRICS = """\
metrics:
  activation_rate:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: project_created}
    within: 7d
    description: New accounts that create a project within 7 days
  weekly_active_teams:
    type: unique
    entity: account_id
    event: workflow_run
"""

OKRS = """\
period: 2026-Q4
north_star: weekly_active_teams
objectives:
  - id: growth/first-week-win
    title: New accounts reach their first win in their first week
    team: growth
    owner: lead@growth.test
    key_results:
      - id: activation
        title: Increase 7-day activation from 40% to 46%
        metric: activation_rate
        baseline: 0.40
        target: 0.46
      - id: nps-manual
        title: Lift the onboarding survey score from 6 to 8
        baseline: 6
        target: 8
        owner: owner@viewer.test
    bets:
      - id: checklist
        title: Onboarding checklist
        expects: {key_result: activation, change: +0.04}
        status: building
  - id: platform/fast-reports
    title: Reports feel instant
    team: platform
    aligns_to: growth/first-week-win
    key_results:
      - id: report-speed
        title: Cut the median report load time from 4 seconds to 1 second
        baseline: 4
        target: 1
        unit: seconds
    bets:
      - id: cache
        title: Cache report queries
        expects: {key_result: report-speed, change: "-50%"}
        status: idea
"""

USERS = {
    "admin": ("admin@test.io", True, ()),
    "editor_own": ("grower@test.io", False, ("growth",)),
    "editor_other": ("platformer@test.io", False, ("platform",)),
    "viewer": ("viewer@test.io", False, ()),
}


@dataclass
class Env:
    root: Path
    client: TestClient
    tokens: dict[str, str]  # role -> write-scoped token (read_token: admin's read token)

    def auth(self, role: str) -> dict[str, str]:
        if role == "anonymous":
            return {}
        return {"Authorization": f"Bearer {self.tokens[role]}"}


def cheap_hashes() -> Any:
    """Argon2 at its cheapest for test users: logins in every test stay fast. The stored
    hash carries its parameters, so the production verify path is still the one exercised."""
    from argon2 import PasswordHasher

    import sowhat.services.accounts as accounts

    return patch.object(accounts, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024,
                                                            parallelism=1))


def make_workspace(root: Path, *, store_url: str | None = None) -> Path:
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / f"{PERIOD}.yaml").write_text(textwrap.dedent(OKRS), encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    store = f'\n[store]\nurl = "{store_url}"\n' if store_url else ""
    (root / "sowhat.toml").write_text(CONFIG + store, encoding="utf-8")
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(ws.root), create=True)
    tokens = {}
    with cheap_hashes(), db.transaction() as session:
        apply_workspace(session=session, workspace=ws, actor="test")
        for role, (email, admin, teams) in USERS.items():
            create_user(session=session, email=email, password=PASSWORD, is_admin=admin,
                        editor_teams=teams, actor="test")
            tokens[role] = issue_token(session=session, email=email, scope=Scope.WRITE,
                                       actor="test").token
        tokens["read_token"] = issue_token(session=session, email=USERS["admin"][0],
                                           scope=Scope.READ, actor="test").token
        create_user(session=session, email="owner@viewer.test", password=PASSWORD, actor="test")
    db.dispose()
    (root / ".tokens").write_text("\n".join(f"{k}={v}" for k, v in tokens.items()))
    return root


def client_for(root: Path) -> TestClient:
    return TestClient(create_app(ServerSettings(workspace=root)))


def read_tokens(root: Path) -> dict[str, str]:
    return dict(line.split("=", 1) for line in (root / ".tokens").read_text().splitlines())


def login(client: TestClient, email: str, password: str = PASSWORD) -> str:
    """Log in through the form; returns the session's CSRF token."""
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token[1], "next": "/"},
                           follow_redirects=False)
    assert response.status_code == 303, response.text
    return csrf_of(client)


def csrf_of(client: TestClient) -> str:
    page = client.get("/metrics")
    m = re.search(r'"X-CSRF-Token": "([^"]+)"', page.text)
    assert m, page.text[:500]
    return m[1]
