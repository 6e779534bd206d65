"""Experiment harness (issue 12, sixteenth round): SW103 and SW104 on the cross-validation
over all 166 training organisations, with an untouched part kept out of the error analysis.

The training organisations are cross-validated by organisation exactly as in
`benchmarks/lint.py` (5 folds, `train.group_folds`, every rule on the fold model's verdict).

The untouched part is the union of two draws, both made before this round read any error:
- round fourteen's untouched part (`lint_round14.untouched`: round eleven's fifth of the
  older organisations and round fourteen's fifth of the seventh collection), whose KRs have
  never been printed;
- a fresh fifth of the eighth collection's 31 organisations (`eighth_untouched_groups`: seed
  16, two strata — organisations with a KR labelled unmeasurable or no_baseline, then the
  others — a fifth of each, drawn from the sorted names). Round fifteen scored the collection
  in aggregate and read none of its errors, so its organisations may go either side; a fifth
  of them keeps the new writers, whose SW103 and SW104 misses this round is after, in the
  untouched part. The draw is saved in `benchmarks/results/lint_round16_untouched.json` and
  committed before any error is printed; the script checks it against the live draw.

`--errors` prints the other organisations' misses only (the *design* part): outcomes
labelled no_baseline (and not unmeasurable) with no SW103, SW103 firings on KRs not labelled
no_baseline, KRs labelled unmeasurable with no SW104, and SW104 firings on KRs labelled
measurable. The untouched part's KRs are never printed.

`--cv-before FILE` pairs the figures with a `--save-cv` file from this script on main, on the
same folds, on each part separately (organisations resampled, 2,000 rounds), SW103 and SW104
precision included. `--untouched` adds the untouched part's figures: run it once, at the end.

Not run by pytest. Usage (main venv; about 20 s):
    .venv/bin/python benchmarks/lint_round16.py [--errors] [--cv-before FILE.json]
                                                [--save-cv FILE.json] [--untouched]
    .venv/bin/python benchmarks/lint_round16.py --save-draw   (once, before any error)
"""

from __future__ import annotations

import argparse
import json
import random
import sys
from pathlib import Path

import lint
from lint_round14 import untouched as round14_untouched
from sowhat.lint.dataset import EIGHTH_COLLECTION_FIRST, Judged, LabelledKR, split_public

SEED = 16
DRAW = Path(__file__).with_name("results") / "lint_round16_untouched.json"
RULES = (("SW103", "no_baseline"), ("SW104", "unmeasurable"))


def eighth_untouched_groups(rows: list[LabelledKR], seed: int = SEED) -> frozenset[str]:
    """A fifth of the eighth collection's organisations of each stratum (with a KR labelled
    unmeasurable or no_baseline / the others), drawn by `random.Random(seed)` from the sorted
    names."""
    rows = [r for r in rows if int(r.id[1:]) >= EIGHTH_COLLECTION_FIRST]
    groups = sorted({r.source_group for r in rows})
    flagged = sorted({r.source_group for r in rows if r.unmeasurable or r.no_baseline})
    rng = random.Random(seed)
    out: set[str] = set()
    for stratum in (flagged, [g for g in groups if g not in set(flagged)]):
        out.update(rng.sample(stratum, round(len(stratum) / 5)))
    return frozenset(out)


def untouched(rows: list[LabelledKR]) -> frozenset[str]:
    return round14_untouched(rows) | eighth_untouched_groups(rows)


def missed(j: Judged, code: str, attr: str) -> bool:
    r = j.row
    wanted = r.no_baseline and not r.unmeasurable if code == "SW103" else r.unmeasurable
    return wanted and code not in j.codes


def print_errors(design: list[Judged]) -> None:
    for code, attr in RULES:
        for j in design:
            r, tag = j.row, code[2:]
            if missed(j, code, attr):
                print(f"MISS{tag} {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")
            elif code in j.codes and not getattr(r, attr):
                print(f"FALSE{tag} {j.kind:7} {r.kind:7} {r.source_group:28} {r.text}")


def precision(judged: list[Judged], code: str, attr: str) -> tuple[int, int]:
    fired = [j for j in judged if code in j.codes]
    return sum(bool(getattr(j.row, attr)) for j in fired), len(fired)


def old_judged(before: dict[str, list[object]], after: list[Judged]) -> list[Judged]:
    out = []
    for j in after:
        kind, codes = before[j.row.id]
        assert isinstance(codes, list)
        out.append(Judged(j.row, "outcome" if kind == "outcome" else "output",
                          frozenset(str(c) for c in codes)))  # fmt: skip
    return out


def paired_precision(before: dict[str, list[object]], after: list[Judged], rounds: int = 2000
                     ) -> None:  # fmt: skip
    """SW103 and SW104 precision before/after on the same KRs, with a 95% interval of the
    change from resampling whole organisations (both runs together)."""
    old = old_judged(before, after)
    groups: dict[str, list[int]] = {}
    for i, j in enumerate(after):
        groups.setdefault(j.row.source_group, []).append(i)
    keys = sorted(groups)
    rng = random.Random(12)
    diffs: dict[str, list[float]] = {code: [] for code, _ in RULES}
    for _ in range(rounds):
        idx = [i for _k in keys for i in groups[keys[rng.randrange(len(keys))]]]
        for code, attr in RULES:
            h0, f0 = precision([old[i] for i in idx], code, attr)
            h1, f1 = precision([after[i] for i in idx], code, attr)
            if f0 and f1:
                diffs[code].append(h1 / f1 - h0 / f0)
    for code, attr in RULES:
        h0, f0 = precision(old, code, attr)
        h1, f1 = precision(after, code, attr)
        d = sorted(diffs[code])
        band = f" (95% CI {d[int(0.025 * len(d))]:+.3f} to {d[int(0.975 * len(d)) - 1]:+.3f})"
        gone = sum(code in o.codes and code not in n.codes and not getattr(o.row, attr)
                   for o, n in zip(old, after, strict=True))  # fmt: skip
        new = sum(code not in o.codes and code in n.codes and not getattr(o.row, attr)
                  for o, n in zip(old, after, strict=True))  # fmt: skip
        print(f"  {code} precision {h0}/{f0} = {h0 / max(f0, 1):.3f} -> {h1}/{f1} = "
              f"{h1 / max(f1, 1):.3f}, change {h1 / max(f1, 1) - h0 / max(f0, 1):+.3f}{band}; "
              f"false firings gone {gone}, new {new}")  # fmt: skip


def report(name: str, judged: list[Judged], before: dict[str, list[object]] | None) -> None:
    lint.table(name, judged, True, by=lambda r: r.source_group)
    for code, attr in RULES:
        hits, fired = precision(judged, code, attr)
        print(f"  {code} precision {hits}/{fired} = {hits / max(fired, 1):.3f} (firings on "
              f"KRs labelled {attr})")  # fmt: skip
    if before is not None:
        lint.paired(before, judged)
        paired_precision(before, judged)


def draw_record(public: list[LabelledKR]) -> dict[str, object]:
    held = untouched(public)
    eighth = eighth_untouched_groups(public)
    rows = [r for r in public if r.source_group in held]
    return {
        "what": "round sixteen's untouched part: round fourteen's plus a fifth of the eighth "
                "collection (seed 16), drawn before any error of the round was read",
        "eighth_collection": sorted(eighth),
        "organisations": sorted(held),
        "krs": len(rows),
        "no_baseline": sum(r.no_baseline and not r.unmeasurable for r in rows),
        "unmeasurable": sum(r.unmeasurable for r in rows),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--errors",
        action="store_true",
        help="print the design part's SW103 and SW104 misses (never the other)",
    )
    parser.add_argument(
        "--untouched",
        action="store_true",
        help="also print the untouched part's figures (once, at the end)",
    )
    parser.add_argument("--save-draw", action="store_true", help="save the draw, stop")
    parser.add_argument("--cv-before", type=Path, metavar="JSON")
    parser.add_argument("--save-cv", type=Path, metavar="JSON")
    args = parser.parse_args()
    public = split_public()[0]
    held = untouched(public)
    if args.save_draw:
        if DRAW.exists():
            sys.exit(f"{DRAW} exists: the draw is made once")
        DRAW.write_text(json.dumps(draw_record(public), indent=1) + "\n", "utf-8")
        return
    saved = json.loads(DRAW.read_text("utf-8"))
    assert sorted(held) == saved["organisations"], "the untouched part differs from the draw"
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
