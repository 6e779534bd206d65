"""Benchmark: two annotators on the same public KRs, and the coach against each of them.

    .venv/bin/python benchmarks/lint_agreement.py            # the tables (~10 s)
    .venv/bin/python benchmarks/lint_agreement.py --show     # + every KR the two disagree on

The coach's figures (benchmarks/lint.py) are agreement with one annotator: the labels of
`corpus/krs_public.csv`. `corpus/second_labels.csv` is a second, blind labelling of a random
sample of 400 of those KRs (seeded draw; the annotator read docs/lint-labels.md and each KR's
words, and neither the corpus labels nor anything the coach says). This script reports:

1. how often the two annotators agree, per question: observed agreement, Cohen's kappa (with a
   95% interval resampling source documents, 2,000 rounds) and the specific agreement on "yes";
2. the coach on the sample's training-organisation KRs, each judged by the cross-validation
   fold that never saw its organisation (as in benchmarks/lint.py; the held-out organisations'
   KRs take part in (1) only, so they stay unscored by the coach), scored against the first
   labels, against the second, and on the KRs both annotators gave the same kind;
3. a rough ceiling: if each annotator mislabels a KR's kind independently at the same rate e,
   they agree (1 - e)^2 + e^2 of the time, and a coach that always finds the kind the guideline
   means would score about 1 - e against either of them.

Not run by pytest (tests/unit/lint/test_lint_agreement.py checks the kappa against
statsmodels and the shipped file against the corpus).
"""

from __future__ import annotations

import argparse
import math
import random
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from lint import cross_validated, pct
from machine import describe
from sowhat.lint.agreement import agreement, load_second_labels
from sowhat.lint.dataset import (
    HELDOUT_GROUPS,
    MEASURES,
    Judged,
    LabelledKR,
    bootstrap,
    load_public,
    measures,
)

Pair = tuple[LabelledKR, LabelledKR]

QUESTIONS: tuple[tuple[str, Callable[[LabelledKR], bool], Callable[[Pair], bool]], ...] = (
    ("kind is output", lambda r: r.kind == "output", lambda p: True),
    ("unmeasurable", lambda r: r.unmeasurable, lambda p: True),
    ("no_baseline (both: outcome)", lambda r: r.no_baseline,
     lambda p: p[0].kind == p[1].kind == "outcome"),
    ("vanity (both: outcome)", lambda r: r.vanity, lambda p: p[0].kind == p[1].kind == "outcome"),
    ("activity (both: output)", lambda r: r.activity, lambda p: p[0].kind == p[1].kind == "output"),
    ("milestone (both: output)", lambda r: r.milestone,
     lambda p: p[0].kind == p[1].kind == "output"),
)  # fmt: skip
"""(question, the answer read off a labelling, which pairs the question applies to)."""


def kappa_interval(
    pairs: Sequence[Pair], answer: Callable[[LabelledKR], bool], rounds: int = 2000, seed: int = 7
) -> tuple[float, float] | None:
    """95% percentile interval of kappa, resampling whole source documents."""
    docs: dict[str, list[tuple[bool, bool]]] = {}
    for first, second in pairs:
        docs.setdefault(first.source, []).append((answer(first), answer(second)))
    keys = sorted(docs)
    rng = random.Random(seed)
    draws = []
    for _ in range(rounds):
        sample = [ab for _k in keys for ab in docs[keys[rng.randrange(len(keys))]]]
        value = agreement(sample).kappa
        if value is not None:
            draws.append(value)
    if len(draws) < rounds // 2:
        return None
    draws.sort()
    return draws[int(0.025 * len(draws))], draws[int(0.975 * len(draws)) - 1]


def human_table(pairs: Sequence[Pair]) -> float:
    docs = len({first.source for first, _ in pairs})
    groups = len({first.source_group for first, _ in pairs})
    print(f"\n1. the two annotators: {len(pairs)} KRs, {docs} documents, {groups} organisations")
    print(f"  {'question':<30} {'n':>4} {'first':>6} {'second':>6} {'agree':>6} "
          f"{'kappa':>6}  {'95% CI':<13} {'yes-agree':>9}")  # fmt: skip
    kind_observed = 0.0
    for name, answer, applies in QUESTIONS:
        subset = [p for p in pairs if applies(p)]
        a = agreement([(answer(f), answer(s)) for f, s in subset])
        band = kappa_interval(subset, answer)
        ci = f"{band[0]:.3f}-{band[1]:.3f}" if band else "n/a"
        print(f"  {name:<30} {a.n:>4} {a.first_yes:>6} {a.second_yes:>6} {a.observed:>6.3f} "
              f"{pct(a.kappa):>6}  {ci:<13} {pct(a.positive):>9}")  # fmt: skip
        if name == "kind is output":
            kind_observed = a.observed
    return kind_observed


def coach_table(pairs: Sequence[Pair], judged_by_id: dict[str, Judged]) -> None:
    train = [(f, s) for f, s in pairs if f.id in judged_by_id]
    verdict = {i: (j.kind, j.codes) for i, j in judged_by_id.items()}

    def judged(rows: Sequence[LabelledKR]) -> list[Judged]:
        return [Judged(r, *verdict[r.id]) for r in rows]

    against = {
        "first labels": judged([f for f, _ in train]),
        "second labels": judged([s for _, s in train]),
        "kinds agree": judged([f for f, s in train if f.kind == s.kind]),
    }
    print(f"\n2. the coach, cross-validated by organisation: {len(train)} of the sample's KRs "
          "are from training organisations (the held-out organisations' are left unscored)")
    print(f"  {'measure':<18}" + "".join(f" {name + ' (n=' + str(len(j)) + ')':>34}"
                                         for name, j in against.items()))  # fmt: skip
    figures = {name: measures(j) for name, j in against.items()}
    bands = {name: bootstrap(j) for name, j in against.items()}
    for m in MEASURES:
        cells = []
        for name in against:
            value, band = figures[name][m], bands[name].get(m)
            ci = f" ({band[0]:.3f}-{band[1]:.3f})" if band else ""
            cells.append(f"{pct(value)}{ci}")
        print(f"  {m:<18}" + "".join(f" {c:>34}" for c in cells))


def ceiling(observed: float) -> str:
    if observed <= 0.5:
        return "n/a (agreement at or below chance)"
    error = (1 - math.sqrt(2 * observed - 1)) / 2
    return f"each annotator's kind error ≈ {error:.3f}, so a coach's ceiling ≈ {1 - error:.3f}"


def show(pairs: Sequence[Pair]) -> None:
    print("\nKRs the annotators disagree on (first / second):")
    for first, second in pairs:
        diffs = []
        if first.kind != second.kind:
            diffs.append(f"{first.kind}/{second.kind}")
        for flag in ("vanity", "no_baseline", "unmeasurable", "activity", "milestone"):
            a, b = getattr(first, flag), getattr(second, flag)
            if a != b:
                diffs.append(f"{flag} {int(a)}/{int(b)}")
        if diffs:
            print(f"  {first.id}  {', '.join(diffs):<40} {first.text[:110]}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="list every disagreement")
    args = parser.parse_args()
    print(f"machine: {describe()}")
    corpus = load_public()
    pairs = load_second_labels(corpus)
    observed = human_table(pairs)
    in_training = {first.id for first, _ in pairs if first.source_group not in HELDOUT_GROUPS}
    judged = {j.row.id: j for j in cross_validated() if j.row.id in in_training}
    coach_table(pairs, judged)
    print(f"\n3. ceiling, if the two annotators' kind errors are independent and equally likely: "
          f"{ceiling(observed)}")
    if args.show:
        show(pairs)


if __name__ == "__main__":
    main()
