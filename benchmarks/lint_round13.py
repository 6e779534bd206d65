"""Experiment harness (issue 12, thirteenth round): the seventh collection, first as an
external set for the shipped model, then as training data.

`--external FILE.json` scores the shipped model (`model.json`, trained on the rows up to
p2550) once on the seventh collection (rows from `dataset.SEVENTH_COLLECTION_FIRST` on: 24
organisations new to the corpus, labelled before any model ran on them), every rule on its
verdict, and saves the figures with 95% intervals from resampling whole organisations (2,000
rounds). It refuses to overwrite an existing record: the set is scored once, before it enters
training, and its KRs are never printed.

Without `--external`, the 5-fold cross-validation by organisation of `benchmarks/lint.py` over
every training organisation, the seventh collection now among them. `--cv-before FILE` pairs
it with a `--save-cv` file from `benchmarks/lint.py` on main before the collection was added,
on the older organisations' KRs only (the ones both runs judged; their folds differ, since
adding organisations reshuffles the folds, which is part of what is measured). The seventh
collection's own cross-validated figures are printed apart.

Not run by pytest. Usage (main venv; about 10 s):
    .venv/bin/python benchmarks/lint_round13.py --external FILE.json
    .venv/bin/python benchmarks/lint_round13.py [--cv-before FILE.json] [--save-cv FILE.json]
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import lint
from sowhat.lint.dataset import (
    EIGHTH_COLLECTION_FIRST,
    SEVENTH_COLLECTION_FIRST,
    Judged,
    LabelledKR,
    bootstrap,
    measures,
    split_public,
)


def seventh(row: LabelledKR) -> bool:
    """Rows of the seventh collection (the eighth, from round fifteen on, is not)."""
    return SEVENTH_COLLECTION_FIRST <= int(row.id[1:]) < EIGHTH_COLLECTION_FIRST


def external_record(judged: list[Judged]) -> dict[str, object]:
    """The external set's figures, as the held-out records of earlier rounds, but with the
    intervals from resampling organisations (not documents)."""
    record = lint.heldout_record(
        "shipped model (main at db830e2, trained on rows up to p2550) on the seventh "
        "collection, scored once before it entered training",
        judged,
    )
    ci = bootstrap(judged, by=lambda r: r.source_group)
    record["ci95"] = {m: list(band) if band else None for m, band in ci.items()}
    record["ci95_resamples"] = "organisations, 2,000 rounds, seed 12"
    return record


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--external", type=Path, metavar="JSON",
                        help="score the shipped model once on the seventh collection, save, stop")
    parser.add_argument("--cv-before", type=Path, metavar="JSON")
    parser.add_argument("--save-cv", type=Path, metavar="JSON")
    args = parser.parse_args()
    train = split_public()[0]
    if args.external is not None:
        if args.external.exists():
            sys.exit(f"{args.external} exists: the external set is scored once")
        rows = [r for r in train if seventh(r)]
        judged = [Judged(r, *lint.lint_with(None)(r.text)) for r in rows]
        lint.table("seventh collection, shipped model (external set; 95% CI: resampling "
                   "organisations)", judged, True, by=lambda r: r.source_group)  # fmt: skip
        record = external_record(judged)
        args.external.write_text(json.dumps(record, indent=1) + "\n", "utf-8")
        return
    cv = lint.cross_validated()
    if args.save_cv is not None:
        args.save_cv.write_text(json.dumps(lint.cv_record(cv)) + "\n", "utf-8")
    before = json.loads(args.cv_before.read_text("utf-8")) if args.cv_before else None
    older = [j for j in cv if not seventh(j.row)]
    newer = [j for j in cv if seventh(j.row)]
    by_org = {"by": lambda r: r.source_group}
    lint.table(f"all {len({j.row.source_group for j in cv})} training organisations (CV by "
               "organisation)", cv, True, **by_org)  # fmt: skip
    lint.table(f"older organisations ({len({j.row.source_group for j in older})})", older, True,
               **by_org)  # fmt: skip
    if before is not None:
        lint.paired(before, older)
    lint.table(f"seventh collection ({len({j.row.source_group for j in newer})} organisations)",
               newer, True, **by_org)  # fmt: skip
    figures = measures(newer)
    print("  (seventh collection in CV: " + ", ".join(
        f"{m} {v:.3f}" for m, v in figures.items() if v is not None) + ")")  # fmt: skip


if __name__ == "__main__":
    main()
