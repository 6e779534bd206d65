"""A small workspace with generated events, synced once, for sync/forecast/review tests.

The events are generated here in plain Python with known rules, so tests can compute the
expected metric values independently of the metric engine:
- every day from EVENTS_FROM, SIGNUPS_PER_DAY accounts sign up (every third one "mid");
- an account creates a project 12 hours after signup with probability 0.40 — 0.65 for mid
  accounts signing up on or after LAUNCH (the "checklist" bet's planted effect);
- TICKETS_BEFORE tickets a day before the period, TICKETS_DURING inside it (a guardrail
  breach: +67% against a +10% limit).
Building takes a few seconds, so a session builds once (`shared_build`) and every test module
copies the result.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sowhat.domain.okr import CheckInSource
from sowhat.metrics.ingest import ingest
from sowhat.services.checkins import record_checkin
from sowhat.services.events import open_events
from sowhat.services.files import apply_workspace
from sowhat.services.sync import SyncReport, sync
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store.db import Database, open_database

EVENTS_FROM = date(2026, 3, 30)
AS_OF = datetime(2026, 11, 16, tzinfo=UTC)  # a Monday: the review week is 2026-11-09
LAUNCH = date(2026, 10, 19)
PERIOD_START = date(2026, 10, 1)
SIGNUPS_PER_DAY = 6
TICKETS_BEFORE = 3
TICKETS_DURING = 5

METRICS = """\
metrics:
  activation:
    type: conversion
    entity: account_id
    from: {event: signup}
    to: {event: project_created}
    within: 2d
  tickets:
    type: count
    event: ticket_opened
  signups:
    type: count
    event: signup
segments:
  mid: {property: plan, in: [mid]}
  small: {property: plan, in: [small]}
"""

OKRS = """\
period: 2026-Q4
objectives:
  - id: first-win
    title: New accounts reach a first project fast
    team: growth
    owner: ana@example.com
    key_results:
      - id: act
        title: Increase 2-day activation of new accounts from 40% to 50%
        metric: activation
        baseline: 0.40
        target: 0.50
      - id: act-mid
        title: Increase 2-day activation of new mid-sized accounts from 40% to 48%
        metric: activation
        segment: mid
        baseline: 0.40
        target: 0.48
        owner: li@example.com
    guardrails:
      - {metric: tickets, max_change: "+10%"}
    bets:
      - id: checklist
        title: Onboarding checklist for mid-sized accounts
        expects: {key_result: act-mid, change: +0.15}
        change_mind_if: Fewer than 30% of mid-sized admins open the checklist
        status: shipped
        shipped_on: 2026-10-19
      - id: tooltips
        title: Tooltips in the project editor
        expects: {key_result: act, change: +0.25}
        change_mind_if: Activation unchanged two weeks after launch
        status: shipped
        shipped_on: 2026-10-19
  - id: self-serve
    title: Customers solve problems without us
    team: support
    owner: sam@example.com
    key_results:
      - id: tickets-total
        title: Keep support tickets this quarter under 400
        metric: tickets
        baseline: 450
        target: 400
      - id: help-centre
        title: Launch the help centre
        output_waiver:
          reason: no baseline yet
          expires: 2026-12-15
"""

CONFIG = """\
[workspace]
name = "Review test"

[teams.growth]
name = "Growth"

[teams.support]
name = "Support"

[events]
# generate() writes every event up to AS_OF: the data is complete through it.
complete_through = 2026-11-16
"""


@dataclass(frozen=True)
class Signup:
    account: str
    at: datetime
    plan: str
    converted_at: datetime | None


def generate(until: date = AS_OF.date(), seed: int = 3) -> tuple[list[dict[str, Any]],
                                                                   list[Signup]]:
    """The events (canonical JSONL rows) and, for reference, every signup and its outcome."""
    rng = random.Random(seed)
    rows: list[dict[str, Any]] = []
    signups: list[Signup] = []
    day = EVENTS_FROM
    n = 0
    while day < until:
        midnight = datetime(day.year, day.month, day.day, tzinfo=UTC)
        for i in range(SIGNUPS_PER_DAY):
            n += 1
            account = f"a{n}"
            plan = "mid" if n % 3 == 0 else "small"
            at = midnight + timedelta(hours=1 + 3 * i)
            p = 0.65 if plan == "mid" and day >= LAUNCH else 0.40
            converted = at + timedelta(hours=12) if rng.random() < p else None
            rows.append(_row("signup", at, account, {"plan": plan}))
            if converted is not None:
                rows.append(_row("project_created", converted, account, {"plan": plan}))
            signups.append(Signup(account, at, plan, converted))
        tickets = TICKETS_DURING if day >= PERIOD_START else TICKETS_BEFORE
        for j in range(tickets):
            rows.append(_row("ticket_opened", midnight + timedelta(hours=2 + 4 * j),
                             f"t{day.isoformat()}-{j}", {}))
        day += timedelta(days=1)
    return rows, signups


def _row(event: str, at: datetime, account: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"event": event, "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "user_id": f"u-{account}", "account_id": account, "properties": props}


def write_events(root: Path, rows: list[dict[str, Any]], name: str = "events.jsonl") -> None:
    path = root / "data" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ingest([path], store=root / ".sowhat" / "events.duckdb")


def build(root: Path, *, owner_checkins: bool = True) -> Path:
    """Write the files, ingest the events, apply, sync as of AS_OF, record owners' notes."""
    (root / "okrs").mkdir(parents=True, exist_ok=True)
    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, encoding="utf-8")
    (root / "metrics.yaml").write_text(METRICS, encoding="utf-8")
    (root / "sowhat.toml").write_text(CONFIG, encoding="utf-8")
    rows, _ = generate()
    write_events(root, rows)
    ws = load_workspace(root)
    with opened(ws) as db:
        with db.transaction() as session:
            apply_workspace(session=session, workspace=ws, actor="test")
        run_sync(ws, db)
        if owner_checkins:
            with db.transaction() as session:
                for week in (date(2026, 10, 26), date(2026, 11, 2), date(2026, 11, 9)):
                    for kr in ("act", "act-mid", "tickets-total", "help-centre"):
                        if kr == "act-mid" and week == date(2026, 11, 9):
                            continue  # li missed last week's check-in
                        record_checkin(
                            session=session, kr_id=kr, period="2026-Q4",
                            value=12.0 if kr == "help-centre" else None,
                            confidence=0.6, note=f"{kr} note {week}", blockers=None,
                            source=CheckInSource.MANUAL, actor="owner", week=week,
                            now=datetime(week.year, week.month, week.day, 15, tzinfo=UTC)
                            + timedelta(days=3))
    return root


def shared_build(base_temp: Path) -> Path:
    """One build per test session, shared by every module and xdist worker (under a file
    lock); callers copy it before use, so no test sees another's writes."""
    import fcntl
    import os

    base = base_temp.parent if os.environ.get("PYTEST_XDIST_WORKER") else base_temp
    root = base / "sowhat-review-ws"
    with (base / "sowhat-review-ws.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (root / ".built").exists():
            if root.exists():
                shutil.rmtree(root)
            build(root)
            (root / ".built").touch()
    return root


def module_copy(factory: Any, name: str) -> Path:
    """A copy of the session's build for one test module (`factory`: tmp_path_factory)."""
    return copy(shared_build(factory.getbasetemp()), factory.mktemp(name) / "ws")


def copy(built: Path, target: Path) -> Path:
    shutil.copytree(built, target)
    return target


@contextmanager
def opened(ws: Workspace) -> Iterator[Database]:
    db = open_database(ws.config.database_url(ws.root), create=True)
    try:
        yield db
    finally:
        db.dispose()


def run_sync(ws: Workspace, db: Database, as_of: datetime = AS_OF,
             actor: str = "sync") -> SyncReport:
    assert ws.metrics is not None
    events = open_events(ws)
    try:
        with db.transaction() as session:
            return sync(session=session, catalog=ws.metrics, events=events, as_of=as_of,
                        actor=actor)
    finally:
        events.close()


class _QuietServer(ThreadingHTTPServer):
    """Joins its handler threads on close and keeps a client's hang-up off stderr.

    A timeout test leaves a handler sleeping after the client gave up; its late write
    raises BrokenPipeError, and socketserver prints that traceback to whatever sys.stderr
    is at the time -- a later CLI test's captured output, which then is not JSON.
    """

    daemon_threads = False
    block_on_close = True

    def handle_error(self, request: object, client_address: object) -> None:
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class Hook:
    """A local webhook endpoint: answers each POST to a path from that path's script."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, Any]]] = []
        self.scripts: dict[str, list[int]] = {}
        self.delay: dict[str, float] = {}
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                hook.received.append((self.path, json.loads(body)))
                time.sleep(hook.delay.get(self.path, 0.0))
                script = hook.scripts.get(self.path, [])
                status = script.pop(0) if script else 200
                self.send_response(status)
                if status == 429:
                    self.send_header("Retry-After", "1")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: object) -> None:
                pass

        self.server = _QuietServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def paths(self) -> list[str]:
        return [p for p, _ in self.received]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
