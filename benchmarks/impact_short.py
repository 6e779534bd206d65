"""Launch impact on SHORT weekly histories: null size and power of ITS and DiD.

    .venv/bin/python benchmarks/impact_short.py                    # 300 launches per cell
    .venv/bin/python benchmarks/impact_short.py --reps 100         # quick look
    .venv/bin/python benchmarks/impact_short.py --plug-in          # the critical values at
                                                                    # the bias-corrected rho alone
    .venv/bin/python benchmarks/impact_short.py --time             # its/did_estimate time only
    .venv/bin/python benchmarks/impact_short.py --designs 5/2,8/2,13/4,26/4 --reps 150
                                                                    # the published cells

A fresh workspace has a few weeks of history before a launch. This measures, per design
(weeks before x weeks after the launch) and noise process, how often a launch that did
NOTHING is claimed — the 90% interval excludes 0 and the estimate is not withheld, which is
what makes `sowhat impact` say "moved" or "moved the wrong way" (nominal 0.10) — and how often
a planted level shift of `--effect` marginal standard deviations is claimed the right way
("power"). Processes (weekly values around 0.40 with a trend of +0.0093 a week):
- `ar1`: AR(1) normal noise with rho 0, 0.4, 0.7 (marginal sd 0.037);
- `t3`: iid Student t(3) noise scaled to sd 0.037 (heavy tails);
- `binomial`: weekly conversion counts, a cohort of 150-400 users converting with the trend's
  rate (0.40 + 0.0093 a week): binomial sampling noise alone, its variance moving with the
  rate and the cohort size;
- `binomial_rw`: a weekly binomial cohort of 150-400 users whose true rate follows a random
  walk (sd 0.01 a week) around the trend: sampling noise plus a level that wanders;
- `did_ar1`: DiD, a treated and a control segment sharing an AR(1) disturbance (rho 0.6) and
  each with its own AR(1) wobble at rho (0, 0.4, 0.7); the difference carries the wobble.

`t3`, `binomial` and `binomial_rw` are not Gaussian AR(1): the simulated critical values
assume AR(1) normal errors, so these rows check the claims hold on noise they were not built
for.

`--plug-in` sets `robust_regression.CS_WIDTH = 0` and `CS_SCAN = ()`: the confidence set for
rho collapses to the bias-corrected point, which is the code before the least-favourable
critical values. To run another version, put its `src` first on PYTHONPATH (e.g. `git archive
<commit> src | tar -x -C /tmp/old`).
JSON: benchmarks/results/impact_short[_plugin].json.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from machine import describe
from sowhat.stats import robust_regression
from sowhat.stats.impact import ImpactEstimate, did_estimate, its_estimate

RESULTS = Path(__file__).parent / "results"
START = date(2026, 9, 7)
SD = 0.037
LEVEL = 0.40
TREND = 0.0093
PRES = (5, 8, 13, 26)
POSTS = (2, 3, 4)
RHOS = (0.0, 0.4, 0.7)
PROCESSES = ("ar1", "t3", "binomial_rw", "did_ar1", "binomial")


def _ar1(rng: np.random.Generator, n: int, rho: float, sd: float) -> np.ndarray:
    out = np.empty(n)
    prev = rng.normal(0.0, sd)
    innov = sd * math.sqrt(1.0 - rho**2)
    for i in range(n):
        prev = rho * prev + rng.normal(0.0, innov) if i else prev
        out[i] = prev
    return out


def noise(process: str, rng: np.random.Generator, n: int, rho: float) -> np.ndarray:
    """Mean-zero weekly noise with marginal sd about SD."""
    if process == "ar1":
        return _ar1(rng, n, rho, SD)
    if process == "t3":
        return SD * rng.standard_t(3, n) / math.sqrt(3.0)
    if process == "binomial":
        p = LEVEL + TREND * np.arange(n)
        users = rng.integers(150, 401, n)
        return np.asarray(rng.binomial(users, p) / users - p, dtype=float)
    if process == "binomial_rw":
        level = np.cumsum(rng.normal(0.0, 0.01, n))
        p = np.clip(LEVEL + TREND * np.arange(n) + level, 0.01, 0.99)
        users = rng.integers(150, 401, n)
        observed = rng.binomial(users, p) / users
        return np.asarray(observed - LEVEL - TREND * np.arange(n), dtype=float)
    raise ValueError(process)


def claimed(est: ImpactEstimate) -> tuple[bool, bool]:
    """(interval excludes 0 and not withheld: a claim either way, the same claim upwards)."""
    if not est.ok or est.low is None or est.high is None:
        return False, False
    out = (est.low > 0 or est.high < 0) and est.withheld is None
    return out, out and est.low > 0


def run_cell(process: str, pre: int, post: int, rho: float, reps: int, effect: float,
             seed: int) -> dict[str, Any]:
    rng = np.random.default_rng([seed, pre, post, int(rho * 10), PROCESSES.index(process)])
    n = pre + post
    dates = [START + timedelta(weeks=i) for i in range(n)]
    launch = dates[pre]
    step = np.r_[np.zeros(pre), np.ones(post)] * effect * SD
    base = LEVEL + TREND * np.arange(n)
    null_claims = planted_right = 0
    crit: list[float] = []
    for _ in range(reps):
        control: np.ndarray | None = None
        if process == "did_ar1":
            shared = _ar1(rng, n, 0.6, SD)
            treated = base + shared + _ar1(rng, n, rho, SD)
            control = 0.8 * base + 0.8 * shared + _ar1(rng, n, rho, SD)
        else:
            treated = base + noise(process, rng, n, rho)

        def fit(y: np.ndarray, c: np.ndarray | None = control) -> ImpactEstimate:
            if c is None:
                return its_estimate(dates, list(y), launch=launch)
            return did_estimate(dates, list(y), list(c), launch=launch)

        null = fit(treated)
        null_claims += claimed(null)[0]
        if null.critical_value is not None:
            crit.append(null.critical_value)
        planted_right += claimed(fit(treated + step))[1]
    se = math.sqrt(0.1 * 0.9 / reps)
    return {"process": process, "pre": pre, "post": post, "rho": rho, "reps": reps,
            "null_claimed": null_claims / reps, "power": planted_right / reps,
            "median_critical_value": float(np.median(crit)) if crit else None,
            "mc_se_at_0.10": se}


def cells(quick: bool) -> list[tuple[str, int, int, float]]:
    out = [("ar1", pre, post, rho) for pre in PRES for post in POSTS for rho in RHOS]
    out += [(p, pre, post, 0.0) for p in ("t3", "binomial", "binomial_rw") for pre in PRES
            for post in POSTS]
    out += [("did_ar1", pre, post, rho) for pre in PRES for post in (2, 4) for rho in RHOS]
    if quick:
        out = [c for c in out if c[2] != 3 or c[0] in ("t3", "binomial", "binomial_rw")]
    return out


def timing(repeat: int) -> None:
    rng = np.random.default_rng(1)
    for n, pre in ((30, 26), (7, 5)):
        dates = [START + timedelta(weeks=i) for i in range(n)]
        y = list(LEVEL + TREND * np.arange(n) + _ar1(rng, n, 0.4, SD))
        c = list(0.8 * LEVEL + _ar1(rng, n, 0.4, SD))
        def its(d: list[date] = dates, y: list[float] = y, p: int = pre) -> object:
            return its_estimate(d, y, launch=d[p])

        def did(d: list[date] = dates, y: list[float] = y, c: list[float] = c,
                p: int = pre) -> object:
            return did_estimate(d, y, c, launch=d[p])

        for name, call in (("its_estimate", its), ("did_estimate", did)):
            call()
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                call()
                times.append(time.perf_counter() - t0)
            print(f"{name} on {n} weekly points ({pre} before): median "
                  f"{1000 * float(np.median(times)):.1f} ms, min {1000 * min(times):.1f} ms "
                  f"over {repeat}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reps", type=int, default=300,
                        help="launches per cell (null and planted)")
    parser.add_argument("--effect", type=float, default=2.0,
                        help="planted level shift in marginal sds (default 2)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--plug-in", action="store_true",
                        help="critical values at the bias-corrected rho alone (the old code)")
    parser.add_argument("--width", type=float, help="override robust_regression.CS_WIDTH")
    parser.add_argument("--quick", action="store_true", help="post 2 and 4 only for ar1")
    parser.add_argument("--only", help="comma-separated processes")
    parser.add_argument("--pres", help="comma-separated weeks before the launch")
    parser.add_argument("--designs", help="comma-separated pre/post pairs, e.g. 5/2,26/4")
    parser.add_argument("--time", action="store_true", help="timing only")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args()
    if args.plug_in:
        robust_regression.CS_WIDTH = 0.0
        if hasattr(robust_regression, "CS_SCAN"):
            robust_regression.CS_SCAN = ()
    if args.width is not None:
        robust_regression.CS_WIDTH = args.width
    print(describe("numpy"))
    print(f"CS_WIDTH {robust_regression.CS_WIDTH}, CS_POINTS {robust_regression.CS_POINTS}, "
          f"SCREEN_DRAWS {robust_regression.SCREEN_DRAWS}")
    timing(20)
    if args.time:
        return
    chosen = cells(args.quick)
    if args.only:
        keep = set(args.only.split(","))
        chosen = [c for c in chosen if c[0] in keep]
    if args.pres:
        pres = {int(x) for x in args.pres.split(",")}
        chosen = [c for c in chosen if c[1] in pres]
    if args.designs:
        designs = {tuple(int(x) for x in d.split("/")) for d in args.designs.split(",")}
        chosen = [c for c in chosen if (c[1], c[2]) in designs]
    rows = []
    started = time.perf_counter()
    print(f"{'process':12s} pre post  rho  null claimed  power  median crit")
    for process, pre, post, rho in chosen:
        row = run_cell(process, pre, post, rho, args.reps, args.effect, args.seed)
        rows.append(row)
        print(f"{process:12s} {pre:3d} {post:4d} {rho:4.1f}  {row['null_claimed']:12.3f} "
              f"{row['power']:6.3f}  {row['median_critical_value'] or float('nan'):11.2f}",
              flush=True)
    print(f"{time.perf_counter() - started:.0f} s; Monte-Carlo se of a rate near 0.10: "
          f"{math.sqrt(0.09 / args.reps):.3f}")
    out = args.out or RESULTS / ("impact_short_plugin.json" if args.plug_in
                                 else "impact_short.json")
    out.write_text(json.dumps({"machine": describe("numpy"), "cs_width":
                               robust_regression.CS_WIDTH, "reps": args.reps,
                               "effect_sd": args.effect, "seed": args.seed, "rows": rows},
                              indent=1) + "\n")


if __name__ == "__main__":
    main()
