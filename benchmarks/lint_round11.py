"""Experiment harness (issue 12, eleventh round): SW104 and output recall, with a fifth of
the training organisations kept out of the error analysis.

The 111 training organisations are cross-validated by organisation exactly as in
`benchmarks/lint.py` (5 folds, `train.group_folds`, every rule on the fold model's verdict).
Before any error of this round was read, a fifth of those organisations was drawn as the
*untouched* part (`untouched_groups`: seed 11, two strata — organisations with a KR labelled
unmeasurable, then the others — a fifth of each, by name order shuffled), so that the rules
designed from the errors of the other four fifths (the *design* part) can be judged on KRs
nobody looked at while writing them. `--errors` prints the design part's misses only:
KRs labelled unmeasurable that get no SW104, SW104 firings on KRs labelled measurable, and
outputs called outcomes. The untouched part's KRs are never printed.

`--cv-before FILE` pairs the figures with a `--save-cv` file from `benchmarks/lint.py` (or
this script) on the unchanged code, on each part separately (organisations resampled, 2,000
rounds).

Not run by pytest. Usage (main venv; about 10 s):
    .venv/bin/python benchmarks/lint_round11.py [--errors] [--output-kinds]
                                                [--cv-before FILE.json] [--save-cv FILE.json]
"""

from __future__ import annotations

import argparse
import json
import random
import re
from pathlib import Path

import lint
from sowhat.lint.dataset import SEVENTH_COLLECTION_FIRST, Judged, LabelledKR, split_public

SEED = 11

# Rough kinds of the outputs the fold models call outcomes, by the first pattern that holds
# (read off the design part; the untouched part is only counted).
OUTPUT_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "a share, every or each of the team's own people or artefacts done or had",
        re.compile(r"^(?:achieve\s+)?(?:\d+%|every|each|all)\b|^\d+%\s+of\b"),
    ),
    (
        "a change verb on a count or level of the team's own work",
        re.compile(r"^(?:increase|raise|grow|reduce|rebrand|expand|improve)\b.*\d"),
    ),
    ("a bare count of artefacts or events", re.compile(r"^(?:\d|at least \d)")),
    (
        "a capability or state built ('users can', 'is persisted', 'get notified')",
        re.compile(r"\b(?:can|get notified|is|are|be)\s+(?:\w+\s+)?(?:\w+ed|\w+able)\b"),
    ),
    (
        "other, with a number (habits, targets on the team's work, named deliverables)",
        re.compile(r"\d"),
    ),
)


def untouched_groups(rows: list[LabelledKR], seed: int = SEED) -> frozenset[str]:
    """A fifth of the organisations of each stratum (with / without a KR labelled
    unmeasurable), drawn by `random.Random(seed)` from the sorted names. Drawn from the rows
    before the seventh collection only, so the thirteenth round's new organisations leave
    round eleven's draw as it was."""
    rows = [r for r in rows if int(r.id[1:]) < SEVENTH_COLLECTION_FIRST]
    groups = sorted({r.source_group for r in rows})
    flagged = sorted({r.source_group for r in rows if r.unmeasurable})
    rng = random.Random(seed)
    out: set[str] = set()
    for stratum in (flagged, [g for g in groups if g not in set(flagged)]):
        out.update(rng.sample(stratum, round(len(stratum) / 5)))
    return frozenset(out)


def report(name: str, judged: list[Judged], before: dict[str, list[object]] | None) -> None:
    lint.table(name, judged, True, by=lambda r: r.source_group)
    fired = [j for j in judged if "SW104" in j.codes]
    hits = sum(j.row.unmeasurable for j in fired)
    measurable = sum(not j.row.unmeasurable for j in judged)
    print(
        f"  SW104 precision {hits}/{len(fired)} = {hits / max(len(fired), 1):.3f}; "
        f"false firings on {len(fired) - hits} of {measurable} measurable KRs"
    )
    if before is not None:
        lint.paired(before, judged)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--errors", action="store_true", help="print the design part's SW104 and output misses"
    )
    parser.add_argument(
        "--output-kinds",
        action="store_true",
        help="count the outputs called outcomes by rough kind, each part",
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
    if args.output_kinds:
        for name, part in (("design", design), ("untouched", untouched)):
            missed = [j.row.text for j in part if j.row.kind == "output" and j.kind == "outcome"]
            tally = {kind: 0 for kind, _ in OUTPUT_KINDS} | {"other (no number)": 0}
            for text in missed:
                low = text.lower()
                kind = next((k for k, p in OUTPUT_KINDS if p.search(low)), "other (no number)")
                tally[kind] += 1
            print(f"{name} part: {len(missed)} outputs called outcomes")
            for kind, n in tally.items():
                print(f"  {n:>3}  {kind}")
        return
    if args.errors:
        for j in design:
            r, fired = j.row, "SW104" in j.codes
            if r.unmeasurable and not fired:
                print(f"MISS104 {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")
            elif fired and not r.unmeasurable:
                print(f"FALSE104 {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")
            elif r.kind == "output" and j.kind == "outcome":
                print(f"MISSOUT {r.source_group:28} {r.text}")
        return
    report("all 111 training organisations (CV by organisation)", cv, before)
    report(f"design part ({len({j.row.source_group for j in design})} organisations)",
           design, before)  # fmt: skip
    report(f"untouched part ({len(held)} organisations, seed {SEED})", untouched, before)


if __name__ == "__main__":
    main()
