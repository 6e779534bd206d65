"""Experiment (issue 12, seventh round): can feature interactions, a second-stage model over the
dense text facts, or a decision threshold / class weight chosen by nested cross-validation lift
the KR coach past its plateau? A negative result: none did beyond noise, nothing shipped.

Every variant is judged by the same 5-fold cross-validation by organisation as
`benchmarks/lint.py` (`train.group_folds`, the 111 training organisations, 2,279 KRs; the
held-out organisations are never read), every rule running on the variant's verdict: the
variant's log-odds for a KR are folded into the bias of a per-KR `Model` (as
`lint_embeddings.py` does), so confidence-dependent rules see its probability. Each is paired
against the shipped recipe on the same folds, organisations resampled (`lint.paired`).

- interactions: conjunctions the linear model cannot form, added to its sparse features;
- stacked trees: gradient-boosted trees (NumPy, below) over the logistic model's log-odds and
  the dense text facts (the `L:`/`P:` features, token, metric and deliverable counts), starting
  from the log-odds; trained on inner out-of-fold log-odds (4 inner folds by organisation
  inside each outer training set), so the trees never see a score of a KR its model trained on;
- trees alone on the dense facts, and blended with the logistic log-odds;
- threshold and class weight: chosen inside each outer training set by inner 4-fold CV by
  organisation, applied to the outer fold (never chosen on the fold scored);
- bagging: ten logistic models on organisations resampled, log-odds averaged;
- a menu choice: in each outer fold, the variant with the best inner-CV accuracy among the
  feature and L2 variants (what "pick the best of the list" is worth, honestly measured);
- a learned SW104: a logistic model for `unmeasurable` on the same features, firing where the
  rules do not.

Variants marked "read off the misses" were written after reading the cross-validated errors
(`train --errors`) of these very folds: their figures are optimistic.

Not run by pytest. Usage (main venv; about 5 minutes on one core):
    .venv/bin/python benchmarks/lint_second_stage.py [--only NAME ...]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import numpy.typing as npt
from scipy import sparse

import lint
from sowhat.lint.classifier import Model
from sowhat.lint.data import train as trainer
from sowhat.lint.dataset import Judged, LabelledKR, load_labelled, split_public
from sowhat.lint.lexicon import load_lexicon
from sowhat.lint.textfeatures import TextFacts, features, read

Array = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
Extra = Callable[[TextFacts, frozenset[str]], list[str]]
INNER_FOLDS = 4


@dataclass
class Pool:
    """The training organisations' KRs and the hand-written training split, read once."""

    public: list[LabelledKR]
    hand: list[LabelledKR]

    @cached_property
    def fold(self) -> IntArray:
        return np.array(trainer.group_folds(self.public))

    @cached_property
    def facts_pub(self) -> list[TextFacts]:
        return [read(r.text) for r in self.public]

    @cached_property
    def facts_hand(self) -> list[TextFacts]:
        return [read(r.text) for r in self.hand]

    @cached_property
    def feats_pub(self) -> list[frozenset[str]]:
        return [frozenset(features(f)) for f in self.facts_pub]

    @cached_property
    def feats_hand(self) -> list[frozenset[str]]:
        return [frozenset(features(f)) for f in self.facts_hand]

    @cached_property
    def y(self) -> Array:
        return trainer.labels(self.public)

    def inner_folds(self, train: IntArray) -> IntArray:
        return np.array(trainer.group_folds([self.public[i] for i in train], INNER_FOLDS))


def with_extra(
    facts: Sequence[TextFacts], feats: Sequence[frozenset[str]], extra: Extra | None
) -> list[list[str]]:
    if extra is None:
        return [sorted(fs) for fs in feats]
    return [sorted(fs | set(extra(fa, fs))) for fa, fs in zip(facts, feats, strict=True)]


@dataclass
class Logistic:
    """The shipped recipe (`train.fit` on hand-written plus public KRs, public weight 8), with
    optional extra features, L2 and weight on the "output" class."""

    pool: Pool
    extra: Extra | None = None
    l2: float = trainer.L2
    output_weight: float = 1.0

    @cached_property
    def pub(self) -> list[list[str]]:
        return with_extra(self.pool.facts_pub, self.pool.feats_pub, self.extra)

    @cached_property
    def hand(self) -> list[list[str]]:
        return with_extra(self.pool.facts_hand, self.pool.feats_hand, self.extra)

    def scores(self, train: IntArray, test: IntArray) -> Array:
        """Log-odds of "output" for the public KRs `test`, fitted on `train` and the hand split."""
        feats = self.hand + [self.pub[i] for i in train]
        vocab = trainer.vocabulary(feats)
        y = np.concatenate([trainer.labels(self.pool.hand), self.pool.y[train]])
        weight = np.concatenate([np.ones(len(self.pool.hand)),
                                 np.full(len(train), trainer.PUBLIC_WEIGHT)])  # fmt: skip
        weight = weight * np.where(y == 1, self.output_weight, 1.0)
        b, w = trainer.fit(trainer.design(feats, vocab), y, l2=self.l2, weight=weight)
        return np.asarray(trainer.design([self.pub[i] for i in test], vocab) @ w + b)

    def out_of_fold(self) -> Array:
        z = np.zeros(len(self.pool.public))
        for k in range(trainer.FOLDS):
            z[self.pool.fold == k] = self.scores(*split(self.pool.fold, k))
        return z

    def inner_out_of_fold(self, train: IntArray) -> Array:
        """Out-of-fold log-odds inside one outer training set (inner folds by organisation)."""
        inner = self.pool.inner_folds(train)
        z = np.zeros(len(train))
        for j in range(INNER_FOLDS):
            z[inner == j] = self.scores(train[inner != j], train[inner == j])
        return z


def split(fold: IntArray, k: int) -> tuple[IntArray, IntArray]:
    return np.flatnonzero(fold != k), np.flatnonzero(fold == k)


# --- gradient-boosted trees, NumPy only -----------------------------------------------------


@dataclass(frozen=True)
class Trees:
    trees: int = 100
    depth: int = 2
    rate: float = 0.1
    l2: float = 1.0
    min_hessian: float = 2.0
    bins: int = 16


Leaf = tuple[tuple[tuple[int, int, bool], ...], float]  # ((feature, bin, left?), ...), value


def bin_edges(x: Array, bins: int) -> list[Array]:
    edges = []
    for col in x.T:
        values = np.unique(col)
        if len(values) <= bins:
            edges.append((values[:-1] + values[1:]) / 2)
        else:
            edges.append(np.unique(np.quantile(col, np.linspace(0, 1, bins + 1)[1:-1])))
    return edges


def binned(x: Array, edges: list[Array]) -> IntArray:
    return np.stack([np.searchsorted(e, x[:, j], side="right") for j, e in enumerate(edges)], 1)


def leaf_mask(b: IntArray, path: tuple[tuple[int, int, bool], ...]) -> npt.NDArray[np.bool_]:
    mask = np.ones(len(b), dtype=bool)
    for j, k, left in path:
        mask &= (b[:, j] <= k) if left else (b[:, j] > k)
    return mask


def fit_trees(
    x: Array, y: Array, base: Array, weight: Array, cfg: Trees
) -> tuple[list[list[Leaf]], list[Array]]:
    """Newton-boosted trees on the log-loss, starting from the log-odds `base`."""
    edges = bin_edges(x, cfg.bins)
    b = binned(x, edges)
    f = base.copy()
    model: list[list[Leaf]] = []
    for _ in range(cfg.trees):
        p = 1.0 / (1.0 + np.exp(-f))
        g, h = (p - y) * weight, p * (1 - p) * weight
        leaves: list[Leaf] = []
        grow(b, g, h, np.arange(len(y)), (), cfg, edges, leaves)
        for path, value in leaves:
            f[leaf_mask(b, path)] += cfg.rate * value
        model.append(leaves)
    return model, edges


def grow(
    b: IntArray,
    g: Array,
    h: Array,
    idx: IntArray,
    path: tuple[tuple[int, int, bool], ...],
    cfg: Trees,
    edges: list[Array],
    leaves: list[Leaf],
) -> None:
    gs, hs = float(g[idx].sum()), float(h[idx].sum())
    best_gain, best = 0.0, (-1, -1)
    if len(path) < cfg.depth:
        for j, e in enumerate(edges):
            n = len(e) + 1
            if n < 2:
                continue
            gl = np.cumsum(np.bincount(b[idx, j], g[idx], minlength=n))[:-1]
            hl = np.cumsum(np.bincount(b[idx, j], h[idx], minlength=n))[:-1]
            gr, hr = gs - gl, hs - hl
            ok = (hl >= cfg.min_hessian) & (hr >= cfg.min_hessian)
            gain = np.where(ok, gl**2 / (hl + cfg.l2) + gr**2 / (hr + cfg.l2), 0.0)
            gain = gain - gs**2 / (hs + cfg.l2)
            k = int(np.argmax(gain))
            if ok[k] and gain[k] > best_gain:
                best_gain, best = float(gain[k]), (j, k)
    if best[0] < 0:
        leaves.append((path, -gs / (hs + cfg.l2)))
        return
    j, k = best
    grow(b, g, h, idx[b[idx, j] <= k], (*path, (j, k, True)), cfg, edges, leaves)
    grow(b, g, h, idx[b[idx, j] > k], (*path, (j, k, False)), cfg, edges, leaves)


def predict_trees(
    model: list[list[Leaf]], edges: list[Array], x: Array, base: Array, rate: float
) -> Array:
    b = binned(x, edges)
    f = base.copy()
    for leaves in model:
        for path, value in leaves:
            f[leaf_mask(b, path)] += rate * value
    return f


def dense(pool: Pool) -> tuple[Array, Array]:
    """The dense text facts of every public and hand-written KR: each `L:`/`P:` feature, and
    the counts of tokens, metric words and deliverables."""
    names = sorted({f for fs in pool.feats_pub + pool.feats_hand for f in fs
                    if f.startswith(("L:", "P:"))})  # fmt: skip

    def row(fa: TextFacts, fs: frozenset[str]) -> list[float]:
        return [float(n in fs) for n in names] + [
            float(len(fa.tokens)),
            float(len(fa.metric_words)),
            float(len(fa.deliverables)),
        ]

    pub = np.array([row(fa, fs) for fa, fs in zip(pool.facts_pub, pool.feats_pub, strict=True)])
    hand = np.array([row(fa, fs) for fa, fs in zip(pool.facts_hand, pool.feats_hand,
                                                    strict=True)])  # fmt: skip
    return pub, hand


def stacked_trees(pool: Pool, cfg: Trees) -> Array:
    """Trees over [log-odds, dense facts], boosted from the log-odds; nested (see the top)."""
    base = Logistic(pool)
    d_pub, _ = dense(pool)
    z = np.zeros(len(pool.public))
    for k in range(trainer.FOLDS):
        train, test = split(pool.fold, k)
        inner = base.inner_out_of_fold(train)
        model, edges = fit_trees(np.column_stack([inner, d_pub[train]]), pool.y[train], inner,
                                 np.ones(len(train)), cfg)  # fmt: skip
        outer = base.scores(train, test)
        z[test] = predict_trees(model, edges, np.column_stack([outer, d_pub[test]]), outer,
                                cfg.rate)  # fmt: skip
    return z


def trees_alone(pool: Pool, cfg: Trees) -> Array:
    """Trees on the dense facts alone, hand-written and public KRs, public weight 8."""
    d_pub, d_hand = dense(pool)
    z = np.zeros(len(pool.public))
    for k in range(trainer.FOLDS):
        train, test = split(pool.fold, k)
        y = np.concatenate([trainer.labels(pool.hand), pool.y[train]])
        weight = np.concatenate(
            [np.ones(len(pool.hand)), np.full(len(train), trainer.PUBLIC_WEIGHT)]
        )
        weight = weight / weight.mean()
        model, edges = fit_trees(np.vstack([d_hand, d_pub[train]]), y, np.zeros(len(y)),
                                 weight, cfg)  # fmt: skip
        z[test] = predict_trees(model, edges, d_pub[test], np.zeros(len(test)), cfg.rate)
    return z


# --- thresholds, class weights, bagging, a menu -----------------------------------------------


def criterion(z: Array, y: Array, threshold: float, what: str) -> float:
    """Accuracy, or accuracy + output recall + outcome precision (the third round's grid)."""
    out = z >= threshold
    acc = float((out == (y == 1)).mean())
    if what == "accuracy":
        return acc
    recall = float(out[y == 1].mean())
    precision = float(((~out) & (y == 0)).sum() / max(int((~out).sum()), 1))
    return acc + recall + precision


def nested_threshold(pool: Pool, z_outer: Array, what: str) -> tuple[Array, list[float]]:
    base = Logistic(pool)
    grid = np.linspace(-1.5, 1.5, 31)
    z, chosen = z_outer.copy(), []
    for k in range(trainer.FOLDS):
        train, test = split(pool.fold, k)
        inner = base.inner_out_of_fold(train)
        best = max(grid, key=lambda t: (criterion(inner, pool.y[train], t, what), -abs(t)))
        chosen.append(round(float(best), 2))
        z[test] = z_outer[test] - best
    return z, chosen


def nested_output_weight(pool: Pool, grid: Sequence[float]) -> tuple[Array, list[float]]:
    z, chosen = np.zeros(len(pool.public)), []
    models = {cw: Logistic(pool, output_weight=cw) for cw in grid}
    for k in range(trainer.FOLDS):
        train, test = split(pool.fold, k)
        best = max(
            grid,
            key=lambda cw: (
                criterion(models[cw].inner_out_of_fold(train), pool.y[train], 0.0, "sum"),
                cw == 1.0,
            ),
        )
        chosen.append(best)
        z[test] = models[best].scores(train, test)
    return z, chosen


def bagged(pool: Pool, bags: int = 10, seed: int = 0) -> Array:
    rng = np.random.default_rng(seed)
    base = Logistic(pool)
    groups = np.array([r.source_group for r in pool.public])
    z = np.zeros(len(pool.public))
    for k in range(trainer.FOLDS):
        train, test = split(pool.fold, k)
        names = sorted(set(groups[train]))
        for _ in range(bags):
            pick = rng.choice(len(names), len(names), replace=True)
            idx = np.concatenate([train[groups[train] == names[p]] for p in pick])
            z[test] += base.scores(idx, test) / bags
    return z


def menu_choice(pool: Pool, menu: dict[str, Logistic]) -> tuple[Array, list[str]]:
    """In each outer fold, the menu entry with the best inner-CV accuracy (ties: the first)."""
    z, chosen = np.zeros(len(pool.public)), []
    for k in range(trainer.FOLDS):
        train, test = split(pool.fold, k)
        accuracy = {name: criterion(m.inner_out_of_fold(train), pool.y[train], 0.0, "accuracy")
                    for name, m in menu.items()}  # fmt: skip
        best = max(menu, key=lambda name: accuracy[name])
        chosen.append(best)
        z[test] = menu[best].scores(train, test)
    return z, chosen


# --- the interactions -------------------------------------------------------------------------


def brief_interactions(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    """Delivery-verb head x has a number; metric word x change-verb head (each 2 x 2 cells)."""
    return [f"X:delivery{int('L:head_delivery' in fs)}_number{int(fa.has_number)}",
            f"X:change{int('L:head_change' in fs)}_metric{int(bool(fa.metric_words))}"]  # fmt: skip


def head_class_x_facts(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    head = "D" if "L:head_delivery" in fs else "C" if "L:head_change" in fs else "O"
    return [f"X:{head}&{f}" for f in fs if f.startswith(("L:", "P:"))]


def head_word_x_number(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    return [f"X:h={fa.head}&number{int(fa.has_number)}"]


def change_without_number(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    """Read off the misses ("Increase APP", "Boost in-app purchases")."""
    if fa.head not in load_lexicon().change_verbs or fa.has_number:
        return []
    return ["X:change_nonumber"] + ([] if fa.deliverables else ["X:change_nonumber_nodeliverable"])


def share_state(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    """Read off the misses ("100% of key accounts have a QBR")."""
    state = not {"have", "has", "are", "is"}.isdisjoint(fa.tokens)
    return ["X:share_state_nometric"] if fa.share and state and not fa.metric_words else []


def combined(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    return (head_word_x_number(fa, fs) + change_without_number(fa, fs)
            + share_state(fa, fs))  # fmt: skip


# --- judging ----------------------------------------------------------------------------------


def judged(pool: Pool, z: Array, sw104: npt.NDArray[np.bool_] | None = None) -> list[Judged]:
    """Every rule on the verdict of log-odds `z`: a per-KR model whose bias is `z`."""
    out = []
    for i, row in enumerate(pool.public):
        kind, codes = lint.lint_with(Model(bias=float(z[i]), weights={}))(row.text)
        if sw104 is not None and sw104[i]:
            codes = codes | {"SW104"}
        out.append(Judged(row, kind, codes))
    return out


def unmeasurable_scores(pool: Pool) -> Array:
    """Out-of-fold log-odds of `unmeasurable` from the shipped recipe on the same features."""
    u_hand = np.array([r.unmeasurable for r in pool.hand], dtype=np.float64)
    u_pub = np.array([r.unmeasurable for r in pool.public], dtype=np.float64)
    feats_pub = [sorted(fs) for fs in pool.feats_pub]
    feats_hand = [sorted(fs) for fs in pool.feats_hand]
    z = np.zeros(len(pool.public))
    for k in range(trainer.FOLDS):
        train, test = split(pool.fold, k)
        feats = feats_hand + [feats_pub[i] for i in train]
        vocab = trainer.vocabulary(feats)
        weight = np.concatenate([np.ones(len(pool.hand)),
                                 np.full(len(train), trainer.PUBLIC_WEIGHT)])  # fmt: skip
        b, w = trainer.fit(trainer.design(feats, vocab), np.concatenate([u_hand, u_pub[train]]),
                           weight=weight)  # fmt: skip
        x: sparse.csr_matrix = trainer.design([feats_pub[i] for i in test], vocab)
        z[test] = x @ w + b
    return z


def variants(pool: Pool) -> dict[str, Callable[[], tuple[Array, str]]]:
    base = Logistic(pool)
    menu = {
        "shipped": base,
        "head word x number": Logistic(pool, head_word_x_number),
        "change verb, no number": Logistic(pool, change_without_number),
        "share + state verb": Logistic(pool, share_state),
        "the three": Logistic(pool, combined),
        "L2 0.0008": Logistic(pool, l2=0.0008),
        "the three, L2 0.0008": Logistic(pool, combined, l2=0.0008),
    }

    def plain(m: Logistic) -> Callable[[], tuple[Array, str]]:
        return lambda: (m.out_of_fold(), "")

    def thresholds(what: str) -> Callable[[], tuple[Array, str]]:
        def run() -> tuple[Array, str]:
            z, chosen = nested_threshold(pool, base.out_of_fold(), what)
            return z, f"thresholds chosen {chosen}"

        return run

    def weights() -> tuple[Array, str]:
        z, chosen = nested_output_weight(pool, (0.7, 0.85, 1.0, 1.2, 1.5))
        return z, f"output weights chosen {chosen}"

    def choice() -> tuple[Array, str]:
        z, chosen = menu_choice(pool, menu)
        return z, f"chosen {chosen}"

    def blend(share: float, cfg: Trees) -> Callable[[], tuple[Array, str]]:
        return lambda: ((1 - share) * base.out_of_fold() + share * trees_alone(pool, cfg), "")

    return {
        "shipped recipe re-fitted here (check: no change expected)": plain(base),
        "interactions of the brief (delivery x number, metric x change verb)":
            plain(Logistic(pool, brief_interactions)),
        "head class x every dense fact": plain(Logistic(pool, head_class_x_facts)),
        "head word x has a number": plain(menu["head word x number"]),
        "change verb with no number (read off the misses)": plain(menu["change verb, no number"]),
        "share with a state verb, no metric (read off the misses)":
            plain(menu["share + state verb"]),
        "stacked trees, 100 x depth 2 (conventional)": lambda: (stacked_trees(pool, Trees()), ""),
        "stacked trees, 50 x depth 3, l2 5 (best of 7)":
            lambda: (stacked_trees(pool, Trees(trees=50, depth=3, l2=5.0)), ""),
        "trees alone on the dense facts, 200 x depth 3":
            lambda: (trees_alone(pool, Trees(trees=200, depth=3)), ""),
        "logistic + 0.25 x trees alone": blend(0.25, Trees(trees=200, depth=3)),
        "threshold by nested CV (accuracy)": thresholds("accuracy"),
        "threshold by nested CV (accuracy + output recall + outcome precision)":
            thresholds("sum"),
        "output class weight by nested CV (same sum)": weights,
        "bagged logistic, 10 x organisations resampled": lambda: (bagged(pool), ""),
        "menu of feature/L2 variants, chosen by inner CV": choice,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", nargs="*", help="variants whose name contains one of these")
    args = parser.parse_args()
    pool = Pool(list(split_public()[0]), load_labelled("train"))
    shipped = lint.cross_validated()
    before = lint.cv_record(shipped)
    for name, run in variants(pool).items():
        if args.only and not any(s in name for s in args.only):
            continue
        z, note = run()
        print(f"\n== {name}" + (f" ({note})" if note else ""), flush=True)
        lint.paired(before, judged(pool, z))
    if not args.only or any("SW104" in s for s in args.only):
        zu = unmeasurable_scores(pool)
        z = Logistic(pool).out_of_fold()
        for t in (0.0, -1.0):
            print(f"\n== learned SW104: also fires where P(unmeasurable) >= sigmoid({t})")
            lint.paired(before, judged(pool, z, zu >= t))


if __name__ == "__main__":
    main()
