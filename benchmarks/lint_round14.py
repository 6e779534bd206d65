"""Experiment harness (issue 12, fourteenth round): SW104 and SW102 on the cross-validation
over all 135 training organisations, with an untouched part kept out of the error analysis.

The 135 training organisations are cross-validated by organisation exactly as in
`benchmarks/lint.py` (5 folds, `train.group_folds`, every rule on the fold model's verdict).

The untouched part is the union of two draws, both made before this round read any error:
- round eleven's fifth of the older organisations (`lint_round11.untouched_groups`, seed 11,
  drawn from the rows before the seventh collection): its KRs have never been printed, in
  rounds eleven to thirteen, so it is reused rather than redrawn (a fresh fifth of the older
  organisations would be mostly ones whose misses rounds eleven and twelve read);
- a fresh fifth of the seventh collection's 24 organisations (`new_untouched_groups`: seed
  14, the same two strata — organisations with a KR labelled unmeasurable, then the others —
  a fifth of each, drawn from the sorted names). Their misses have never been read either
  (round thirteen scored the collection once, in aggregate, and did not read its errors), so
  they may go either side; drawing a fifth of them keeps the untouched part representative of
  the new writers, whose SW104 and SW102 misses are the ones this round is after.

`--errors` prints the other organisations' misses only (the *design* part): KRs labelled
unmeasurable with no SW104 and SW104 firings on KRs labelled measurable, KRs labelled vanity
with no SW102 and SW102 firings on KRs not labelled vanity. The untouched part's KRs are
never printed.

`--cv-before FILE` pairs the figures with a `--save-cv` file from this script on main, on the
same folds, on each part separately (organisations resampled, 2,000 rounds).

Not run by pytest. Usage (main venv; about 15 s):
    .venv/bin/python benchmarks/lint_round14.py [--errors] [--cv-before FILE.json]
                                                [--save-cv FILE.json] [--untouched]
"""

from __future__ import annotations

import argparse
import json
import random
from pathlib import Path

import lint
from lint_round11 import report, untouched_groups
from sowhat.lint.dataset import (
    EIGHTH_COLLECTION_FIRST,
    SEVENTH_COLLECTION_FIRST,
    Judged,
    LabelledKR,
    split_public,
)

SEED = 14


def new_untouched_groups(rows: list[LabelledKR], seed: int = SEED) -> frozenset[str]:
    """A fifth of the seventh collection's organisations of each stratum (with / without a
    KR labelled unmeasurable), drawn by `random.Random(seed)` from the sorted names."""
    # the seventh collection only: the eighth (round fifteen) leaves the draw as it was
    rows = [r for r in rows if SEVENTH_COLLECTION_FIRST <= int(r.id[1:]) < EIGHTH_COLLECTION_FIRST]
    groups = sorted({r.source_group for r in rows})
    flagged = sorted({r.source_group for r in rows if r.unmeasurable})
    rng = random.Random(seed)
    out: set[str] = set()
    for stratum in (flagged, [g for g in groups if g not in set(flagged)]):
        out.update(rng.sample(stratum, round(len(stratum) / 5)))
    return frozenset(out)


def untouched(rows: list[LabelledKR]) -> frozenset[str]:
    return untouched_groups(rows) | new_untouched_groups(rows)


def print_errors(design: list[Judged]) -> None:
    for j in design:
        r = j.row
        fired104, fired102 = "SW104" in j.codes, "SW102" in j.codes
        if r.unmeasurable and not fired104:
            print(f"MISS104 {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")
        elif fired104 and not r.unmeasurable:
            print(f"FALSE104 {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")
        if r.vanity and not fired102:
            print(f"MISS102 {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")
        elif fired102 and not r.vanity:
            print(f"FALSE102 {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--errors",
        action="store_true",
        help="print the design part's SW104 and SW102 misses (never the other)",
    )
    parser.add_argument(
        "--untouched",
        action="store_true",
        help="also print the untouched part's figures (once, at the end)",
    )
    parser.add_argument("--cv-before", type=Path, metavar="JSON")
    parser.add_argument("--save-cv", type=Path, metavar="JSON")
    args = parser.parse_args()
    public = split_public()[0]
    held = untouched(public)
    cv = lint.cross_validated()
    if args.save_cv is not None:
        args.save_cv.write_text(json.dumps(lint.cv_record(cv)) + "\n", "utf-8")
    before = json.loads(args.cv_before.read_text("utf-8")) if args.cv_before else None
    design = [j for j in cv if j.row.source_group not in held]
    kept = [j for j in cv if j.row.source_group in held]
    if args.errors:
        print_errors(design)
        return
    report(f"all {len({j.row.source_group for j in cv})} training organisations (CV by "
           "organisation)", cv, before)  # fmt: skip
    report(f"design part ({len({j.row.source_group for j in design})} organisations)",
           design, before)  # fmt: skip
    if args.untouched:
        report(f"untouched part ({len(held)} organisations)", kept, before)


if __name__ == "__main__":
    main()
