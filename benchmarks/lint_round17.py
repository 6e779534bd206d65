"""Experiment harness (issue 12, seventeenth round): the kind verdict's misses by category, and
features that might carry a KR's kind across organisations, on the cross-validation over the
166 training organisations.

Same 5-fold cross-validation by organisation as `benchmarks/lint.py` (`train.group_folds`,
every rule on the fold model's verdict), and the same untouched part as round sixteen
(`lint_round16.untouched`: 34 organisations, 661 KRs, whose KRs and kind errors have never been
printed): `--categories` and `--errors` read the *design* part only (132 organisations).

- `--categories`: for each rough category of KR (head class, target type, subject, ...), how
  many design-part KRs of each label fall in it and how many of them the fold models get
  wrong, so a systematic class of misses shows as a category where one label's error rate is
  high while the other label's is low.
- `--errors`: the design part's kind misses, each with its categories.
- `--variants [NAME ...]`: each variant refitted in every fold (the `lint_second_stage.Logistic`
  recipe with a feature transform or a vocabulary filter), every rule on its verdict, paired
  with the shipped recipe on the same folds (organisations resampled, 2,000 rounds), on all
  166 organisations and on the design part. The variants written before any error of this
  round was printed are the first block of `VARIANTS`; any written after are marked "read
  off the misses".
- `--untouched NAME`: one variant's figures on the untouched part, paired; run once, at the end.

Not run by pytest. Usage (main venv; about 15 s per variant on one core):
    .venv/bin/python benchmarks/lint_round17.py --categories | --errors
    .venv/bin/python benchmarks/lint_round17.py --variants [NAME ...]
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


def category_table(design: list[Judged], facts: dict[str, TextFacts]) -> None:
    """Per category: outputs (n, called outcome), outcomes (n, called output)."""
    cells: dict[str, Counter[str]] = {}
    for j in design:
        for c in categories(facts[j.row.id]):
            cell = cells.setdefault(c, Counter())
            cell[j.row.kind] += 1
            cell[j.row.kind + "_wrong"] += j.kind != j.row.kind
    total_wrong_out = sum(j.kind != j.row.kind for j in design if j.row.kind == "output")
    print(f"design part: {len(design)} KRs; outputs called outcomes {total_wrong_out}, outcomes "
          f"called outputs {sum(j.kind != j.row.kind for j in design) - total_wrong_out}")
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
    return frozenset().union(lex.delivery_verbs, lex.change_verbs, lex.vague_words,
                             lex.deliverables, lex.metric_words, lex.measures, lex.work_units)


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
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--categories", action="store_true")
    parser.add_argument("--errors", action="store_true")
    parser.add_argument("--variants", nargs="*")
    parser.add_argument("--untouched", metavar="NAME")
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
        if args.errors:
            for j in sorted(design, key=lambda j: (j.row.kind, j.row.source_group)):
                if j.kind != j.row.kind:
                    cats = " ".join(c for c in categories(facts[j.row.id]) if "&" not in c)
                    print(f"{j.row.kind:7} {j.row.source_group[:24]:24} {j.row.text}\n"
                          f"        [{cats}]")  # fmt: skip
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
