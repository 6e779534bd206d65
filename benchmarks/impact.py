"""Launch-impact estimators on simulated launches with known effects: coverage, FPR, power.

    .venv/bin/python benchmarks/impact.py                          # 250 planted + 250 null
    .venv/bin/python benchmarks/impact.py --launches 40            # quick run
    .venv/bin/python benchmarks/impact.py --mode weekly            # weekly, 1-6 post weeks
    .venv/bin/python benchmarks/impact.py --mode events --launches 20   # demo event simulator

Modes:
- `series` (default): daily KR series from sowhat.stats.synthetic.simulate_launch — rates
  (binomial daily cohorts) and counts (Poisson), weekday rhythm, trend, a common AR(1)
  disturbance shared with an unexposed segment, each segment's own AR(1) wobble, 1% missing
  days; 84 days before the launch, 42 after. Planted launches shift the treated level by
  `--effect` (relative, default +5%); null launches shift nothing.
- `weekly`: the same series as weekly means, 26 weeks before the launch and 1-6 after —
  what `sowhat impact` analyses for a fresh launch.
- `events`: the demo event simulator (sowhat.demo.simulator.simulate) plants a
  `recommendation_ctr` change (`--points`, default +2 points, the demo's own recs-v2 size)
  for mid-sized accounts at a random week; the metric engine (sowhat.metrics) computes the
  weekly CTR of mid (treated) and small (control) accounts from the Parquet events; ITS runs
  on mid, DiD on mid vs small. Null launches plant nothing. Slow: ~10 s per launch at 1M events.

For ITS and DiD it reports: 90% interval coverage of the true effect (planted and null),
false-positive rate on null launches (interval excludes 0 either way; and the one-sided
"moved its KR" verdict), power at the planted size (verdict "moved its KR"), the median
MDE, and how the verdicts split. JSON goes to benchmarks/results/impact.json (series) or
impact_events_<points>pp.json (events).
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import statistics
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from machine import describe
from sowhat.domain.okr import Change
from sowhat.stats.impact import ImpactEstimate, did_estimate, impact_verdict, its_estimate
from sowhat.stats.synthetic import simulate_launch

RESULTS = Path(__file__).parent / "results"
ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Record:
    method: str
    planted: bool
    truth: float
    estimate: ImpactEstimate
    verdict: str
    naive_covered: bool | None = None


def judge(method: str, planted: bool, truth: float, est: ImpactEstimate,
          expected: Change, naive: ImpactEstimate | None = None) -> Record:
    verdict = impact_verdict(est, expected=expected)
    covered = None
    if naive is not None and naive.effect is not None and naive.std_error is not None:
        # Plain OLS + Newey-West (lag rule floor(4 (n/100)^(2/9)), at least 7 days) with
        # normal critical values: what the shipped inference replaced.
        covered = abs(naive.effect - truth) <= NORMAL_95 * naive.std_error
    return Record(method, planted, truth, est, verdict.verdict.value, covered)


NORMAL_95 = 1.6448536269514722


def nw_lags(n: int) -> int:
    return max(7, math.floor(4 * (n / 100) ** (2 / 9)))


def series_mode(launches: int, seed: int, effect: float,
                methods: tuple[str, ...] = ("its", "did")) -> list[Record]:
    """`methods` leaves estimators out without changing the simulated launches (the
    estimators draw nothing from `rng`)."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(2 * launches):
        planted = i % 2 == 0
        sim = simulate_launch(rng, relative_effect=effect if planted else 0.0)
        # The bet expected the planted size, relative to the metric's level.
        expected = Change(effect, "relative")
        lags = nw_lags(len(sim.dates))
        if "its" in methods:
            its = its_estimate(sim.dates, sim.treated, launch=sim.launch)
            naive_its = its_estimate(sim.dates, sim.treated, launch=sim.launch,
                                     prewhiten=False, hac_lags=lags)
            records.append(judge("its", planted, sim.effect, its, expected, naive_its))
        if "did" in methods:
            did = did_estimate(sim.dates, sim.treated, sim.control, launch=sim.launch)
            naive_did = did_estimate(sim.dates, sim.treated, sim.control, launch=sim.launch,
                                     prewhiten=False, hac_lags=lags)
            records.append(judge("did", planted, sim.effect, did, expected, naive_did))
    return records


def weekly(dates: tuple[date, ...], values: tuple[float | None, ...]
           ) -> tuple[list[date], list[float | None]]:
    """Mean of each Monday-to-Sunday week's observed days (the simulation starts on a Monday)."""
    weeks, means = [], []
    for i in range(0, len(dates), 7):
        days = [v for v in values[i:i + 7] if v is not None]
        weeks.append(dates[i])
        means.append(float(np.mean(days)) if days else None)
    return weeks, means


def weekly_mode(launches: int, seed: int, effect: float) -> list[Record]:
    """Weekly KR series as services analyse them: 26 weeks before, 1-6 weeks after."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(2 * launches):
        planted = i % 2 == 0
        post_weeks = int(rng.integers(1, 7))
        sim = simulate_launch(rng, relative_effect=effect if planted else 0.0,
                              days_pre=26 * 7, days_post=post_weeks * 7)
        weeks, treated = weekly(sim.dates, sim.treated)
        _, control = weekly(sim.dates, sim.control)
        expected = Change(effect, "relative")
        its = its_estimate(weeks, treated, launch=sim.launch, grain="week")
        did = did_estimate(weeks, treated, control, launch=sim.launch, grain="week")
        naive_its = its_estimate(weeks, treated, launch=sim.launch, grain="week",
                                 prewhiten=False, hac_lags=NW_WEEKLY_LAGS)
        naive_did = did_estimate(weeks, treated, control, launch=sim.launch, grain="week",
                                 prewhiten=False, hac_lags=NW_WEEKLY_LAGS)
        records.append(judge("its", planted, sim.effect, its, expected, naive_its))
        records.append(judge("did", planted, sim.effect, did, expected, naive_did))
    return records


NW_WEEKLY_LAGS = 2  # floor(4 (n/100)^(2/9)) for 27-32 weekly points


def events_mode(launches: int, seed: int, points: float, events: int) -> list[Record]:
    from ruamel.yaml import YAML

    from sowhat.demo.sim_model import PlantedEffect
    from sowhat.demo.simulator import simulate
    from sowhat.metrics.engine import compute
    from sowhat.metrics.source import EventSource
    from sowhat.spec.metric_defs import MetricsFile

    metrics_yaml = ROOT / "src" / "sowhat" / "demo" / "templates" / "metrics.yaml"
    catalog = MetricsFile.model_validate(YAML(typ="safe").load(metrics_yaml.read_text()))
    rng = np.random.default_rng(seed)
    records = []
    work = Path(tempfile.mkdtemp(prefix="sowhat-impact-bench-"))
    try:
        for i in range(2 * launches):
            planted = i % 2 == 0
            start = date(2026, 1, 5)  # a Monday; six weeks of warm-up before the analysis
            analysis = start + timedelta(weeks=6)
            end = analysis + timedelta(weeks=24)
            launch = analysis + timedelta(weeks=int(rng.integers(12, 21)))
            effects = (
                [PlantedEffect("bench", "recommendation_ctr", launch, points, "points", "mid")]
                if planted else []
            )
            began = time.perf_counter()
            sim = simulate(work / "run", events=events, seed=seed * 1000 + i, start=start,
                           end=end, effects=effects)
            with EventSource.parquet(sim.parquet_glob) as source:
                series = {
                    seg: compute("recommendation_ctr", catalog=catalog, events=source,
                                 start=analysis, end=end, grain="week", segment=seg)
                    for seg in ("mid", "small")
                }
            weeks = [v.start.date() for v in series["mid"]]
            mid = [v.value for v in series["mid"]]
            small = [v.value for v in series["small"]]
            truth = points if planted else 0.0
            expected = Change(points, "points")
            its = its_estimate(weeks, mid, launch=launch, grain="week")
            did = did_estimate(weeks, mid, small, launch=launch, grain="week")
            records.append(judge("its", planted, truth, its, expected))
            records.append(judge("did", planted, truth, did, expected))
            print(f"  launch {i + 1}/{2 * launches} ({'planted' if planted else 'null'}): "
                  f"{sim.events:,} events, ITS {its.effect:+.4f}, DiD {did.effect:+.4f} "
                  f"({time.perf_counter() - began:.1f} s)", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return records


def summarise(records: list[Record]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for method in ("its", "did"):
        if not any(r.method == method for r in records):
            continue
        rows = [r for r in records if r.method == method and r.estimate.ok]
        failed = sum(1 for r in records if r.method == method and not r.estimate.ok)
        planted = [r for r in rows if r.planted]
        null = [r for r in rows if not r.planted]

        def covered(rs: list[Record]) -> float:
            return float(np.mean([r.estimate.low <= r.truth <= r.estimate.high for r in rs]))

        def excludes_zero(rs: list[Record]) -> float:
            return float(np.mean([r.estimate.low > 0 or r.estimate.high < 0 for r in rs]))

        def share(rs: list[Record], verdict: str) -> float:
            return float(np.mean([r.verdict == verdict for r in rs]))

        mde_ratio = [r.estimate.mde / abs(r.truth) for r in planted if r.truth]
        out[method] = {
            "planted": len(planted),
            "null": len(null),
            "not_estimable": failed,
            "coverage_planted": covered(planted),
            "coverage_null": covered(null),
            "coverage_all": covered(rows),
            "false_positive_rate": excludes_zero(null),
            "false_moved_rate": share(null, "moved"),
            "power": share(planted, "moved"),
            "median_mde_over_effect": statistics.median(mde_ratio) if mde_ratio else None,
            "median_bias_over_se": statistics.median(
                (r.estimate.effect - r.truth) / r.estimate.std_error for r in rows
                if r.estimate.std_error
            ),
            "naive_newey_west_coverage": (
                float(np.mean([r.naive_covered for r in rows]))
                if rows and rows[0].naive_covered is not None else None
            ),
            "verdicts_planted": dict(Counter(r.verdict for r in planted)),
            "verdicts_null": dict(Counter(r.verdict for r in null)),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--mode", choices=("series", "weekly", "events"), default="series")
    parser.add_argument("--launches", type=int, default=None,
                        help="planted launches (and as many null ones); default 250 "
                             "(series) or 20 (events)")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--effect", type=float, default=0.05,
                        help="series mode: planted relative effect")
    parser.add_argument("--points", type=float, default=0.02,
                        help="events mode: planted recommendation CTR change")
    parser.add_argument("--events", type=int, default=1_000_000,
                        help="events mode: events per simulated launch")
    parser.add_argument("--methods", default="its,did",
                        help="series mode: comma-separated estimators (its, did)")
    parser.add_argument("--name", help="JSON file name (default impact.json, ...)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    print(f"machine: {describe('numpy', 'scipy', 'statsmodels')}")
    began = time.perf_counter()
    if args.mode == "series":
        launches = args.launches or 250
        methods = tuple(args.methods.split(","))
        records = series_mode(launches, args.seed, args.effect, methods)
        setting = {"mode": "series", "launches_planted": launches, "launches_null": launches,
                   "relative_effect": args.effect, "days_pre": 84, "days_post": 42,
                   "methods": list(methods)}
        name = "impact.json"
    elif args.mode == "weekly":
        launches = args.launches or 250
        records = weekly_mode(launches, args.seed, args.effect)
        setting = {"mode": "weekly", "launches_planted": launches, "launches_null": launches,
                   "relative_effect": args.effect, "weeks_pre": 26, "weeks_post": "1-6"}
        name = "impact_weekly.json"
    else:
        launches = args.launches or 20
        records = events_mode(launches, args.seed, args.points, args.events)
        setting = {"mode": "events", "launches_planted": launches, "launches_null": launches,
                   "points": args.points, "events_per_launch": args.events,
                   "metric": "recommendation_ctr", "treated": "mid", "control": "small",
                   "grain": "week", "weeks": 24}
        name = f"impact_events_{args.points * 100:g}pp.json"
    seconds = time.perf_counter() - began
    summary = summarise(records)
    print(f"{setting}  ({seconds:.0f} s)")
    for method, s in summary.items():
        print(
            f"{method.upper():>4}: coverage planted {s['coverage_planted']:.3f}  null "
            f"{s['coverage_null']:.3f}  | FPR (interval excludes 0) {s['false_positive_rate']:.3f}"
            f"  'moved' on null {s['false_moved_rate']:.3f}  | power {s['power']:.3f}  | "
            f"median MDE/effect {s['median_mde_over_effect']:.2f}  | not estimable "
            f"{s['not_estimable']}"
        )
        print(f"      verdicts planted {s['verdicts_planted']}  null {s['verdicts_null']}")
        if s["naive_newey_west_coverage"] is not None:
            print(f"      plain Newey-West + normal critical values would cover "
                  f"{s['naive_newey_west_coverage']:.3f}")
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {"machine": describe("numpy", "scipy", "statsmodels"), "seed": args.seed,
               "seconds": seconds, **setting, "results": summary}
    name = args.name or name
    (args.out / name).write_text(json.dumps(payload, indent=2) + "\n")
    print(f"wrote {args.out / name}")


if __name__ == "__main__":
    main()
