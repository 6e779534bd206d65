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
  `--process` swaps in a daily process the estimators were not built on (`stress_launch`):
  `binomial_weekday` (rates whose daily cohorts follow a strong weekday pattern: weekend
  cohorts a third of a weekday's, so a weekend rate's variance is three times a weekday's),
  `t3` (Student t(3) noise on both segments, heavy tails) and `weekend_peak` (rates whose
  cohorts peak at the weekend, the opposite pattern, with Poisson-sized wobbles).
  `--null-only` estimates only the null launches (the planted ones are still drawn, so the
  null launches are the same as in a full run of the seed).
- `fit-size`: the no-trend DiD fit alone (the ratio-scaled difference, weekday terms,
  prewhitening, HAC: what `did_estimate` fits when the pre-trend test passes) on `--launches`
  null launches of `--process`, its |t| against the 90% and 95% points of the same fit on
  100,000 white-noise draws of the 84 + 42-day design. No critical values per launch, so
  thousands of launches take seconds: it tells whether a process's noise moves the fit's size
  without the Monte-Carlo error of a few hundred full estimates.
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
from sowhat.stats.synthetic import SyntheticLaunch, simulate_launch

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


STRESS_PROCESSES = ("binomial_weekday", "t3", "weekend_peak")


def stress_launch(rng: np.random.Generator, process: str, *, relative_effect: float,
                  days_pre: int = 84, days_post: int = 42) -> SyntheticLaunch:
    """A daily treated and control series from a process `simulate_launch` does not make.

    All three share a trend (±10% a quarter) and a common AR(1) disturbance (rho 0-0.7) that
    the control cancels, and plant `relative_effect` x the level from the launch day on.
    - `binomial_weekday`: conversion rates of daily cohorts of 150-1,500 users times a weekday
      factor (1.3, 1.3, 1.2, 1.2, 1.0, 0.45, 0.4 from Monday): weekend rates are three times
      as noisy as weekday ones.
    - `t3`: a level of 100-5,000 with a weekday rhythm and Student t(3) noise (sd 2-6% of the
      level) on each segment, no sampling noise.
    - `weekend_peak`: rates whose cohorts peak at the weekend (0.6, 0.6, 0.7, 0.8, 1.0, 1.8,
      2.0 times 100-1,000), plus each segment's own AR(1) wobble (rho 0-0.5).
    """
    n = days_pre + days_post
    start = date(2026, 1, 5)
    dates = tuple(start + timedelta(days=i) for i in range(n))
    weekday = np.array([d.weekday() for d in dates])
    t = np.arange(n, dtype=float)
    post = t >= days_pre
    rate = process != "t3"
    level = rng.uniform(0.08, 0.6) if rate else float(np.exp(rng.uniform(np.log(100),
                                                                          np.log(5000))))
    trend = rng.normal(0.0, 0.1) / 90.0
    rho = rng.uniform(0.0, 0.7)
    common = np.empty(n)
    common[0] = rng.normal(0.0, 1.0)
    for i in range(1, n):
        common[i] = rho * common[i - 1] + rng.normal(0.0, math.sqrt(1.0 - rho**2))
    common *= rng.uniform(0.005, 0.03)
    rhythm = 1.0 + rng.normal(0.0, 0.04, 7)
    cohorts = {"binomial_weekday": np.array([1.3, 1.3, 1.2, 1.2, 1.0, 0.45, 0.4]),
               "weekend_peak": np.array([0.6, 0.6, 0.7, 0.8, 1.0, 1.8, 2.0])}

    def segment(planted: float) -> np.ndarray:
        mean = level * (1.0 + trend * t + common) * rhythm[weekday] + planted * post
        if process == "binomial_weekday":
            size = cohorts[process][weekday] * rng.uniform(150, 1500)
        elif process == "weekend_peak":
            wobble = np.empty(n)
            r = rng.uniform(0.0, 0.5)
            wobble[0] = rng.normal(0.0, 1.0)
            for i in range(1, n):
                wobble[i] = r * wobble[i - 1] + rng.normal(0.0, math.sqrt(1.0 - r**2))
            mean = mean + level * rng.uniform(0.002, 0.01) * wobble
            size = cohorts[process][weekday] * rng.uniform(100, 1000)
        else:
            sd = level * rng.uniform(0.02, 0.06)
            return np.asarray(mean + sd * rng.standard_t(3, n) / math.sqrt(3.0))
        users = np.maximum(size.astype(int), 5)
        return np.asarray(rng.binomial(users, np.clip(mean, 0.001, 0.999)) / users)

    effect = relative_effect * level
    treated, control = segment(effect), segment(0.0)
    return SyntheticLaunch(
        kind="rate" if rate else "count", dates=dates,
        treated=tuple(float(v) for v in treated), control=tuple(float(v) for v in control),
        launch=dates[days_pre], effect=float(effect), relative_effect=relative_effect)


def series_mode(launches: int, seed: int, effect: float,
                methods: tuple[str, ...] = ("its", "did"), process: str = "launch",
                null_only: bool = False) -> list[Record]:
    """`methods` leaves estimators out without changing the simulated launches (the
    estimators draw nothing from `rng`); so does `null_only` (planted launches are drawn, not
    estimated)."""
    rng = np.random.default_rng(seed)
    records = []
    for i in range(2 * launches):
        planted = i % 2 == 0
        size = effect if planted else 0.0
        sim = (simulate_launch(rng, relative_effect=size) if process == "launch" else
               stress_launch(rng, process, relative_effect=size))
        if planted and null_only:
            continue
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


def fit_size_mode(launches: int, seed: int, process: str) -> dict[str, Any]:
    """Share of null launches whose no-trend DiD fit has |t| beyond the white-noise 90% (95%)
    point of the design; each way, and by kind."""
    from sowhat.stats.impact_estimate import prepare, weekday_dummies
    from sowhat.stats.robust_regression import (
        ITERATIONS,
        default_lags,
        fgls_t_statistics,
        robust_fit,
    )

    n = 126
    t = np.arange(n, dtype=float)
    dates = [date(2026, 1, 5) + timedelta(days=i) for i in range(n)]
    design = np.column_stack([np.ones(n), (t >= 84).astype(float), weekday_dummies(dates)])
    contrast = np.eye(design.shape[1])[1]
    white = np.concatenate([
        np.abs(fgls_t_statistics(design, contrast,
                                 np.random.default_rng([seed, 1, b]).standard_normal((n, 20_000)),
                                 t, default_lags(n), ITERATIONS)[0]) for b in range(5)])
    q90, q95 = (float(q) for q in np.quantile(white, [0.9, 0.95]))
    rng = np.random.default_rng(seed)
    stats: dict[str, list[float]] = {"rate": [], "count": []}
    for _ in range(launches):
        sim = (simulate_launch(rng, relative_effect=0.0) if process == "launch" else
               stress_launch(rng, process, relative_effect=0.0))
        series = prepare(sim.dates, [sim.treated, sim.control], launch=sim.launch, grain=None)
        y_t, y_c = series.columns
        pre = ~series.post
        diff = y_t - float(y_t[pre].mean()) / float(y_c[pre].mean()) * y_c
        x = np.column_stack([np.ones_like(diff), series.post.astype(float),
                             weekday_dummies(series.dates)])
        fit = robust_fit(diff, x, t=series.t, launch_cols=[1])
        stats[sim.kind].append(float(fit.params[1] / math.sqrt(fit.cov[1, 1])))
    every = np.array(stats["rate"] + stats["count"])
    out: dict[str, Any] = {"white_q90": q90, "white_q95": q95, "launches": launches,
                           "beyond_q90": float(np.mean(np.abs(every) > q90)),
                           "beyond_q95": float(np.mean(np.abs(every) > q95)),
                           "above_q90": float(np.mean(every > q90)),
                           "below_minus_q90": float(np.mean(every < -q90)),
                           "mc_se_at_0.10": math.sqrt(0.09 / launches)}
    for kind, values in stats.items():
        if values:
            out[f"{kind}_launches"] = len(values)
            out[f"{kind}_beyond_q90"] = float(np.mean(np.abs(np.array(values)) > q90))
    return out


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

        def mean(flags: list[bool]) -> float | None:
            return float(np.mean(flags)) if flags else None

        def covered(rs: list[Record]) -> float | None:
            return mean([r.estimate.low <= r.truth <= r.estimate.high for r in rs])

        def excludes_zero(rs: list[Record]) -> float | None:
            return mean([r.estimate.low > 0 or r.estimate.high < 0 for r in rs])

        def share(rs: list[Record], verdict: str) -> float | None:
            return mean([r.verdict == verdict for r in rs])

        def claimed(rs: list[Record]) -> float | None:
            """Interval excludes 0 and the verdict is not withheld: a claim either way."""
            return mean([(r.estimate.low > 0 or r.estimate.high < 0)
                         and r.estimate.withheld is None for r in rs])

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
            "claimed_null": claimed(null),
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
    parser.add_argument("--mode", choices=("series", "weekly", "events", "fit-size"),
                        default="series")
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
    parser.add_argument("--process", choices=("launch", *STRESS_PROCESSES), default="launch",
                        help="series mode: simulate_launch (default) or a stress process")
    parser.add_argument("--null-only", action="store_true",
                        help="series mode: estimate only the null launches (same draws)")
    parser.add_argument("--name", help="JSON file name (default impact.json, ...)")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    print(f"machine: {describe('numpy', 'scipy', 'statsmodels')}")
    began = time.perf_counter()
    if args.mode == "fit-size":
        size = fit_size_mode(args.launches or 4000, args.seed, args.process)
        print(f"fit-size {args.process}, seed {args.seed} ({time.perf_counter() - began:.0f} s): "
              + "  ".join(f"{k} {v:.4g}" for k, v in size.items()))
        args.out.mkdir(parents=True, exist_ok=True)
        path = args.out / (args.name or f"impact_fit_size_{args.process}.json")
        path.write_text(json.dumps({"machine": describe("numpy", "scipy", "statsmodels"),
                                    "seed": args.seed, "process": args.process, **size},
                                   indent=2) + "\n")
        print(f"wrote {path}")
        return
    if args.mode == "series":
        launches = args.launches or 250
        methods = tuple(args.methods.split(","))
        records = series_mode(launches, args.seed, args.effect, methods, args.process,
                              args.null_only)
        setting = {"mode": "series", "process": args.process,
                   "launches_planted": 0 if args.null_only else launches,
                   "launches_null": launches, "relative_effect": args.effect, "days_pre": 84,
                   "days_post": 42, "methods": list(methods)}
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
    def f(x: float | None, digits: int = 3) -> str:
        return "-" if x is None else f"{x:.{digits}f}"

    for method, s in summary.items():
        print(
            f"{method.upper():>4}: coverage planted {f(s['coverage_planted'])}  null "
            f"{f(s['coverage_null'])}  | FPR (interval excludes 0) "
            f"{f(s['false_positive_rate'])}  claimed on null {f(s['claimed_null'])}  'moved' "
            f"on null {f(s['false_moved_rate'])}  | power {f(s['power'])}  | median "
            f"MDE/effect {f(s['median_mde_over_effect'], 2)}  | not estimable "
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
