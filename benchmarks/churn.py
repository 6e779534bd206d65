"""Benchmark: churn (customers lost per period) — Sowhat against hand-written DuckDB SQL.

    .venv/bin/python benchmarks/churn.py                 # 10M simulated events (default)
    .venv/bin/python benchmarks/churn.py --events 1M     # quick

Simulates N events with the demo's simulator (accounts sign up, and cancel with
`account_churned`; src/sowhat/demo/simulator.py), ingests them, then computes the demo's
`monthly_account_churn` over Jul-Oct 2026 (one value, four whole months) and a weekly churn on
the same events (`per: week`, one value per ISO week of 2026-Q3) two ways, alternating, in one
process: Sowhat (`compute_many`, as a sync asks: the Ibis-compiled query, its SQL template
kept after the first call) and the SQL an analyst fluent in DuckDB would write (each account's
latest start-or-end before a period's start says whether it is a customer). The two answers
are compared number for number (a second, independent reference besides the plain-Python one
in tests/unit/metrics/metric_reference.py) before any time is printed. Not run by pytest.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from machine import describe

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
MONTHS = (datetime(2026, 7, 1), datetime(2026, 11, 1))
WEEKS = (datetime(2026, 6, 29), datetime(2026, 9, 28))


def handwritten(con: Any, per: str, start: datetime, end: datetime) -> list[tuple[Any, float]]:
    """(period start, churn) per week, or one pooled value per window for months: the state
    at each period start from the latest start/end before it; ties: the end wins."""
    step = "INTERVAL 1 MONTH" if per == "month" else "INTERVAL 7 DAY"
    bucket = "DATE_TRUNC('week', p)" if per == "week" else f"TIMESTAMP '{start}'"
    sql = f"""
        WITH marks AS (
            SELECT account_id id, timestamp ts, event = 'account_churned' is_end FROM events
            WHERE event IN ('signup', 'account_churned') AND account_id IS NOT NULL
              AND timestamp < TIMESTAMP '{end}'),
        periods AS (SELECT p, p + {step} q FROM range(TIMESTAMP '{start}',
                                                     TIMESTAMP '{end}', {step}) t(p)),
        state AS (
            SELECT periods.p, periods.q, m.id,
                   arg_max(NOT m.is_end, (m.ts, m.is_end)) customer
            FROM periods JOIN marks m ON m.ts < periods.p GROUP BY 1, 2, 3),
        lost AS (SELECT DISTINCT s.p, s.id FROM state s JOIN marks m
                 ON m.id = s.id AND m.is_end AND m.ts >= s.p AND m.ts < s.q
                 WHERE s.customer)
        SELECT {bucket} b, count(lost.id)::DOUBLE / count(*) v
        FROM state s LEFT JOIN lost USING (p, id) WHERE s.customer
        GROUP BY 1 ORDER BY 1"""
    return [(b, v) for b, v in con.execute(sql).fetchall()]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", default="10M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sowhat-bench-metrics"))
    args = parser.parse_args()

    import duckdb

    from metrics import parse_count
    from sowhat.demo.simulator import simulate
    from sowhat.metrics.engine import MetricRequest, compute_many
    from sowhat.metrics.ingest import ingest
    from sowhat.metrics.source import EventSource
    from sowhat.spec.metric_defs import MetricsFile

    n = parse_count(args.events)
    work = args.workdir / f"{n}-{args.seed}"
    sim, store = work / "sim", work / "events.duckdb"
    if not (sim / "ground_truth.json").exists():
        store.unlink(missing_ok=True)
        simulate(sim, events=n, seed=args.seed, chunk_events=5_000_000)
    if not store.exists():
        ingest(sorted(sim.glob("events-*.parquet")), store=store)
    catalog = MetricsFile.model_validate({"metrics": {
        name: {"type": "churn", "entity": "account_id", "start": {"event": "signup"},
               "end": {"event": "account_churned"}, "per": per}
        for name, per in (("monthly", "month"), ("weekly", "week"))}})
    cases = [("monthly", "month", None, MONTHS), ("weekly", "week", "week", WEEKS)]
    con = duckdb.connect(str(store), read_only=True)
    times: dict[tuple[str, str], list[float]] = {}
    with EventSource.duckdb(store) as source:
        for name, per, grain, (start, end) in cases:
            [result] = compute_many([MetricRequest(name)], catalog=catalog, events=source,
                                    start=start, end=end, grain=grain)
            ours = result.values
            theirs = handwritten(con, per, start, end)
            got = [v.value for v in ours if v.value is not None]
            want = [v for _, v in theirs]
            if len(got) != len(want) or any(abs(a - b) > 1e-12 for a, b in zip(got, want,
                                                                                  strict=True)):
                raise SystemExit(f"{name}: Sowhat {got} vs hand-written SQL {want}")
            print(f"{name}: {len(got)} values equal to the hand-written SQL's "
                  f"(first {got[0]:.4%})")
            for _ in range(args.runs):  # alternating, so load changes hit both alike
                t = time.perf_counter()
                compute_many([MetricRequest(name)], catalog=catalog, events=source,
                             start=start, end=end, grain=grain)
                times.setdefault((name, "sowhat"), []).append(time.perf_counter() - t)
                t = time.perf_counter()
                handwritten(con, per, start, end)
                times.setdefault((name, "sql"), []).append(time.perf_counter() - t)
    con.close()
    print(describe())
    print(f"{n:,} events; medians of {args.runs} alternating runs, wall time, warm "
          f"({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    print(f"{'metric':10s} {'sowhat':>10s} {'hand SQL':>10s} {'ratio':>7s}")
    for name, *_ in cases:
        a = statistics.median(times[(name, "sowhat")])
        b = statistics.median(times[(name, "sql")])
        print(f"{name:10s} {a * 1000:8.1f} ms {b * 1000:8.1f} ms {a / b:7.2f}")


if __name__ == "__main__":
    main()
