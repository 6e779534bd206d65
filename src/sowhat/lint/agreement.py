"""How far two labellings of the same key results agree: the ceiling of any coach score.

The coach is scored against one annotator's labels. When a second annotator, reading the same
guideline (docs/lint-labels.md) and only the KRs' words, disagrees on some share of them, a
coach cannot be expected to agree with the first annotator much more often than the two agree
with each other: past that point a "better" score is learning one annotator's habits, not the
guideline. `corpus/second_labels.csv` holds such a blind second labelling of a random sample
of the public corpus; `benchmarks/lint_agreement.py` reports the figures.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources

from sowhat.lint.dataset import LabelledKR

FLAGS: tuple[str, ...] = ("vanity", "no_baseline", "unmeasurable", "activity", "milestone")
"""The labels besides `kind`, as columns of both label files."""


@dataclass(frozen=True)
class Agreement:
    """Two annotators' yes/no answers to one question over the same items.

    `kappa` is Cohen's: the observed agreement beyond what the two annotators' own rates of
    saying yes would give by chance, scaled so that 1 is perfect and 0 is chance — the figure
    that stays honest when one answer is rare (two annotators who both say "no" to 95% of
    items agree 90% of the time by chance alone). `positive` is the specific agreement on
    "yes": of the items either annotator said yes to, how consistently both did.
    """

    n: int
    both_yes: int
    first_yes: int
    second_yes: int
    observed: float
    kappa: float | None
    positive: float | None


def agreement(pairs: Sequence[tuple[bool, bool]]) -> Agreement:
    """Agreement of (first annotator, second annotator) answers; `kappa` is None when chance
    agreement is already perfect (both annotators gave one answer to every item)."""
    n = len(pairs)
    if not n:
        raise ValueError("agreement needs at least one labelled pair")
    both = sum(a and b for a, b in pairs)
    first = sum(a for a, _ in pairs)
    second = sum(b for _, b in pairs)
    neither = sum(not a and not b for a, b in pairs)
    observed = (both + neither) / n
    chance = (first * second + (n - first) * (n - second)) / (n * n)
    kappa = None if chance == 1 else (observed - chance) / (1 - chance)
    positive = 2 * both / (first + second) if first + second else None
    return Agreement(n, both, first, second, observed, kappa, positive)


def load_second_labels(
    corpus: Sequence[LabelledKR], text: str | None = None
) -> list[tuple[LabelledKR, LabelledKR]]:
    """(first labelling, second labelling) of every KR the second annotator labelled, in the
    second file's order. The second row keeps the corpus row's text and source, so the same
    scoring code reads either labelling. `text` is the file's content (the shipped file when
    None); an id the corpus lacks is an error naming it."""
    raw = (
        text
        if text is not None
        else resources.files("sowhat.lint.data")
        .joinpath("corpus", "second_labels.csv")
        .read_text("utf-8")
    )
    by_id = {r.id: r for r in corpus}
    out = []
    for line, row in enumerate(csv.DictReader(io.StringIO(raw)), start=2):
        first = by_id.get(row["id"])
        if first is None:
            raise ValueError(f"second_labels.csv line {line}: no corpus KR has id {row['id']!r}")
        if row["kind"] not in ("outcome", "output"):
            raise ValueError(
                f"second_labels.csv line {line}: kind {row['kind']!r} is neither outcome "
                "nor output"
            )
        flags = {name: row[name] == "1" for name in FLAGS}
        second = replace(first, kind=row["kind"], **flags)  # type: ignore[arg-type]
        out.append((first, second))
    return out
