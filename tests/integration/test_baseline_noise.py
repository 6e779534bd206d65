"""A typed baseline inside its measurement's noise is not flagged; one outside it is — in
lint (SW114), status and sync alike, on events generated here with a known rate."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from sowhat.domain.measure import share_interval
from sowhat.metrics.ingest import ingest
from tests.integration.test_meaningless_zeros import _run, _wide_console  # noqa: F401

LAST = datetime(2026, 10, 20, 12, tzinfo=UTC)
FIRST = datetime(2026, 7, 1, tzinfo=UTC)

METRICS = """\
metrics:
  account_activation:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: project_created}
    within: 7d
  user_activation:
    type: conversion
    entity: user_id
    from: {event: signup}
    to: {event: project_created}
    within: 7d
"""

OKRS = """\
period: 2026-Q4
objectives:
  - id: grow
    title: New teams get value in their first week
    team: growth
    key_results:
      - id: accounts
        title: Raise 7-day activation of new accounts from 30% to 40%
        metric: account_activation
        baseline: 0.30
        target: 0.40
      - id: users
        title: Raise 7-day activation of new users from 30% to 40%
        metric: user_activation
        baseline: 0.30
        target: 0.40
"""

CONFIG = """\
[workspace]
name = "Noise"

[teams.growth]
name = "Growth"
"""


def _events() -> list[dict[str, Any]]:
    """Three new accounts a day, each with twelve users; every account and user activates
    with probability 0.36 — so the 28 days before the period hold ~84 accounts (a rate
    known to ±10 points) and ~1,000 users (±3 points)."""
    rng = random.Random(3)
    rows: list[dict[str, Any]] = []
    day, n = FIRST, 0
    while day < LAST:
        for _ in range(3):
            n += 1
            at = day + timedelta(hours=rng.randrange(1, 20))
            account = f"a{n}"
            if rng.random() < 0.36:
                rows.append({"event": "project_created", "account_id": account,
                             "user_id": None,
                             "timestamp": (at + timedelta(hours=30)).isoformat()})
            for u in range(12):
                user = f"{account}u{u}"
                rows.append({"event": "signup", "account_id": account, "user_id": user,
                             "timestamp": (at + timedelta(minutes=u)).isoformat()})
                if rng.random() < 0.36:
                    rows.append({"event": "project_created", "account_id": None,
                                 "user_id": user,
                                 "timestamp": (at + timedelta(hours=40)).isoformat()})
        day += timedelta(days=1)
    return [r for r in rows if datetime.fromisoformat(r["timestamp"]) <= LAST]


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    (root / "sowhat.toml").write_text(CONFIG, encoding="utf-8")
    data = root / "events.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in _events()), encoding="utf-8")
    ingest([data], store=root / ".sowhat" / "events.duckdb")
    _run("apply", "-w", str(root))
    _run("sync", "-w", str(root), "--as-of", (LAST + timedelta(hours=1)).isoformat())
    return root


def test_a_typed_rate_is_held_against_the_measured_rates_own_noise(ws: Path) -> None:
    data = json.loads(_run("status", "-w", str(ws), "--json"))
    krs = {k["id"]: k for o in data["objectives"] for k in o["key_results"]}
    accounts, users = krs["accounts"], krs["users"]
    # both measured rates sit well over 10% above the typed 30%: material either way
    assert accounts["measured_baseline"] > 0.33
    assert users["measured_baseline"] > 0.33
    # ~84 accounts: 30% is inside their rate's 95% interval, so no different claim
    assert accounts["baseline_disagrees"] is False
    # ~1,000 users measure their rate to a few points: 30% is outside
    low, high = share_interval(users["measured_baseline"], 1000)
    assert not low <= 0.30 <= high
    assert users["baseline_disagrees"] is True
    out = _lint(ws)
    assert "SW114" in out
    assert "user_activation" in out
    assert "account_activation" not in out
    # the finding shows the noise it was judged against
    assert "the rate lies within" in out
    assert "(95%)" in out


def _lint(ws: Path) -> str:
    from typer.testing import CliRunner

    from sowhat.cli.app import app

    result = CliRunner().invoke(app, ["lint", "-w", str(ws)], catch_exceptions=False)
    return " ".join(result.output.split())
