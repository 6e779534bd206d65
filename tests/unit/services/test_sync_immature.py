"""Incremental sync keeps the weeks of a slow-maturing cohort metric that nothing can change
yet: a week that starts less than the outcome window before the as-of holds no mature
entity, so its value is "none measured" whatever the events. A new day recomputes only the
current week and the week whose first entities just matured — and stores exactly what a
full recompute stores."""

from __future__ import annotations

import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sync_testing import sync_workspace

from sowhat.metrics.ingest import ingest
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

METRICS = """\
metrics:
  buyers:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: purchase}
    within: 60d
  signups: {type: count, event: signup}
  buyers_per_signup: {type: ratio, numerator: buyers, denominator: signups}
"""

OKRS = """\
period: 2026-Q4
objectives:
  - id: grow
    title: Grow
    team: growth
    owner: ana@example.com
    key_results:
      - id: buy
        title: More new accounts buy within two months
        metric: buyers
        baseline: 0.1
        target: 0.2
      - id: mixed
        title: Buyers per signup, a cohort part and a count part
        metric: buyers_per_signup
        baseline: 0.1
        target: 0.2
"""

CONFIG = '[workspace]\nname = "Immature"\n\n[teams.growth]\nname = "Growth"\n'
FIRST = date(2026, 6, 1)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _rows(day: date) -> list[dict[str, Any]]:
    """Three signups a day; one account in three buys 10–40 days later (within 60 days)."""
    n = (day - FIRST).days
    out = []
    for k in range(3):
        account = f"a{n}-{k}"
        at = _midnight(day) + timedelta(hours=3 + 5 * k)
        out.append({"event": "signup", "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                    "user_id": f"u{n}-{k}", "account_id": account})
        if (n + k) % 3 == 0:
            bought = at + timedelta(days=10 + (n * 7 + k) % 31)
            out.append({"event": "purchase",
                        "timestamp": bought.strftime("%Y-%m-%dT%H:%M:%SZ"),
                        "user_id": f"u{n}-{k}", "account_id": account})
    return out


def _ingest(root: Path, rows: list[dict[str, Any]], name: str) -> None:
    path = root / "data" / f"{name}.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ingest([path], store=root / ".sowhat" / "events.duckdb", allow_future=True)


def _series(root: Path) -> list[tuple[Any, ...]]:
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    try:
        with db.engine.connect() as conn:
            return [(r[0], date.fromisoformat(str(r[1])), *r[2:]) for r in conn.execute(text(
                "SELECT k.key, s.week, s.phase, s.value, s.entities, s.n, s.sum, "
                "s.sum_squares, s.computed_at FROM kr_series s JOIN key_results k "
                "ON k.id = s.key_result_id ORDER BY 1, 2"))]
    finally:
        db.dispose()


def test_a_new_day_keeps_the_weeks_no_entity_has_matured_in(tmp_path: Path) -> None:
    root = tmp_path / "ws"
    (root / "okrs").mkdir(parents=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    (root / "sowhat.toml").write_text(CONFIG, encoding="utf-8")
    today = date(2026, 11, 16)
    _ingest(root, [r for d in range((today - FIRST).days)
                   for r in _rows(FIRST + timedelta(days=d))], "history")
    sync_workspace(root, _midnight(today))
    before = {(r[0], r[1]): r for r in _series(root)}
    _ingest(root, _rows(today), "today")
    sync_workspace(root, _midnight(today + timedelta(days=1)))
    after = {(r[0], r[1]): r for r in _series(root)}

    redone = {key for key, row in after.items() if before.get(key) != row}
    # Weeks of `buy` that start less than 60 days before the first as-of: none measured in
    # either sync, and kept (their rows, computed_at included, are unchanged) ...
    immature = {key for key in before.keys() & after.keys() if key[0] == "buy"
                and _midnight(key[1]) + timedelta(days=60) > _midnight(today)}
    assert len(immature) >= 8
    assert all(after[k][3] is None and after[k][4] == 0 for k in immature)
    assert not immature & redone
    # ... and the week whose first entities matured with the new day is recomputed; a ratio
    # with a count part reads the events of every such week: recomputed too.
    assert any(k[0] == "buy" and k not in immature for k in redone)
    assert ("mixed", date(2026, 11, 9)) in redone

    # And the stored series is exactly a full recompute's.
    fresh = tmp_path / "full"
    shutil.copytree(root, fresh)
    for leftover in (fresh / ".sowhat").glob("*.db*"):
        leftover.unlink()
    sync_workspace(fresh, _midnight(today + timedelta(days=1)), full=True)
    assert [r[:8] for r in _series(root)] == [r[:8] for r in _series(fresh)]
