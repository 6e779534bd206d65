"""The bets board's verdict lane shows measured impact from the workspace's own events."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from sowhat.api.app import create_app
from sowhat.api.settings import ServerSettings
from sowhat.services.accounts import create_user
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

PASSWORD = "correct horse battery"


def test_verdict_lane_judges_every_shipped_bet(demo_copy: Path) -> None:
    ws = load_workspace(demo_copy)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction() as session:
        create_user(session=session, email="viewer@acme.example", password=PASSWORD,
                    actor="test")
    db.dispose()
    with TestClient(create_app(ServerSettings(workspace=demo_copy))) as client:
        page = client.get("/login")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token
        client.post("/login", data={"email": "viewer@acme.example", "password": PASSWORD,
                                    "csrf_token": token[1], "next": "/"})
        board = client.get("/periods/2026-Q4/bets")
        assert 'hx-get="/periods/2026-Q4/bets/verdicts"' in board.text
        lane = client.get("/periods/2026-Q4/bets/verdicts")
        assert lane.status_code == 200
        text = lane.text
        for bet in ("Recommendations v2", "In-app help articles and support macros",
                    "Guided onboarding checklist", "Audit logging and compliance export"):
            assert bet in text
        assert text.count('class="bet card verdict-card"') == 4
        assert "Did the work work?" in text
        # Cached: the second view returns the same fragment without recomputing.
        assert client.get("/periods/2026-Q4/bets/verdicts").text == text
        client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]


def test_verdict_lane_needs_a_login(demo_copy: Path) -> None:
    with TestClient(create_app(ServerSettings(workspace=demo_copy))) as client:
        lane = client.get("/periods/2026-Q4/bets/verdicts", follow_redirects=False)
        assert lane.status_code in (303, 401)
        client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]
