"""Per-day digests cached by ingest, for a store without a per-day ledger (written before
it existed; the ledger is tests/unit/metrics/test_day_ledger.py): the cached answer always
equals a full recompute.

Only the days that rows of newer ingests fall on are recomputed; a deleted or edited row of
an older ingest (by hand, in the store) fails the cache's check and every day is recomputed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sowhat.metrics import digest
from sowhat.metrics.digest import day_digests
from sowhat.metrics.ingest import ingest
from sowhat.metrics.source import EventSource


def load(root: Path, name: str, rows: list[tuple[str, str, str]]) -> None:
    """Ingest the rows, then drop the ledger: a store as an older version left it."""
    path = root / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"event": e, "userId": u, "timestamp": t,
                                        "properties": {}}) + "\n" for e, u, t in rows),
                    encoding="utf-8")
    ingest([path], store=root / ".sowhat" / "events.duckdb", allow_future=True)
    edit(root, "DROP TABLE day_ledger")


def both(root: Path) -> tuple[dict[Any, str], dict[Any, str]]:
    events = EventSource.duckdb(root / ".sowhat" / "events.duckdb")
    try:
        return day_digests(events) or {}, day_digests(events, cached=False) or {}
    finally:
        events.close()


def edit(root: Path, sql: str) -> None:
    with duckdb.connect(str(root / ".sowhat" / "events.duckdb")) as con:
        con.execute(sql)


def test_cached_digests_equal_a_recompute_after_ingests_deletes_and_edits(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / ".sowhat").mkdir()
    load(tmp_path, "a", [("visit", "u1", "2026-11-02T10:00:00Z"),
                         ("visit", "u2", "2026-11-03T10:00:00Z"),
                         ("signup", "u3", "2026-11-03T11:00:00Z")])
    cached, fresh = both(tmp_path)
    assert cached == fresh
    assert len(fresh) == 3
    # A new ingest: only the days its rows fall on are recomputed (one of them old: late).
    recomputed: list[str] = []
    real = digest._by_ingest

    def spy(con: Any, folder: Path, source: str, table: str, day: str, name: str,
            compute: Callable[..., Any]) -> Any:
        def watched(where: str = "") -> Any:
            recomputed.append(where)
            return compute(where)
        return real(con, folder, source, table, day, name, watched)

    monkeypatch.setattr(digest, "_by_ingest", spy)
    load(tmp_path, "b", [("visit", "u4", "2026-11-02T12:00:00Z"),
                         ("visit", "u5", "2026-11-09T12:00:00Z")])
    cached, fresh = both(tmp_path)
    assert cached == fresh
    assert len(fresh) == 4
    assert len(recomputed) == 1
    assert "DATE '2026-11-02'" in recomputed[0]
    assert "DATE '2026-11-09'" in recomputed[0]
    assert "2026-11-03" not in recomputed[0]
    recomputed.clear()
    # Nothing new: the cache answers.
    assert both(tmp_path)[0] == fresh
    assert recomputed == []
    # A row of an old ingest deleted by hand, another moved to another day: both are seen.
    edit(tmp_path, "DELETE FROM events WHERE user_id = 'u2'")
    cached, fresh = both(tmp_path)
    assert cached == fresh
    assert recomputed == [""]  # every day
    edit(tmp_path, "UPDATE events SET timestamp = timestamp + INTERVAL 1 DAY "
                   "WHERE user_id = 'u1'")
    cached, fresh = both(tmp_path)
    assert cached == fresh
