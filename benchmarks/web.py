"""Benchmark: the web app on a large workspace — dashboard, KR list and the API's lists.

Builds (once, cached) a workspace of 1,000 objectives, 5,000 key results and 100 teams with
owners and six weeks of check-ins (`sowhat.services.demo.scale`), then requests each URL many
times through the real ASGI app (FastAPI's TestClient: routing, auth, the database, template
rendering — everything but the socket) and prints p50/p95/max per URL and the machine.

Side by side with a baseline: `--baseline-src DIR` names another checkout's `src` (e.g. main,
exported with `git archive main | tar -x -C /tmp/sowhat-main`); the two run in turn, round by
round (A B A B ...) in separate processes on the same workspace, and the ratios A/B of the
medians of each round's p50 and p95 are printed. A URL the baseline lacks shows as missing.

Not run by pytest.   Usage:
    .venv/bin/python benchmarks/web.py                      # this checkout, default URLs
    .venv/bin/python benchmarks/web.py --baseline-src /tmp/sowhat-main/src --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import describe

PERIOD = "2026-Q4"
DEFAULT_URLS = (
    "/",
    f"/periods/{PERIOD}?team=team-007",
    f"/periods/{PERIOD}/key-results",
    f"/periods/{PERIOD}/key-results?owner=person-011@scale.example",
    f"/api/v1/periods/{PERIOD}/objectives",
    f"/api/v1/periods/{PERIOD}/key-results",
    f"/api/v1/periods/{PERIOD}/key-results?team=team-007",
)
EMAIL, PASSWORD = "bench@scale.example", "benchmark-password"


def build(root: Path) -> None:
    from sowhat.services.demo.scale import create_scale_workspace

    if (root / ".built").exists():
        return
    started = time.perf_counter()
    made = create_scale_workspace(root=root, force=True)
    (root / ".built").write_text(json.dumps({"objectives": made.objectives,
                                             "key_results": made.key_results,
                                             "teams": made.teams, "checkins": made.checkins}))
    print(f"built {root} in {time.perf_counter() - started:.0f} s: {made}", file=sys.stderr)


def measure(root: Path, urls: list[str], requests: int, warmup: int) -> dict[str, object]:
    """One round in this process: log in, then time every URL `requests` times."""
    from fastapi.testclient import TestClient

    from sowhat.api.app import create_app
    from sowhat.api.settings import ServerSettings
    from sowhat.services.accounts import Scope, ensure_user, issue_token
    from sowhat.spec.workspace import load_workspace
    from sowhat.store.db import open_database

    ws = load_workspace(root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction() as session:
        ensure_user(session=session, email=EMAIL, password=PASSWORD, is_admin=True,
                    editor_teams=(), actor="bench")
        token = issue_token(session=session, email=EMAIL, scope=Scope.READ, actor="bench").token
    db.dispose()
    client = TestClient(create_app(ServerSettings(workspace=root)))
    page = client.get("/login").text
    csrf = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    client.post("/login", data={"email": EMAIL, "password": PASSWORD, "csrf_token": csrf,
                                "next": "/"}, follow_redirects=False)
    out: dict[str, object] = {}
    for url in urls:
        headers = {"Authorization": f"Bearer {token}"} if url.startswith("/api/") else {}
        first = client.get(url, headers=headers)
        if first.status_code != 200:
            out[url] = {"status": first.status_code}
            continue
        for _ in range(warmup):
            client.get(url, headers=headers)
        times = []
        for _ in range(requests):
            start = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (url, response.status_code)
        times.sort()
        out[url] = {"status": 200, "p50": percentile(times, 50), "p95": percentile(times, 95),
                    "max": times[-1], "bytes": len(first.content), "n": requests}
    return out


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    pos = (len(sorted_values) - 1) * q / 100
    low = int(pos)
    high = min(low + 1, len(sorted_values) - 1)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (pos - low)


def run_round(src: Path | None, args: argparse.Namespace,
              workspace: Path | None = None) -> dict[str, dict[str, float]]:  # fmt: skip
    env = dict(os.environ)
    if src is not None:
        env["PYTHONPATH"] = str(src) + os.pathsep + env.get("PYTHONPATH", "")
    cmd = [sys.executable, __file__, "--workspace", str(workspace or args.workspace),
           "--requests",
           str(args.requests), "--warmup", str(args.warmup), "--one-round",
           *[a for u in args.url for a in ("--url", u)]]
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    result: dict[str, dict[str, float]] = json.loads(done.stdout)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workspace", type=Path, default=Path("/tmp/sowhat-bench-web"))
    parser.add_argument("--requests", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--url", action="append", default=[])
    parser.add_argument("--baseline-src", type=Path, default=None)
    parser.add_argument("--baseline-workspace", type=Path, default=None,
                        help="The baseline's copy of the workspace, when the two checkouts "
                        "need different database schemas (the same data: copy it before "
                        "`sowhat db upgrade` of this checkout's copy).")
    parser.add_argument("--one-round", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--json", type=Path, default=None, help="Also write the figures here.")
    args = parser.parse_args()
    args.url = args.url or list(DEFAULT_URLS)
    if args.one_round:
        print(json.dumps(measure(args.workspace, args.url, args.requests, args.warmup)))
        return
    build(args.workspace)
    here = Path(__file__).resolve().parent.parent / "src"
    rounds: dict[str, list[dict[str, dict[str, float]]]] = {"A": [], "B": []}
    for _ in range(args.rounds):
        rounds["A"].append(run_round(here, args))
        if args.baseline_src is not None:
            rounds["B"].append(run_round(args.baseline_src, args, args.baseline_workspace))
    print(f"machine: {describe()}")
    print(f"workspace: {args.workspace} ({(args.workspace / '.built').read_text()})")
    print(f"{args.requests} requests per URL per round, {args.rounds} round(s); times in ms")
    header = f"{'URL':<62} {'p50':>7} {'p95':>7} {'max':>7} {'KB':>6}"
    if args.baseline_src is not None:
        header += f" {'base p50':>9} {'base p95':>9} {'p50 A/B':>8} {'p95 A/B':>8}"
    print(header)
    report = {"machine": describe(), "requests": args.requests, "rounds": args.rounds,
              "urls": {}}
    for url in args.url:
        a = _median_of(rounds["A"], url)
        line = f"{url:<62} " + (f"{a['p50']:>7.1f} {a['p95']:>7.1f} {a['max']:>7.1f} "
                                f"{a['bytes'] / 1024:>6.0f}" if a else f"{'missing':>30}")
        entry: dict[str, object] = {"A": a}
        if args.baseline_src is not None:
            b = _median_of(rounds["B"], url)
            entry["B"] = b
            if b and a:
                line += (f" {b['p50']:>9.1f} {b['p95']:>9.1f} {a['p50'] / b['p50']:>8.3f} "
                         f"{a['p95'] / b['p95']:>8.3f}")
            else:
                line += f" {'missing':>9}"
        report["urls"][url] = entry  # type: ignore[index]
        print(line)
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


def _median_of(rounds: list[dict[str, dict[str, float]]], url: str) -> dict[str, float] | None:
    runs = [r[url] for r in rounds if r.get(url, {}).get("status") == 200]
    if not runs:
        return None
    return {k: statistics.median(r[k] for r in runs) for k in ("p50", "p95", "max", "bytes")}


if __name__ == "__main__":
    main()
