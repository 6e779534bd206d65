"""The shipped labelled KRs and the figures we report on them.

`krs_train.csv` is what the model and the word lists were tuned on; `krs_heldout.csv` was
split off first (25%, stratified, seeded) and frozen — a test pins its hash — so the figures
in docs/lint.md are an honest estimate, not a memorised score.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from typing import Literal

from sowhat.lint.classifier import Kind, classify_facts, find_vanity, is_unmeasurable
from sowhat.lint.textfeatures import read

Split = Literal["train", "heldout"]


@dataclass(frozen=True)
class LabelledKR:
    id: str
    text: str
    kind: Kind
    vanity: bool
    unmeasurable: bool
    domain: str
    source: str


def load_labelled(split: Split) -> list[LabelledKR]:
    name = "krs_train.csv" if split == "train" else "krs_heldout.csv"
    raw = resources.files("sowhat.lint.data").joinpath(name).read_text("utf-8")
    out = []
    for row in csv.DictReader(io.StringIO(raw)):
        kind: Kind = "output" if row["kind"] == "output" else "outcome"
        out.append(
            LabelledKR(
                id=row["id"],
                text=row["text"],
                kind=kind,
                vanity=row["vanity"] == "1",
                unmeasurable=row["unmeasurable"] == "1",
                domain=row["domain"],
                source=row["source"],
            )
        )
    return out


@dataclass(frozen=True)
class BinaryScores:
    """Precision/recall for one positive class; None when undefined (no predictions)."""

    positives: int
    predicted: int
    true_positives: int

    @property
    def precision(self) -> float | None:
        return self.true_positives / self.predicted if self.predicted else None

    @property
    def recall(self) -> float | None:
        return self.true_positives / self.positives if self.positives else None

    @property
    def f1(self) -> float | None:
        p, r = self.precision, self.recall
        if not p or not r:
            return None
        return 2 * p * r / (p + r)


def _binary(pairs: Iterable[tuple[bool, bool]]) -> BinaryScores:
    pos = pred = tp = 0
    for truth, guess in pairs:
        pos += truth
        pred += guess
        tp += truth and guess
    return BinaryScores(positives=pos, predicted=pred, true_positives=tp)


@dataclass(frozen=True)
class Evaluation:
    n: int
    accuracy: float
    output: BinaryScores
    vanity: BinaryScores
    unmeasurable: BinaryScores

    def as_dict(self) -> dict[str, float | int | None]:
        return {
            "n": self.n,
            "accuracy": self.accuracy,
            "output_precision": self.output.precision,
            "output_recall": self.output.recall,
            "vanity_precision": self.vanity.precision,
            "vanity_recall": self.vanity.recall,
            "unmeasurable_precision": self.unmeasurable.precision,
            "unmeasurable_recall": self.unmeasurable.recall,
        }


@dataclass(frozen=True)
class Prediction:
    kind: Kind
    vanity: bool
    unmeasurable: bool


def predict(text: str) -> Prediction:
    facts = read(text)
    kind = classify_facts(facts).kind
    return Prediction(
        kind=kind,
        vanity=find_vanity(facts, kind) is not None,
        unmeasurable=is_unmeasurable(facts, kind),
    )


def evaluate(
    rows: list[LabelledKR], predictor: Callable[[str], Prediction] = predict
) -> Evaluation:
    preds = [predictor(r.text) for r in rows]
    correct = sum(p.kind == r.kind for p, r in zip(preds, rows, strict=True))
    return Evaluation(
        n=len(rows),
        accuracy=correct / len(rows) if rows else 0.0,
        output=_binary(
            (r.kind == "output", p.kind == "output") for p, r in zip(preds, rows, strict=False)
        ),
        vanity=_binary((r.vanity, p.vanity) for p, r in zip(preds, rows, strict=False)),
        unmeasurable=_binary(
            (r.unmeasurable, p.unmeasurable) for p, r in zip(preds, rows, strict=False)
        ),
    )
