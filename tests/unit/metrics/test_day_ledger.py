"""The store's per-day ledger (sowhat.metrics.day_ledger): kept by ingest, read by sync.

What a sync reads from it — the per-day digests and the time range — must equal what the
rows give, after every load (late events for old days included); rows deleted or added by
hand must be noticed (the ledger is ignored, and the next load rebuilds it); rows edited in
place are what `sowhat sync --full` reports and `--reindex` repairs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import duckdb
import pytest

from sowhat.metrics import day_ledger, digest
from sowhat.metrics.digest import day_digests
from sowhat.metrics.ingest import ingest, reindex
from sowhat.metrics.presence import event_names
from sowhat.metrics.source import EventSource
from sowhat.metrics.watermark import event_time_range


def store(root: Path) -> Path:
    return root / ".sowhat" / "events.duckdb"


def load(root: Path, name: str, rows: list[tuple[str, str, str]]) -> None:
    path = root / f"{name}.jsonl"
    path.write_text("".join(json.dumps({"event": e, "userId": u, "timestamp": t,
                                        "properties": {}}) + "\n" for e, u, t in rows),
                    encoding="utf-8")
    ingest([path], store=store(root), allow_future=True)


def edit(root: Path, sql: str) -> None:
    with duckdb.connect(str(store(root))) as con:
        con.execute(sql)


def read(root: Path, *, trust: bool = True) -> tuple[dict[Any, str], Any, set[str]]:
    """What a sync asks of the store: per-day digests, time range, event names — from the
    ledger (`trust`) or from the rows."""
    events = EventSource.duckdb(store(root))
    events.trust_ledger = trust
    try:
        return (day_digests(events, cached=trust) or {}, event_time_range(events),
                event_names(events))
    finally:
        events.close()


def from_ledger(root: Path) -> bool:
    events = EventSource.duckdb(store(root))
    try:
        return day_ledger.store_ledger(events) is not None
    finally:
        events.close()


@pytest.fixture
def no_scan(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every digest pass over the rows (the file-cache path)."""
    scans: list[str] = []
    real = digest._by_ingest

    def spy(*args: Any) -> Any:
        scans.append("scan")
        return real(*args)

    monkeypatch.setattr(digest, "_by_ingest", spy)
    return scans


def test_ledger_answers_as_the_rows_do_after_every_load(tmp_path: Path,
                                                          no_scan: list[str]) -> None:
    (tmp_path / ".sowhat").mkdir()
    load(tmp_path, "a", [("visit", "u1", "2026-11-02T10:00:00Z"),
                         ("visit", "u2", "2026-11-03T10:00:00Z"),
                         ("signup", "u3", "2026-11-03T11:00:00Z")])
    ledger, rows = read(tmp_path), read(tmp_path, trust=False)
    assert ledger == rows
    assert len(rows[0]) == 3
    assert str(rows[1][0]) == "2026-11-02 10:00:00+00:00"
    assert rows[2] == {"visit", "signup"}
    first = rows[0]
    # A new day and a late event for an old day (and a duplicate, which adds nothing).
    load(tmp_path, "b", [("visit", "u4", "2026-11-02T12:00:00Z"),
                         ("visit", "u5", "2026-11-09T12:00:00Z"),
                         ("visit", "u2", "2026-11-03T10:00:00Z")])
    ledger, rows = read(tmp_path), read(tmp_path, trust=False)
    assert ledger == rows
    assert len(rows[0]) == 4
    assert str(rows[1][1]) == "2026-11-09 12:00:00+00:00"
    changed = {k for k in rows[0] if first.get(k) != rows[0][k]}
    assert {(k[0].isoformat(), k[1]) for k in changed} == {("2026-11-02", "visit"),
                                                            ("2026-11-09", "visit")}
    # An event earlier than all others moves the start of the range.
    load(tmp_path, "c", [("signup", "u6", "2026-10-30T08:00:00Z"),
                         ("purchase", "u6", "2026-10-30T09:00:00Z")])
    ledger, rows = read(tmp_path), read(tmp_path, trust=False)
    assert ledger == rows
    assert str(rows[1][0]) == "2026-10-30 08:00:00+00:00"
    assert rows[2] == {"visit", "signup", "purchase"}
    assert from_ledger(tmp_path)
    assert no_scan == []  # never a pass over the rows to answer


def test_rows_deleted_by_hand_are_noticed_and_the_next_load_rebuilds(
        tmp_path: Path, no_scan: list[str]) -> None:
    (tmp_path / ".sowhat").mkdir()
    load(tmp_path, "a", [("visit", "u1", "2026-11-02T10:00:00Z"),
                         ("visit", "u2", "2026-11-03T10:00:00Z")])
    edit(tmp_path, "DELETE FROM events WHERE user_id = 'u2'")
    assert not from_ledger(tmp_path)  # its total is not the table's any more
    ledger, rows = read(tmp_path), read(tmp_path, trust=False)
    assert ledger == rows  # answered from the rows
    assert str(rows[1][1]) == "2026-11-02 10:00:00+00:00"
    assert no_scan == ["scan"]
    load(tmp_path, "b", [("visit", "u3", "2026-11-03T09:00:00Z")])
    assert from_ledger(tmp_path)
    assert read(tmp_path) == read(tmp_path, trust=False)


def test_rows_edited_in_place_are_what_full_reports_and_reindex_repairs(
        tmp_path: Path) -> None:
    (tmp_path / ".sowhat").mkdir()
    load(tmp_path, "a", [("visit", "u1", "2026-11-02T10:00:00Z"),
                         ("visit", "u2", "2026-11-03T10:00:00Z")])
    edit(tmp_path, "UPDATE events SET timestamp = timestamp + INTERVAL 1 DAY "
                   "WHERE user_id = 'u1'")
    ledger, rows = read(tmp_path), read(tmp_path, trust=False)
    assert ledger != rows  # the documented blind spot: same count, other rows
    events = EventSource.duckdb(store(tmp_path))
    try:
        assert day_ledger.stale(events, rows[0])
    finally:
        events.close()
    assert reindex(store(tmp_path)).rows == 2
    assert read(tmp_path) == read(tmp_path, trust=False)
    events = EventSource.duckdb(store(tmp_path))
    try:
        assert not day_ledger.stale(events, rows[0])
    finally:
        events.close()


def test_a_store_from_before_the_ledger_gets_one_on_its_next_load(tmp_path: Path) -> None:
    (tmp_path / ".sowhat").mkdir()
    load(tmp_path, "a", [("visit", "u1", "2026-11-02T10:00:00Z")])
    edit(tmp_path, "DROP TABLE day_ledger")
    assert not from_ledger(tmp_path)
    load(tmp_path, "b", [("visit", "u2", "2026-11-04T10:00:00Z")])
    assert from_ledger(tmp_path)
    assert read(tmp_path) == read(tmp_path, trust=False)


def test_a_new_hash_function_rebuilds_the_ledger(tmp_path: Path) -> None:
    """DuckDB's hash() changing across versions re-keys every row (sowhat.metrics.store):
    the ledger's key sums follow."""
    (tmp_path / ".sowhat").mkdir()
    load(tmp_path, "a", [("visit", "u1", "2026-11-02T10:00:00Z")])
    edit(tmp_path, "UPDATE events SET dedupe_key = 7")
    edit(tmp_path, "UPDATE store_meta SET value = 'other' WHERE key = 'hash_probe'")
    load(tmp_path, "b", [("visit", "u2", "2026-11-04T10:00:00Z")])
    assert read(tmp_path) == read(tmp_path, trust=False)
