"""Benchmark: a page's first series from the events, in a fresh process — a monthly KR's
months (the KR page, the QBR) and the North Star's weeks (the dashboard tile).

Neither is stored by sync: a page computes it on its first view and keeps it until the
events change (services.series). This prints the machine, then times one fresh process
computing it, by default on the demo (`sowhat demo` builds one when `--work` has none):

    .venv/bin/python benchmarks/series_first.py                  # both, in this process
    .venv/bin/python benchmarks/series_first.py --one months     # one cold computation
    farm-bench -n 7 --vs 'env PYTHONPATH=/tmp/base/src .venv/bin/python \
        benchmarks/series_first.py --one months' -- .venv/bin/python \
        benchmarks/series_first.py --one months                  # against a baseline checkout

`--one` runs a single computation and exits, so `farm-bench` times the whole first view:
imports, opening the store, compiling (or reading the compiled template) and the query.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from machine import describe

PERIOD = "2026-Q4"


def ensure_demo(work: Path) -> Path:
    if not (work / "sowhat.toml").exists():
        subprocess.run([str(Path(sys.executable).parent / "sowhat"), "demo", str(work)],
                       check=True, capture_output=True)
    return work


def months(root: Path) -> int:
    from sowhat.services.series.months import monthly_values
    from sowhat.spec.workspace import load_workspace

    ws = load_workspace(root)
    values = monthly_values(workspace=ws, metric="monthly_account_churn", segment=None,
                            start=date(2026, 7, 1), end=date(2027, 1, 1))
    return len(values)


def north_star(root: Path) -> int:
    from sowhat.domain.period import Period
    from sowhat.services.series.north_star import north_star_series
    from sowhat.spec.workspace import load_workspace

    ws = load_workspace(root)
    values = north_star_series(workspace=ws, metric="weekly_active_teams",
                               period=Period.parse(PERIOD), today=date(2026, 12, 7))
    return len(values)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("/tmp/sowhat-series-bench"))
    ap.add_argument("--one", choices=["months", "north_star"])
    args = ap.parse_args()
    root = ensure_demo(args.work)
    if args.one:
        count = (months if args.one == "months" else north_star)(root)
        if not count:
            raise SystemExit(f"{args.one}: no values (is the demo built at {root}?)")
        return
    print(describe())
    for name, fn in (("months (Jul-Oct, monthly churn)", months),
                     ("north star (weeks of 2026-Q4)", north_star)):
        start = time.perf_counter()
        count = fn(root)
        print(f"{name}: {count} values, {time.perf_counter() - start:.3f} s in a warm process")


if __name__ == "__main__":
    main()
