"""CPU of fitting the demo's KR forecasts, this tree against another (e.g. main).

    .venv/bin/python benchmarks/forecast_speed.py --base /tmp/base     # A/B, in-process CPU
    PYTHONPATH=src .venv/bin/python benchmarks/forecast_speed.py --child --no-steady

What `sowhat sync` pays when a week completes: it imports the forecasting code (and with it
NumPy) at its first fit, then fits each KR whose inputs changed. The fits are the demo's
(tests/reference/forecast_cases.json holds their inputs, captured from a demo workspace),
made through `services.forecasts._fit_forecast` as sync makes them.

`--child` runs one fresh process's worth: the first fit (the imports included), the rest,
and unless `--no-steady` the steady-state CPU per fit (every fit repeated, median of
rounds), as JSON. Without it, children run in turn for this tree's `src` (A) and
`--base`'s (B), A B A B ..., and the medians and A/B ratios are printed. A whole-process
figure is the `--child --no-steady` command timed from outside (/usr/bin/time, or any
harness that runs A and B in turn).
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
from typing import Any

HERE = Path(__file__).resolve().parent
CASES = HERE.parent / "tests" / "reference" / "forecast_cases.json"
DEMO = "workspace:fastfc-demo"


def demo_fits() -> list[dict[str, Any]]:
    cases = json.loads(CASES.read_text())["cases"]
    return [c["inputs"] for c in cases if c["source"] == DEMO and c["kind"] == "forecast"]


def child(steady: bool) -> dict[str, float]:
    """One process: the first fit with its imports, the others, and the steady per-fit CPU."""
    from sowhat.domain.okr import Direction
    from sowhat.services import forecasts as fc

    fits = demo_fits()

    def fit(i: dict[str, Any]) -> None:
        fc._fit_forecast(i["series"], i["target"], i["ahead"], Direction(i["direction"]),
                         i["interval"], (i["bounds"][0], i["bounds"][1]), i["older"])

    cpu, wall = time.process_time(), time.perf_counter()
    fit(fits[0])
    first_cpu = time.process_time() - cpu
    for i in fits[1:]:
        fit(i)
    out = {"fits": float(len(fits)), "first_fit_cpu": first_cpu,
           "all_fits_cpu": time.process_time() - cpu, "all_fits_wall": time.perf_counter() - wall}
    if steady:
        rounds = []
        for _ in range(15):
            start = time.process_time()
            for i in fits:
                fit(i)
            rounds.append((time.process_time() - start) / len(fits))
        out["steady_cpu_per_fit"] = statistics.median(rounds)
    return out


def run_child(src: Path) -> dict[str, float]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    done = subprocess.run([sys.executable, __file__, "--child"], env=env, check=True,
                          capture_output=True, text=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--child", action="store_true", help="one process's figures, as JSON")
    parser.add_argument("--no-steady", action="store_true", help="(--child) skip the repeats")
    parser.add_argument("--base", type=Path, help="the other tree (B), e.g. main unpacked")
    parser.add_argument("--runs", type=int, default=7, help="A/B pairs")
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(steady=not args.no_steady)))
        return
    if args.base is None:
        parser.error("--base is required without --child")
    trees = {"A (this tree)": HERE.parent / "src", "B (base)": args.base / "src"}
    runs: dict[str, list[dict[str, float]]] = {name: [] for name in trees}
    for _ in range(args.runs):
        for name, src in trees.items():
            runs[name].append(run_child(src))
    keys = ("first_fit_cpu", "all_fits_cpu", "all_fits_wall", "steady_cpu_per_fit")
    med = {name: {k: statistics.median(r[k] for r in rs) for k in keys}
           for name, rs in runs.items()}
    fits = int(runs["A (this tree)"][0]["fits"])
    print(f"{fits} demo forecasts, {args.runs} fresh processes each, medians (ms):")
    for name, m in med.items():
        print(f"  {name}: first fit with its imports {m['first_fit_cpu'] * 1e3:.1f} CPU; "
              f"all {fits} fits {m['all_fits_cpu'] * 1e3:.1f} CPU "
              f"({m['all_fits_wall'] * 1e3:.1f} wall); steady "
              f"{m['steady_cpu_per_fit'] * 1e3:.2f} CPU per fit")
    a, b = med["A (this tree)"], med["B (base)"]
    pairs = [ra["all_fits_cpu"] / rb["all_fits_cpu"]
             for ra, rb in zip(runs["A (this tree)"], runs["B (base)"], strict=True)]
    print(f"  A/B: all fits with imports {statistics.median(pairs):.3f} (paired median), "
          f"steady per fit {a['steady_cpu_per_fit'] / b['steady_cpu_per_fit']:.3f}, "
          f"first fit {a['first_fit_cpu'] / b['first_fit_cpu']:.3f}")


if __name__ == "__main__":
    main()
