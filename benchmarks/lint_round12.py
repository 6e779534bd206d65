"""Experiment harness (issue 12, twelfth round): output recall, SW104 and outcome precision,
with round eleven's untouched fifth of the training organisations still kept out of the
error analysis.

The 111 training organisations are cross-validated by organisation exactly as in
`benchmarks/lint.py` (5 folds, `train.group_folds`, every rule on the fold model's verdict).
The untouched part is the one `benchmarks/lint_round11.py` drew (seed 11, stratified) and
committed (39177c7) before round eleven read any error: its KRs were never printed, in round
eleven or since (only its aggregate figures were reported), so it is reused rather than
redrawn — a fresh fifth would be four fifths organisations whose misses round eleven read.
`--errors` prints the other four fifths' misses only (the *design* part): KRs labelled
unmeasurable that get no SW104, SW104 firings on KRs labelled measurable, outputs called
outcomes and outcomes called outputs. The untouched part's KRs are never printed.

`--cv-before FILE` pairs the figures with a `--save-cv` file from `benchmarks/lint.py` (or
this script) on the unchanged code, on each part separately (organisations resampled, 2,000
rounds).

Not run by pytest. Usage (main venv; about 10 s):
    .venv/bin/python benchmarks/lint_round12.py [--errors] [--cv-before FILE.json]
                                                [--save-cv FILE.json]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import lint
from lint_round11 import SEED, report, untouched_groups
from sowhat.lint.dataset import split_public


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--errors", action="store_true", help="print the design part's misses (never the other)"
    )
    parser.add_argument("--cv-before", type=Path, metavar="JSON")
    parser.add_argument("--save-cv", type=Path, metavar="JSON")
    args = parser.parse_args()
    public = split_public()[0]
    held = untouched_groups(public)
    cv = lint.cross_validated()
    if args.save_cv is not None:
        args.save_cv.write_text(json.dumps(lint.cv_record(cv)) + "\n", "utf-8")
    before = json.loads(args.cv_before.read_text("utf-8")) if args.cv_before else None
    design = [j for j in cv if j.row.source_group not in held]
    untouched = [j for j in cv if j.row.source_group in held]
    if args.errors:
        for j in design:
            r, fired = j.row, "SW104" in j.codes
            if r.unmeasurable and not fired:
                print(f"MISS104 {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")
            elif fired and not r.unmeasurable:
                print(f"FALSE104 {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")
            if r.kind == "output" and j.kind == "outcome":
                print(f"MISSOUT {r.source_group:28} {r.text}")
            elif r.kind == "outcome" and j.kind == "output":
                print(f"FALSEOUT {r.source_group:28} {r.text}")
        return
    report("all 111 training organisations (CV by organisation)", cv, before)
    report(f"design part ({len({j.row.source_group for j in design})} organisations)",
           design, before)  # fmt: skip
    report(f"untouched part ({len(held)} organisations, seed {SEED})", untouched, before)


if __name__ == "__main__":
    main()
