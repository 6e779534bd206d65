"""`GET /api/v1/schedule`: the jobs `sowhat serve` runs from `[schedule]`, with their next run
and the last run's outcome (an empty list when the server schedules nothing)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from sowhat.api.auth import Caller, require_caller
from sowhat.api.http import PROBLEMS
from sowhat.services.schedule.runner import JobStatus, Scheduler

router = APIRouter(tags=["meta"], responses={k: v for k, v in PROBLEMS.items() if k == 401})
Reader = Annotated[Caller, Depends(require_caller)]


class ScheduledJobOut(BaseModel):
    name: str
    schedule: str
    timezone: str
    next_at: datetime
    last_started: datetime | None
    last_finished: datetime | None
    last_ok: bool | None  # null after a run skipped because another sync held the lock
    last_message: str | None
    runs: int


def schedule_status(request: Request) -> tuple[JobStatus, ...]:
    """The running scheduler's jobs, or () when `sowhat serve` runs none."""
    scheduler: Scheduler | None = getattr(request.app.state, "scheduler", None)
    return scheduler.status() if scheduler is not None else ()


@router.get("/schedule", response_model=list[ScheduledJobOut])
def get_schedule(request: Request, caller: Reader) -> list[ScheduledJobOut]:
    return [ScheduledJobOut(name=s.name, schedule=s.schedule, timezone=s.timezone,
                            next_at=s.next_at, last_started=s.last_started,
                            last_finished=s.last_finished, last_ok=s.last_ok,
                            last_message=s.last_message, runs=s.runs)
            for s in schedule_status(request)]  # fmt: skip


def schedule_lines(request: Request) -> list[dict[str, str]]:
    """The jobs as the dashboard shows them, times in the schedule's own time zone."""
    from zoneinfo import ZoneInfo

    out = []
    for s in schedule_status(request):
        tz = ZoneInfo(s.timezone)
        last = "not run yet"
        if s.last_started is not None:
            outcome = {True: "ok", False: "failed", None: "skipped"}[s.last_ok]
            last = f"{s.last_started.astimezone(tz):%d %b %H:%M} ({outcome})"
        out.append({"name": s.name, "schedule": s.schedule, "timezone": s.timezone,
                    "next": f"{s.next_at.astimezone(tz):%d %b %Y %H:%M %Z}", "last": last,
                    "outcome": {True: "ok", False: "failed", None: "skipped"}[s.last_ok]
                    if s.last_started else "none", "message": s.last_message or ""})
    return out
