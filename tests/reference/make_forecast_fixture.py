"""Regenerate tests/reference/forecast_cases.json: frozen forecast documents to hold the
forecasting code to while it is made faster.

    PYTHONPATH=src .venv/bin/python tests/reference/make_forecast_fixture.py \
        [--demo DIR] [--workspace DIR ...]

Why frozen outputs here, when the model's tests check it against independent references:
a speed-up must not change what a sync stores, down to the last bits, and only the code as
it was can say what that is. Run this with the code whose results are the reference (e.g.
`git archive main` unpacked, its `src` on PYTHONPATH), review the diff, commit it;
tests/unit/stats/test_forecast_reference.py then compares the current code with it.

The cases are the two fits a stored forecast rests on (`services.forecasts._fit_forecast`
and `_fit_ambition`, whose documents `FittedParts` keeps), with:
- the inputs every KR of a workspace fits (`--demo` / `--workspace`: the forecast each KR
  gets, fitted afresh by `sowhat forecast` with the fits captured); without them the
  workspace cases already in the fixture are kept as they are (inputs and outputs);
- generated series of many shapes, from a seeded generator: short, long with context,
  None gaps, bounded rates near 0 and 1, counts, flat, trending, level shifts, random
  walks, values near zero, a year of history with and without a yearly swing, and the
  edge cases (final week observed, nothing observed).
Inputs are stored next to the outputs, so the test needs neither a workspace nor the
generator. Floats are written with `repr` (JSON), so they read back exactly.
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path
from typing import Any

import numpy as np

from sowhat.domain.okr import Direction
from sowhat.services import forecasts as fc

HERE = Path(__file__).resolve().parent
OUT = HERE / "forecast_cases.json"
CONTEXT = 26  # services.forecasts.CONTEXT_WEEKS
OLDER = 30  # HISTORY_WEEKS - CONTEXT_WEEKS: the history sync passes for the yearly swing
SEED = 20261205


def compute(kind: str, inputs: dict[str, Any]) -> dict[str, Any]:
    """The document the code on the path stores for these inputs."""
    bounds = (inputs["bounds"][0], inputs["bounds"][1])
    direction = Direction(inputs["direction"])
    if kind == "forecast":
        return fc._fit_forecast(inputs["series"], inputs["target"], inputs["ahead"],
                                direction, inputs["interval"], bounds, inputs["older"])
    return fc._fit_ambition(inputs["weeks"], inputs["period_weeks"], inputs["target"],
                            direction, inputs["interval"], bounds)


def capture_workspace(ws: Path, label: str) -> list[dict[str, Any]]:
    """The fits `sowhat forecast -w ws` makes when nothing stored is reused."""
    import sowhat.services.listing.forecasts as listing
    from sowhat.cli.app import main

    captured: list[dict[str, Any]] = []
    fit_forecast, fit_ambition = fc._fit_forecast, fc._fit_ambition

    def forecast(series: list[float | None], target: float, ahead: int, direction: Direction,
                 interval: float, bounds: tuple[float | None, float | None],
                 older: list[float | None]) -> dict[str, Any]:
        captured.append({"kind": "forecast", "source": label, "inputs": {
            "series": list(series), "target": target, "ahead": ahead,
            "direction": str(direction), "interval": interval, "bounds": list(bounds),
            "older": list(older)}})
        return fit_forecast(series, target, ahead, direction, interval, bounds, older)

    def ambition(weeks: list[float | None], period_weeks: int, target: float,
                 direction: Direction, interval: float,
                 bounds: tuple[float | None, float | None]) -> dict[str, Any]:
        captured.append({"kind": "ambition", "source": label, "inputs": {
            "weeks": list(weeks), "period_weeks": period_weeks, "target": target,
            "direction": str(direction), "interval": interval, "bounds": list(bounds)}})
        return fit_ambition(weeks, period_weeks, target, direction, interval, bounds)

    class Afresh(fc.FittedParts):
        """Parts that never serve a kept fit."""

        def __init__(self, stored: Any = None) -> None:
            super().__init__(None)

    stale, parts = listing.stale_inputs, fc.FittedParts
    fc._fit_forecast, fc._fit_ambition = forecast, ambition  # type: ignore[assignment]
    fc.FittedParts = Afresh  # type: ignore[misc]
    listing.stale_inputs = lambda inputs: list(inputs)  # type: ignore[assignment]
    argv = sys.argv
    sys.argv = ["sowhat", "forecast", "-w", str(ws)]
    try:
        main()
    except SystemExit as exc:
        if exc.code:
            raise
    finally:
        sys.argv = argv
        fc._fit_forecast, fc._fit_ambition = fit_forecast, fit_ambition
        listing.stale_inputs, fc.FittedParts = stale, parts  # type: ignore[misc]
    return captured


def _gappy(rng: np.random.Generator, xs: list[float], share: float) -> list[float | None]:
    return [None if rng.random() < share else x for x in xs]


def generated() -> list[dict[str, Any]]:
    """Series of many shapes, each as the inputs of one fit."""
    rng = np.random.default_rng(SEED)
    cases: list[dict[str, Any]] = []

    def add(name: str, series: list[float | None], *, target: float, ahead: int,
            direction: str = "increase", bounds: tuple[float | None, float | None] = (None, None),
            older: list[float | None] | None = None, interval: float = 0.8) -> None:
        cases.append({"kind": "forecast", "source": name, "inputs": {
            "series": [None if v is None else float(v) for v in series],
            "target": float(target), "ahead": ahead, "direction": direction,
            "interval": interval, "bounds": list(bounds),
            "older": [None if v is None else float(v) for v in (older or [])]}})
        if older is None and len(series) >= 8:  # the same weeks as an ambition check
            cases.append({"kind": "ambition", "source": name, "inputs": {
                "weeks": [None if v is None else float(v) for v in series],
                "period_weeks": max(1, ahead), "target": float(target),
                "direction": direction, "interval": interval, "bounds": list(bounds)}})

    def noise(n: int, sd: float, rho: float = 0.0) -> np.ndarray:
        e = np.zeros(n)
        for i in range(n):
            e[i] = (rho * e[i - 1] if i else 0.0) + rng.normal(0.0, sd)
        return e

    # Short series: 1-4 points, some with gaps, rates and counts.
    for n in (1, 2, 3, 4):
        for rep in range(3):
            level = float(rng.choice([0.3, 120.0, 42_000.0]))
            xs = list(level * (1.0 + noise(n, 0.04)))
            add(f"short-{n}-{rep}", xs, target=level * 1.1, ahead=13 - n,
                direction="increase" if rep != 1 else "decrease")
    add("short-gap", [None, 0.41, None], target=0.45, ahead=9, bounds=(0.0, 1.0))
    add("short-trailing-gap", [10.0, 11.0, None, None], target=15.0, ahead=5)
    # Context plus period weeks: trending, flat, noisy, AR(1), with gaps.
    for rep in range(6):
        n = CONTEXT + int(rng.integers(1, 13))
        slope = float(rng.normal(0.0, 0.01))
        level = float(rng.choice([0.25, 3.5, 900.0, 25_000.0]))
        t = np.arange(n)
        xs = level * (1.0 + slope * t + noise(n, 0.03, rho=float(rng.choice([0.0, 0.6]))))
        add(f"trend-{rep}", list(xs), target=level * (1.0 + 0.15 * slope * 13 + 0.05),
            ahead=int(rng.integers(0, 13)), direction="increase" if slope >= 0 else "decrease")
    for rep in range(4):
        n = CONTEXT + int(rng.integers(2, 12))
        xs = list(500.0 * (1.0 + noise(n, 0.05)))
        add(f"gaps-{rep}", _gappy(rng, xs, 0.2 + 0.1 * rep), target=520.0,
            ahead=int(rng.integers(1, 12)))
    # Bounded rates near 0 and near 1.
    for rep, centre in enumerate((0.02, 0.35, 0.97, 0.995)):
        n = CONTEXT + 5 + rep
        xs = np.clip(centre + noise(n, 0.01 * min(centre, 1 - centre) * 5, rho=0.3), 0, 1)
        add(f"rate-{rep}", list(xs), target=min(0.999, centre * 1.05), ahead=8 - rep,
            bounds=(0.0, 1.0))
    # Counts: Poisson weekly totals, with and without a trend.
    for rep, lam in enumerate((3.0, 80.0, 40_000.0)):
        n = CONTEXT + 6
        xs = rng.poisson(lam * (1.0 + 0.01 * rep * np.arange(n))).astype(float)
        add(f"count-{rep}", list(xs), target=lam * 1.2, ahead=7, bounds=(0.0, None))
    # Flat: exactly constant, constant with one blip, constant rate at a bound.
    add("flat", [100.0] * (CONTEXT + 4), target=110.0, ahead=9)
    add("flat-blip", [100.0] * 20 + [101.0] + [100.0] * 10, target=99.0, ahead=6,
        direction="decrease")
    add("flat-at-bound", [1.0] * (CONTEXT + 3), target=0.99, ahead=10, bounds=(0.0, 1.0))
    add("flat-zero", [0.0] * (CONTEXT + 3), target=1.0, ahead=10)
    # Level shifts, a random walk, values near zero (NPS-like), huge and tiny scales.
    for rep in range(3):
        n = CONTEXT + 8
        shift = np.where(np.arange(n) >= int(rng.integers(10, n - 1)), rng.normal(0, 0.2), 0)
        xs = 60.0 * (1.0 + shift + noise(n, 0.02))
        add(f"shift-{rep}", list(xs), target=66.0, ahead=5)
    add("walk", list(1000.0 + np.cumsum(rng.normal(0.0, 15.0, CONTEXT + 7))), target=1050.0,
        ahead=6)
    add("walk-down", list(5.0 + np.cumsum(rng.normal(-0.02, 0.1, CONTEXT + 3))), target=4.5,
        ahead=10, direction="decrease")
    add("near-zero", list(noise(CONTEXT + 6, 4.0)), target=5.0, ahead=7)
    add("huge", list(3e9 * (1.0 + noise(CONTEXT + 4, 0.01))), target=3.2e9, ahead=9)
    add("tiny", list(2e-6 * (1.0 + noise(CONTEXT + 4, 0.1))), target=2.1e-6, ahead=9)
    add("negative", list(-40.0 + noise(CONTEXT + 5, 2.0)), target=-35.0, ahead=8)
    add("wide-interval", list(70.0 + noise(CONTEXT + 5, 3.0)), target=72.0, ahead=8,
        interval=0.95)
    add("far-target", list(70.0 + noise(CONTEXT + 5, 0.5)), target=200.0, ahead=8)
    # A year and more of history: a clear yearly swing, a weak one, none; with gaps.
    for rep, amp in enumerate((0.25, 0.1, 0.0, 0.2)):
        n = OLDER + CONTEXT + int(rng.integers(2, 12))
        t = np.arange(n)
        xs = 300.0 * (1.0 + amp * np.sin(2 * math.pi * t / (365.25 / 7) + rep)
                      + noise(n, 0.03, rho=0.3))
        values: list[float | None] = [float(v) for v in xs]
        if rep == 3:
            values = _gappy(rng, values, 0.1)
        add(f"yearly-{rep}", values[OLDER:], target=330.0, ahead=int(rng.integers(1, 12)),
            older=values[:OLDER])
    # The final week observed (nothing to forecast) and nothing observed (an error).
    add("final-observed", [1.0, 2.0, 3.0], target=2.5, ahead=0)
    add("nothing", [None, None], target=2.5, ahead=4)
    return cases


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--demo", type=Path, action="append", default=[],
                        help="a workspace whose KRs' fits are captured (repeatable)")
    parser.add_argument("--workspace", type=Path, action="append", default=[],
                        help="the same as --demo")
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()

    workspaces = [*args.demo, *args.workspace]
    kept: list[dict[str, Any]] = []
    if workspaces:
        for ws in workspaces:
            kept += capture_workspace(ws, f"workspace:{ws.name}")
    elif args.out.exists():
        kept = [c for c in json.loads(args.out.read_text())["cases"]
                if c["source"].startswith("workspace:")]
    cases = kept + generated()
    for case in cases:
        if "output" not in case:
            case["output"] = compute(case["kind"], case["inputs"])
    payload = {"about": "forecast documents of the reference code; "
                        "tests/reference/make_forecast_fixture.py", "cases": cases}
    args.out.write_text(json.dumps(payload, indent=1) + "\n")
    print(f"wrote {len(cases)} cases ({len(kept)} from workspaces) to {args.out}")


if __name__ == "__main__":
    main()
