"""A `sowhat sync` killed with SIGKILL halfway through leaves the last good state.

A real process, slowed down by SOWHAT_SYNC_STEP_DELAY, is killed once it holds the write
transaction and has had time to write some weeks; the database then dumps exactly as before,
and a new sync succeeds.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.unit.services.review_testing import copy, shared_build

STEP_DELAY = 1.0


def dump(db: Path) -> list[str]:
    con = sqlite3.connect(db)
    try:
        return list(con.iterdump())
    finally:
        con.close()


def writer_active(db: Path) -> bool:
    """Does another connection hold the write lock? (BEGIN IMMEDIATE fails at once.)"""
    con = sqlite3.connect(db, timeout=0, isolation_level=None)
    try:
        con.execute("BEGIN IMMEDIATE")
        con.execute("ROLLBACK")
        return False
    except sqlite3.OperationalError as exc:
        return "locked" in str(exc)
    finally:
        con.close()


def sowhat(*args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    exe = Path(sys.executable).with_name("sowhat")
    return subprocess.Popen([str(exe), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "COLUMNS": "200", **(env or {})})


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL")
def test_a_sync_killed_midway_leaves_the_last_good_state(
    tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root = copy(shared_build(tmp_path_factory.getbasetemp()), tmp_path / "ws")
    db = root / ".sowhat" / "sowhat.db"
    toml = root / "sowhat.toml"  # the pipeline vouches for one more (quiet) week of data
    toml.write_text(toml.read_text("utf-8").replace("complete_through = 2026-11-16",
                                                     "complete_through = 2026-11-23"), "utf-8")
    before = dump(db)
    # A week later: one new week to write and the current one to refresh, 9 steps in all.
    proc = sowhat("sync", "-w", str(root), "--as-of", "2026-11-23",
                  env={"SOWHAT_SYNC_STEP_DELAY": str(STEP_DELAY)})
    deadline = time.monotonic() + 60
    while not writer_active(db):
        assert proc.poll() is None, proc.communicate()
        assert time.monotonic() < deadline, "the sync never started writing"
        time.sleep(0.05)
    time.sleep(STEP_DELAY * 3.5)  # a few weeks computed and written, far from done
    assert proc.poll() is None, "the sync finished before it could be killed"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL

    assert dump(db) == before
    assert not writer_active(db)

    done = subprocess.run(
        [str(Path(sys.executable).with_name("sowhat")), "sync", "-w", str(root), "--as-of",
         "2026-11-23"], capture_output=True, text=True, timeout=300, check=False,
        env={**os.environ, "COLUMNS": "200"})
    assert done.returncode == 0, done.stderr
    assert "check-in values written" in done.stdout
    after = dump(db)
    assert after != before
    con = sqlite3.connect(db)
    try:
        runs = con.execute("SELECT as_of, errors FROM sync_runs ORDER BY id").fetchall()
        week = con.execute("SELECT count(*) FROM check_ins WHERE week = '2026-11-16'").fetchone()
    finally:
        con.close()
    assert [r[0][:10] for r in runs] == ["2026-11-16", "2026-11-23"]
    assert runs[-1][1] == "[]"
    assert week == (3,)  # the three metric KRs got the new week's automatic check-in
