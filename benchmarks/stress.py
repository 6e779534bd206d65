"""Stress suite: forecasts and launch-impact verdicts on processes they were not tuned on.

    .venv/bin/python benchmarks/stress.py --series 300 --launches 500   # the published run
    (about 20 min wall for the forecast and 35 for impact on a loaded 2-CPU machine)
    .venv/bin/python benchmarks/stress.py --series 60 --launches 60   # quick look
    .venv/bin/python benchmarks/stress.py --compare A.json B.json     # tables, A vs B

It calls what `sowhat forecast` and `sowhat impact` call, the way the services call them:
- forecast: `forecast_kr(context + period weeks so far, target, weeks_remaining, direction,
  bounds)` with the context weeks the service passes (`CONTEXT_WEEKS`), at weeks k of 13;
  reported per process: binned calibration error of P(hit) (10 bins, weighted by count),
  the same error for a perfectly calibrated forecaster with the same probabilities (the
  Monte-Carlo floor), Brier score, and the 80% range's coverage of the final week's value;
- impact: weekly series, 26 weeks before the launch and 1-6 after, `its_estimate` and
  `did_estimate` at level 0.90 and grain "week", and the service's headline choice; reported
  per case: 90% interval coverage of the true effect, the share of verdicts "moved" (the bet
  expected +5%), and the share withheld ("can't tell" / not estimable).

The processes live in `sowhat.stats.stress`. To measure another version of the code side by
side with the same seeds, run this file with that version's `src` first on PYTHONPATH
(e.g. from `git archive`), writing to another --out, and then --compare the two JSON files.
"""

from __future__ import annotations

import argparse
import inspect
import json
import math
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from sowhat.domain.okr import Change, Direction
from sowhat.stats import forecast as forecast_module
from sowhat.stats import impact as impact_module
from sowhat.stats.impact import ImpactEstimate, did_estimate, impact_verdict, its_estimate
from sowhat.stats.stress import (
    FORECAST_PROCESSES,
    IMPACT_CASES,
    SHIFT_PROCESSES,
    STEP_EFFECT,
    forecast_series,
    impact_launch,
    target_for,
)
from sowhat.stats.synthetic import calibration

RESULTS = Path(__file__).parent / "results"
KS = (4, 7, 10)
LEVEL = 0.90
START = date(2026, 1, 5)


STORED_WEEKS = 56  # history generated per series: what `sowhat sync` stores since issue 16


def history_weeks() -> int:
    """The pre-period weeks the service has and passes (26 before the yearly swing)."""
    return int(getattr(forecast_module, "HISTORY_WEEKS", context_weeks()))


def context_weeks() -> int:
    """The pre-period weeks the forecast service passes (8 before this suite existed)."""
    return int(getattr(forecast_module, "CONTEXT_WEEKS", 8))


def calibration_floor(probs: np.ndarray, rng: np.random.Generator, reps: int = 20) -> float:
    """Expected binned calibration error of a PERFECT forecaster with these probabilities:
    what Monte-Carlo noise alone adds at this sample size."""
    return float(np.mean([
        calibration(probs, (rng.random(probs.size) < probs).astype(float)).weighted_error
        for _ in range(reps)
    ]))


def run_forecast(series: int, seed: int, only: set[str] | None = None) -> dict[str, Any]:
    ctx = context_weeks()
    hist = history_weeks()
    takes_history = "history" in inspect.signature(forecast_module.forecast_kr).parameters
    out: dict[str, Any] = {"context_weeks": ctx, "history_weeks": hist if takes_history else ctx,
                           "series": series, "ks": list(KS), "processes": {}}
    pooled: dict[int, dict[str, list[float]]] = {k: {"p": [], "hit": [], "cov": []} for k in KS}
    for pi, process in enumerate(FORECAST_PROCESSES):
        if only and process not in only:
            continue
        rows = {}
        for k in KS:
            rng = np.random.default_rng([seed, pi, k])
            probs, hits, covered, to_come = [], [], [], []
            for _ in range(series):
                s = forecast_series(rng, process, history_weeks=STORED_WEEKS)
                target, direction = target_for(rng, s)
                values: list[float | None] = [float(v) for v in s.history[-ctx:]]
                values += [float(v) for v in s.period[:k]]
                extra: dict[str, Any] = {}
                if takes_history:
                    extra["history"] = [float(v) for v in s.history[-hist:-ctx]]
                f = forecast_module.forecast_kr(
                    values, target=target, weeks_remaining=len(s.period) - k,
                    direction=direction, bounds=s.bounds, **extra)
                final = float(s.period[-1])
                hit = final >= target if direction is Direction.INCREASE else final <= target
                probs.append(f.probability)
                hits.append(float(hit))
                covered.append(float(f.low <= final <= f.high))
                shift_week = getattr(s, "shift_week", None)
                to_come.append(shift_week is not None and shift_week >= k)
            p, h = np.array(probs), np.array(hits)
            cal = calibration(p, h)
            rows[str(k)] = {
                "calibration_error": cal.weighted_error,
                "mc_floor": calibration_floor(p, np.random.default_rng([seed, pi, k, 1])),
                "brier": cal.brier,
                "coverage80": float(np.mean(covered)),
                "bins": [[b.mean_predicted, b.observed_rate, b.count] for b in cal.bins],
            }
            if process in SHIFT_PROCESSES:
                # Split by whether the shift was among the weeks seen or is still to come:
                # until it happens, a shift still to come leaves no trace in the data.
                c, later = np.array(covered), np.array(to_come)
                rows[str(k)]["share_to_come"] = float(np.mean(later))
                rows[str(k)]["coverage80_seen"] = float(np.mean(c[~later]))
                rows[str(k)]["coverage80_to_come"] = (float(np.mean(c[later])) if later.any()
                                                      else None)
            pooled[k]["p"] += probs
            pooled[k]["hit"] += hits
            pooled[k]["cov"] += covered
        out["processes"][process] = rows
    out["pooled"] = {}
    for k in KS:
        p, h = np.array(pooled[k]["p"]), np.array(pooled[k]["hit"])
        cal = calibration(p, h)
        out["pooled"][str(k)] = {
            "calibration_error": cal.weighted_error,
            "mc_floor": calibration_floor(p, np.random.default_rng([seed, 99, k])),
            "brier": cal.brier,
            "coverage80": float(np.mean(pooled[k]["cov"])),
            "bins": [[b.mean_predicted, b.observed_rate, b.count] for b in cal.bins],
        }
    return out


def shift_bound(cap: float = 0.85, draws: int = 400_000, seed: int = 1) -> dict[int, float]:
    """The best 80%-range coverage ANY forecaster can reach on `level_shift` at week k, if its
    ranges are central (symmetric) and may cover at most `cap` of the `flat` process.

    Until its shift, a `level_shift` series is a draw from `flat` (same level, same noise), so
    a forecaster treats both alike; grant it the true level and noise sd, perfect coverage of
    every shift already seen, and the narrowest range holding `cap` of flat series (the level
    ± z·sd). A shift still to come is then covered only when it is smaller than that range.
    Constants as in `sowhat.stats.stress.forecast_series` ("level_shift"): noise sd
    U(0.01, 0.04), shift ±U(0.05, 0.2) at one of 20 weeks from 8 before the period to week 12.
    """
    from scipy.stats import norm

    rng = np.random.default_rng(seed)
    sd = rng.uniform(0.01, 0.04, draws)
    shift = rng.choice([-1.0, 1.0], draws) * rng.uniform(0.05, 0.2, draws)
    final = (1.0 + shift) * (1.0 + rng.normal(0.0, 1.0, draws) * sd) - 1.0
    to_come = float(np.mean(np.abs(final) <= norm.ppf(0.5 + cap / 2) * sd))
    return {k: 1.0 - (12 - k) / 20 + (12 - k) / 20 * to_come for k in KS}


def headline(its: ImpactEstimate, did: ImpactEstimate | None) -> ImpactEstimate:
    """The service's choice of estimate (the library's own rule when it has one)."""
    choose = getattr(impact_module, "choose_primary", None)
    if choose is not None:
        return choose(its, did)  # type: ignore[no-any-return]
    if did is not None and did.ok and (did.pre_trend is None or did.pre_trend.parallel):
        return did
    return its


def run_impact(launches: int, seed: int, only: set[str] | None = None) -> dict[str, Any]:
    expected = Change(STEP_EFFECT, "relative")
    out: dict[str, Any] = {"launches": launches, "level": LEVEL, "cases": {}}
    for ci, case in enumerate(IMPACT_CASES):
        if only and case not in only:
            continue
        rng = np.random.default_rng([seed, 1000 + ci])
        tallies: dict[str, dict[str, list[float]]] = {
            m: {"covered": [], "moved": [], "withheld": []} for m in ("its", "did", "headline")}
        for _ in range(launches):
            sim = impact_launch(rng, case)
            dates = [START + timedelta(weeks=i) for i in range(sim.treated.size)]
            launch = dates[sim.pre_weeks]
            its = its_estimate(dates, list(sim.treated), launch=launch, level=LEVEL,
                               grain="week")
            did = did_estimate(dates, list(sim.treated), list(sim.control), launch=launch,
                               level=LEVEL, grain="week")
            for name, est in (("its", its), ("did", did), ("headline", headline(its, did))):
                v = impact_verdict(est, expected=expected, baseline=sim.level)
                moved = str(v.verdict) == "moved"
                withheld = str(v.verdict) in ("unavailable", "cant_tell")
                tallies[name]["moved"].append(float(moved))
                tallies[name]["withheld"].append(float(withheld))
                if est.low is not None and est.high is not None:
                    tallies[name]["covered"].append(float(est.low <= sim.effect <= est.high))
        out["cases"][case] = {
            name: {
                "coverage": float(np.mean(t["covered"])) if t["covered"] else None,
                "moved": float(np.mean(t["moved"])),
                "withheld": float(np.mean(t["withheld"])),
            }
            for name, t in tallies.items()
        }
    return out


def mc_se(p: float, n: int) -> float:
    return math.sqrt(max(p * (1 - p), 1e-9) / n)


def print_forecast(res: dict[str, Any]) -> None:
    print(f"forecast: {res['series']} series per process and k; context weeks "
          f"{res['context_weeks']}")
    print("process          | calibration error k=" + " / ".join(map(str, res["ks"])) +
          " (MC floor) | 80% range covers")
    rows = [*res["processes"].items(), ("pooled", res["pooled"])]
    for name, r in rows:
        errs = " / ".join(f"{r[str(k)]['calibration_error']:.3f}" for k in res["ks"])
        floors = " / ".join(f"{r[str(k)]['mc_floor']:.3f}" for k in res["ks"])
        covs = " / ".join(f"{r[str(k)]['coverage80']:.2f}" for k in res["ks"])
        print(f"{name:16} | {errs} ({floors}) | {covs}")
        if "share_to_come" in r[str(res["ks"][0])]:
            split = " / ".join(_split(r[str(k)]) for k in res["ks"])
            print(f"{'':16} |   80% range covers, shift seen / still to come (share): {split}")


def _split(row: dict[str, Any]) -> str:
    later = row["coverage80_to_come"]
    return (f"{row['coverage80_seen']:.2f} / {'-' if later is None else f'{later:.2f}'} "
            f"({row['share_to_come']:.2f})")


def print_impact(res: dict[str, Any]) -> None:
    n = res["launches"]
    print(f"impact: {n} launches per case, 26 weeks before, 1-6 after, 90% intervals; "
          f"MC se of a rate near 0.08: {mc_se(0.08, n):.3f}")
    print("case            | ITS cover/moved | DiD cover/moved | headline cover/moved/withheld")
    def cell(r: dict[str, Any], m: str) -> str:
        c = r[m]["coverage"]
        return f"{'-' if c is None else f'{c:.3f}'} / {r[m]['moved']:.3f}"

    for case, r in res["cases"].items():
        print(f"{case:15} | {cell(r, 'its'):15} | {cell(r, 'did'):15} | {cell(r, 'headline')} / "
              f"{r['headline']['withheld']:.3f}")


def compare(before: dict[str, Any], after: dict[str, Any]) -> None:
    """Markdown tables, before → after, for the README and docs."""
    fb, fa = before["forecast"], after["forecast"]
    ks = fa["ks"]
    def weeks(r: dict[str, Any]) -> str:
        older = r.get("history_weeks", r["context_weeks"]) - r["context_weeks"]
        return f"{r['context_weeks']}" + (f" (+{older} older weeks for the yearly swing)"
                                          if older > 0 else "")
    print(f"Forecast ({fa['series']} series per process and k; context weeks before: "
          f"{weeks(fb)}, after: {weeks(fa)})\n")
    print("| process | calibration error k=" + "/".join(map(str, ks)) + ", before → after "
          "| 80% range covers, before → after |")
    print("|---|---|---|")
    for name in [*fa["processes"], "pooled"]:
        rb = fb["pooled"] if name == "pooled" else fb["processes"][name]
        ra = fa["pooled"] if name == "pooled" else fa["processes"][name]
        err = " / ".join(f"{rb[str(k)]['calibration_error']:.3f}" for k in ks) + " → " + \
            " / ".join(f"{ra[str(k)]['calibration_error']:.3f}" for k in ks)
        cov = " / ".join(f"{rb[str(k)]['coverage80']:.2f}" for k in ks) + " → " + \
            " / ".join(f"{ra[str(k)]['coverage80']:.2f}" for k in ks)
        print(f"| {name} | {err} | {cov} |")
    floor = " / ".join(f"{fa['processes'][FORECAST_PROCESSES[0]][str(k)]['mc_floor']:.3f}"
                       for k in ks)
    print(f"\nMonte-Carlo floor of one process's calibration error (a perfect forecaster): "
          f"about {floor}.\n")
    shifts = [p for p in fa["processes"] if "share_to_come" in fa["processes"][p][str(ks[0])]]
    if shifts:
        print("| process (after) | 80% range covers when the shift was seen / still to come "
              "(share still to come), k=" + "/".join(map(str, ks)) + " |")
        print("|---|---|")
        for name in shifts:
            print(f"| {name} | " + " ; ".join(_split(fa["processes"][name][str(k)])
                                               for k in ks) + " |")
        print()
    if "impact" not in before or "impact" not in after:
        return
    ib, ia = before["impact"], after["impact"]
    print(f"Impact ({ia['launches']} launches per case, 90% intervals; a rate near 0.08 has "
          f"Monte-Carlo se {mc_se(0.08, ia['launches']):.3f})\n")
    print("| case | ITS coverage / moved | DiD coverage / moved | headline coverage / moved "
          "| headline withheld |")
    print("|---|---|---|---|---|")
    for case in ia["cases"]:
        cells = []
        for m in ("its", "did", "headline"):
            b, a = ib["cases"][case][m], ia["cases"][case][m]

            def fmt(c: float | None) -> str:
                return "-" if c is None else f"{c:.3f}"
            cells.append(f"{fmt(b['coverage'])} / {b['moved']:.3f} → "
                         f"{fmt(a['coverage'])} / {a['moved']:.3f}")
        wb = ib["cases"][case]["headline"]["withheld"]
        wa = ia["cases"][case]["headline"]["withheld"]
        print(f"| {case} | " + " | ".join(cells) + f" | {wb:.3f} → {wa:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=200, help="forecast series per process/k")
    parser.add_argument("--launches", type=int, default=300, help="launches per impact case")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--shift-bound", action="store_true", help="print the best coverage "
                        "any forecaster can reach on level_shift (flat covered at most 0.85)")
    parser.add_argument("--shift-hazard", type=float, help="forecast: prior weekly chance of a "
                        "level shift still to come (default: the shipped value, 0)")
    parser.add_argument("--only", choices=("forecast", "impact"))
    parser.add_argument("--cases", help="comma-separated impact cases / forecast processes "
                        "to run (default: all)")
    parser.add_argument("--out", type=Path, default=RESULTS / "stress.json")
    parser.add_argument("--compare", nargs=2, type=Path, metavar=("BEFORE", "AFTER"))
    args = parser.parse_args()
    if args.shift_bound:
        for cap in (0.85, 0.90):
            bound = " / ".join(f"{v:.3f}" for v in shift_bound(cap).values())
            print(f"level_shift coverage bound, flat covered at most {cap}: k="
                  f"{'/'.join(map(str, KS))}: {bound}")
        return
    if args.compare:
        compare(*(json.loads(p.read_text()) for p in args.compare))
        return
    result: dict[str, Any] = {"seed": args.seed}
    if args.shift_hazard is not None:
        forecast_module.SHIFT_HAZARD = args.shift_hazard
        result["shift_hazard"] = args.shift_hazard
    subset = set(args.cases.split(",")) if args.cases else None
    if args.only in (None, "forecast"):
        start = time.perf_counter()
        result["forecast"] = run_forecast(args.series, args.seed, subset)
        print_forecast(result["forecast"])
        print(f"({time.perf_counter() - start:.0f} s)")
    if args.only in (None, "impact"):
        start = time.perf_counter()
        result["impact"] = run_impact(args.launches, args.seed, subset)
        print_impact(result["impact"])
        print(f"({time.perf_counter() - start:.0f} s)")
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=1) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
