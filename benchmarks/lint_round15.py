"""Experiment harness (issue 12, fifteenth round): the eighth collection, first as an
external set for the shipped model, then as training data — round thirteen's protocol.

`--external FILE.json` scores the shipped model (`model.json`, trained on the rows up to
p2550) once on the eighth collection (rows from `dataset.EIGHTH_COLLECTION_FIRST` on: 31
organisations new to the corpus, labelled and committed before any model ran on them), every
rule on its verdict, and saves the figures with 95% intervals from resampling whole
organisations (2,000 rounds). It refuses to overwrite an existing record: the set is scored
once, before it enters training, and its KRs are never printed.

`--save-cv-older FILE.json` writes the cross-validation main runs today: 5 folds by
organisation over the training organisations of the rows before the eighth collection (the
same rows, folds and code as `benchmarks/lint.py` on main, so the same verdicts), in the
`--save-cv` format of `benchmarks/lint.py`.

Without either, the 5-fold cross-validation by organisation over every training organisation,
the eighth collection now among them. `--cv-before FILE` pairs it with such a record on the
older organisations' KRs only (the ones both runs judged; their folds differ, since adding
organisations reshuffles the folds, which is part of what is measured). The eighth
collection's own cross-validated figures are printed apart, in aggregate.

Not run by pytest. Usage (main venv; about 15 s a cross-validation):
    .venv/bin/python benchmarks/lint_round15.py --external FILE.json
    .venv/bin/python benchmarks/lint_round15.py --save-cv-older FILE.json
    .venv/bin/python benchmarks/lint_round15.py [--cv-before FILE.json] [--save-cv FILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import lint
from sowhat.lint.classifier import Model
from sowhat.lint.data import train as trainer
from sowhat.lint.dataset import (
    EIGHTH_COLLECTION_FIRST,
    Judged,
    LabelledKR,
    bootstrap,
    load_labelled,
    measures,
    split_public,
)


def eighth(row: LabelledKR) -> bool:
    return int(row.id[1:]) >= EIGHTH_COLLECTION_FIRST


def cross_validated(public: list[LabelledKR]) -> list[Judged]:
    """`lint.cross_validated` on these public rows: each judged by the fold model that never
    saw its organisation (hand-written training split in every fold)."""
    fold = trainer.group_folds(public)
    models = [Model(bias=b, weights=w)
              for b, w in trainer.out_of_source(public, load_labelled("train"))]  # fmt: skip
    return [
        Judged(r, *lint.lint_with(models[k])(r.text)) for r, k in zip(public, fold, strict=True)
    ]


def external_record(judged: list[Judged]) -> dict[str, object]:
    """The external set's figures, as round thirteen's record: intervals from resampling
    organisations (not documents)."""
    record = lint.heldout_record(
        "shipped model (main at 42d71f1, trained on rows up to p2550) on the eighth "
        "collection, scored once before it entered training",
        judged,
    )
    ci = bootstrap(judged, by=lambda r: r.source_group)
    record["ci95"] = {m: list(band) if band else None for m, band in ci.items()}
    record["ci95_resamples"] = "organisations, 2,000 rounds, seed 12"
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--external",
        type=Path,
        metavar="JSON",
        help="score the shipped model once on the eighth collection, save, stop",
    )
    parser.add_argument(
        "--save-cv-older",
        type=Path,
        metavar="JSON",
        help="save main's cross-validation (rows before the eighth collection)",
    )
    parser.add_argument("--cv-before", type=Path, metavar="JSON")
    parser.add_argument("--save-cv", type=Path, metavar="JSON")
    args = parser.parse_args()  # fmt: skip
    train = split_public()[0]
    by_org = {"by": lambda r: r.source_group}
    if args.external is not None:
        if args.external.exists():
            sys.exit(f"{args.external} exists: the external set is scored once")
        rows = [r for r in train if eighth(r)]
        judged = [Judged(r, *lint.lint_with(None)(r.text)) for r in rows]
        lint.table("eighth collection, shipped model (external set; 95% CI: resampling "
                   "organisations)", judged, True, **by_org)  # fmt: skip
        args.external.write_text(json.dumps(external_record(judged), indent=1) + "\n", "utf-8")
        return
    if args.save_cv_older is not None:
        older_cv = cross_validated([r for r in train if not eighth(r)])
        lint.table(f"older organisations alone ({len({j.row.source_group for j in older_cv})}, "
                   "main's CV)", older_cv, True, **by_org)  # fmt: skip
        args.save_cv_older.write_text(json.dumps(lint.cv_record(older_cv)) + "\n", "utf-8")
        return
    cv = cross_validated(train)
    if args.save_cv is not None:
        args.save_cv.write_text(json.dumps(lint.cv_record(cv)) + "\n", "utf-8")
    before = json.loads(args.cv_before.read_text("utf-8")) if args.cv_before else None
    older = [j for j in cv if not eighth(j.row)]
    newer = [j for j in cv if eighth(j.row)]
    lint.table(f"all {len({j.row.source_group for j in cv})} training organisations (CV by "
               "organisation)", cv, True, **by_org)  # fmt: skip
    lint.table(f"older organisations ({len({j.row.source_group for j in older})})", older, True,
               **by_org)  # fmt: skip
    if before is not None:
        lint.paired(before, older)
    lint.table(f"eighth collection ({len({j.row.source_group for j in newer})} organisations)",
               newer, True, **by_org)  # fmt: skip
    figures = measures(newer)
    print("  (eighth collection in CV: " + ", ".join(
        f"{m} {v:.3f}" for m, v in figures.items() if v is not None) + ")")  # fmt: skip


if __name__ == "__main__":
    main()
