"""Reading a workspace's YAML: the libyaml fast path against ruamel's round-trip loader.

    .venv/bin/python benchmarks/spec_read.py                          # 5,000 KRs, in-process
    .venv/bin/python benchmarks/spec_read.py --krs 500 --objectives 100
    .venv/bin/python benchmarks/spec_read.py --baseline-src /tmp/base/src   # + farm-bench

Writes the demo's files, grows its plan to N objectives and KRs with the generator of
`sowhat.services.demo.scale` (text only: no database, no events), then:
- in-process CPU of parsing the plan file both ways (`spec.yaml_fast.fast_load` and ruamel's
  round-trip loader), medians of `--runs`, and of `load_workspace` (parse, validate, build);
- with `--baseline-src` (a checkout from before the fast path), `farm-bench` times
  `sowhat validate` on that workspace as whole processes, this checkout (A) against the
  baseline (B), A B A B …
Prints the machine first.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

from machine import describe

VENV = Path(sys.executable).parent


def build(root: Path, objectives: int, krs: int) -> Path:
    """The demo's files with its plan grown to these totals; returns the plan file."""
    from sowhat.services.demo.run import write_demo_files
    from sowhat.services.demo.scale import PERIOD, grow_plan_files

    root.mkdir(parents=True, exist_ok=True)
    write_demo_files(root)
    grow_plan_files(root=root, objectives=objectives, key_results=krs, teams=100, owners=400)
    return root / "okrs" / f"{PERIOD}.yaml"


def cpu(f: object, runs: int) -> float:
    spent = []
    for _ in range(runs):
        t = time.process_time()
        f()  # type: ignore[operator]
        spent.append(time.process_time() - t)
    return statistics.median(spent)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--objectives", type=int, default=1000)
    parser.add_argument("--krs", type=int, default=5000)
    parser.add_argument("--work", type=Path, default=Path("/tmp/sowhat-spec-read"))
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--baseline-src", type=Path, default=None)
    args = parser.parse_args()

    import io

    from sowhat.spec.workspace import load_workspace
    from sowhat.spec.yaml_fast import fast_load
    from sowhat.spec.yamlio import round_trip_yaml

    print(describe())
    plan = build(args.work, args.objectives, args.krs)
    text = plan.read_text("utf-8")
    print(f"plan: {args.objectives:,} objectives, {args.krs:,} key results, "
          f"{len(text) / 1e6:.2f} MB")
    assert fast_load(text) is not None, "the plan left the fast path: nothing to compare"
    fast = cpu(lambda: fast_load(text), args.runs)
    slow = cpu(lambda: round_trip_yaml().load(io.StringIO(text)), max(1, args.runs // 2))
    print(f"parse, in-process CPU median: fast path {fast:.3f} s, ruamel round-trip "
          f"{slow:.3f} s, ratio {fast / slow:.3f}")
    whole = cpu(lambda: load_workspace(args.work), args.runs)
    print(f"load_workspace (parse, validate, build), in-process CPU median: {whole:.3f} s")
    if args.baseline_src is not None:
        sowhat = str(VENV / "sowhat")
        here = str(Path(__file__).resolve().parents[1] / "src")
        cmd = ["farm-bench", "-n", str(args.runs), "--timeout", "900",
               "--vs", f"env PYTHONPATH={args.baseline_src} {sowhat} validate -w {args.work}",
               "--", "env", f"PYTHONPATH={here}", sowhat, "validate", "-w", str(args.work)]
        print("farm-bench: A = this checkout, B = the baseline, `sowhat validate`")
        subprocess.run(cmd, check=False)


if __name__ == "__main__":
    main()
