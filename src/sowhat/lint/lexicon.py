"""The word lists behind the coach, loaded once from `data/lexicon.json`.

Kept as data rather than code so that a person tuning the coach edits one reviewed file and
retrains, instead of hunting through regular expressions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any


@dataclass(frozen=True)
class Lexicon:
    delivery_verbs: frozenset[str]
    change_verbs: frozenset[str]
    vague_words: frozenset[str]
    deliverables: frozenset[str]
    metric_words: frozenset[str]
    work_units: frozenset[str]  # units of work people count as if they were results
    measures: frozenset[str]  # nouns that name something countable (retention, tickets...)
    vanity: dict[str, tuple[str, ...]]  # family -> phrases
    vanity_value_links: frozenset[str]
    vanity_advice: dict[str, str]
    typo_index: dict[str, str]  # one-deletion variants of every verb -> the verb
    known: frozenset[str]  # every listed word: never "corrected"

    def correct(self, word: str) -> str:
        """The lexicon verb one edit away from `word` (typos like "lanuch"), or `word` itself.

        Symmetric-deletion lookup (the SymSpell idea): two words are within one insertion,
        deletion, substitution or adjacent swap when their one-deletion sets meet.
        """
        if len(word) < 5 or word in self.known:
            return word
        hit = self.typo_index.get(word)
        if hit is not None:
            return hit
        for i in range(len(word)):
            hit = self.typo_index.get(word[:i] + word[i + 1 :])
            if hit is not None:
                return hit
        return word


def _deletions(word: str) -> list[str]:
    return [word[:i] + word[i + 1 :] for i in range(len(word))]


_LISTS = (
    "delivery_verbs",
    "change_verbs",
    "vague_words",
    "deliverables",
    "metric_words",
    "measures",
    "work_units",
)


@cache
def load_lexicon() -> Lexicon:
    raw: dict[str, Any] = json.loads(
        resources.files("sowhat.lint.data").joinpath("lexicon.json").read_text("utf-8")
    )
    verbs = sorted(set(raw["delivery_verbs"]) | set(raw["change_verbs"]))
    index: dict[str, str] = {}
    for verb in verbs:
        if len(verb) < 5:
            continue
        index.setdefault(verb, verb)
        for variant in _deletions(verb):
            index.setdefault(variant, verb)
    return Lexicon(
        delivery_verbs=frozenset(raw["delivery_verbs"]),
        change_verbs=frozenset(raw["change_verbs"]),
        vague_words=frozenset(raw["vague_words"]),
        deliverables=frozenset(raw["deliverables"]),
        metric_words=frozenset(raw["metric_words"]),
        measures=frozenset(raw["measures"]),
        work_units=frozenset(raw["work_units"]),
        vanity={k: tuple(v) for k, v in raw["vanity"].items()},
        vanity_value_links=frozenset(raw["vanity_value_links"]),
        vanity_advice=dict(raw["vanity_advice"]),
        typo_index=index,
        known=frozenset(
            w
            for key in (
                "delivery_verbs",
                "change_verbs",
                "vague_words",
                "deliverables",
                "metric_words",
                "measures",
                "work_units",
            )
            for w in raw[key]
        ),
    )
