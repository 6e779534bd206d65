"""Experiment: do static word vectors distilled from a sentence model help the KR coach?

Reads the vectors `scripts/build_word_vectors.py --raw FILE.npz` writes (all-MiniLM-L6-v2,
each vocabulary word embedded alone, 384 dimensions; the KR sentences' own embeddings too,
as an upper bound no runtime could afford). A KR's static vector is the mean of its known
words' vectors after PCA and int8 quantisation (as a shipped table would hold them); a KR of
unknown words gets the zero vector, the mean word. Each variant is judged by the same 5-fold
cross-validation by organisation as `benchmarks/lint.py` (`train.group_folds`), over the
training organisations only, every rule running on the variant's verdict, and compared with
the shipped features on the same folds, paired, organisations resampled (`lint.paired`).

- joint: the dense dimensions, standardised and scaled by `alpha`, appended to the sparse
  features of the one logistic model;
- stacked: a second logistic model on the dense dimensions alone, its log-odds times `beta`
  added to the shipped features' log-odds.

The per-KR dense part of the score is folded into the bias of a per-KR `Model`, so the rules
run unchanged. Not run by pytest. Usage (main venv):
    .venv/bin/python benchmarks/lint_embeddings.py /tmp/wordvec-raw.npz
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np
import numpy.typing as npt
from scipy import sparse

import lint
from sowhat.lint.classifier import Model
from sowhat.lint.data import train as trainer
from sowhat.lint.dataset import Judged, LabelledKR, load_labelled, split_public
from sowhat.lint.textfeatures import read

Array = npt.NDArray[np.float64]
# (name, dims, "joint" alpha or "stacked" beta, value): the a-priori setting (48 dims, joint)
# and the best of each kind in the exploratory grid (about 30 settings, 32-384 dims, mean or
# SIF weights, content words only or all; their best is selection-biased upwards).
VARIANTS = (("joint", 48, 0.25), ("joint", 128, 0.1), ("stacked", 128, 0.5))


def static_vectors(raw: np.lib.npyio.NpzFile, dim: int, rows: list[LabelledKR]) -> Array:
    vecs = raw["vectors"].astype(np.float64)
    mean = vecs.mean(axis=0)
    _, _, vt = np.linalg.svd(vecs - mean, full_matrices=False)
    reduced = (vecs - mean) @ vt[:dim].T
    scale = np.abs(reduced).max(axis=0) / 127.0
    table = np.clip(np.rint(reduced / scale), -127, 127) * scale  # the int8 table, read back
    index = {str(w): i for i, w in enumerate(raw["words"])}
    out = np.zeros((len(rows), dim))
    for i, row in enumerate(rows):
        hits = [j for t in read(row.text).tokens if (j := index.get(t)) is not None]
        if hits:
            out[i] = table[hits].mean(axis=0)
    return out


def judged(
    public: list[LabelledKR], hand: list[LabelledKR], dense: Array, kind: str, value: float
) -> list[Judged]:
    """Every training-organisation KR judged by its fold's variant model."""
    d_pub, d_hand = dense[: len(public)], dense[len(public) :]
    sd = dense.std(axis=0) + 1e-9
    fold = trainer.group_folds(public)
    feats_pub, feats_hand = trainer.featurise(public), trainer.featurise(hand)
    base = trainer.out_of_source(public, hand)
    out: list[Judged] = []
    shift = np.zeros(len(public))
    models: list[tuple[float, dict[str, float]]] = []
    for k in range(trainer.FOLDS):
        tr = [i for i, f in enumerate(fold) if f != k]
        te = [i for i, f in enumerate(fold) if f == k]
        both = hand + [public[i] for i in tr]
        x_dense = np.vstack([d_hand, d_pub[tr]]) / sd
        if kind == "joint":
            feats = feats_hand + [feats_pub[i] for i in tr]
            vocab = trainer.vocabulary(feats)
            x = sparse.hstack([trainer.design(feats, vocab), x_dense * value]).tocsr()
            b, w = trainer.fit(x, trainer.labels(both), weight=trainer.row_weights(both))
            models.append(trainer.weights_of(vocab, b, w[: len(vocab)]))
            shift[te] = d_pub[te] / sd * value @ w[len(vocab) :]
        else:
            b, w = trainer.fit(sparse.csr_matrix(x_dense), trainer.labels(both),
                               l2=0.001, weight=trainer.row_weights(both))  # fmt: skip
            models.append(base[k])
            shift[te] = value * (d_pub[te] / sd @ w + b)
    for i, (row, k) in enumerate(zip(public, fold, strict=True)):
        bias, weights = models[k]
        model = Model(bias=bias + float(shift[i]), weights=weights)
        out.append(Judged(row, *lint.lint_with(model)(row.text)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("raw", type=Path, help="scripts/build_word_vectors.py --raw output")
    args = parser.parse_args()
    raw = np.load(args.raw)
    public, hand = list(split_public()[0]), load_labelled("train")
    before = lint.cv_record(lint.cross_validated())
    for kind, dim, value in VARIANTS:
        dense = static_vectors(raw, dim, public + hand)
        after = judged(public, hand, dense, kind, value)
        lint.table(f"static vectors, {dim} dims, {kind} {value}", after, True,
                   by=lambda r: r.source_group)  # fmt: skip
        lint.paired(before, after)
    ids = {str(i): n for n, i in enumerate(raw["ids"])}
    sentences = raw["sentences"].astype(np.float64)
    dense = np.array([sentences[ids[r.id]] for r in public + hand])
    after = judged(public, hand, dense, "stacked", 0.25)
    lint.table("upper bound: the sentence model itself, 384 dims, stacked 0.25", after, True,
               by=lambda r: r.source_group)  # fmt: skip
    lint.paired(before, after)


if __name__ == "__main__":
    main()
