"""The scheduler `sowhat serve` runs beside the web app: one background thread that sleeps
until the next job is due, runs it, logs the outcome and carries on.

A failing job (bad events, a database error, a sync already running elsewhere) is logged and
recorded as the job's last run; it never stops the thread or the server. The clock and the
longest sleep are parameters, so tests drive the scheduler with a clock of their own instead
of waiting for wall-clock time.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sowhat.domain.schedule import Schedule, next_run, parse_schedule, parse_timezone
from sowhat.errors import UserError
from sowhat.services.schedule.lock import SyncRunning
from sowhat.spec.workspace import Workspace
from sowhat.store.db import Database

__all__ = ["Job", "JobStatus", "Scheduler", "scheduler_for"]

log = logging.getLogger("sowhat.schedule")
Clock = Callable[[], datetime]
Action = Callable[[datetime], str]


@dataclass(frozen=True)
class Job:
    name: str  # sync | notify
    schedule: Schedule
    action: Action  # runs the job as of the given moment; returns a one-line summary


@dataclass(frozen=True)
class JobStatus:
    """What the web shows for one job: its schedule, next run and the last run's outcome."""

    name: str
    schedule: str
    timezone: str
    next_at: datetime
    last_started: datetime | None = None
    last_finished: datetime | None = None
    last_ok: bool | None = None  # None: skipped because a sync was already running
    last_message: str | None = None
    runs: int = 0


class Scheduler:
    def __init__(self, jobs: list[Job], tz: ZoneInfo, *, clock: Clock | None = None,
                 max_sleep: float = 30.0) -> None:  # fmt: skip
        self.jobs = {j.name: j for j in jobs}
        self.tz = tz
        self.clock = clock or (lambda: datetime.now(UTC))
        self.max_sleep = max_sleep
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.finished = threading.Condition()  # notified after every run (tests wait on it)
        start = self.clock()
        self._status = {j.name: JobStatus(j.name, j.schedule.text, str(tz),
                                          next_run(j.schedule, start, tz)) for j in jobs}

    def status(self) -> tuple[JobStatus, ...]:
        with self._lock:
            return tuple(self._status.values())

    def tick(self) -> list[str]:
        """Run every job that is due now; return the names run (in schedule order)."""
        ran = []
        for name, job in self.jobs.items():
            now = self.clock()
            with self._lock:
                due = self._status[name].next_at <= now
            if due:
                self._run(job, now)
                ran.append(name)
        return ran

    def _run(self, job: Job, now: datetime) -> None:
        started = self.clock()
        ok: bool | None
        try:
            message = job.action(now)
            ok = True
            log.info("scheduled %s: %s", job.name, message)
        except SyncRunning as exc:
            ok, message = None, f"skipped: {exc.render()}"
            log.warning("scheduled %s %s", job.name, message)
        except UserError as exc:
            ok, message = False, exc.render()
            log.error("scheduled %s failed: %s", job.name, message)
        except Exception as exc:  # a bug or an outage must not stop the schedule
            ok, message = False, f"{type(exc).__name__}: {exc}"
            log.exception("scheduled %s failed", job.name)
        finished = self.clock()
        with self._lock:
            old = self._status[job.name]
            # the next run after this one's due time *and* after it finished: a run that
            # overran its slot is not repeated at once
            upcoming = next_run(job.schedule, max(finished, old.next_at), self.tz)
            self._status[job.name] = replace(old, next_at=upcoming, last_started=started,
                                             last_finished=finished, last_ok=ok,
                                             last_message=message, runs=old.runs + 1)
        with self.finished:
            self.finished.notify_all()

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._loop, name="sowhat-schedule",
                                            daemon=True)  # fmt: skip
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=60)

    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:  # never let the thread die
                log.exception("scheduler tick failed")
            with self._lock:
                soonest = min(s.next_at for s in self._status.values())
            wait = (soonest - self.clock()).total_seconds()
            self._stop.wait(min(max(wait, 0.0), self.max_sleep))


def scheduler_for(ws: Workspace, db: Database, *, clock: Clock | None = None,
                  max_sleep: float = 30.0) -> Scheduler | None:  # fmt: skip
    """The scheduler `[schedule]` asks for, or None when it schedules nothing."""
    # here, not at the top: the sync's engine imports are heavy, and a server without a
    # schedule should not pay for them at start-up
    from sowhat.services.schedule.jobs import scheduled_notify, scheduled_sync

    section = ws.config.schedule
    jobs = []
    if section.sync:
        jobs.append(Job("sync", parse_schedule(section.sync),
                        lambda now: scheduled_sync(ws=ws, db=db, now=now)))
    if section.notify:
        jobs.append(Job("notify", parse_schedule(section.notify),
                        lambda now: scheduled_notify(ws=ws, db=db, now=now)))
    if not jobs:
        return None
    return Scheduler(jobs, parse_timezone(section.timezone), clock=clock, max_sleep=max_sleep)
