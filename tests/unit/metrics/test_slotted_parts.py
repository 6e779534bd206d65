"""One query part for a metric under several segments (compile's `slots`).

Sync asks each metric for the same window under every segment of its KRs; the engine
answers those requests with one slotted part (one scan, one cohort join) instead of one part
per segment. Every request's values must be exactly what it gets alone.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from metric_reference import compute as reference
from test_metric_engine_reference import END, START, assert_same
from test_traits import CATALOG as TRAIT_CATALOG
from test_traits import RECORDS

from conftest import (
    CATALOG,
    METRIC_NAMES,
    catalog,
    duckdb_source,
    random_rows,
    write_segment_jsonl,
)
from sowhat.metrics import engine, sqlcache
from sowhat.metrics.engine import MetricRequest, compute, compute_many, run_windows
from sowhat.metrics.ingest import ingest
from sowhat.metrics.source import EventSource

SEGMENTS = [None, "mid", "flagged", "high"]
NON_RATIOS = [n for n in METRIC_NAMES if CATALOG["metrics"][n]["type"] != "ratio"]
SLOTTED = [n for n in NON_RATIOS if CATALOG["metrics"][n]["type"] not in ("active", "churn")]


def _parts(monkeypatch: pytest.MonkeyPatch) -> list[list[Any]]:
    """The parts of every union query the engine builds from now on."""
    seen: list[list[Any]] = []
    union = sqlcache.union_sql

    def spy(parts: Any) -> str:
        seen.append([index for index, _ in parts])
        return union(parts)

    monkeypatch.setattr(engine, "union_sql", spy)
    return seen


@pytest.mark.parametrize(("grain", "as_of"), [(None, None), ("week", END - timedelta(days=4)),
                                              (None, END + timedelta(days=3))])
def test_every_metric_under_every_segment_at_once_matches_the_reference(
        monkeypatch: pytest.MonkeyPatch, grain: str | None, as_of: Any) -> None:
    rows = random_rows(7)
    seen = _parts(monkeypatch)
    requests = [MetricRequest(n, s) for n in METRIC_NAMES for s in SEGMENTS]
    with duckdb_source(rows) as source:
        results = compute_many(requests, catalog=catalog(), events=source, start=START,
                               end=END, grain=grain, as_of=as_of)
    # one part per metric answering its four segments (a part per segment for active
    # users, which are not slotted)
    assert len(seen) == 1
    slotted = [index for index in seen[0] if isinstance(index, tuple)]
    assert len(slotted) == len(SLOTTED)
    assert all(len(index) == len(SEGMENTS) for index in slotted)
    assert len(seen[0]) == len(SLOTTED) + (len(NON_RATIOS) - len(SLOTTED)) * len(SEGMENTS)
    for req, result in zip(requests, results, strict=True):
        assert result.error is None, result.error
        want = reference(req.metric, CATALOG, rows, START, END, as_of, grain, req.segment)
        assert_same(list(result.values), want,
                    f"{req.metric} [{req.segment}] grain={grain} as_of={as_of}")


def test_slotted_parts_on_the_store_equal_each_request_alone(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Through the ingested store (typed columns, the first-event table cohorts read):
    bit for bit what each request computes alone, days and latest days included.
    (`write_segment_jsonl` is imported with the module: inside a test, the name `conftest`
    can be another folder's conftest under xdist.)"""
    rows = random_rows(8)
    path = tmp_path / "events.jsonl"
    write_segment_jsonl(rows, path)
    store = tmp_path / "events.duckdb"
    ingest([path], store=store)
    cat = catalog()
    with EventSource.duckdb(store) as source:
        for grain, names in (("day", NON_RATIOS), ("latest_day", ["active_users", "nps"])):
            items = [(MetricRequest(n, s), START, END, END - timedelta(days=2))
                     for n in names for s in SEGMENTS]
            seen = _parts(monkeypatch)
            together = run_windows(items, catalog=cat, events=source, grain=grain)
            # NPS latest days are one slotted part; a unique count's a part per segment
            assert sum(isinstance(index, tuple) for index in seen[0]) == (
                len([n for n in names if n in SLOTTED]) if grain == "day" else 1), grain
            for item, (got, error) in zip(items, together, strict=True):
                assert error is None, error
                [(alone, alone_error)] = run_windows([item], catalog=cat, events=source,
                                                     grain=grain)
                assert alone_error is None

                def key(r: dict[str, Any]) -> Any:
                    return r["bucket"]

                strip = [{k: v for k, v in r.items() if k != "req_index"}
                         for r in sorted(got, key=key)]
                want = [{k: v for k, v in r.items() if k != "req_index"}
                        for r in sorted(alone, key=key)]
                assert len(strip) == len(want), (item[0], grain)
                for g, w in zip(strip, want, strict=True):
                    assert g.keys() == w.keys()
                    for k, v in w.items():
                        same = (g[k] == pytest.approx(v, rel=1e-12)
                                if isinstance(v, float) else g[k] == v)
                        assert same, (item[0], grain, k, g[k], v)


def test_trait_segments_in_one_part(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Segments on traits (as of each event, or of a cohort's anchor) slot like the others."""
    import json

    path = tmp_path / "calls.jsonl"
    path.write_text("\n".join(json.dumps(r) for r in RECORDS) + "\n", encoding="utf-8")
    store = tmp_path / "events.duckdb"
    ingest([path], store=store)
    start, end = START.replace(month=10, day=1), START.replace(month=12, day=1)
    names = ["reports", "report_users", "weekly_reporters", "activation"]
    segments = [None, "pro", "basic", "enterprise"]
    seen = _parts(monkeypatch)
    with EventSource.duckdb(store) as source:
        results = compute_many([MetricRequest(n, s) for n in names for s in segments],
                               catalog=TRAIT_CATALOG, events=source, start=start, end=end,
                               grain="week")
        assert sum(isinstance(index, tuple) for index in seen[0]) == 3  # all but active
        for (n, s), result in zip([(n, s) for n in names for s in segments], results,
                                  strict=True):
            alone = compute(n, catalog=TRAIT_CATALOG, events=source, start=start, end=end,
                            grain="week", segment=s)
            assert result.values == tuple(alone), (n, s)


def test_a_segment_that_cannot_compile_fails_alone(tmp_path: Path) -> None:
    """A slot whose segment reads a trait the events do not have: that request reports
    the error, the metric's other segments are still computed (each part on its own)."""
    bad = {**CATALOG, "segments": {**CATALOG["segments"],
                                   "pro": {"trait": "plan", "equals": "pro"}}}
    from sowhat.spec.metric_defs import MetricsFile

    cat = MetricsFile.model_validate(bad)
    rows = random_rows(9)
    with duckdb_source(rows) as source:
        results = compute_many([MetricRequest("signups", s) for s in (None, "mid", "pro")],
                               catalog=cat, events=source, start=START, end=END)
    assert results[2].error is not None
    assert "trait" in results[2].error
    for result, segment in zip(results[:2], (None, "mid"), strict=True):
        assert result.error is None
        want = reference("signups", CATALOG, rows, START, END, None, None, segment)
        assert_same(list(result.values), want, f"signups [{segment}]")
