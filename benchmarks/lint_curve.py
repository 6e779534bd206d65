"""Benchmark: the coach's learning curve — would more organisations in training reach the goals?

    .venv/bin/python benchmarks/lint_curve.py                 # 1/8 … all, 5 draws each (~30 s)
    .venv/bin/python benchmarks/lint_curve.py --draws 2       # quicker

Rounds five to seven of issue 12 ended on "more organisations in training, not a richer model,
is the way on". This measures that claim instead of assuming it. The 5-fold cross-validation by
organisation of benchmarks/lint.py is kept (same folds, same recipe, every rule on the verdict,
the held-out organisations untouched), but each fold's model is trained on a random fraction of
the *other* folds' organisations (the hand-written set always in full), and scored on its own
fold, which is never subsampled: so every point of the curve is scored on the same 2,279 KRs,
and only the training pool shrinks. Organisations, not KRs, are drawn, because the coach has to
generalise to an organisation it has not seen.

It prints, for each fraction, the mean number of training organisations and KRs per fold and
the issue's measures averaged over the draws (with their range), then a least-squares line of
kind accuracy on log2(training organisations): its slope is the gain per doubling of the
organisations, and where the line would cross 0.93 is an extrapolation — read it as an order
of magnitude, not a forecast.
"""

from __future__ import annotations

import argparse
import math
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

import numpy as np

from lint import lint_with, pct
from machine import describe
from sowhat.lint.classifier import Model
from sowhat.lint.data import train as trainer
from sowhat.lint.dataset import MEASURES, Judged, LabelledKR, load_labelled, measures, split_public

FRACTIONS = (0.125, 0.25, 0.5, 0.75, 1.0)
GOAL = 0.93


def curve_point(public: list[LabelledKR], hand: list[LabelledKR], fold: list[int],
                feats: list[list[str]], hand_feats: list[list[str]], fraction: float,
                seed: int) -> tuple[dict[str, float | None], float, float]:  # fmt: skip
    """Every public KR judged by its fold's model — the shipped recipe on the hand-written
    set plus `fraction` of the other folds' organisations. Returns the measures and the
    mean training organisations and KRs."""
    rng = random.Random(seed)
    judged: list[Judged] = []
    orgs_used: list[int] = []
    rows_used: list[int] = []
    for k in range(trainer.FOLDS):
        others = sorted({r.source_group for r, f in zip(public, fold, strict=True) if f != k})
        keep = set(rng.sample(others, max(1, round(fraction * len(others)))))
        idx = [i for i, (r, f) in enumerate(zip(public, fold, strict=True))
               if f != k and r.source_group in keep]  # fmt: skip
        bias, weights = trainer.fit_rows(hand + [public[i] for i in idx],
                                         hand_feats + [feats[i] for i in idx])
        lint = lint_with(Model(bias=bias, weights=weights))
        judged += [Judged(r, *lint(r.text)) for r, f in zip(public, fold, strict=True) if f == k]
        orgs_used.append(len(keep))
        rows_used.append(len(idx))
    return measures(judged), float(np.mean(orgs_used)), float(np.mean(rows_used))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=5, help="random draws per fraction below 1")
    args = parser.parse_args()
    print(describe("numpy", "scipy"), flush=True)
    public, hand = split_public()[0], load_labelled("train")
    fold = trainer.group_folds(public)
    feats = trainer.featurise(public)
    hand_feats = trainer.featurise(hand)
    print(f"{len(public):,} public KRs from {len({r.source_group for r in public})} training "
          f"organisations, {trainer.FOLDS} folds by organisation; {len(hand)} hand-written KRs "
          "in every training set\n")  # fmt: skip
    names = ("kind_accuracy", "output_recall", "outcome_precision", "sw103_recall",
             "sw104_recall", "sw102_recall")  # fmt: skip
    print(f"{'fraction':>8} {'orgs':>5} {'KRs':>6}  " + "  ".join(f"{n:>21}" for n in names))
    xs: list[float] = []
    ys: list[float] = []
    started = time.perf_counter()
    for fraction in FRACTIONS:
        draws = 1 if fraction == 1.0 else args.draws
        points = [curve_point(public, hand, fold, feats, hand_feats, fraction, seed=1000 * d + 7)
                  for d in range(draws)]  # fmt: skip
        orgs = float(np.mean([p[1] for p in points]))
        rows = float(np.mean([p[2] for p in points]))
        cells = []
        for name in names:
            values = [v for p in points if (v := p[0][name]) is not None]
            mean = float(np.mean(values))
            spread = f"({pct(min(values))}-{pct(max(values))})" if draws > 1 else ""
            cells.append(f"{pct(mean)} {spread:>13}")
        for p in points:
            accuracy = p[0]["kind_accuracy"]
            assert accuracy is not None
            xs.append(math.log2(p[1]))
            ys.append(accuracy)
        row = "  ".join(f"{c:>21}" for c in cells)
        print(f"{fraction:>8.3f} {orgs:>5.1f} {rows:>6.0f}  {row}", flush=True)
    slope, intercept = np.polyfit(np.array(xs), np.array(ys), 1)
    print(f"\nkind accuracy ≈ {intercept:.3f} + {slope:.4f} × log2(training organisations) "
          f"(least squares over {len(xs)} points); per doubling of the organisations: "
          f"{slope:+.4f}")  # fmt: skip
    if slope > 0:
        needed = 2 ** ((GOAL - intercept) / slope)
        now = 2 ** xs[-1]
        print(f"the line reaches {GOAL} at about {needed:,.0f} training organisations per fold "
              f"({needed / now:,.0f}x the {now:.0f} of today) — an extrapolation far beyond the "
              "data: an order of magnitude only")  # fmt: skip
    else:
        print("the line does not rise: more organisations of the same kind do not help")
    print(f"({time.perf_counter() - started:.0f} s; measures: {', '.join(MEASURES)})")


if __name__ == "__main__":
    main()
