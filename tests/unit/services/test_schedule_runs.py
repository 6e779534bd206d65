"""Scheduled runs: the sync lock against another real process, `sowhat sync`'s exit code
while it is held, `[schedule]` validation, and `sowhat serve`'s scheduler running a sync.

The scheduler is driven by a clock the test owns: moving it past the next run makes the job
due; the test then waits for the run to be recorded (a bound against hanging, not a timing
assertion)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from sowhat.api.app import create_app
from sowhat.api.settings import ServerSettings
from sowhat.errors import SpecError
from sowhat.services.accounts import ensure_user
from sowhat.services.schedule.lock import SYNC_BUSY_EXIT, SyncRunning, lock_path, sync_lock
from sowhat.services.schedule.runner import Scheduler
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database
from sowhat.store.sync_models import SyncRunRow

SOWHAT = str(Path(sys.executable).with_name("sowhat"))
HOLDER = textwrap.dedent("""
    import sys
    from pathlib import Path
    from sowhat.services.schedule.lock import sync_lock
    with sync_lock(Path(sys.argv[1]), holder="test holder"):
        print("held", flush=True)
        sys.stdin.readline()
    print("released", flush=True)
""")


@contextmanager
def held_elsewhere(root: Path) -> Iterator[subprocess.Popen[str]]:
    """Another process holding the workspace's sync lock until the block ends."""
    proc = subprocess.Popen([sys.executable, "-c", HOLDER, str(root)], stdin=subprocess.PIPE,
                            stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    assert proc.stdin is not None
    try:
        assert proc.stdout.readline().strip() == "held"
        yield proc
    finally:
        if proc.poll() is None:
            proc.stdin.write("\n")
            proc.stdin.flush()
            assert proc.stdout.readline().strip() == "released"
        proc.wait(timeout=60)


def test_the_lock_holds_against_another_process(tmp_path: Path) -> None:
    with held_elsewhere(tmp_path) as holder:
        with pytest.raises(SyncRunning, match=rf"test holder, pid {holder.pid}") as caught, \
                sync_lock(tmp_path):
            pass
        assert caught.value.exit_code == SYNC_BUSY_EXIT == 75
        assert str(lock_path(tmp_path)) in caught.value.render()
    # released by the other process: now it is ours, and ours only
    with sync_lock(tmp_path, holder="this test"):
        assert "this test" in lock_path(tmp_path).read_text()
        # a second open file in the same process is refused too
        with pytest.raises(SyncRunning), sync_lock(tmp_path):
            pass


def test_the_lock_dies_with_its_holder(tmp_path: Path) -> None:
    with held_elsewhere(tmp_path) as holder:
        holder.kill()
        holder.wait(timeout=60)
        with sync_lock(tmp_path):  # the kernel released it: no stale lock after a crash
            pass


def test_cli_sync_exits_75_while_another_sync_runs_and_waits_with_wait(
        demo_copy: Path) -> None:  # fmt: skip
    with held_elsewhere(demo_copy):
        busy = subprocess.run([SOWHAT, "sync", "-w", str(demo_copy), "--no-notify"],
                              capture_output=True, text=True, timeout=600)  # fmt: skip
        assert busy.returncode == 75, busy.stdout + busy.stderr
        assert "another sync is running in this workspace" in busy.stderr
        assert "--wait" in busy.stderr
        waiting = subprocess.Popen([SOWHAT, "sync", "-w", str(demo_copy), "--no-notify",
                                    "--wait", "600", "--json"], stdout=subprocess.PIPE,
                                   stderr=subprocess.PIPE, text=True)  # fmt: skip
    out, err = waiting.communicate(timeout=600)
    assert waiting.returncode == 0, out + err
    assert '"period": "2026-Q4"' in out


def test_bad_schedule_names_file_line_and_fix(write_workspace) -> None:  # type: ignore[no-untyped-def]
    from tests.samples import CONFIG

    root = write_workspace(config=CONFIG + '\n[schedule]\ntimezone = "UTC"\nsync = "daily 6am"\n')
    line = (root / "sowhat.toml").read_text().splitlines().index('sync = "daily 6am"') + 1
    with pytest.raises(SpecError) as caught:
        load_workspace(root)
    text = caught.value.render()
    assert f"sowhat.toml:{line}:" in text
    assert "not a time of day" in text
    assert "HH:MM" in text
    validate = subprocess.run([SOWHAT, "validate", "-w", str(root)], capture_output=True,
                              text=True, timeout=300)  # fmt: skip
    assert validate.returncode != 0
    assert f"sowhat.toml:{line}" in validate.stdout + validate.stderr
    root2 = write_workspace(config=CONFIG + '\n[schedule]\ntimezone = "Mars/Base"\n',
                            name="ws2")  # fmt: skip
    with pytest.raises(SpecError, match="IANA"):
        load_workspace(root2)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def wait_for_runs(scheduler: Scheduler, name: str, runs: int) -> None:
    def done() -> bool:
        return any(s.name == name and s.runs >= runs for s in scheduler.status())

    with scheduler.finished:
        assert scheduler.finished.wait_for(done, timeout=600), scheduler.status()


def test_serve_runs_the_scheduled_sync_and_survives_a_skipped_run(demo_copy: Path) -> None:
    config = demo_copy / "sowhat.toml"
    config.write_text(config.read_text() + '\n[schedule]\ntimezone = "Europe/Berlin"\n'
                      'sync = "daily 06:00"\n')  # fmt: skip
    ws = load_workspace(demo_copy)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction() as session:
        ensure_user(session=session, email="ops@example.com", password="long-password-1",
                    is_admin=True, editor_teams=(), actor="test")
    db.dispose()
    clock = Clock(datetime(2026, 11, 16, 12, tzinfo=UTC))
    app = create_app(ServerSettings(workspace=demo_copy, schedule=True), schedule_clock=clock,
                     schedule_max_sleep=0.05)  # fmt: skip
    scheduler: Scheduler = app.state.scheduler
    # 06:00 in Berlin in November is 05:00 UTC
    assert [s.next_at for s in scheduler.status()] == [datetime(2026, 11, 17, 5, tzinfo=UTC)]
    with TestClient(app) as client:
        _login(client, "ops@example.com", "long-password-1")
        page = client.get("/").text
        assert "Scheduled sync" in page
        assert "17 Nov 2026 06:00 CET" in page
        assert "not run yet" in page
        # due while a cron-run sync holds the lock: skipped, logged, the server carries on
        with held_elsewhere(demo_copy):
            clock.now = datetime(2026, 11, 17, 5, 0, 30, tzinfo=UTC)
            wait_for_runs(scheduler, "sync", 1)
        (skipped,) = scheduler.status()
        assert skipped.last_ok is None
        assert "another sync is running" in (skipped.last_message or "")
        assert skipped.next_at == datetime(2026, 11, 18, 5, tzinfo=UTC)
        assert client.get("/api/v1/health").status_code == 200
        assert 'data-outcome="skipped"' in client.get("/").text
        # the next day the lock is free: the sync runs and is recorded as the scheduler's
        clock.now = datetime(2026, 11, 18, 5, 1, tzinfo=UTC)
        wait_for_runs(scheduler, "sync", 2)
        (ran,) = scheduler.status()
        assert ran.last_ok is True, ran.last_message
        assert ran.last_message
        assert ran.last_message.startswith("synced 2026-Q4")
        api = client.get("/api/v1/schedule").json()
        assert api[0]["name"] == "sync"
        assert api[0]["last_ok"] is True
        assert api[0]["runs"] == 2
        assert api[0]["next_at"].startswith("2026-11-19T05:00")
        assert 'data-outcome="ok"' in client.get("/").text
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction(write=False) as session:
        actors = list(session.scalars(select(SyncRunRow.actor)))
    db.dispose()
    assert actors.count("schedule") == 1


def _login(client: TestClient, email: str, password: str) -> None:
    page = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, page.text
    response = client.post("/login", data={"email": email, "password": password,
                                           "csrf_token": token[1], "next": "/"},
                           follow_redirects=False)  # fmt: skip
    assert response.status_code == 303, response.text
