"""Calibration of KR forecasts and of the ambition check on simulated KR series.

    .venv/bin/python benchmarks/forecast.py                # 2,000 series per scenario
    .venv/bin/python benchmarks/forecast.py --series 300   # quick run while developing

Each simulated KR (sowhat.stats.synthetic.simulate_kr: rates and counts, binomial/Poisson
noise, AR(1) disturbances, level shifts, trends drawn from a prior with a point mass at zero,
rounded baselines, missing weeks, 13-week quarters) is forecast once, and the forecast's
P(hit) is compared with whether the final week actually reached the target.

Scenarios: `main` (forecast at week 4-8, the acceptance figure), `early` (week 1-3: only
1-3 points plus the baseline), `ambition` (12-26 weeks of history before the period,
P(hit with no change)). Prints the binned calibration error (10 equal-width bins; weighted by
bin count and unweighted), the Brier score and the 80% interval coverage; writes
benchmarks/results/forecast_calibration.json and forecast_reliability.svg.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np

from machine import describe
from sowhat.stats.ambition import hit_probability_without_change
from sowhat.stats.forecast import forecast_kr
from sowhat.stats.synthetic import Calibration, calibration, simulate_kr

RESULTS = Path(__file__).parent / "results"
COLOURS = {"main": "#1f77b4", "early": "#ff7f0e", "ambition": "#2ca02c"}


def run(scenario: str, n: int, seed: int) -> tuple[Calibration, float, float]:
    """(calibration, 80% interval coverage, seconds per forecast)."""
    rng = np.random.default_rng(seed)
    probs, hits, covered = [], [], []
    start = time.perf_counter()
    for _ in range(n):
        if scenario == "ambition":
            kr = simulate_kr(rng, history_weeks=int(rng.integers(12, 27)), weeks_elapsed=0)
            check = hit_probability_without_change(
                kr.history, period_weeks=13, target=kr.target, direction=kr.direction
            )
            assert check.probability is not None
            assert check.low is not None
            assert check.high is not None
            prob, low, high = check.probability, check.low, check.high
        else:
            elapsed = int(rng.integers(1, 4)) if scenario == "early" else None
            kr = simulate_kr(rng, weeks_elapsed=elapsed)
            f = forecast_kr(
                kr.values,
                baseline=kr.baseline,
                target=kr.target,
                direction=kr.direction,
                weeks_remaining=kr.weeks_remaining,
                weeks_elapsed=kr.weeks_elapsed,
            )
            prob, low, high = f.probability, f.low, f.high
        probs.append(prob)
        hits.append(kr.hit)
        covered.append(low <= kr.final_value <= high)
    seconds = (time.perf_counter() - start) / n
    cal = calibration(np.array(probs), np.array(hits, dtype=float))
    return cal, float(np.mean(covered)), seconds


def reliability_svg(results: dict[str, Calibration]) -> str:
    """Scatter of observed hit rate vs mean predicted probability per bin, with the diagonal.

    Hand-written SVG (no plotting library is installed); marker area grows with the bin count.
    """
    size, pad = 420, 50
    inner = size - 2 * pad

    def x(p: float) -> float:
        return pad + p * inner

    def y(p: float) -> float:
        return size - pad - p * inner

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size + 150}" height="{size}" '
        f'font-family="sans-serif" font-size="11">',
        f'<rect x="{pad}" y="{pad}" width="{inner}" height="{inner}" fill="none" stroke="#999"/>',
        f'<line x1="{x(0)}" y1="{y(0)}" x2="{x(1)}" y2="{y(1)}" stroke="#888" '
        'stroke-dasharray="4 3"/>',
    ]
    for tick in np.linspace(0, 1, 6):
        parts.append(f'<text x="{x(tick)}" y="{size - pad + 15}" text-anchor="middle">'
                     f'{tick:.1f}</text>')
        parts.append(f'<text x="{pad - 6}" y="{y(tick) + 4}" text-anchor="end">{tick:.1f}</text>')
    parts.append(f'<text x="{size / 2}" y="{size - 12}" text-anchor="middle">'
                 'mean predicted P(hit)</text>')
    parts.append(f'<text x="14" y="{size / 2}" text-anchor="middle" '
                 f'transform="rotate(-90 14 {size / 2})">observed hit rate</text>')
    parts.append(f'<text x="{size / 2}" y="20" text-anchor="middle" font-size="13">'
                 'KR forecast reliability (10 bins)</text>')
    total = max(sum(b.count for b in cal.bins) for cal in results.values())
    for i, (name, cal) in enumerate(results.items()):
        colour = COLOURS.get(name, "#444")
        for b in cal.bins:
            radius = 2.5 + 14.0 * np.sqrt(b.count / total)
            parts.append(
                f'<circle cx="{x(b.mean_predicted):.1f}" cy="{y(b.observed_rate):.1f}" '
                f'r="{radius:.1f}" fill="{colour}" fill-opacity="0.55" stroke="{colour}">'
                f"<title>{name}: n={b.count}, predicted {b.mean_predicted:.3f}, "
                f"observed {b.observed_rate:.3f}</title></circle>"
            )
        ly = pad + 10 + 34 * i
        parts.append(f'<circle cx="{size + 5}" cy="{ly}" r="6" fill="{colour}" '
                     'fill-opacity="0.55"/>')
        parts.append(f'<text x="{size + 16}" y="{ly + 4}">{name}</text>')
        parts.append(f'<text x="{size + 16}" y="{ly + 17}" fill="#555">ECE '
                     f'{cal.weighted_error:.3f} / {cal.unweighted_error:.3f}</text>')
    parts.append(f'<text x="{size - 5}" y="{pad + 10 + 34 * len(results) + 4}" fill="#555">'
                 "ECE = calibration error,</text>")
    parts.append(f'<text x="{size - 5}" y="{pad + 10 + 34 * len(results) + 17}" fill="#555">'
                 "weighted / unweighted</text>")
    parts.append("</svg>")
    return "\n".join(parts) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--series", type=int, default=2000, help="series per scenario")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args()

    print(f"machine: {describe('numpy', 'scipy')}")
    results: dict[str, Calibration] = {}
    summary = {}
    for i, scenario in enumerate(("main", "early", "ambition")):
        cal, coverage, seconds = run(scenario, args.series, args.seed + i)
        results[scenario] = cal
        summary[scenario] = {
            "series": cal.n,
            "weighted_calibration_error": cal.weighted_error,
            "unweighted_calibration_error": cal.unweighted_error,
            "brier": cal.brier,
            "hit_rate": float(sum(b.observed_rate * b.count for b in cal.bins) / cal.n),
            "interval80_coverage": coverage,
            "ms_per_forecast": seconds * 1000,
            "bins": [asdict(b) for b in cal.bins],
        }
        print(
            f"{scenario:>9}: {cal.n} series  calibration error weighted {cal.weighted_error:.3f}"
            f"  unweighted {cal.unweighted_error:.3f}  Brier {cal.brier:.3f}  80% interval "
            f"coverage {coverage:.3f}  {seconds * 1000:.1f} ms/forecast"
        )
        for b in cal.bins:
            print(f"           [{b.lower:.1f}, {b.upper:.1f})  n={b.count:5d}  predicted "
                  f"{b.mean_predicted:.3f}  observed {b.observed_rate:.3f}")
    args.out.mkdir(parents=True, exist_ok=True)
    payload = {"machine": describe("numpy", "scipy"), "seed": args.seed, "scenarios": summary}
    (args.out / "forecast_calibration.json").write_text(json.dumps(payload, indent=2) + "\n")
    (args.out / "forecast_reliability.svg").write_text(reliability_svg(results))
    ok = summary["main"]["weighted_calibration_error"] < 0.1
    print(f"acceptance (main, weighted < 0.10): {'pass' if ok else 'FAIL'}")
    print(f"wrote {args.out / 'forecast_calibration.json'} and forecast_reliability.svg")


if __name__ == "__main__":
    main()
