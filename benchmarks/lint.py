"""Benchmark: KR coach throughput on one core, and its figures on the held-out split.

Times `classify(text)` (the outcome/output verdict alone) and `lint_text(text)` (verdict plus
every free-text rule and its rewrite) over the shipped labelled KRs (1,283 distinct
sentences, cycled; nothing is cached between calls), pinned to one CPU where the OS allows.
Then prints accuracy, precision and recall on the frozen held-out split — for "output" as
the positive class, for vanity and for unmeasurable — and the machine.

Not run by pytest.   Usage: .venv/bin/python benchmarks/lint.py [--seconds 3]
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable

from sowhat.lint import classify, lint_text
from sowhat.lint.dataset import BinaryScores, evaluate, load_labelled


def pin_one_core() -> str:
    if hasattr(os, "sched_setaffinity"):
        cpu = min(os.sched_getaffinity(0))
        os.sched_setaffinity(0, {cpu})
        return f"pinned to CPU {cpu}"
    return "not pinned (no sched_setaffinity)"


def throughput(fn: Callable[[str], object], texts: list[str], seconds: float) -> float:
    for t in texts[:200]:  # warm caches of the lexicon/model loaders
        fn(t)
    done = 0
    start = time.perf_counter()
    deadline = start + seconds
    while time.perf_counter() < deadline:
        for t in texts:
            fn(t)
        done += len(texts)
    return done / (time.perf_counter() - start)


def pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def line(name: str, s: BinaryScores) -> str:
    return (
        f"  {name:<13} precision {pct(s.precision)}  recall {pct(s.recall)}  "
        f"(positives {s.positives}, predicted {s.predicted}, true positives {s.true_positives})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="time per measurement")
    args = parser.parse_args()

    pinned = pin_one_core()
    rows = load_labelled("train") + load_labelled("heldout")
    texts = [r.text for r in rows]
    print(f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
          f"{os.cpu_count()} CPUs ({pinned}), Python {sys.version.split()[0]}")  # fmt: skip
    print(f"corpus: {len(texts)} distinct KR sentences, cycled for {args.seconds:g} s each")
    print(f"classify():  {throughput(classify, texts, args.seconds):>10,.0f} KRs/s")
    print(f"lint_text(): {throughput(lint_text, texts, args.seconds):>10,.0f} KRs/s")

    held = evaluate(load_labelled("heldout"))
    train = evaluate(load_labelled("train"))
    print(f"held-out split ({held.n} KRs, never tuned on):")
    print(f"  accuracy      {held.accuracy:.3f}")
    print(line("output", held.output))
    print(line("vanity", held.vanity))
    print(line("unmeasurable", held.unmeasurable))
    print(f"train split ({train.n} KRs, in-sample): accuracy {train.accuracy:.3f}")


if __name__ == "__main__":
    main()
