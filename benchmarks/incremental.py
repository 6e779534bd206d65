"""Incremental sync: `sowhat sync` after one new day of events, against `sowhat sync --full`.

    .venv/bin/python benchmarks/incremental.py                      # the demo (~1.1M events)
    .venv/bin/python benchmarks/incremental.py --events 10M         # a larger generated demo
    .venv/bin/python benchmarks/incremental.py --work /tmp/b --runs 3
    .venv/bin/python benchmarks/incremental.py --baseline-src /tmp/base/src   # side by side
    .venv/bin/python benchmarks/incremental.py --day 2026-11-11     # a new day mid-week
    .venv/bin/python benchmarks/incremental.py --history-year       # a year+ of weekly history

Builds `sowhat demo` (N simulated events, data complete through 2026-11-16), then sets up
"yesterday's" state: the last day's events (2026-11-15) are taken out of the store and kept
in a Parquet file, and the workspace is synced as of 2026-11-15 — every stored value now
carries the key of its inputs. The day is then ingested again. Two whole processes are timed
from that state, each starting from a copy of yesterday's database, side by side with
`farm-bench` (A B A B …, ratio taken pair by pair):

- incremental — `sowhat sync --as-of 2026-11-16`: keeps what the new day does not touch;
- full — `sowhat sync --as-of 2026-11-16 --full`: recomputes every week, series point and
  baseline (what every sync did before incremental sync).

Both are then run once more in-process to check that they store identical values, and to
count the weekly values each computed. Prints the machine first. Every `sowhat` process runs
with bytecode caches, as an installed copy does (`bytecode`; `--no-bytecode` to keep the
shell's PYTHONDONTWRITEBYTECODE).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

from machine import describe

DAY = "2026-11-15"
BEFORE, AFTER = "2026-11-15", "2026-11-16"
"""The held-out day, and the as-ofs before and after it (`--day` moves all three)."""
VENV = Path(sys.executable).parent


ENV: dict[str, str] | None = None
"""The environment of every `sowhat` run (a baseline's: PYTHONPATH at its src)."""


def sowhat(*args: str) -> str:
    done = subprocess.run([str(VENV / "sowhat"), *args], check=True, capture_output=True,
                          text=True, env=ENV)
    return done.stdout


def prepare(work: Path, events: str) -> Path:
    """The demo with the last day held out and synced; the day ingested again. Returns the
    workspace; `yesterday.db` beside it is the database to start each timed run from."""
    import duckdb

    ws = work / "ws"
    if (work / "yesterday.db").exists() and all(
            (work / f"yesterday-{name}").exists() for name in CACHES):
        return ws
    if not (ws / ".sowhat" / "events.duckdb").exists():
        sowhat("demo", str(ws), "--events", events, "--force")
        if HISTORY_YEAR:
            add_a_year_of_history(work, ws)
    store = ws / ".sowhat" / "events.duckdb"
    day_file = work / "day.parquet"
    con = duckdb.connect(str(store))
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"COPY (SELECT event, timestamp, user_id, account_id, properties, message_id "
                f"FROM events WHERE CAST(timestamp AS DATE) = DATE '{DAY}') TO '{day_file}'")
    removed = con.execute(f"DELETE FROM events WHERE CAST(timestamp AS DATE) = DATE '{DAY}'"
                          ).fetchall()
    con.close()
    print(f"held out {removed[0][0]:,} events of {DAY}", flush=True)
    # Yesterday's sync starts from no kept digests or day rows: a workspace timed before
    # holds those of the syncs *after* the new day (kept for 8 syncs), which no real daily
    # sync has — they made the moving windows (a guardrail's pre-period) look kept.
    for name in CACHES:
        shutil.rmtree(ws / ".sowhat" / "cache" / name, ignore_errors=True)
    sowhat("sync", "-w", str(ws), "--as-of", BEFORE, "--no-notify")
    shutil.copy(ws / ".sowhat" / "sowhat.db", work / "yesterday.db")
    # Yesterday's sync also left the per-day digests cached by ingest and (since part5) the
    # per-day partial rows of its windows: each timed run starts from them, as a daily sync
    # would.
    for name in CACHES:
        shutil.rmtree(work / f"yesterday-{name}", ignore_errors=True)
        cached = ws / ".sowhat" / "cache" / name
        if cached.exists():
            shutil.copytree(cached, work / f"yesterday-{name}")
        else:  # a version that keeps none: an empty folder, restored as such
            (work / f"yesterday-{name}").mkdir(parents=True)
    sowhat("ingest", "-w", str(ws), str(day_file))
    return ws


HISTORY_YEAR = False
"""`--history-year`: give the demo a year and a half of events before its period."""


def add_a_year_of_history(work: Path, ws: Path) -> None:
    """The demo's events start six months before its period; a KR forecast fits a yearly
    swing (`stats.seasonal`) only from 56 weeks of weekly history. Two copies of the
    pre-period events, moved back 26 and 52 weeks (weekdays kept) with their own user,
    account and message ids — earlier populations, not the same people twice — are ingested
    like any file, so every KR gets weekly values from April 2025."""
    import duckdb

    shifted = work / "history.parquet"
    con = duckdb.connect(str(ws / ".sowhat" / "events.duckdb"))
    con.execute("SET TimeZone = 'UTC'")
    parts = " UNION ALL ".join(
        f"SELECT event, timestamp - INTERVAL {weeks * 7} DAY AS timestamp, "
        f"user_id || '-{weeks}w' AS user_id, account_id || '-{weeks}w' AS account_id, "
        f"properties, message_id || '-{weeks}w' AS message_id FROM events "
        f"WHERE timestamp < TIMESTAMP '2026-10-01'" for weeks in (26, 52))
    con.execute(f"COPY ({parts}) TO '{shifted}'")
    con.close()
    sowhat("ingest", "-w", str(ws), str(shifted))
    print("added a year of earlier history (two shifted copies of the pre-period events)",
          flush=True)


DRIVER = r"""
import json, sys, time
import sowhat.cli.sync as cli
import sowhat.services.sync.run as run
spent = {"sync": 0.0, "forecasts": 0.0}
def timed(key, f):
    def g(*a, **k):
        t = time.process_time()
        try:
            return f(*a, **k)
        finally:
            spent[key] += time.process_time() - t
    return g
cli.sync = timed("sync", cli.sync)
run.store_forecasts = timed("forecasts", run.store_forecasts)
if hasattr(run, "DayPartials"):  # since part5: how many day rows were kept and computed
    finish = run.DayPartials.finish
    def counted(self):
        spent["days_kept"] = spent.get("days_kept", 0) + self.days_kept
        spent["days_computed"] = spent.get("days_computed", 0) + self.days_computed
        spent["windows_kept"] = spent.get("windows_kept", 0) + self.windows_kept
        spent["windows_computed"] = spent.get("windows_computed", 0) + self.windows_computed
        return finish(self)
    run.DayPartials.finish = counted
from sowhat.cli.app import main
sys.argv = ["sowhat", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    if exc.code:
        raise
sys.stderr.write("CPU " + json.dumps(spent) + "\n")
"""
"""`sowhat` in-process, reporting the CPU seconds (all threads: DuckDB's too) of the sync
call and of the forecast fitting inside it (issue 14's web work moved forecasts into sync)."""


def driven(*args: str, env: dict[str, str] | None = None) -> tuple[str, dict[str, float]]:
    done = subprocess.run([str(VENV / "python"), "-c", DRIVER, *args], check=True,
                          capture_output=True, text=True, env=env)
    line = [ln for ln in done.stderr.splitlines() if ln.startswith("CPU ")][-1]
    return done.stdout, json.loads(line[4:])


CACHES = ("digests", "partials")
"""The cache folders that are part of yesterday's state (`.sowhat/cache/<name>`)."""


def restore(work: Path, ws: Path) -> None:
    """Yesterday's state: the database, the digest cache and the day partials as the last
    sync left them."""
    shutil.copy(work / "yesterday.db", ws / ".sowhat" / "sowhat.db")
    for name in CACHES:
        folder = ws / ".sowhat" / "cache" / name
        shutil.rmtree(folder, ignore_errors=True)
        shutil.copytree(work / f"yesterday-{name}", folder)


def restore_sh(work: Path, ws: Path) -> str:
    """`restore` as a shell command, for whole processes timed by farm-bench."""
    steps = [f"cp {work}/yesterday.db {ws}/.sowhat/sowhat.db"]
    for name in CACHES:
        folder = ws / ".sowhat" / "cache" / name
        steps.append(f"rm -rf {folder} && cp -r {work}/yesterday-{name} {folder}")
    return " && ".join(steps)


def stored(db: Path) -> dict[str, list[tuple[object, ...]]]:
    con = sqlite3.connect(db)
    try:
        return {
            "checkins": con.execute(
                "SELECT key_result_id, week, value FROM check_ins WHERE value IS NOT NULL "
                "ORDER BY 1, 2").fetchall(),
            "series": con.execute(
                "SELECT key_result_id, week, phase, value, entities, n, sum, sum_squares "
                "FROM kr_series ORDER BY 1, 2").fetchall(),
            "guardrails": con.execute(
                "SELECT guardrail_id, baseline, current, breached, reason FROM guardrail_checks "
                "ORDER BY 1").fetchall(),
            "measures": con.execute(
                "SELECT key_result_id, current, entities, measured_baseline, window_start, "
                "window_end FROM kr_measures ORDER BY 1").fetchall(),
            # Each stored forecast as the tuple of its leaves (numbers compared with the
            # same tolerance as the values: they are fitted on those values), without the
            # keys of the fits it rests on (digests of inputs that agree to 1e-15, not bits).
            "forecasts": [(kr, *_leaves(_unkeyed(json.loads(view)))) for kr, view in con.execute(
                "SELECT key_result_id, view FROM kr_forecasts ORDER BY 1")],
        }
    finally:
        con.close()


def _unkeyed(doc: dict[str, object]) -> dict[str, object]:
    fitted = doc.get("fitted")
    if isinstance(fitted, dict):
        doc["fitted"] = {kind: part.get("result") for kind, part in fitted.items()}
    return doc


def kept_fits(before: Path, after: Path) -> str:
    """How many of the fits stored with the forecasts (this version's `fitted` entries) the
    sync from `before` to `after` kept: those whose key did not change."""
    def keys(db: Path) -> dict[tuple[int, str], str]:
        con = sqlite3.connect(db)
        try:
            rows = con.execute("SELECT key_result_id, view FROM kr_forecasts").fetchall()
        finally:
            con.close()
        return {(kr, kind): part["key"] for kr, view in rows
                for kind, part in (json.loads(view).get("fitted") or {}).items()}

    old, new = keys(before), keys(after)
    if not new:
        return "no fits stored with the forecasts"
    out = []
    for kind in ("forecast", "ambition"):
        mine = [k for k in new if k[1] == kind]
        out.append(f"{kind} {sum(old.get(k) == new[k] for k in mine)}/{len(mine)}")
    return "fits kept: " + ", ".join(out)


def _leaves(doc: object) -> list[object]:
    if isinstance(doc, dict):
        return [x for k in sorted(doc) for x in (k, *_leaves(doc[k]))]
    if isinstance(doc, list):
        return [x for item in doc for x in _leaves(item)]
    return [doc]


def check(work: Path, ws: Path, runs: int) -> None:
    """Both ways, in turn: the same stored values, how many weekly values each computed, and
    the sync itself timed in-process (the run log's start and finish: interpreter start-up
    and imports left out, which `farm-bench` below includes)."""
    import statistics

    results = {}
    seconds: dict[str, list[float]] = {"incremental": [], "full": []}
    cpu: dict[str, list[dict[str, float]]] = {"incremental": [], "full": []}
    for _ in range(runs):
        for way, extra in (("incremental", []), ("full", ["--full"])):
            db = ws / ".sowhat" / "sowhat.db"
            restore(work, ws)
            _, spent = driven("sync", "-w", str(ws), "--as-of", AFTER, "--no-notify",
                                "--json", *extra)
            cpu[way].append(spent)
            results[way] = stored(db)
            con = sqlite3.connect(db)
            started, finished = con.execute(
                "SELECT started_at, finished_at FROM sync_runs ORDER BY id DESC LIMIT 1"
            ).fetchone()
            con.close()
            from datetime import datetime

            seconds[way].append((datetime.fromisoformat(finished)
                                 - datetime.fromisoformat(started)).total_seconds())
    for way, values in seconds.items():
        print(f"{way}: in-process sync median {statistics.median(values):.2f} s "
              f"({', '.join(f'{v:.2f}' for v in values)})", flush=True)
    inc, full = (statistics.median(seconds[w]) for w in ("incremental", "full"))
    print(f"in-process incremental / full: {inc / full:.3f}", flush=True)
    med = {w: {k: statistics.median(c[k] for c in cpu[w]) for k in ("sync", "forecasts")}
           for w in cpu}
    for way, m in med.items():
        print(f"{way}: in-process CPU median {m['sync']:.2f} s, of which forecast fitting "
              f"{m['forecasts']:.2f} s", flush=True)
    for way, spents in cpu.items():
        if "days_kept" in spents[-1]:
            print(f"{way}: day partials kept {spents[-1]['days_kept']:.0f}, computed "
                  f"{spents[-1]['days_computed']:.0f}", flush=True)
    inc_cpu, full_cpu = med["incremental"], med["full"]
    bare = ((inc_cpu["sync"] - inc_cpu["forecasts"])
            / (full_cpu["sync"] - full_cpu["forecasts"]))
    print(f"in-process CPU incremental / full: {inc_cpu['sync'] / full_cpu['sync']:.3f}; "
          f"without the forecast fitting: {bare:.3f}", flush=True)
    for way, extra in (("incremental", []), ("full", ["--full"])):
        restore(work, ws)
        report = json.loads(sowhat("sync", "-w", str(ws), "--as-of", AFTER, "--no-notify",
                                   "--json", *extra))
        weeks = sum(k["weeks_computed"] for k in report["key_results"])
        results[way] = stored(ws / ".sowhat" / "sowhat.db")
        print(f"{way}: {weeks} weekly values computed, {report['checkins_written']} "
              "check-ins written", flush=True)
    worst = difference(results["incremental"], results["full"])
    print(f"stored values agree: max relative difference {worst:.1e} (DuckDB's parallel float "
          "sums differ in the last bits from run to run, full or not)", flush=True)
    if worst > 1e-9:
        raise SystemExit("incremental and full syncs disagree")


def difference(a: dict[str, list[tuple[object, ...]]],
               b: dict[str, list[tuple[object, ...]]]) -> float:
    """The largest relative difference between two stored states (inf: different rows)."""
    worst = 0.0
    for table in b:
        if len(a[table]) != len(b[table]):
            return float("inf")
        for ra, rb in zip(a[table], b[table], strict=True):
            if len(ra) != len(rb):
                return float("inf")
            for x, y in zip(ra, rb, strict=True):
                if isinstance(x, float) and isinstance(y, float):
                    worst = max(worst, abs(x - y) / max(abs(x), abs(y), 1e-300))
                elif x != y:
                    return float("inf")
    return worst


def bench(work: Path, ws: Path, runs: int, timeout: int) -> None:
    def way(extra: str) -> str:
        return (f"sh -c '{restore_sh(work, ws)} && exec "
                f"{VENV}/sowhat sync -w {ws} --as-of {AFTER} --no-notify --json {extra} "
                f">/dev/null'")

    cmd = ["farm-bench", "-n", str(runs), "--timeout", str(timeout), "--vs", way("--full"),
           "--", "sh", "-c", way("")[7:-1]]
    print("$ " + " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True)


def compare(a: tuple[Path, Path], b: tuple[Path, Path], b_env: dict[str, str], runs: int,
            timeout: int, farm: bool) -> None:
    """This version (A) against a baseline checkout (B), each from its own workspace synced
    by itself (the stored keys are each version's own), run in turn: A B A B … — in-process
    CPU of incremental and full, then whole incremental processes with `farm-bench`."""
    import statistics

    cpu: dict[tuple[str, str], list[float]] = {}
    states: dict[tuple[str, str], dict[str, list[tuple[object, ...]]]] = {}
    for _ in range(runs):
        for way, extra in (("incremental", []), ("full", ["--full"])):
            for name, (work, ws), env in (("A", a, None), ("B", b, b_env)):
                restore(work, ws)
                _, spent = driven("sync", "-w", str(ws), "--as-of", AFTER, "--no-notify",
                                  "--json", *extra, env=env)
                states[(name, way)] = stored(ws / ".sowhat" / "sowhat.db")
                if way == "incremental" and len(cpu.get((name, way), [])) == 0:
                    kept = kept_fits(work / "yesterday.db", ws / ".sowhat" / "sowhat.db")
                    print(f"{name}: {kept}", flush=True)
                if "days_kept" in spent and len(cpu.get((name, way), [])) == 0:
                    print(f"{name} {way}: day partials kept {spent['days_kept']:.0f}, "
                          f"computed {spent['days_computed']:.0f}; whole windows kept "
                          f"{spent.get('windows_kept', 0):.0f}, computed "
                          f"{spent.get('windows_computed', 0):.0f}", flush=True)
                cpu.setdefault((name, way), []).append(spent["sync"])
                cpu.setdefault((name, way + " without forecasts"), []).append(
                    spent["sync"] - spent["forecasts"])
    for name in ("A", "B"):
        worst = difference(states[(name, "incremental")], states[(name, "full")])
        print(f"{name}: stored values of incremental and full agree: max relative difference "
              f"{worst:.1e}", flush=True)
        if worst > 1e-9:
            raise SystemExit(f"{name}: incremental and full syncs disagree")
    med = {k: statistics.median(v) for k, v in cpu.items()}
    for way in ("incremental", "full", "incremental without forecasts",
                "full without forecasts"):
        print(f"in-process CPU, {way}: A {med[('A', way)]:.2f} s, B {med[('B', way)]:.2f} s, "
              f"A/B {med[('A', way)] / med[('B', way)]:.3f}", flush=True)
    for name in ("A", "B"):
        ratio = med[(name, "incremental")] / med[(name, "full")]
        bare = (med[(name, "incremental without forecasts")]
                / med[(name, "full without forecasts")])
        print(f"{name}: incremental / full CPU {ratio:.3f}, without forecasts {bare:.3f}",
              flush=True)
    if not farm:
        return

    def command(work: Path, ws: Path, extra: str, env: str = "") -> str:
        return (f"{restore_sh(work, ws)} && exec {env}"
                f"{VENV}/sowhat sync -w {ws} --as-of {AFTER} --no-notify --json {extra} "
                f">/dev/null")

    b_path = f"env PYTHONPATH={b_env['PYTHONPATH']} "
    for title, cmd_a, cmd_b in (
        ("A incremental vs B incremental", command(*a, ""), command(*b, "", b_path)),
        ("A incremental vs A full", command(*a, ""), command(*a, "--full")),
        ("B incremental vs B full", command(*b, "", b_path), command(*b, "--full", b_path)),
    ):
        cmd = ["farm-bench", "-n", str(runs), "--timeout", str(timeout), "--vs",
               f"sh -c '{cmd_b}'", "--", "sh", "-c", cmd_a]
        print(f"# {title}\n$ " + " ".join(cmd), flush=True)
        subprocess.run(cmd, check=True)


def bytecode(sources: list[Path]) -> str:
    """Let every `sowhat` process use bytecode caches, as an installed one does.

    pip compiles a wheel's modules when it installs them; a shell with
    PYTHONDONTWRITEBYTECODE=1 (this farm's) and a virtualenv installed that way has no
    `.pyc` at all, so every process compiles each module it imports from source — ≈2 s of
    CPU of a whole `sowhat sync` that no installed copy pays. The environment variable is
    dropped for the runs and the sources (site-packages, this checkout's and the baseline's
    src/) are compiled once, before any timing."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    purelib = subprocess.run([str(VENV / "python"), "-c",
                              "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             check=True, capture_output=True, text=True).stdout.strip()
    folders = [purelib, *(str(s) for s in sources)]
    subprocess.run([str(VENV / "python"), "-m", "compileall", "-q", "-j", "2", *folders],
                   check=False, capture_output=True)
    return "bytecode caches: on (compiled: " + ", ".join(folders) + ")"


def main() -> None:
    global ENV, DAY, BEFORE, AFTER, HISTORY_YEAR
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", default="1M", help="demo size: 1M (default), 10M, …")
    parser.add_argument("--work", type=Path, default=None, help="kept between runs")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--timeout", type=int, default=900)
    parser.add_argument("--no-farm-bench", action="store_true",
                        help="only the in-process timings")
    parser.add_argument("--baseline-src", type=Path, default=None,
                        help="a baseline checkout's src/ (e.g. from `git archive`): run it in "
                        "turn with this one")
    parser.add_argument("--day", default=DAY,
                        help=f"the held-out day (default {DAY}, a Sunday: the new day completes "
                        "a week; e.g. 2026-11-11 for one in the middle of a week)")
    parser.add_argument("--history-year", action="store_true",
                        help="add a year of earlier events (KRs fit the yearly swing)")
    parser.add_argument("--baseline-work", type=Path, default=None,
                        help="the baseline's own work folder (default: --work + '-baseline')")
    parser.add_argument("--no-bytecode", action="store_true",
                        help="keep the shell's PYTHONDONTWRITEBYTECODE (every process then "
                        "compiles its modules from source, as the runs before flow5 did)")
    args = parser.parse_args()
    from datetime import date, timedelta

    DAY = BEFORE = args.day
    AFTER = (date.fromisoformat(args.day) + timedelta(days=1)).isoformat()
    HISTORY_YEAR = args.history_year
    tag = ("" if args.day == "2026-11-15" else f"-{args.day}") + (
        "-year" if args.history_year else "")
    work = args.work or Path("/tmp") / f"sowhat-bench-incremental-{args.events}{tag}"
    work.mkdir(parents=True, exist_ok=True)
    print(describe("duckdb"), flush=True)
    if args.no_bytecode:
        print("bytecode caches: as the environment has them (PYTHONDONTWRITEBYTECODE="
              f"{os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r})", flush=True)
    else:
        here = Path(__file__).resolve().parent.parent / "src"
        print(bytecode([here, *([args.baseline_src] if args.baseline_src else [])]),
              flush=True)
    ws = prepare(work, args.events)
    if args.baseline_src is not None:
        b_env = {**os.environ, "PYTHONPATH": str(args.baseline_src.resolve())}
        b_work = args.baseline_work or work.with_name(work.name + "-baseline")
        b_work.mkdir(parents=True, exist_ok=True)
        ENV = b_env
        b_ws = prepare(b_work, args.events)
        ENV = None
        compare((work, ws), (b_work, b_ws), b_env, args.runs, args.timeout,
                not args.no_farm_bench)
        return
    check(work, ws, args.runs)
    if not args.no_farm_bench:
        bench(work, ws, args.runs, args.timeout)


if __name__ == "__main__":
    main()
