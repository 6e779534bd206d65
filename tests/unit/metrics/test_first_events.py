"""The store's first-event table (sowhat.metrics.first_events): kept exactly by ingest, read
by cohorts only when it may be, and every cohort value the same as grouping the events."""

from __future__ import annotations

import json
import random
from datetime import timedelta
from pathlib import Path
from typing import Any

import duckdb
from metric_reference import compute as reference
from test_metric_engine_reference import CASES, END, START, assert_same

from conftest import CATALOG, METRIC_NAMES, catalog, random_rows, write_segment_jsonl
from sowhat.metrics.engine import MetricRequest, compute_many
from sowhat.metrics.first_events import anchor_pairs
from sowhat.metrics.ingest import ingest, reindex
from sowhat.metrics.source import EventSource

PAIRS = anchor_pairs(catalog())


def _loads(tmp_path: Path, rows: list[dict[str, Any]], parts: int, seed: int) -> list[Path]:
    """The rows in `parts` files of mixed dates, the earliest days last: later loads bring
    events earlier than the first ones already kept, and ties split across files."""
    indexed = list(enumerate(rows))
    random.Random(seed).shuffle(indexed)
    cut = min(r["timestamp"] for r in rows) + timedelta(days=8)
    late = [ir for ir in indexed if ir[1]["timestamp"] < cut]
    rest = [ir for ir in indexed if ir[1]["timestamp"] >= cut]
    chunks = [rest[i::parts - 1] for i in range(parts - 1)] + [late]
    paths = []
    for k, chunk in enumerate(chunks):
        path = tmp_path / f"load{k}.jsonl"
        # message ids by the row's own index, as one export split in files would have
        write_segment_jsonl([r for _, r in chunk], path)
        lines = path.read_text(encoding="utf-8").splitlines()
        fixed = []
        for (i, _), line in zip(chunk, lines, strict=True):
            record = json.loads(line)
            record["messageId"] = f"m{i}"
            fixed.append(json.dumps(record))
        path.write_text("\n".join(fixed) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def _kept(store: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        return sorted(con.execute("SELECT kind, event, entity, first_at FROM first_events"
                                  ).fetchall())
    finally:
        con.close()


def _from_rows(store: Path) -> list[tuple[Any, ...]]:
    con = duckdb.connect(str(store), read_only=True)
    try:
        out = []
        for kind, event in sorted(PAIRS):
            out += con.execute(f'SELECT ?, ?, "{kind}", min(timestamp) FROM events WHERE '
                               f'event = ? AND "{kind}" IS NOT NULL GROUP BY 3',
                               [kind, event, event]).fetchall()
        return sorted(out)
    finally:
        con.close()


def test_loads_in_any_order_keep_exactly_each_entitys_first_event(tmp_path: Path) -> None:
    rows = random_rows(5)
    store = tmp_path / "events.duckdb"
    for path in _loads(tmp_path, rows, 4, seed=5):
        ingest([path], store=store, anchors=PAIRS)
        assert _kept(store) == _from_rows(store)  # after every load, not only the last
    assert {("account_id", "signup"), ("user_id", "signup")} == PAIRS
    assert len(_kept(store)) > 100


def test_cohorts_read_from_the_kept_firsts_match_the_reference(tmp_path: Path) -> None:
    """Every metric, segment, grain and as-of of the reference suite, on a store loaded in
    four files whose last holds the earliest days; the cohorts' SQL reads the table."""
    rows = random_rows(6)
    store = tmp_path / "events.duckdb"
    for path in _loads(tmp_path, rows, 4, seed=6):
        ingest([path], store=store, anchors=PAIRS)
    cat = catalog()
    with EventSource.duckdb(store) as source:
        assert source.first_event_pairs() == PAIRS
        for grain, segment, as_of in CASES:
            results = compute_many([MetricRequest(n, segment) for n in METRIC_NAMES],
                                   catalog=cat, events=source, start=START, end=END,
                                   grain=grain, as_of=as_of)
            for name, result in zip(METRIC_NAMES, results, strict=True):
                assert result.error is None, result.error
                want = reference(name, CATALOG, rows, START, END, as_of, grain, segment)
                assert_same(list(result.values), want,
                            f"firsts {name} grain={grain} segment={segment} as_of={as_of}")
    templates = [p.read_text(encoding="utf-8") for p in (tmp_path / "cache" / "sql").glob("*")]
    assert sum("first_events" in t for t in templates) >= 6  # the cohorts took the table


def test_the_table_is_not_read_when_it_may_be_wrong(tmp_path: Path) -> None:
    """Rows deleted outside ingest (the ledger disagrees), `sync --full`, a remapped table:
    cohorts group the events; the next load or `--reindex` rebuilds the table."""
    rows = random_rows(7, n=400)
    path = tmp_path / "events.jsonl"
    write_segment_jsonl(rows, path)
    store = tmp_path / "events.duckdb"
    ingest([path], store=store, anchors=PAIRS)
    con = duckdb.connect(str(store))
    first = con.execute("SELECT entity, first_at FROM first_events WHERE kind = 'user_id' "
                        "ORDER BY first_at LIMIT 1").fetchone()
    assert first is not None
    con.execute("DELETE FROM events WHERE event = 'signup' AND user_id = ? AND timestamp = ?",
                list(first))
    con.close()
    with EventSource.duckdb(store) as source:
        assert source.first_event_pairs() == frozenset()
    assert _kept(store) != _from_rows(store)
    reindex(store)
    assert _kept(store) == _from_rows(store)
    with EventSource.duckdb(store) as source:
        assert source.first_event_pairs() == PAIRS
        source.trust_first_events = False  # what `sowhat sync --full` sets
        assert source.first_event_pairs() == frozenset()


def test_anchors_with_a_where_are_not_kept() -> None:
    from sowhat.spec.metric_defs import MetricsFile

    cat = MetricsFile.model_validate({"metrics": {
        "paid_conv": {"type": "conversion", "entity": "user_id",
                      "from": {"event": "signup", "where": {"property": "plan", "equals": "pro"}},
                      "to": {"event": "paid"}, "within": "7d"},
        "acct_ret": {"type": "retention", "entity": "account_id", "start": {"event": "signup"},
                     "return": {"event": "session"}, "day": 7},
        "events": {"type": "count", "event": "signup"}}})
    assert anchor_pairs(cat) == {("account_id", "signup")}


def test_an_id_used_by_a_user_and_an_account_is_two_entities(tmp_path: Path) -> None:
    """User "x" signed up on the 1st; account "x" on the 10th (with user "x" again): the
    user is not new on the 10th, the account is."""
    from datetime import datetime

    from sowhat.spec.metric_defs import MetricsFile

    day = datetime(2026, 10, 1)
    rows = [
        {"event": "signup", "timestamp": day, "user_id": "x", "account_id": "a1",
         "properties": {}},
        {"event": "signup", "timestamp": day + timedelta(days=9), "user_id": "x",
         "account_id": "x", "properties": {}},
        {"event": "signup", "timestamp": day + timedelta(days=9, hours=1), "user_id": "y",
         "account_id": "a2", "properties": {}},
    ]
    path = tmp_path / "e.jsonl"
    write_segment_jsonl(rows, path)
    store = tmp_path / "events.duckdb"
    cat = MetricsFile.model_validate({"metrics": {
        "users": {"type": "conversion", "entity": "user_id", "from": {"event": "signup"},
                  "to": {"event": "paid"}, "within": "7d"},
        "accounts": {"type": "conversion", "entity": "account_id",
                     "from": {"event": "signup"}, "to": {"event": "paid"}, "within": "7d"}}})
    ingest([path], store=store, anchors=anchor_pairs(cat))
    with EventSource.duckdb(store) as source:
        assert source.first_event_pairs() == {("user_id", "signup"), ("account_id", "signup")}
        users, accounts = compute_many(
            [MetricRequest("users"), MetricRequest("accounts")], catalog=cat, events=source,
            start=day + timedelta(days=9), end=day + timedelta(days=10),
            as_of=day + timedelta(days=30))
    assert users.values[0].entities == 1  # y only: x is not new
    assert accounts.values[0].entities == 2  # x and a2
