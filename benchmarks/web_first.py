"""Benchmark: the first request after a change, on the large workspace of `web.py`.

The warm figures of `web.py` are served from the per-process cache; this measures what the
cache cannot hide — the dashboard (`/`) requested right after:
- `cold`: a fresh server (nothing cached in the process);
- `manual check-in`: a person's check-in (value, confidence, note) on a KR checked in by hand;
- `synced check-in`: a person's confidence and note on a KR computed by `sowhat sync`;
- `kr edit`: a KR's title changed;
- `objective edit`: an objective's title changed;
- `sync`: `sowhat sync` run again (the same as-of: the current week recomputed), its own
  duration reported as `sync run`;
- `fresh server after sync`: the process's caches emptied after that sync, as a restarted
  server (`cold` runs on the workspace as built, whose last sync may be another version's);
- `N KRs redefined`: the segment of N synced KRs changed (N = `--changed`, 10 by default),
  then `sync changed N`: a sync that recomputes those N KRs' values, series and forecasts
  and finds every other KR's inputs unchanged (its own duration: `sync changed N run`);
- `sync a day later`: `sowhat sync --as-of` one day later (no new events: every synced KR's
  window, measure and current week move, as a new day's sync moves them).
Each write is made through the service layer on another connection, as a second process
(the CLI, a cron job) would; the server notices through the data version.

Every round works on a fresh copy of the workspace (the writes change it), upgraded to the
checkout's schema, in a fresh process. With `--baseline-src`, the baseline checkout runs in
turn with this one (A B A B ...).

Not run by pytest.   Usage:
    .venv/bin/python benchmarks/web_first.py --baseline-src /tmp/sowhat-main/src --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime, timedelta
from pathlib import Path

from web import EMAIL, PASSWORD, machine

STEPS = ("cold", "warm", "manual check-in", "synced check-in", "kr edit", "objective edit",
         "sync run", "sync", "fresh server after sync", "N KRs redefined", "sync changed N run",
         "sync changed N", "sync a day later run", "sync a day later")


def one_round(root: Path, changed: int = 10) -> dict[str, float]:
    """In this process: the server on `root`, each change, the next dashboard's time (s)."""
    from fastapi.testclient import TestClient

    from sowhat.api.app import create_app
    from sowhat.api.settings import ServerSettings
    from sowhat.domain.okr import CheckInSource
    from sowhat.services.accounts import Principal, ensure_user
    from sowhat.services.checkins import record_checkin
    from sowhat.services.demo.run import DEMO_AS_OF
    from sowhat.services.events import event_source_spec, open_events
    from sowhat.services.okrs import edits
    from sowhat.services.sync import resolve_as_of, sync
    from sowhat.spec.workspace import load_workspace
    from sowhat.store import repositories
    from sowhat.store.db import open_database

    ws = load_workspace(root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction() as session:
        ensure_user(session=session, email=EMAIL, password=PASSWORD, is_admin=True,
                    editor_teams=(), actor="bench")
    client = TestClient(create_app(ServerSettings(workspace=root)))
    page = client.get("/login").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf,
                                "next": "/"}, follow_redirects=False)
    out: dict[str, float] = {}

    def dashboard(step: str) -> None:
        began, cpu = time.perf_counter(), time.process_time()
        response = client.get("/")
        out[step] = time.perf_counter() - began
        # CPU seconds of this process (the server's threads included): on a shared machine
        # they say more than wall time, which the other tenants' load stretches
        out[f"{step} cpu"] = time.process_time() - cpu
        assert response.status_code == 200, (step, response.status_code)
        print(f"{step}: {out[step]:.2f} s, {out[f'{step} cpu']:.2f} s CPU", file=sys.stderr,
              flush=True)

    dashboard("cold")
    dashboard("warm")
    week = date(2026, 11, 30)
    with db.transaction() as session:
        record_checkin(session=session, kr_id="s0005-1", period="2026-Q4", value=41.5,
                       confidence=0.6, note="bench: a manual check-in", blockers=None,
                       source=CheckInSource.MANUAL, actor="bench", week=week)
    dashboard("manual check-in")
    with db.transaction() as session:
        record_checkin(session=session, kr_id="s0007-0", period="2026-Q4", value=None,
                       confidence=0.4, note="bench: slower than hoped", blockers=None,
                       source=CheckInSource.MANUAL, actor="bench", week=week)
    dashboard("synced check-in")
    admin = Principal(user_id=0, email=EMAIL, is_admin=True, editor_teams=frozenset())
    with db.transaction() as session:
        version = repositories.key_results_by_key(session, "s0009-2")[0][0].version
        edits.update_key_result(session=session, principal=admin, period="2026-Q4",
                                kr_id="s0009-2", changes={"title": "Lift the alerts "
                                                          "satisfaction score from 3.6 to 4.3"},
                                expected_version=version)
    dashboard("kr edit")
    with db.transaction() as session:
        prow = repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"]
        orow = next(o for o in repositories.period_contents(session, prow).objectives
                    if o.key == "team-012/obj-0011" and o.archived_at is None)
        edits.update_objective(session=session, principal=admin, period="2026-Q4",
                               objective_id="team-012/obj-0011",
                               changes={"title": "Alerts people trust"},
                               expected_version=orow.version)
    dashboard("objective edit")
    source = open_events(ws)
    clock = resolve_as_of(events=source, spec=event_source_spec(ws), requested=None,
                          now=DEMO_AS_OF)

    def run_sync(step: str, as_of: datetime) -> None:
        began, cpu = time.perf_counter(), time.process_time()
        with db.transaction() as session:
            assert ws.metrics is not None
            sync(session=session, catalog=ws.metrics, events=source, as_of=as_of,
                 actor="sync", data_through=clock.data_through)
        out[step] = time.perf_counter() - began
        out[f"{step} cpu"] = time.process_time() - cpu
        print(f"{step}: {out[step]:.2f} s", file=sys.stderr, flush=True)

    try:
        run_sync("sync run", clock.effective)
        dashboard("sync")
        # a fresh server after that sync: nothing in the process's caches
        from sowhat.services.listing import cache

        for name in ("read_cache", "entry_cache"):
            getattr(cache, name).clear()
        dashboard("fresh server after sync")
        # N synced KRs measured on another segment: the next sync recomputes those only
        with db.transaction() as session:
            prow = repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"]
            synced = [k for k in repositories.period_contents(session, prow).key_results
                      if k.key.endswith("-0") and k.metric and k.archived_at is None]
            for k in synced[100:100 + changed]:
                edits.update_key_result(
                    session=session, principal=admin, period="2026-Q4", kr_id=k.key,
                    changes={"segment": "mid" if k.segment != "mid" else "small"},
                    expected_version=k.version, metrics=ws.metrics)
        dashboard("N KRs redefined")
        run_sync("sync changed N run", clock.effective)
        dashboard("sync changed N")
        run_sync("sync a day later run", clock.effective + timedelta(days=1))
        dashboard("sync a day later")
    finally:
        source.close()
    db.dispose()
    return out


def run_round(src: Path, workspace: Path, changed: int) -> dict[str, float]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    with tempfile.TemporaryDirectory(prefix="sowhat-first-") as tmp:
        copy = Path(tmp) / "ws"
        shutil.copytree(workspace, copy)
        subprocess.run([sys.executable, "-c", "import sys; from sowhat.cli.app import main; "
                        "sys.argv = ['sowhat', 'db', 'upgrade', '-w', sys.argv[1]]; main()",
                        str(copy)], env=env, check=True, capture_output=True)
        done = subprocess.run([sys.executable, __file__, "--one-round", str(copy),
                               "--changed", str(changed)], env=env,
                              stdout=subprocess.PIPE, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/sowhat-bench-web"))
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--only", choices=("A", "B"), default=None)
    parser.add_argument("--changed", type=int, default=10,
                        help="synced KRs redefined before `sync changed N`")
    parser.add_argument("--one-round", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.one_round is not None:
        print(json.dumps(one_round(args.one_round, args.changed)))
        return
    if not (args.workspace / ".built").exists():
        raise SystemExit(f"build the workspace first: benchmarks/web.py --workspace "
                         f"{args.workspace}")
    here = Path(__file__).resolve().parent.parent / "src"
    runs: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
    for _ in range(args.rounds):
        if args.only != "B":
            runs["A"].append(run_round(here, args.workspace, args.changed))
        if args.baseline_src is not None and args.only != "A":
            runs["B"].append(run_round(args.baseline_src, args.workspace, args.changed))
    print(f"machine: {machine()}")
    print(f"{'first / after':<28} {'A (s)':>9} {'B (s)':>9} {'A/B':>7}")
    report: dict[str, object] = {"machine": machine(), "rounds": args.rounds, "steps": {}}
    for step in [x for s in STEPS for x in (s, f"{s} cpu")]:
        a = [r[step] for r in runs["A"] if step in r]
        b = [r[step] for r in runs["B"] if step in r]
        ma = statistics.median(a) if a else float("nan")
        mb = statistics.median(b) if b else float("nan")
        print(f"{step:<28} {ma:>9.2f} {mb:>9.2f} {ma / mb if b and a else float('nan'):>7.3f}")
        report["steps"][step] = {"A": a, "B": b}  # type: ignore[index]
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
