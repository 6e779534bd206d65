"""Every metric type against the plain-Python reference, on random events with edge cases."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from metric_reference import compute as reference

from conftest import (
    CATALOG,
    METRIC_NAMES,
    T0,
    catalog,
    duckdb_source,
    random_rows,
    write_segment_jsonl,
)
from sowhat.metrics.engine import MetricRequest, compute, compute_many
from sowhat.metrics.ingest import ingest
from sowhat.metrics.source import EventSource
from sowhat.metrics.values import MetricValue

START = T0 + timedelta(days=3, hours=5)
END = T0 + timedelta(days=30)


def assert_same(got: list[MetricValue], want: list[Any], label: str) -> None:
    assert len(got) == len(want), label
    for g, w in zip(got, want, strict=True):
        where = f"{label} [{w.start:%m-%d %H:%M}, {w.end:%m-%d %H:%M})"
        assert g.start.replace(tzinfo=None) == w.start, where
        assert g.end.replace(tzinfo=None) == w.end, where
        if w.value is None:
            assert g.value is None, f"{where}: {g.value} != None"
        else:
            assert g.value == pytest.approx(w.value, rel=1e-9, abs=1e-9), where
        if w.entities is not None:
            assert g.entities == w.entities, f"{where}: entities"
        if w.excluded_immature is not None:
            assert g.excluded_immature == w.excluded_immature, f"{where}: immature"


CASES = [
    (None, None, None),
    ("week", None, None),
    ("week", "mid", None),
    (None, "flagged", END - timedelta(days=5)),
    ("week", "high", END + timedelta(days=10)),
    (None, "mid", END + timedelta(days=3)),
]


def _check_all(source: EventSource, rows: list[dict[str, Any]], label: str,
               cases: list[tuple[str | None, str | None, datetime | None]] = CASES) -> None:
    cat = catalog()
    for grain, segment, as_of in cases:
        results = compute_many(
            [MetricRequest(n, segment) for n in METRIC_NAMES], catalog=cat, events=source,
            start=START, end=END, grain=grain, as_of=as_of,
        )
        for name, result in zip(METRIC_NAMES, results, strict=True):
            assert result.error is None, result.error
            want = reference(name, CATALOG, rows, START, END, as_of, grain, segment)
            assert_same(list(result.values), want,
                        f"{label} {name} grain={grain} segment={segment} as_of={as_of}")


@pytest.mark.parametrize(("seed", "cases"), [(1, CASES), (2, CASES[1::2]), (3, CASES[::2])])
def test_every_metric_matches_reference_on_json_properties(
    seed: int, cases: list[tuple[str | None, str | None, datetime | None]]
) -> None:
    rows = random_rows(seed)
    with duckdb_source(rows) as source:
        _check_all(source, rows, f"json seed={seed}", cases)


def test_every_metric_matches_reference_on_the_ingested_store(tmp_path: Path) -> None:
    """Through `sowhat ingest` (Segment JSONL): typed property columns plus JSON fallback."""
    rows = random_rows(4)
    path = tmp_path / "events.jsonl"
    write_segment_jsonl(rows, path)
    store = tmp_path / "events.duckdb"
    report = ingest([path], store=store)
    assert report.loaded == len(rows)
    with EventSource.duckdb(store) as source:
        cols = source.events().columns
        assert "plan" in cols
        assert "kind" in cols
        assert "amount" not in cols
        assert "score" not in cols
        _check_all(source, rows, "store", CASES[1:4])


def test_single_compute_equals_batch(source: EventSource, rows: list[dict[str, Any]]) -> None:
    cat = catalog()
    for name in ("activation", "nps", "tickets_per_account", "ttv_p90"):
        one = compute(name, catalog=cat, events=source, start=START, end=END, grain="week",
                      segment="mid")
        many = compute_many([MetricRequest(name, "mid")], catalog=cat, events=source,
                            start=START, end=END, grain="week")[0]
        assert tuple(one) == many.values


def test_weekly_windows_are_iso_weeks_clipped(source: EventSource) -> None:
    values = compute("signups", catalog=catalog(), events=source, start=START, end=END,
                     grain="week")
    assert values[0].start.replace(tzinfo=None) == START
    assert values[0].end.replace(tzinfo=None) == datetime(2026, 10, 12)
    assert all(v.start.weekday() == 0 and v.start.hour == 0 for v in values[1:])
    assert values[-1].end.replace(tzinfo=None) == END
    assert sum(v.value or 0 for v in values) == compute(
        "signups", catalog=catalog(), events=source, start=START, end=END)[0].value


def test_compiled_sql_templates_are_cached_and_reused(tmp_path: Path) -> None:
    """Templates land next to the store; a later window re-uses them and still agrees with
    the freshly compiled expression (compute) for every metric."""
    from sowhat.metrics import sqlcache

    rows = random_rows(6, n=400)
    path = tmp_path / "events.jsonl"
    write_segment_jsonl(rows, path)
    store = tmp_path / "events.duckdb"
    ingest([path], store=store)
    cat = catalog()
    requests = [MetricRequest(n, "mid") for n in METRIC_NAMES]
    with EventSource.duckdb(store) as source:
        compute_many(requests, catalog=cat, events=source, start=START, end=END, grain="week")
    cached = list((tmp_path / "cache" / "sql").glob("*.json"))
    ratios = sum(1 for m in cat.metrics.values() if m.type == "ratio")
    assert len(cached) == len(METRIC_NAMES) - ratios
    sqlcache._MEMORY.clear()  # as if in a new process: templates come from disk
    start, end, as_of = START + timedelta(days=2), END - timedelta(days=1), END + timedelta(days=3)
    with EventSource.duckdb(store) as source:
        later = compute_many(requests, catalog=cat, events=source, start=start, end=end,
                             as_of=as_of)
        for name, result in zip(METRIC_NAMES, later, strict=True):
            if name in ("mid_tickets", "active_users", "big_revenue", "user_activation", "w1",
                        "ttv_p90", "nps_accounts", "tickets_per_account"):
                fresh = compute(name, catalog=cat, events=source, start=start, end=end,
                                as_of=as_of, segment="mid")
                assert result.values == tuple(fresh), name
            want = reference(name, CATALOG, rows, start, end, as_of, None, "mid")
            assert_same(list(result.values), want, f"cached {name}")


def test_every_metric_over_whole_calendar_months_matches_reference() -> None:
    """A window holding a whole month, so `per: month` has a value (START..END holds none)."""
    rows = random_rows(4)
    start, end = datetime(2026, 10, 1), datetime(2026, 11, 16)
    with duckdb_source(rows) as source:
        for grain in (None, "week"):
            results = compute_many(METRIC_NAMES, catalog=catalog(), events=source,
                                   start=start, end=end, grain=grain)
            for name, result in zip(METRIC_NAMES, results, strict=True):
                assert result.error is None, result.error
                want = reference(name, CATALOG, rows, start, end, None, grain, None)
                assert_same(list(result.values), want, f"months {name} grain={grain}")
    assert reference("mau_accounts", CATALOG, rows, start, end)[0].value is not None
