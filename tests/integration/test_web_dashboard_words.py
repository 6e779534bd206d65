"""The dashboard's "What changed this week" reads as sentences (found using the demo as a PM:
a breached guardrail read "nps: nps fell from 38.2 to 24.5 ...")."""

from __future__ import annotations

import re
from pathlib import Path

from sqlalchemy import text

from sowhat.domain.okr import Change, Guardrail
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database
from tests.integration.web_demo import viewer_on


def _breach_nps(demo_copy: Path) -> str:
    """The big demo breaches its NPS guardrails; the tests' small one does not, so its
    stored checks are given the verdict a sync writes for the big demo's values."""
    reason = Guardrail(metric="nps", min_change=Change.parse(-3)).breached(38.2, 24.5, "points")
    assert reason is not None
    ws = load_workspace(demo_copy)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction() as session:
        done = session.execute(text(
            "UPDATE guardrail_checks SET breached = true, baseline = 38.2, current = 24.5, "
            "reason = :r WHERE guardrail_id IN (SELECT id FROM guardrails WHERE metric = 'nps')"),
            {"r": reason})
        assert done.rowcount >= 1  # type: ignore[attr-defined]
    db.dispose()
    return reason


def test_a_breached_guardrail_names_its_metric_once(demo_copy: Path) -> None:
    reason = _breach_nps(demo_copy)
    assert reason.startswith("nps fell from 38.2 to 24.5")
    with viewer_on(demo_copy) as client:
        html = client.get("/").text
    items = re.findall(r'<li class="bad-item">(.*?)</li>', html, re.S)
    assert items
    for item in items:
        assert "<strong>nps</strong> fell from 38.2 to 24.5 (-13.7 pts)" in item, item
        assert "nps: nps" not in item
