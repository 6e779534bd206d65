"""Train the outcome/output model on `krs_train.csv` and write `model.json`.

    python -m sowhat.lint.data.train            # fit, print 5-fold CV accuracy, write weights
    python -m sowhat.lint.data.train --cv-only  # only the cross-validation figures

L2-regularised logistic regression fitted by full-batch gradient descent with Adam, in NumPy
(no scikit-learn). Only the training split is read: the held-out split is for reporting, never
for choosing features or the regularisation strength. Deterministic: no random initialisation,
and the CV folds are a fixed interleaving of rows.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path

import numpy as np
import numpy.typing as npt

from sowhat.lint.dataset import LabelledKR, load_labelled
from sowhat.lint.textfeatures import features, read

L2 = 0.001
MIN_COUNT = 2
STEPS = 600
OUT = Path(__file__).with_name("model.json")

FloatArray = npt.NDArray[np.float64]


def featurise(rows: list[LabelledKR]) -> list[list[str]]:
    return [sorted(set(features(read(r.text)))) for r in rows]


def vocabulary(feats: list[list[str]]) -> list[str]:
    counts = Counter(f for fs in feats for f in fs)
    keep = {f for f, c in counts.items() if c >= MIN_COUNT or f.startswith(("L:", "P:"))}
    keep.discard("bias")
    return sorted(keep)


def design(feats: list[list[str]], vocab: list[str]) -> FloatArray:
    index = {f: i for i, f in enumerate(vocab)}
    x = np.zeros((len(feats), len(vocab)), dtype=np.float64)
    for row, fs in enumerate(feats):
        for f in fs:
            col = index.get(f)
            if col is not None:
                x[row, col] = 1.0
    return x


def fit(x: FloatArray, y: FloatArray, l2: float = L2) -> tuple[float, FloatArray]:
    """Minimise mean log-loss + l2/2 * ||w||^2 (the bias is not penalised)."""
    n, d = x.shape
    w = np.zeros(d)
    b = 0.0
    m_w, v_w = np.zeros(d), np.zeros(d)
    m_b = v_b = 0.0
    lr, beta1, beta2, eps = 0.1, 0.9, 0.999, 1e-8
    for t in range(1, STEPS + 1):
        p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
        err = p - y
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


def cross_validate(rows: list[LabelledKR], folds: int = 5, l2: float = L2) -> float:
    feats = featurise(rows)
    y = np.array([r.kind == "output" for r in rows], dtype=np.float64)
    correct = 0
    for k in range(folds):
        test = [i for i in range(len(rows)) if i % folds == k]
        train = [i for i in range(len(rows)) if i % folds != k]
        vocab = vocabulary([feats[i] for i in train])
        b, w = fit(design([feats[i] for i in train], vocab), y[train], l2)
        z = design([feats[i] for i in test], vocab) @ w + b
        correct += int(((z >= 0) == (y[test] == 1)).sum())
    return correct / len(rows)


def cv_errors(rows: list[LabelledKR], folds: int = 5) -> list[tuple[LabelledKR, float]]:
    """Training rows the model gets wrong when they are left out: what to look at next."""
    feats = featurise(rows)
    y = np.array([r.kind == "output" for r in rows], dtype=np.float64)
    wrong = []
    for k in range(folds):
        test = [i for i in range(len(rows)) if i % folds == k]
        train = [i for i in range(len(rows)) if i % folds != k]
        vocab = vocabulary([feats[i] for i in train])
        b, w = fit(design([feats[i] for i in train], vocab), y[train])
        z = design([feats[i] for i in test], vocab) @ w + b
        for i, zi in zip(test, z, strict=True):
            if (zi >= 0) != (y[i] == 1):
                wrong.append((rows[i], float(1 / (1 + np.exp(-zi)))))
    return wrong


def train(rows: list[LabelledKR]) -> dict[str, object]:
    feats = featurise(rows)
    vocab = vocabulary(feats)
    y = np.array([r.kind == "output" for r in rows], dtype=np.float64)
    b, w = fit(design(feats, vocab), y)
    weights = {f: round(float(v), 4) for f, v in zip(vocab, w, strict=True) if abs(v) >= 0.01}
    return {
        "about": "Logistic regression, log-odds of 'output'. Trained by sowhat/lint/data/train.py "
        "on krs_train.csv only.",
        "trained_on": len(rows),
        "l2": L2,
        "threshold": 0.5,
        "bias": round(b, 4),
        "weights": dict(sorted(weights.items())),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv-only", action="store_true")
    parser.add_argument("--errors", action="store_true", help="print CV errors on train")
    args = parser.parse_args()
    rows = load_labelled("train")
    if args.errors:
        for row, p in cv_errors(rows):
            print(f"{row.kind:8} p_out={p:.2f}  {row.text}")
        return
    print(f"5-fold CV accuracy on train ({len(rows)} KRs): {cross_validate(rows):.3f}")
    if args.cv_only:
        return
    model = train(rows)
    OUT.write_text(json.dumps(model, indent=0, ensure_ascii=False) + "\n", "utf-8")
    weights = model["weights"]
    assert isinstance(weights, dict)
    print(f"wrote {OUT} ({len(weights)} weights)")


if __name__ == "__main__":
    main()
