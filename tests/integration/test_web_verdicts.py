"""Shipped bets show their measured impact, from the workspace's own events, in words."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi.testclient import TestClient

from sowhat.api.app import create_app
from sowhat.api.settings import ServerSettings
from tests.integration.web_demo import viewer_on


def test_verdict_lane_judges_every_shipped_bet(demo_copy: Path) -> None:
    with viewer_on(demo_copy) as client:
        board = client.get("/periods/2026-Q4/bets")
        assert 'hx-get="/periods/2026-Q4/bets/verdicts"' in board.text
        assert "Did the work work?" in board.text
        lane = client.get("/periods/2026-Q4/bets/verdicts")
        assert lane.status_code == 200
        text = lane.text
        slots = re.findall(r'id="verdict-([\w-]+)" hx-swap-oob="true"', text)
        assert len(slots) == 4  # one per shipped bet, swapped into its card on the board
        for slot in slots:
            assert f'id="verdict-{slot}"' in board.text
        assert "judged shipped bets moved their key result" in text
        assert "likely between" in text  # estimates in words, on the KR's scale
        assert "p =" not in text
        listed = client.get("/periods/2026-Q4/bets/verdicts?view=list").text
        for bet in ("Recommendations v2", "In-app help articles and support macros",
                    "Guided onboarding checklist", "Audit logging and compliance export"):
            assert bet in listed
        # Cached: the second view returns the same fragment without recomputing.
        assert client.get("/periods/2026-Q4/bets/verdicts").text == text


def test_verdict_lane_needs_a_login(demo_copy: Path) -> None:
    with TestClient(create_app(ServerSettings(workspace=demo_copy))) as client:
        lane = client.get("/periods/2026-Q4/bets/verdicts", follow_redirects=False)
        assert lane.status_code in (303, 401)
        client.app.state.sowhat.db.dispose()  # type: ignore[attr-defined]
