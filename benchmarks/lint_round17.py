"""Experiment harness (issue 12, seventeenth round): the kind verdict's misses by category, and
features, penalties and model terms that might carry a KR's kind across organisations, on the
cross-validation over the 166 training organisations. A negative result: nothing shipped.

Same 5-fold cross-validation by organisation as `benchmarks/lint.py` (`train.group_folds`,
every rule on the fold model's verdict), and the same untouched part as round sixteen
(`lint_round16.untouched`: 34 organisations, 661 KRs, whose KRs and kind errors have never been
printed): `--categories` and `--errors` read the *design* part only (132 organisations).

- `--categories`: for each rough category of KR (head class, target type, the class of the
  head's object, ...), how many design-part KRs of each label fall in it and how many of them
  the fold models get wrong, so a systematic class of misses would show as a category where
  one label's error rate is high while the other label's is low; then how far the shape alone
  goes (each cell of head x target x object x metric x deliverable predicting its majority
  label) and how the misses spread over organisations.
- `--errors`: the design part's kind misses, each with its categories.
- `--variants [NAME ...]`: each variant refitted in every fold (the `lint_second_stage.Logistic`
  recipe with a feature transform, a vocabulary filter, a per-feature penalty or a pairwise
  term), every rule on its verdict, paired with the shipped recipe on the same folds
  (organisations resampled, 2,000 rounds), on all 166 organisations and on the design part.
  The first block of `variants` was written and committed before any error of this round
  was printed; the later ones say when they were written.
- `--reshuffled NAME ...`: kind figures only, for these variants against the recipe, on five
  other random assignments of the organisations to the 5 folds: is a change a property of
  one reshuffle?
- `--calibrated [NAME ...]`: kind figures at raw log-odds 0 and at the calibrated 0.5 the
  shipped model decides at, with the out-of-fold scores' AUC.
- `--document`: kind figures with the mean log-odds of the KR's other document KRs stacked
  on its own, and how much the residuals agree within a document.
- `--grid`: kind figures of the training grid (public weight 4/8/16 x L2) on these folds.
- `--untouched NAME`: one variant's figures on the untouched part, paired; for a variant that
  is shipped, run once, at the end (none was: the untouched part stays unscored).

Not run by pytest. Usage (main venv; 15-40 s per variant on one core):
    .venv/bin/python benchmarks/lint_round17.py --categories | --errors
    .venv/bin/python benchmarks/lint_round17.py --variants [NAME ...]
    .venv/bin/python benchmarks/lint_round17.py --reshuffled NAME ...
    .venv/bin/python benchmarks/lint_round17.py --grid | --document | --calibrated [NAME ...]
    .venv/bin/python benchmarks/lint_round17.py --untouched NAME
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache, cached_property

import numpy as np

import lint
from lint_round16 import untouched
from lint_second_stage import Array, IntArray, Logistic, Pool, judged
from sowhat.lint.data import train as trainer
from sowhat.lint.dataset import Judged, load_labelled, split_public
from sowhat.lint.lexicon import load_lexicon
from sowhat.lint.textfeatures import PEOPLE_SUBJECTS, TextFacts, object_phrase

Transform = Callable[[TextFacts, frozenset[str]], frozenset[str]]

# --- categories (the error analysis) ----------------------------------------------------------

_DIGITS = re.compile(r"\d")
_YEARS = re.compile(r"\b(?:19|20)\d\d\b|\bq[1-4]\b|\bh[12]\b|\bfy\s?\d\d\b")
_MONTH_DAY = re.compile(
    r"\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?\b"
    r"|\b\d{1,2}(?:st|nd|rd|th)?\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\b"
    r"|\b(?:end|start|beginning|middle)\s+of\s+(?:q[1-4]|\d{4})\b|\b\d{4}-\d\d(?:-\d\d)?\b"
    r"|\b\d{1,2}/\d{1,2}(?:/\d{2,4})?\b"
)


def target_type(fa: TextFacts) -> str:
    """What kind of target the KR sets: a change from a start, a share, a level past a
    threshold, a bare count, a date only, or none."""
    if fa.baseline:
        return "change"
    if fa.share:
        return "share"
    if fa.threshold or fa.comparator:
        return "level"
    if fa.has_number:
        rest = _MONTH_DAY.sub(" ", _YEARS.sub(" ", fa.norm))
        if not _DIGITS.search(rest) and fa.date:
            return "date_only"
        return "count"
    return "date_only" if fa.date else "none"


def head_class(fa: TextFacts) -> str:
    lex = load_lexicon()
    if fa.head in lex.delivery_verbs:
        return "delivery"
    if fa.head in lex.change_verbs:
        return "change"
    return "other"


def object_class(fa: TextFacts) -> str:
    """What the words after the head verb name: people, a metric, a deliverable, the team's
    own activity, or something else."""
    obj = object_phrase(fa).split()
    if not obj:
        return "none"
    lex = load_lexicon()
    words = set(obj)
    if not words.isdisjoint(PEOPLE_SUBJECTS):
        return "people"
    if not words.isdisjoint(lex.metric_words):
        return "metric"
    if not words.isdisjoint(lex.deliverables):
        return "deliverable"
    if fa.activity:
        return "activity"
    return "other"


def categories(fa: TextFacts) -> list[str]:
    out = [f"head={head_class(fa)}", f"target={target_type(fa)}", f"object={object_class(fa)}",
           f"head={head_class(fa)}&target={target_type(fa)}",
           f"head={head_class(fa)}&object={object_class(fa)}"]  # fmt: skip
    for name in ("metric_words", "deliverables"):
        out.append(f"{name}={int(bool(getattr(fa, name)))}")
    for name in ("activity", "outcome_noun", "done_passive", "team_subject", "business_result",
                 "date", "per", "money"):  # fmt: skip
        if getattr(fa, name):
            out.append(name)
    first = next((t for t in fa.tokens if t not in {"the", "all", "every", "each", "our"}), "")
    if first in PEOPLE_SUBJECTS:
        out.append("people_subject")
    if "can" in fa.tokens or "able" in fa.tokens:
        out.append("capability")
    return out


def cell_majority(design: list[Judged], facts: dict[str, TextFacts]) -> None:
    """How far the KR's shape alone goes: the cells of head class x target type x object class
    x a metric word x a deliverable, each predicting its majority label (in the design part
    itself, and leaving the KR's own organisation out), and how many of the fold models'
    misses sit in a cell whose majority is the verdict they were given."""

    def cell(fa: TextFacts) -> tuple[object, ...]:
        return (head_class(fa), target_type(fa), object_class(fa), bool(fa.metric_words),
                bool(fa.deliverables))  # fmt: skip

    cells: dict[tuple[object, ...], Counter[str]] = {}
    own: dict[tuple[object, ...], Counter[str]] = {}
    of = {j.row.id: cell(facts[j.row.id]) for j in design}
    for j in design:
        cells.setdefault(of[j.row.id], Counter())[j.row.kind] += 1
        own.setdefault((j.row.source_group, *of[j.row.id]), Counter())[j.row.kind] += 1

    def majority(c: Counter[str]) -> str:
        return "outcome" if c["outcome"] > c["output"] else "output"

    inside = sum(majority(cells[of[j.row.id]]) == j.row.kind for j in design) / len(design)
    left_out = sum(
        majority(cells[of[j.row.id]] - own[(j.row.source_group, *of[j.row.id])]) == j.row.kind
        for j in design
    ) / len(design)
    print(f"{len(cells)} cells of head x target x object x metric x deliverable: majority "
          f"label accuracy {inside:.3f} in the design part, {left_out:.3f} with the KR's own "
          f"organisation left out (fold models: "
          f"{sum(j.kind == j.row.kind for j in design) / len(design):.3f})")  # fmt: skip
    for label, verdict in (("output", "outcome"), ("outcome", "output")):
        wrong = [j for j in design if j.row.kind == label and j.kind == verdict]
        same = sum(majority(cells[of[j.row.id]]) == verdict for j in wrong)
        print(f"  {label}s called {verdict}s: {len(wrong)}, of which {same} in a cell whose "
              f"majority label is {verdict}")  # fmt: skip


def category_table(design: list[Judged], facts: dict[str, TextFacts]) -> None:
    """Per category: outputs (n, called outcome), outcomes (n, called output)."""
    cells: dict[str, Counter[str]] = {}
    for j in design:
        for c in categories(facts[j.row.id]):
            cell = cells.setdefault(c, Counter())
            cell[j.row.kind] += 1
            cell[j.row.kind + "_wrong"] += j.kind != j.row.kind
    total_wrong_out = sum(j.kind != j.row.kind for j in design if j.row.kind == "output")
    print(
        f"design part: {len(design)} KRs; outputs called outcomes {total_wrong_out}, outcomes "
        f"called outputs {sum(j.kind != j.row.kind for j in design) - total_wrong_out}"
    )
    print(f"{'category':44} {'outputs':>8} {'->outc':>6} {'rate':>5}   {'outcomes':>8} "
          f"{'->outp':>6} {'rate':>5}   {'acc':>5}")  # fmt: skip
    for c, cell in sorted(cells.items(), key=lambda kv: -kv[1]["output_wrong"]):
        o, ow, u, uw = cell["output"], cell["output_wrong"], cell["outcome"], cell["outcome_wrong"]
        if o + u < 15:
            continue
        print(f"{c:44} {o:8} {ow:6} {ow / max(o, 1):5.2f}   {u:8} {uw:6} {uw / max(u, 1):5.2f}"
              f"   {1 - (ow + uw) / (o + u):5.3f}")  # fmt: skip


# --- variants -------------------------------------------------------------------------------


@dataclass
class Variant(Logistic):
    """The shipped recipe with a feature transform and, optionally, word features kept only
    where they occur in at least `min_orgs` organisations of the training set (the
    hand-written set counts as one)."""

    transform: Transform | None = None
    min_orgs: int = 1

    @cached_property
    def pub(self) -> list[list[str]]:
        return self._apply(self.pool.facts_pub, self.pool.feats_pub)

    @cached_property
    def hand(self) -> list[list[str]]:
        return self._apply(self.pool.facts_hand, self.pool.feats_hand)

    def _apply(self, facts: Sequence[TextFacts], feats: Sequence[frozenset[str]]
               ) -> list[list[str]]:  # fmt: skip
        if self.transform is None:
            return [sorted(fs) for fs in feats]
        return [sorted(self.transform(fa, fs)) for fa, fs in zip(facts, feats, strict=True)]

    def scores(self, train: IntArray, test: IntArray) -> Array:
        feats = self.hand + [self.pub[i] for i in train]
        vocab = trainer.vocabulary(feats)
        if self.min_orgs > 1:
            groups = ["<hand>"] * len(self.hand) + [self.pool.public[i].source_group
                                                    for i in train]  # fmt: skip
            seen: dict[str, set[str]] = {}
            for g, fs in zip(groups, feats, strict=True):
                for f in fs:
                    seen.setdefault(f, set()).add(g)
            vocab = [f for f in vocab if f.startswith(("L:", "P:", "X:", "T:"))
                     or len(seen.get(f, ())) >= self.min_orgs]  # fmt: skip
        y = np.concatenate([trainer.labels(self.pool.hand), self.pool.y[train]])
        weight = np.concatenate([np.ones(len(self.pool.hand)),
                                 np.full(len(train), trainer.PUBLIC_WEIGHT)])  # fmt: skip
        weight = weight * np.where(y == 1, self.output_weight, 1.0)
        b, w = trainer.fit(trainer.design(feats, vocab), y, l2=self.l2, weight=weight)
        return np.asarray(trainer.design([self.pub[i] for i in test], vocab) @ w + b)


@dataclass
class OrgPenalty(Variant):
    """The soft form of `min_orgs`: a word feature seen in fewer than `full` organisations of
    the training set is penalised `full / n` times harder (the hand-written set counts as one
    organisation; the `L:`/`P:` facts keep the shipped L2)."""

    full: int = 3

    def scores(self, train: IntArray, test: IntArray) -> Array:
        feats = self.hand + [self.pub[i] for i in train]
        vocab = trainer.vocabulary(feats)
        groups = ["<hand>"] * len(self.hand) + [self.pool.public[i].source_group for i in train]
        seen: dict[str, set[str]] = {}
        for g, fs in zip(groups, feats, strict=True):
            for f in fs:
                seen.setdefault(f, set()).add(g)
        scale = np.array(
            [1.0 if f.startswith(("L:", "P:", "T:")) else self.full / min(len(seen[f]), self.full)
             for f in vocab]
        )  # fmt: skip
        y = np.concatenate([trainer.labels(self.pool.hand), self.pool.y[train]])
        weight = np.concatenate([np.ones(len(self.pool.hand)),
                                 np.full(len(train), trainer.PUBLIC_WEIGHT)])  # fmt: skip
        b, w = trainer.fit(trainer.design(feats, vocab), y, l2=self.l2 * scale,  # type: ignore[arg-type]
                           weight=weight)  # fmt: skip
        return np.asarray(trainer.design([self.pub[i] for i in test], vocab) @ w + b)


@dataclass
class Regularised(Variant):
    """The shipped recipe fitted with another penalty: an L1 term (elastic net; Adam steps
    followed by soft-thresholding, the bias unpenalised) and/or dropout's quadratic penalty
    (Wager et al.'s approximation of dropping each feature with probability `dropout`: a
    per-weight L2 scaled by how much that feature's KRs sit near the boundary, recomputed each
    step)."""

    l1: float = 0.0
    dropout: float = 0.0

    def scores(self, train: IntArray, test: IntArray) -> Array:
        feats = self.hand + [self.pub[i] for i in train]
        vocab = trainer.vocabulary(feats)
        y = np.concatenate([trainer.labels(self.pool.hand), self.pool.y[train]])
        weight = np.concatenate([np.ones(len(self.pool.hand)),
                                 np.full(len(train), trainer.PUBLIC_WEIGHT)])  # fmt: skip
        x = trainer.design(feats, vocab)
        xt = x.T.tocsr()
        n, d = x.shape
        sw = weight * (n / float(weight.sum()))
        w, b = np.zeros(d), 0.0
        m_w, v_w, m_b, v_b = np.zeros(d), np.zeros(d), 0.0, 0.0
        ratio = self.dropout / (1.0 - self.dropout)
        for t in range(1, trainer.STEPS + 1):
            p = 1.0 / (1.0 + np.exp(-(x @ w + b)))
            err = (p - y) * sw
            g_w = xt @ err / n + self.l2 * w
            if ratio:
                g_w += ratio * w * (xt @ (sw * p * (1 - p))) / n
            g_b = float(err.mean())
            m_w = 0.9 * m_w + 0.1 * g_w
            v_w = 0.999 * v_w + 0.001 * g_w * g_w
            m_b = 0.9 * m_b + 0.1 * g_b
            v_b = 0.999 * v_b + 0.001 * g_b * g_b
            step = 0.1 / (np.sqrt(v_w / (1 - 0.999**t)) + 1e-8)
            w -= step * m_w / (1 - 0.9**t)
            b -= 0.1 * (m_b / (1 - 0.9**t)) / (np.sqrt(v_b / (1 - 0.999**t)) + 1e-8)
            if self.l1:
                w = np.sign(w) * np.maximum(np.abs(w) - step * self.l1, 0.0)
        return np.asarray(trainer.design([self.pub[i] for i in test], vocab) @ w + b)


@dataclass
class Factorised(Variant):
    """The shipped recipe plus a factorisation-machine term: every pair of features interacts
    through rank-`rank` vectors (sum over pairs of <v_f, v_g>), fitted jointly with the linear
    weights by the same Adam loop (L2 on both), vectors started small from a fixed seed."""

    rank: int = 4
    l2_pairs: float = 0.005

    def scores(self, train: IntArray, test: IntArray) -> Array:
        feats = self.hand + [self.pub[i] for i in train]
        vocab = trainer.vocabulary(feats)
        y = np.concatenate([trainer.labels(self.pool.hand), self.pool.y[train]])
        weight = np.concatenate([np.ones(len(self.pool.hand)),
                                 np.full(len(train), trainer.PUBLIC_WEIGHT)])  # fmt: skip
        x = trainer.design(feats, vocab)
        n, d = x.shape
        sw = weight * (n / float(weight.sum()))
        rng = np.random.default_rng(17)
        params = [np.zeros(d), np.zeros(1), rng.normal(0.0, 0.01, (d, self.rank))]
        moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
        xt = x.T.tocsr()
        for t in range(1, trainer.STEPS + 1):
            w, b, v = params
            xv = x @ v
            z = x @ w + b[0] + 0.5 * ((xv**2).sum(1) - x @ (v**2).sum(1))
            err = (1.0 / (1.0 + np.exp(-z)) - y) * sw
            grads = [xt @ err / n + self.l2 * w, np.array([err.mean()]),
                     (xt @ (err[:, None] * xv) - v * (xt @ err)[:, None]) / n
                     + self.l2_pairs * v]  # fmt: skip
            for p, g, (m, s2) in zip(params, grads, moments, strict=True):
                m *= 0.9
                m += 0.1 * g
                s2 *= 0.999
                s2 += 0.001 * g * g
                p -= 0.1 * (m / (1 - 0.9**t)) / (np.sqrt(s2 / (1 - 0.999**t)) + 1e-8)
        w, b, v = params
        xs = trainer.design([self.pub[i] for i in test], vocab)
        xv = xs @ v
        return np.asarray(xs @ w + b[0] + 0.5 * ((xv**2).sum(1) - xs @ (v**2).sum(1)))


def add(extra: Callable[[TextFacts, frozenset[str]], list[str]]) -> Transform:
    return lambda fa, fs: fs | frozenset(extra(fa, fs))


def target_feature(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    """The KR's target type as one categorical feature (a date-only target is a milestone)."""
    return [f"T:target_{target_type(fa)}"]


def head_target(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    return [f"T:{head_class(fa)}_{target_type(fa)}"]


def verb_object(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    """What is being moved or made: the head's class x the class of its object."""
    return [f"T:vo_{head_class(fa)}_{object_class(fa)}", f"T:obj_{object_class(fa)}"]


_NAME = re.compile(r"\b[A-Za-z]*[A-Z][a-z]*[A-Z][A-Za-z]*\b")  # two capitals or more


@cache
def _lexicon_words() -> frozenset[str]:
    lex = load_lexicon()
    return frozenset().union(
        lex.delivery_verbs,
        lex.change_verbs,
        lex.vague_words,
        lex.deliverables,
        lex.metric_words,
        lex.measures,
        lex.work_units,
    )


def names_abstracted(fa: TextFacts, fs: frozenset[str]) -> frozenset[str]:
    """Acronyms and camel-case names (IPFS, PostHog, GKE) written as one token class: their
    word and bigram features go, "w:<name>" stands for them (words of the lexicon, such as
    NPS or ARR, stay themselves)."""
    names = {m[0].lower() for m in _NAME.finditer(fa.text)} - _lexicon_words()
    if not names:
        return fs
    out = set()
    for f in fs:
        if f.startswith("w:") and f[2:] in names:
            out.add("w:<name>")
        elif f.startswith("b:") and not names.isdisjoint(f[2:].split("_", 1)):
            a, b = f[2:].split("_", 1)
            out.add("b:" + ("<name>" if a in names else a) + "_" + ("<name>" if b in names else b))
        else:
            out.add(f)
    return frozenset(out)


def the_three(fa: TextFacts, fs: frozenset[str]) -> frozenset[str]:
    return fs | frozenset(target_feature(fa, fs) + head_target(fa, fs) + verb_object(fa, fs))


def names_and_verb_object(fa: TextFacts, fs: frozenset[str]) -> frozenset[str]:
    return names_abstracted(fa, fs) | frozenset(verb_object(fa, fs))


def names_and_the_three(fa: TextFacts, fs: frozenset[str]) -> frozenset[str]:
    return names_abstracted(fa, the_three(fa, fs))


_DETERMINERS = frozenset(
    {
        "a",
        "an",
        "the",
        "our",
        "all",
        "every",
        "each",
        "more",
        "at",
        "<num>",
        "one",
        "two",
        "three",
        "four",
        "five",
        "ten",
        "new",
        "their",
        "my",
    }
)
_VERB_SUFFIXES = ("ize", "ise", "ate", "ify", "yze")


def verb_shaped_head(fa: TextFacts, fs: frozenset[str]) -> list[str]:
    """Read off the misses ("Lead 3 discussions", "Advertise for ...", "Dedicate 100 hours"):
    a head word outside the verb lexicon that is shaped like an imperative verb — a
    determiner or a number right after it, or a verb suffix."""
    if "L:head_other" not in fs or len(fa.tokens) < 2 or fa.tokens[0][0].isdigit():
        return []
    first, nxt = fa.tokens[0], "<num>" if fa.tokens[1][0].isdigit() else fa.tokens[1]
    if first in _DETERMINERS:
        return []
    out = []
    if nxt in _DETERMINERS:
        out.append("T:verb_shape_det")
    if first.endswith(_VERB_SUFFIXES):
        out.append("T:verb_shape_suffix")
    return out


def variants(pool: Pool) -> dict[str, Callable[[], Array]]:
    def v(**kw: object) -> Callable[[], Array]:
        return lambda: Variant(pool, **kw).out_of_fold()  # type: ignore[arg-type]

    return {
        # written before any error of this round was printed
        "shipped recipe re-fitted (check: no change)": v(),
        "target type (date-only = milestone, count, level, share, change, none)":
            v(transform=add(target_feature)),
        "head class x target type": v(transform=add(head_target)),
        "verb-object: head class x object class (people, metric, deliverable, activity)":
            v(transform=add(verb_object)),
        "target, head x target and verb-object together": v(transform=the_three),
        "names abstracted (acronyms, camel case -> <name>)": v(transform=names_abstracted),
        "word features seen in >= 2 organisations": v(min_orgs=2),
        "word features seen in >= 3 organisations": v(min_orgs=3),
        "word features seen in >= 5 organisations": v(min_orgs=5),
        "word features in fewer than 3 organisations penalised 3 / n times harder":
            lambda: OrgPenalty(pool).out_of_fold(),
        "word features in fewer than 10 organisations penalised 10 / n times harder":
            lambda: OrgPenalty(pool, full=10).out_of_fold(),
        # written after the rows above were printed: other penalties (generic, not read off
        # the misses)
        "elastic net, L1 0.0001": lambda: Regularised(pool, l1=0.0001).out_of_fold(),
        "elastic net, L1 0.0003": lambda: Regularised(pool, l1=0.0003).out_of_fold(),
        "dropout penalty 0.3": lambda: Regularised(pool, dropout=0.3).out_of_fold(),
        "dropout penalty 0.5": lambda: Regularised(pool, dropout=0.5).out_of_fold(),
        "dropout penalty 0.5, no L2": lambda: Regularised(pool, l2=0.0, dropout=0.5).out_of_fold(),
        # written after the rows above were printed (combinations of the two best)
        "names abstracted + verb-object": v(transform=names_and_verb_object),
        "names abstracted + target, head x target, verb-object": v(transform=names_and_the_three),
        "pairwise term, rank 4 (factorisation machine)": lambda: Factorised(pool).out_of_fold(),
        "pairwise term, rank 8, weaker penalty": lambda: Factorised(pool, rank=8,
                                                                    l2_pairs=0.001).out_of_fold(),
        # read off the misses of the design part
        "verb-shaped head outside the lexicon (read off the misses)":
            v(transform=add(verb_shaped_head)),
    }  # fmt: skip


def reshuffled(pool: Pool, seeds: Sequence[int], names: Sequence[str]) -> None:
    """Kind figures only (no rules), on other assignments of the organisations to 5 folds
    (each organisation to a fold at random, seeded): is a variant's change the same on other
    folds, or a property of one reshuffle?"""
    table = variants(pool)
    groups = np.array([r.source_group for r in pool.public])
    names_all = sorted(set(groups))
    y = pool.y == 1
    for seed in seeds:
        order = np.random.default_rng(seed).permutation(len(names_all))
        fold_of = {names_all[g]: i % trainer.FOLDS for i, g in enumerate(order)}
        pool.__dict__["fold"] = np.array([fold_of[g] for g in groups])
        base = Variant(pool).out_of_fold() >= 0
        for name in names:
            (full,) = [n for n in table if name in n]
            z = table[full]() >= 0
            acc = float((z == y).mean() - (base == y).mean())
            rec = float(z[y].mean() - base[y].mean())
            prec = float(y[~z].mean() - y[~base].mean())
            print(f"seed {seed}: {full[:48]:48} accuracy {acc:+.3f}  output recall {rec:+.3f}  "
                  f"outcome precision {-prec:+.3f}", flush=True)  # fmt: skip
    pool.__dict__.pop("fold", None)


def calibrated(pool: Pool, names: Sequence[str]) -> None:
    """Kind figures at raw log-odds 0 (how the fold models are scored) and at 0.5 of the
    Platt-calibrated probability (how the shipped model decides: `train.platt` fitted on the
    out-of-fold scores), with the scores' AUC: does a variant rank better, or only move the
    operating point?"""
    table = variants(pool)
    y = pool.y

    def auc(z: Array) -> float:
        rank = np.empty(len(z))
        rank[np.argsort(z)] = np.arange(1, len(z) + 1)
        pos = float(y.sum())
        return float((rank[y == 1].sum() - pos * (pos + 1) / 2) / (pos * (len(y) - pos)))

    runs = [("shipped recipe", lambda: Variant(pool).out_of_fold())]
    runs += [(full, table[full]) for name in names for full in table if name in full]
    for name, run in runs:
        z = run()
        a, c = trainer.platt(z, y)
        for how, zz in (("raw log-odds 0", z), ("calibrated 0.5", a * z + c)):
            out, is_out = zz >= 0, y == 1
            print(f"{name[:48]:48} AUC {auc(z):.4f}, Platt a={a:.3f} c={c:+.3f}, {how}: "
                  f"accuracy {float((out == is_out).mean()):.3f}, output recall "
                  f"{float(out[is_out].mean()):.3f}, outcome precision "
                  f"{float(1 - is_out[~out].mean()):.3f}", flush=True)  # fmt: skip


def document_context(pool: Pool) -> None:
    """Kind figures only: does the rest of a KR's document tell its kind? A three-weight
    logistic stacker on [the KR's out-of-fold log-odds, the mean log-odds of the other KRs of
    its source document, 1], fitted on the other folds' KRs (Newton's method); and how much
    the recipe's residuals (label - probability) agree within a document."""
    y = pool.y
    z = Variant(pool).out_of_fold()
    docs: dict[str, list[int]] = {}
    for i, r in enumerate(pool.public):
        docs.setdefault(r.source, []).append(i)

    def others_mean(v: Array) -> tuple[Array, Array]:
        mean, has = np.zeros(len(v)), np.zeros(len(v), dtype=bool)
        for idx in docs.values():
            total = float(v[idx].sum())
            for i in idx:
                if len(idx) > 1:
                    mean[i], has[i] = (total - v[i]) / (len(idx) - 1), True
        return mean, has

    is_out = y == 1

    def stack(x: Array) -> Array:
        out = np.zeros(len(z))
        for k in range(trainer.FOLDS):
            train = pool.fold != k
            w = np.zeros(x.shape[1])
            for _ in range(50):
                p = 1.0 / (1.0 + np.exp(-(x[train] @ w)))
                hess = (x[train] * (p * (1 - p))[:, None]).T @ x[train]
                w -= np.linalg.solve(hess + 1e-6 * np.eye(x.shape[1]), x[train].T @ (p - y[train]))
            out[~train] = x[~train] @ w
            print(f"  fold {k}: weights {np.round(w, 3)}")
        return out

    ones = np.ones(len(z))
    for name, x in (("own log-odds, bias (a recalibration)", np.column_stack([z, ones])),
                    ("own log-odds, document mean, bias",
                     np.column_stack([z, others_mean(z)[0], ones]))):  # fmt: skip
        print(name)
        out = stack(x) >= 0
        print(f"  accuracy {float((out == is_out).mean()):.3f}, output recall "
              f"{float(out[is_out].mean()):.3f}, outcome precision "
              f"{float(1 - is_out[~out].mean()):.3f}")  # fmt: skip
    residual = y - 1.0 / (1.0 + np.exp(-z))
    mean, has = others_mean(residual)
    print(
        f"correlation of a KR's residual with its document's other KRs' mean residual: "
        f"{float(np.corrcoef(residual[has], mean[has])[0, 1]):.2f}"
    )


def grid(pool: Pool) -> None:
    """Kind figures only: the training grid of earlier rounds (public weight x L2) again, on
    the 166 organisations and the shipped folds."""
    y = pool.y == 1
    base = Variant(pool).out_of_fold() >= 0
    shipped = trainer.PUBLIC_WEIGHT
    for weight in (4.0, 8.0, 16.0):
        trainer.PUBLIC_WEIGHT = weight
        for l2 in (0.00025, 0.0005, 0.001):
            z = Variant(pool, l2=l2).out_of_fold() >= 0
            print(f"public weight {weight:g}, L2 {l2:g}: accuracy {float((z == y).mean()):.3f} "
                  f"({float((z == y).mean() - (base == y).mean()):+.3f}), output recall "
                  f"{float(z[y].mean()):.3f}, outcome precision {float(1 - y[~z].mean()):.3f}",
                  flush=True)  # fmt: skip
    trainer.PUBLIC_WEIGHT = shipped


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--categories", action="store_true")
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--variants", nargs="*")
    parser.add_argument("--untouched", metavar="NAME")
    parser.add_argument("--grid", action="store_true", help="public weight x L2, kind only")
    parser.add_argument("--document", action="store_true", help="the rest of the document")
    parser.add_argument(
        "--calibrated",
        nargs="*",
        metavar="NAME",
        help="kind figures at raw and calibrated thresholds, with AUC",
    )
    parser.add_argument(
        "--reshuffled",
        nargs="*",
        metavar="NAME",
        help="kind figures of these variants on 5 other fold assignments",
    )
    args = parser.parse_args()
    public = split_public()[0]
    held = untouched(public)
    pool = Pool(list(public), load_labelled("train"))
    shipped = lint.cross_validated()
    if args.categories or args.errors:
        design = [j for j in shipped if j.row.source_group not in held]
        facts = dict(zip((r.id for r in pool.public), pool.facts_pub, strict=True))
        if args.categories:
            category_table(design, facts)
            cell_majority(design, facts)
            wrong = Counter(j.row.source_group for j in design if j.kind != j.row.kind)
            print(
                f"misses by organisation: {sum(wrong.values())} in {len(wrong)} organisations,"
                f" the 10 with most hold {sum(n for _g, n in wrong.most_common(10))}"
            )
        if args.errors:
            for j in sorted(design, key=lambda j: (j.row.kind, j.row.source_group)):
                if j.kind != j.row.kind:
                    cats = " ".join(c for c in categories(facts[j.row.id]) if "&" not in c)
                    print(f"{j.row.kind:7} {j.row.source_group[:24]:24} {j.row.text}\n"
                          f"        [{cats}]")  # fmt: skip
        return
    if args.grid:
        grid(pool)
        return
    if args.document:
        document_context(pool)
        return
    if args.calibrated is not None:
        calibrated(pool, args.calibrated)
        return
    if args.reshuffled:
        reshuffled(pool, range(1, 6), args.reshuffled)
        return
    before = lint.cv_record(shipped)
    table = variants(pool)
    if args.untouched:
        (name,) = [n for n in table if args.untouched in n]
        after = judged(pool, table[name]())
        kept = [j for j in after if j.row.source_group in held]
        print(f"== {name}: untouched part ({len(held)} organisations)")
        lint.table("untouched part", kept, True, by=lambda r: r.source_group)
        lint.paired(before, kept)
        return
    for name, run in table.items():
        if args.variants and not any(s in name for s in args.variants):
            continue
        after = judged(pool, run())
        print(f"\n== {name}", flush=True)
        print(" all 166 organisations:")
        lint.paired(before, after)
        print(" design part:")
        lint.paired(before, [j for j in after if j.row.source_group not in held])


if __name__ == "__main__":
    main()
