"""Train the outcome/output model and write `model.json`.

    python -m sowhat.lint.data.train            # grouped CV figures, calibrate, fit, write
    python -m sowhat.lint.data.train --cv-only  # only the cross-validation figures
    python -m sowhat.lint.data.train --errors   # out-of-source errors on the public corpus

Training data: the hand-written training split plus the public KRs of the *training*
organisations. Neither the hand-written held-out split nor the held-out organisations
(`dataset.HELDOUT_GROUPS`) are read here: settings and features are chosen by
cross-validation grouped by organisation (`source_group`) over the training organisations
only, and the held-out ones are scored once, by benchmarks/lint.py, with the shipped model.

L2-regularised logistic regression fitted by full-batch gradient descent with Adam, in NumPy.
Its log-odds are then calibrated with Platt scaling fitted on the out-of-source scores, and the
scaling is folded into the shipped weights, so `classify()` still only sums weights and the
confidence it shows is a calibrated probability. Deterministic throughout.
"""

from __future__ import annotations

import argparse
import itertools
import json
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

from sowhat.lint.dataset import LabelledKR, load_labelled, split_public
from sowhat.lint.textfeatures import features, read

L2 = 0.0005
MIN_COUNT = 3
STEPS = 500
FOLDS = 5
PUBLIC_WEIGHT = 8.0  # a public KR counts eight times a hand-written one: the target domain
# MIN_COUNT, PUBLIC_WEIGHT and L2 were chosen on the 5-fold cross-validation by organisation
# over the training organisations only. December 2026, third round (1,761 public KRs, the
# burned organisations included): grid weight 4/8/16/32/1000, min count 2/3/4, L2
# 0.002/0.0005/0.0002/0.0001; criterion accuracy + outcome precision + output recall. All
# settings scored within 1.7 points (0.860-0.877 accuracy); L2 0.0005 (from 0.002) gained
# about a point at every weight. Weight 16 scored 0.003 above 8, within noise; it was tried
# and failed the hand-written held-out regression floor (output precision 0.879 < 0.88) in
# the unit tests, so the earlier weight, 8, is kept: said here because that floor is a
# held-out figure and it did take part in this choice. A lower decision threshold (0.4)
# traded accuracy for output recall in the earlier grid; the shipped model keeps 0.5 on its
# calibrated probability so the confidence it shows is the probability of the kind it states.
# Fourth round (1,913 public KRs): weight 4/8/16 x L2 0.0001-0.005 x min count 2/3 re-checked
# (L2 through fit's default, which binds when this module is imported): accuracy 0.866-0.875
# throughout, so the settings were kept and only the training pool grew.
# Fifth round (2,035 public KRs): weight 4/8/16 x L2 0.0002/0.0005/0.001 x min count 2/3:
# accuracy 0.876-0.883 throughout (noise on 92 organisations); the settings were kept.
# Sixth round (2,279 public KRs, 111 organisations): weight 4/8/16 x L2 0.00025/0.0005/0.001:
# accuracy 0.875-0.880 (0.878 shipped); the settings were kept.
OUT = Path(__file__).with_name("model.json")

FloatArray = npt.NDArray[np.float64]


def featurise(rows: Sequence[LabelledKR]) -> list[list[str]]:
    return [sorted(set(features(read(r.text)))) for r in rows]


def vocabulary(feats: Sequence[Sequence[str]]) -> list[str]:
    counts = Counter(f for fs in feats for f in fs)
    keep = {f for f, c in counts.items() if c >= MIN_COUNT or f.startswith(("L:", "P:"))}
    keep.discard("bias")
    return sorted(keep)


def design(feats: Sequence[Sequence[str]], vocab: list[str]) -> sparse.csr_matrix:
    """Binary design matrix, sparse: a KR has a few dozen of several thousand features."""
    index = {f: i for i, f in enumerate(vocab)}
    rows: list[int] = []
    cols: list[int] = []
    for row, fs in enumerate(feats):
        for f in fs:
            col = index.get(f)
            if col is not None:
                rows.append(row)
                cols.append(col)
    data = np.ones(len(rows), dtype=np.float64)
    return sparse.csr_matrix((data, (rows, cols)), shape=(len(feats), len(vocab)))


def fit(
    x: sparse.csr_matrix, y: FloatArray, l2: float = L2, weight: FloatArray | None = None
) -> tuple[float, FloatArray]:
    """Minimise weighted mean log-loss + l2/2 * ||w||^2 (the bias is not penalised)."""
    n, d = x.shape
    sw = np.ones(n) if weight is None else weight * (n / float(weight.sum()))
    w = np.zeros(d)
    b = 0.0
    m_w, v_w = np.zeros(d), np.zeros(d)
    m_b = v_b = 0.0
    lr, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-8
    for t in range(1, STEPS + 1):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        err = (p - y) * sw
        g_w = x.T @ err / n + l2 * w
        g_b = float(err.mean())
        m_w = beta1 * m_w + (1 - beta1) * g_w
        v_w = beta2 * v_w + (1 - beta2) * g_w * g_w
        m_b = beta1 * m_b + (1 - beta1) * g_b
        v_b = beta2 * v_b + (1 - beta2) * g_b * g_b
        c1, c2 = 1 - beta1**t, 1 - beta2**t
        w -= lr * (m_w / c1) / (np.sqrt(v_w / c2) + eps)
        b -= lr * (m_b / c1) / (np.sqrt(v_b / c2) + eps)
    return b, w


def labels(rows: Sequence[LabelledKR]) -> FloatArray:
    return np.array([r.kind == "output" for r in rows], dtype=np.float64)


def row_weights(rows: Sequence[LabelledKR]) -> FloatArray:
    return np.array([PUBLIC_WEIGHT if r.id.startswith("p") else 1.0 for r in rows])


def group_folds(rows: Sequence[LabelledKR], folds: int = FOLDS) -> list[int]:
    """Fold of each row: whole organisations, largest first into the emptiest fold."""
    sizes = Counter(r.source_group for r in rows)
    load = [0] * folds
    fold_of: dict[str, int] = {}
    for group, size in sorted(sizes.items(), key=lambda item: (-item[1], item[0])):
        k = load.index(min(load))
        fold_of[group] = k
        load[k] += size
    return [fold_of[r.source_group] for r in rows]


def weights_of(vocab: list[str], b: float, w: FloatArray) -> tuple[float, dict[str, float]]:
    return b, {f: float(v) for f, v in zip(vocab, w, strict=True) if abs(v) >= 0.005}


def fit_rows(
    rows: Sequence[LabelledKR], feats: Sequence[Sequence[str]]
) -> tuple[float, dict[str, float]]:
    """The recipe on these rows and their features: its own vocabulary, the fit, the
    weights kept."""
    vocab = vocabulary(feats)
    b, w = fit(design(feats, vocab), labels(rows), weight=row_weights(rows))
    return weights_of(vocab, b, w)


def out_of_source(
    public: Sequence[LabelledKR], extra: Sequence[LabelledKR], folds: int = FOLDS
) -> list[tuple[float, dict[str, float]]]:
    """One model per fold, trained on `extra` plus the public KRs of the other folds."""
    fold = group_folds(public, folds)
    feats_pub = featurise(public)
    feats_extra = featurise(extra)
    models = []
    for k in range(folds):
        train_rows = [r for r, f in zip(public, fold, strict=True) if f != k]
        train_feats = [fs for fs, f in zip(feats_pub, fold, strict=True) if f != k]
        models.append(fit_rows(list(extra) + train_rows, feats_extra + train_feats))
    return models


def score(model: tuple[float, dict[str, float]], feats: Sequence[str]) -> float:
    bias, weights = model
    return bias + sum(weights.get(f, 0.0) for f in set(feats))


def oof_scores(public: Sequence[LabelledKR], extra: Sequence[LabelledKR]) -> FloatArray:
    """Out-of-source log-odds of "output" for every public KR."""
    fold = group_folds(public)
    models = out_of_source(public, extra)
    feats = featurise(public)
    return np.array([score(models[f], fs) for f, fs in zip(fold, feats, strict=True)])


def platt(z: FloatArray, y: FloatArray) -> tuple[float, float]:
    """(a, c) minimising the log-loss of sigmoid(a*z + c): Newton's method, 2 parameters."""
    a, c = 1.0, 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-(a * z + c)))
        g = np.array([np.sum((p - y) * z), np.sum(p - y)])
        s = p * (1 - p)
        h = np.array([[np.sum(s * z * z), np.sum(s * z)], [np.sum(s * z), np.sum(s)]])
        h += np.eye(2) * 1e-9
        step = np.linalg.solve(h, g)
        a, c = a - float(step[0]), c - float(step[1])
        if float(np.abs(step).max()) < 1e-10:
            break
    return a, c


def expected_calibration_error(p: FloatArray, y: FloatArray, bins: int = 10) -> float:
    edges = np.linspace(0, 1, bins + 1)
    total = 0.0
    for lo, hi in itertools.pairwise(edges):
        mask = (p >= lo) & ((p < hi) if hi < 1 else (p <= hi))
        if mask.any():
            total += float(mask.mean()) * abs(float(p[mask].mean()) - float(y[mask].mean()))
    return total


def train(hand: Sequence[LabelledKR], public: Sequence[LabelledKR]) -> dict[str, object]:
    z = oof_scores(public, hand)
    y = labels(public)
    a, c = platt(z, y)
    rows = list(hand) + list(public)
    feats = featurise(rows)
    vocab = vocabulary(feats)
    b, w = fit(design(feats, vocab), labels(rows), weight=row_weights(rows))
    weights = {f: round(float(v) * a, 4) for f, v in zip(vocab, w, strict=True)
               if abs(v * a) >= 0.01}  # fmt: skip
    return {
        "about": "Logistic regression, calibrated log-odds of 'output'. Trained by "
        "sowhat/lint/data/train.py on krs_train.csv and the training organisations of "
        "corpus/krs_public.csv (never the held-out ones); Platt scaling fitted on "
        "out-of-source (grouped by organisation) scores and folded into the weights.",
        "trained_on": len(rows),
        "l2": L2,
        "platt": [round(a, 4), round(c, 4)],
        "threshold": 0.5,
        "bias": round(b * a + c, 4),
        "weights": dict(sorted(weights.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv-only", action="store_true")
    parser.add_argument("--errors", action="store_true", help="print out-of-source errors")
    args = parser.parse_args()
    hand, (public, _held_out) = load_labelled("train"), split_public()
    z = oof_scores(public, hand)
    y = labels(public)
    acc = float(((z >= 0) == (y == 1)).mean())
    a, c = platt(z, y)
    raw = 1 / (1 + np.exp(-z))
    cal = 1 / (1 + np.exp(-(a * z + c)))
    print(f"out-of-source accuracy on the training organisations ({len(public)} KRs, {FOLDS} "
          f"folds by organisation): {acc:.3f}")  # fmt: skip
    print(f"calibration: Platt a={a:.3f} c={c:.3f}; ECE {expected_calibration_error(raw, y):.3f}"
          f" -> {expected_calibration_error(cal, y):.3f}")  # fmt: skip
    if args.errors:
        for row, zi in zip(public, z, strict=True):
            if (zi >= 0) != (row.kind == "output"):
                print(f"{row.kind:8} p_out={1 / (1 + np.exp(-zi)):.2f}  {row.text}")
        return
    if args.cv_only:
        return
    model = train(hand, public)
    OUT.write_text(json.dumps(model, indent=0, ensure_ascii=False) + "\n", "utf-8")
    weights = model["weights"]
    assert isinstance(weights, dict)
    print(f"wrote {OUT} ({len(weights)} weights)")


if __name__ == "__main__":
    main()
