"""Ingest speed: `sowhat ingest` against DuckDB's own CREATE TABLE AS on the same file.

    .venv/bin/python benchmarks/ingest.py                    # 10M simulated events
    .venv/bin/python benchmarks/ingest.py --events 2M        # quick run
    .venv/bin/python benchmarks/ingest.py --ways ctas-parquet,parquet
    .venv/bin/python benchmarks/ingest.py --memory-limit 1GB  # both sides bounded alike

Simulates N events with the demo simulator, writes them as ONE Parquet file and as one
Segment-style JSONL file, then times each way in its own process, in turn, twice over
(A B A B …), and prints the median of each with the ratio to its yardstick:

- ctas-parquet — `CREATE TABLE events AS SELECT * FROM read_parquet(file)` into a new DuckDB
  file (the yardstick for Parquet);
- parquet — `sowhat.metrics.ingest` of the same file into an empty store;
- reparquet — the same file again into the full store: every row a duplicate, the worst
  case for dedupe;
- day — one new day of events (the last day of the file, re-dated a day later) into the
  full store: what a daily load costs once the store is big;
- ctas-jsonl — `CREATE TABLE … AS SELECT * FROM read_json(file)` (the yardstick for JSONL);
- jsonl — `sowhat.metrics.ingest` of the JSONL file into an empty store.

Every `sowhat.metrics.ingest` way keeps the first events of the demo's cohort anchors, as
`sowhat ingest` does in the demo workspace (sowhat.metrics.first_events); `--no-anchors`
leaves them out, as a workspace without cohort metrics would.

`--memory-limit` sets DuckDB's `memory_limit` on every side (what `[events] memory_limit` in
sowhat.toml does for `sowhat ingest`): beyond it DuckDB spills to disk. Peak MB is each timed
process's resident high-water mark; the full store that `reparquet` and `day` start from is
built by a process of its own first, so it is not counted in theirs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

WAYS = ("ctas-parquet", "parquet", "reparquet", "day", "ctas-jsonl", "jsonl")
YARDSTICK = {"parquet": "ctas-parquet", "reparquet": "ctas-parquet", "day": "ctas-parquet",
             "jsonl": "ctas-jsonl"}


def count(text: str) -> int:
    text = text.strip().upper()
    scale = {"K": 1_000, "M": 1_000_000}.get(text[-1:], 1)
    return int(float(text.rstrip("KM")) * scale)


def prepare(work: Path, events: int) -> dict[str, Path]:
    import duckdb

    from sowhat.demo.simulator import simulate

    files = {"parquet": work / "events.parquet", "jsonl": work / "events.jsonl",
             "day": work / "day.parquet"}
    if all(f.exists() for f in files.values()):
        return files
    sim = work / "sim"
    simulate(sim, events=events, seed=11)
    con = duckdb.connect()
    con.execute("SET enable_progress_bar = false; SET TimeZone = 'UTC'")
    glob = str(sim / "events-*.parquet")
    con.execute(f"COPY (SELECT * FROM read_parquet('{glob}')) TO '{files['parquet']}'")
    con.execute(f"""COPY (SELECT 'track' AS type, event, user_id AS userId,
        strftime(timestamp, '%Y-%m-%dT%H:%M:%S.%fZ') AS timestamp,
        {{'groupId': account_id}} AS context, message_id AS messageId,
        json_merge_patch('{{}}', to_json({{'plan': plan, 'score': score, 'amount': amount,
                                          'path': path}})) AS properties
        FROM read_parquet('{files['parquet']}')) TO '{files['jsonl']}' (FORMAT JSON)""")
    con.execute(f"""COPY (SELECT * REPLACE (timestamp + INTERVAL 1 DAY AS timestamp,
                                         message_id || '-next' AS message_id)
        FROM read_parquet('{files['parquet']}')
        WHERE timestamp >= (SELECT max(timestamp) FROM read_parquet('{files['parquet']}'))
                           - INTERVAL 1 DAY) TO '{files['day']}'""")
    shutil.rmtree(sim)
    return files


def demo_anchors() -> set[tuple[str, str]]:
    """The (entity, event) pairs the demo's metrics.yaml anchors cohorts on."""
    from importlib import resources

    import yaml

    from sowhat.metrics.first_events import anchor_pairs
    from sowhat.spec.metric_defs import MetricsFile

    text = (resources.files("sowhat.demo") / "templates" / "metrics.yaml").read_text("utf-8")
    return anchor_pairs(MetricsFile.model_validate(yaml.safe_load(text)))


def run_one(way: str, work: Path, memory_limit: str | None = None,
            anchors: bool = True) -> dict[str, float]:
    """Time one way in this process (called in a child process by `main`)."""
    import duckdb

    from sowhat.metrics.ingest import ingest

    kept = demo_anchors() if anchors else set()
    files = {"parquet": work / "events.parquet", "jsonl": work / "events.jsonl",
             "day": work / "day.parquet"}
    full = work / ("full.duckdb" if anchors else "full-no-anchors.duckdb")
    if way == "build-full":
        if not full.exists():
            ingest([files["parquet"]], store=full, anchors=kept)
        return {"seconds": 0.0, "cpu": 0.0, "rows": 0, "peak_mb": 0.0}
    target = work / f"{way}.duckdb"
    if way in ("reparquet", "day"):
        shutil.copy(full, target)
    else:
        target.unlink(missing_ok=True)
    started = time.perf_counter()
    cpu = time.process_time()  # every thread of this process: DuckDB's workers included
    if way.startswith("ctas"):
        reader = (f"read_parquet('{files['parquet']}')" if way == "ctas-parquet"
                  else f"read_json('{files['jsonl']}', format = 'newline_delimited')")
        con = duckdb.connect(str(target),
                             config={"memory_limit": memory_limit} if memory_limit else {})
        con.execute("SET enable_progress_bar = false")
        con.execute(f"CREATE TABLE events AS SELECT * FROM {reader}")
        rows = con.execute("SELECT count(*) FROM events").fetchone()[0]
        con.close()
    else:
        source = {"parquet": "parquet", "reparquet": "parquet", "day": "day",
                  "jsonl": "jsonl"}[way]
        report = ingest([files[source]], store=target, memory_limit=memory_limit,
                        anchors=kept)
        rows = report.read
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu
    target.unlink(missing_ok=True)
    with open("/proc/self/status") as status:
        peak = next((int(x.split()[1]) for x in status if x.startswith("VmHWM")), 0)
    return {"seconds": seconds, "cpu": cpu, "rows": rows, "peak_mb": peak / 1024}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", default="10M")
    parser.add_argument("--ways", default=",".join(WAYS))
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--work", default="/tmp/sowhat-bench-ingest")
    parser.add_argument("--memory-limit", help="DuckDB memory_limit for every way, e.g. 1GB")
    parser.add_argument("--no-anchors", action="store_true",
                        help="keep no first events (a workspace without cohort metrics)")
    parser.add_argument("--run", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    work = Path(args.work)
    if args.run:
        print(json.dumps(run_one(args.run, work, args.memory_limit, not args.no_anchors)))
        return
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    files = prepare(work, count(args.events))
    print(f"prepared in {time.perf_counter() - started:.0f} s: "
          + ", ".join(f"{p.name} {p.stat().st_size / 1e6:.0f} MB" for p in files.values()))
    print(f"{platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.1f}, memory_limit {args.memory_limit or 'default'}")
    ways = [w for w in args.ways.split(",") if w]
    limit = (["--memory-limit", args.memory_limit] if args.memory_limit else []) + (
        ["--no-anchors"] if args.no_anchors else [])
    if {"reparquet", "day"} & set(ways):
        subprocess.run([sys.executable, __file__, "--work", str(work), "--run", "build-full",
                        *limit], check=True, capture_output=True)
    results: dict[str, list[dict[str, float]]] = {w: [] for w in ways}
    for _ in range(args.repeat):
        for way in ways:
            out = subprocess.run([sys.executable, __file__, "--work", str(work), "--run", way,
                                  *limit], check=True, capture_output=True, text=True).stdout
            results[way].append(json.loads(out.strip().splitlines()[-1]))
    print("\n| way | rows | median s | events/s | peak MB | vs yardstick | CPU s "
          "| CPU vs yardstick |")
    print("|---|---|---|---|---|---|---|---|")
    medians = {w: statistics.median(r["seconds"] for r in rs) for w, rs in results.items()}
    cpus = {w: statistics.median(r.get("cpu", 0.0) for r in rs) for w, rs in results.items()}
    for way, rs in results.items():
        rows = int(rs[0]["rows"])
        s = medians[way]
        peak = max(r["peak_mb"] for r in rs)
        base = YARDSTICK.get(way)
        ratio = f"{s / medians[base]:.2f}x {base}" if base in medians else ""
        cratio = f"{cpus[way] / cpus[base]:.2f}x" if base and cpus.get(base) else ""
        print(f"| {way} | {rows:,} | {s:.2f} | {rows / s / 1e6:.2f}M | {peak:.0f} | {ratio} "
              f"| {cpus[way]:.2f} | {cratio} |")


if __name__ == "__main__":
    main()
