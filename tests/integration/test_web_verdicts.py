"""Shipped bets show their measured impact, from the workspace's own events, in words."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
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


def test_a_bet_that_ran_an_experiment_says_its_ab_analysis_is_the_evidence(
        demo_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A bet with `experiment:` was shown only its before/after verdict ("too noisy to tell
    yet" of an onboarding change whose A/B test read +9.7 points, p < 0.001), with no word that
    a test existed: its card and `sowhat bets` now point to the experiment's analysis."""
    from sowhat.cli.common import console
    from tests.integration.test_kr_measures import run

    monkeypatch.setattr(console, "_width", 400)  # one line per bet
    path = demo_copy / "okrs" / "2026-Q4.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace("        shipped_on: 2026-10-26\n",
                        "        shipped_on: 2026-10-26\n        experiment: recs-ranking-ab\n", 1)
    path.write_text(text, encoding="utf-8")
    code, out = run("apply", "-w", str(demo_copy))
    assert code == 0, out
    with viewer_on(demo_copy) as client:
        lane = client.get("/periods/2026-Q4/bets/verdicts").text
        listed = client.get("/periods/2026-Q4/bets/verdicts?view=list").text
    cards = dict(re.findall(r'id="verdict-([\w-]+)" hx-swap-oob="true">(.*?)</div>', lane,
                            flags=re.S))
    assert "A/B test:" in cards["recs-v2"]
    assert "recs-ranking-ab" in cards["recs-v2"]
    assert "<code>sowhat experiment analyze FILE</code>" in cards["recs-v2"]
    assert sum("A/B test:" in c for c in cards.values()) == 1  # only the bet that ran one
    # the dashboard's and the KR page's list of verdicts say it too
    item = listed[listed.index("Recommendations v2"):]
    item = item[:item.index("</li>")]
    assert "A/B test:" in item
    assert "recs-ranking-ab" in item
    assert listed.count("A/B test:") == 1
    code, out = run("bets", "-w", str(demo_copy), "--as-of", "2026-11-16")
    assert code == 0, out
    [row] = [line for line in out.splitlines() if line.strip().startswith("recs-v2")]
    assert "ran experiment 'recs-ranking-ab': its A/B analysis is the stronger evidence" in row
