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


def test_a_fixed_end_of_data_is_not_told_to_ingest_newer_events(demo_copy: Path) -> None:
    """The demo fixes its data's end (`[events] complete_through = 2026-11-16`); its stale
    banner told every new user to ingest events the demo will never have."""
    with viewer_on(demo_copy) as client:
        html = client.get("/").text
    banner = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))
    assert "fixed by [events] complete_through in sowhat.toml" in banner
    assert "newer events have not arrived" not in banner
    # a workspace whose end is the latest event is still told to ingest
    toml = demo_copy / "sowhat.toml"
    toml.write_text(re.sub(r"(?m)^complete_through.*$", "", toml.read_text("utf-8")), "utf-8")
    with viewer_on(demo_copy, viewer="second@acme.example") as client:
        html = client.get("/").text
    assert "newer events have not arrived: ingest them" in html
