"""Benchmark: the demo's metric set for a quarter, weekly — Sowhat vs hand-written SQL vs pandas.

    .venv/bin/python benchmarks/metrics.py                  # 10M events (default)
    .venv/bin/python benchmarks/metrics.py --events 1M      # quick, while developing
    .venv/bin/python benchmarks/metrics.py --events 100M --ways sowhat,sql

Simulates N events (src/sowhat/demo/simulator.py), ingests them into a DuckDB store with
`sowhat.metrics.ingest`, then computes every metric of src/sowhat/demo/templates/metrics.yaml
over 2026-Q3 with weekly grain, three ways, each in its own process so its peak RSS is its
own: Sowhat (`compute_many`: one Ibis-compiled query), hand-written DuckDB SQL (one query per
metric, same store) and idiomatic pandas (reads the Parquet files, groupby/merge). All three
answers are compared number for number before any time is printed. Not run by pytest.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Any

from machine import describe

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))
START, END = datetime(2026, 7, 1), datetime(2026, 10, 1)


def parse_count(text: str) -> int:
    text = text.strip().lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000, "g": 1_000_000_000}.get(text[-1:], 1)
    return int(float(text[:-1] if scale > 1 else text) * scale)


def _catalog() -> Any:
    from ruamel.yaml import YAML

    from metrics_baselines import TRAIT_SEGMENT
    from sowhat.spec.metric_defs import MetricsFile

    path = ROOT / "src" / "sowhat" / "demo" / "templates" / "metrics.yaml"
    data = YAML(typ="safe").load(path.read_text())
    data["segments"][TRAIT_SEGMENT] = {"trait": "plan", "equals": "mid"}
    return MetricsFile.model_validate(data)


def _plan_traits(store: Path, target: Path) -> int:
    """A plan history per account, as a CRM export would give it: each account's plan from
    its first event, and for a third of the mid and small accounts a plan change at a
    pseudo-random time in 2026-Q3 (mid -> enterprise, small -> mid). Written as Parquet and
    loaded with `sowhat ingest --traits` (sowhat.metrics.traits.ingest_traits)."""
    import duckdb

    from sowhat.metrics.traits import ingest_traits

    con = duckdb.connect(str(store), read_only=True)
    q = """
        WITH firsts AS (
            SELECT account_id, arg_min(plan, timestamp) AS plan, min(timestamp) AS t0
            FROM events WHERE account_id IS NOT NULL AND plan IS NOT NULL GROUP BY 1),
        changes AS (
            SELECT account_id,
                   TIMESTAMP '2026-07-01' + to_seconds(CAST(hash(account_id) % 7862400 AS BIGINT))
                   AS t1, CASE plan WHEN 'mid' THEN 'enterprise' ELSE 'mid' END AS plan
            FROM firsts WHERE plan IN ('mid', 'small') AND hash(account_id) % 3 = 0)
        SELECT account_id, t0 AS timestamp, plan FROM firsts
        UNION ALL SELECT account_id, t1, plan FROM changes
    """
    con.execute(f"COPY ({q}) TO '{target}' (FORMAT PARQUET)")
    con.close()
    [report] = ingest_traits([target], store=store, entity="account_id")
    return report.values


def run_way(way: str, store: Path, sim: Path) -> dict[str, Any]:
    """Runs in a child process: compute everything one way, report rows, times and peak RSS.

    `import_s` is loading the way's libraries; `compute_s` is the work itself (opening the
    store or reading the files included); `seconds` is both.
    """
    began = time.perf_counter()
    rows: list[tuple[str, datetime, float | None]]
    if way in ("sowhat", "sowhat-cold"):

        from metrics_baselines import COVERED, TRAIT_REQUESTS, TRAIT_SEGMENT
        from sowhat.metrics.engine import MetricRequest, compute_many
        from sowhat.metrics.source import EventSource
        from sowhat.metrics.values import week_start
    elif way == "sql":
        from metrics_baselines import handwritten_sql
    else:
        import pandas  # noqa: F401

        from metrics_baselines import pandas_way
    imported = time.perf_counter()
    if way in ("sowhat", "sowhat-cold"):
        catalog = _catalog()
        names = [n for n in catalog.metrics if n in COVERED]
        reqs = [MetricRequest(n) for n in names] + [
            MetricRequest(n, TRAIT_SEGMENT) for n in TRAIT_REQUESTS]
        with EventSource.duckdb(store) as source:
            results = compute_many(reqs, catalog=catalog, events=source,
                                   start=START, end=END, grain="week")
        rows = [(r.request.metric + (f"@{r.request.segment}" if r.request.segment else ""),
                 week_start(v.start.replace(tzinfo=None)), v.value)
                for r in results for v in r.values]
        errors = [r.error for r in results if r.error]
        if errors:
            raise SystemExit(f"sowhat errors: {errors}")
    elif way == "sql":
        rows = handwritten_sql(store, START, END)
    else:
        rows = pandas_way(sorted(sim.glob("events-*.parquet")), START, END)
    done = time.perf_counter()
    return {"way": way, "seconds": done - began, "import_s": imported - began,
            "compute_s": done - imported, "peak_mb": _peak_rss_mb(),
            "rows": [(m, w.isoformat(), v) for m, w, v in rows]}


def _peak_rss_mb() -> float:
    """This process's own peak RSS. ru_maxrss would include the parent's peak (Linux keeps
    it across fork and exec); VmHWM belongs to the address space exec created."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(way: str, store: Path, sim: Path) -> dict[str, Any]:
    done = subprocess.run([sys.executable, __file__, "--run-way", way, "--store", str(store),
                           "--sim", str(sim)], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"{way} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def _compare(base: dict[str, Any], other: dict[str, Any]) -> float:
    """Largest relative difference between two ways' answers; weeks where both are empty
    (None, or 0 for counts) may be missing from one side."""
    skip = other["way"] == "pandas" or base["way"] == "pandas"  # no trait segments there
    a = {(m, w): v for m, w, v in base["rows"] if not (skip and "@" in m)}
    b = {(m, w): v for m, w, v in other["rows"] if not (skip and "@" in m)}
    worst = 0.0
    for key in set(a) | set(b):
        x, y = a.get(key), b.get(key)
        if x in (None, 0.0) and y in (None, 0.0):
            continue
        if x is None or y is None:
            raise SystemExit(f"{other['way']} disagrees with {base['way']} on {key}: {x} vs {y}")
        worst = max(worst, abs(x - y) / max(1e-12, abs(x)))
    if worst > 1e-9:
        raise SystemExit(f"{other['way']} differs from {base['way']} by {worst:.3g}")
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", default="10M", help="events to simulate (10M, 100M, 500k)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workdir", type=Path, default=Path("/tmp/sowhat-bench-metrics"))
    parser.add_argument("--ways", default="sowhat,sql,pandas")
    parser.add_argument("--run-way", help=argparse.SUPPRESS)
    parser.add_argument("--store", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--sim", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_way:
        print(json.dumps(run_way(args.run_way, args.store, args.sim), default=str))
        return

    from sowhat.demo.simulator import simulate
    from sowhat.metrics.ingest import ingest

    n = parse_count(args.events)
    work = args.workdir / f"{n}-{args.seed}"
    sim, store = work / "sim", work / "events.duckdb"
    truth = sim / "ground_truth.json"
    if not truth.exists():
        store.unlink(missing_ok=True)
        t = time.perf_counter()
        result = simulate(sim, events=n, seed=args.seed, chunk_events=5_000_000)
        print(f"simulated {result.events:,} events in {time.perf_counter() - t:.1f} s "
              f"({len(result.parquet_files)} Parquet files)")
    if not store.exists():
        t = time.perf_counter()
        report = ingest(sorted(sim.glob("events-*.parquet")), store=store)
        took = time.perf_counter() - t
        print(f"ingested {report.loaded:,} events in {took:.1f} s "
              f"({report.loaded / took / 1e6:.2f} M events/s)")
    traits = work / "plans.parquet"
    if not traits.exists():
        t = time.perf_counter()
        values = _plan_traits(store, traits)
        print(f"loaded {values:,} plan trait values in {time.perf_counter() - t:.1f} s")
    events = json.loads(truth.read_text())["events"]
    from metrics_baselines import COVERED

    missing = sorted(set(_catalog().metrics) - COVERED)
    if missing:
        print(f"note: the baselines do not implement {', '.join(missing)}; left out")
    ways = [w.strip() for w in args.ways.split(",") if w.strip()]
    if "sowhat" in ways:  # first without compiled-SQL templates, then with them
        ways.insert(ways.index("sowhat"), "sowhat-cold")
    results = {}
    for w in ways:
        if w == "sowhat-cold":
            shutil.rmtree(store.parent / "cache", ignore_errors=True)
        results[w] = _child(w, store, sim)
    base = results[ways[0]]
    diffs = {w: _compare(base, r) for w, r in results.items() if w != ways[0]}
    print(f"\n{events:,} events; demo metric set ({len({m for m, _, _ in base['rows']})} metrics)"
          f" weekly over 2026-Q3; {describe('duckdb', 'ibis', 'pandas')}")
    print(f"{'way':8} {'wall s':>8} {'imports s':>10} {'compute s':>10} {'peak MB':>9}")
    for w, r in results.items():
        print(f"{w:8} {r['seconds']:8.2f} {r['import_s']:10.2f} {r['compute_s']:10.2f} "
              f"{r['peak_mb']:9.0f}")
    for mine in ("sowhat-cold", "sowhat"):
        me = results.get(mine)
        for other, target in (("sql", "target <= 1.3x"), ("pandas", "target >= 10x")):
            if me is None or other not in results:
                continue
            o = results[other]
            if other == "sql":
                label = f"{mine} / hand-written SQL"
                wall, work = me["seconds"] / o["seconds"], me["compute_s"] / o["compute_s"]
            else:
                label = f"pandas / {mine}"
                wall, work = o["seconds"] / me["seconds"], o["compute_s"] / me["compute_s"]
            print(f"{label}: {wall:.2f}x wall, {work:.2f}x compute ({target})")
    print("answers agree: max relative difference "
          + ", ".join(f"{w} {d:.1e}" for w, d in diffs.items()))


if __name__ == "__main__":
    main()
