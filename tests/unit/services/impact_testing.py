"""The demo workspace the impact and bets tests share: files, simulated events, no database.

`create_demo` also applies the OKRs and runs six syncs (about a minute at 200k events), none
of which impact estimates read; the files plus the ingested events are what `sowhat impact`
and `sowhat bets` need, built here in ~10 s at 1M events. 1M (the demo's default size) is
the smallest at which the planted CTR and ticket effects stand clear of the weekly noise
(at 500k both are still found, but with intervals that miss the planted size on seed 7).
The workspace is built once per test session (shared across xdist workers under a file
lock, then an atomic rename) and must be treated as read-only.
"""

from __future__ import annotations

import os
import shutil
from datetime import date
from pathlib import Path

from sowhat.demo.simulator import DEMO_START, DEMO_TODAY, simulate
from sowhat.metrics.ingest import ingest
from sowhat.services.demo.run import write_demo_files

EVENTS = 1_000_000
SEED = 7
AS_OF = date(2026, 11, 16)

# The planted effects (sowhat.demo.sim_model.DEFAULT_EFFECTS), as the KRs measure them.
RECS_POINTS = 0.02  # recommendation_ctr +2 points from 2026-10-26
MACROS_RELATIVE = -0.25  # tickets per session -25% from 2026-10-19
CHECKLIST_POINTS = 0.04  # activation of mid accounts +4 points, signups from 2026-11-02


def demo_workspace(base: Path, *, events: int = EVENTS, seed: int = SEED) -> Path:
    """The demo's files and events under `base`, built once and then reused."""
    import fcntl

    final = base / f"impact-demo-{events}-{seed}"
    # Under a file lock: two workers asking at once wait for one build instead of each
    # simulating a million events (the rename keeps a half-built folder from ever showing).
    with (base / f"impact-demo-{events}-{seed}.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (final / ".sowhat" / "events.duckdb").exists():
            return final
        staging = base / f"impact-demo-{events}-{seed}.{os.getpid()}"
        if staging.exists():
            shutil.rmtree(staging)
        write_demo_files(staging)
        sim = simulate(staging / "data", events=events, seed=seed, start=DEMO_START,
                       end=DEMO_TODAY)
        ingest(list(sim.parquet_files), store=staging / ".sowhat" / "events.duckdb")
        staging.rename(final)
    return final


def shared_base(tmp_path_factory: object) -> Path:
    """A folder all xdist workers of this session see (the per-worker base's parent)."""
    base: Path = tmp_path_factory.getbasetemp()  # type: ignore[attr-defined]
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
