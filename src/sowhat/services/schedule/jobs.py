"""The jobs a schedule runs: a sync (then its notifications, as `sowhat sync` sends them) and
notifications on their own. Each returns one line for the log and the web's "last run"."""

from __future__ import annotations

from datetime import UTC, datetime

from sowhat.domain.words import counted
from sowhat.errors import UserError
from sowhat.services.events import event_source_spec, open_events
from sowhat.services.notify import (
    DeliveryOutcome,
    pending_deliveries,
    record_deliveries,
    send_deliveries,
)
from sowhat.services.schedule.lock import sync_lock
from sowhat.services.sync import resolve_as_of, sync
from sowhat.spec.workspace import Workspace
from sowhat.store.db import Database

__all__ = ["run_notifications", "scheduled_notify", "scheduled_sync"]

SCHEDULER_ACTOR = "schedule"


def run_notifications(
    *, db: Database, ws: Workspace, as_of: datetime, period: str | None = None,
    dry_run: bool = False,
) -> tuple[int, tuple[DeliveryOutcome, ...]]:
    """Read what is pending, send it outside any transaction, then log the outcomes.

    Shared by `sowhat notify`, `sowhat sync` (after its commit) and the scheduler. Returns
    (pending count, outcomes); a dry run sends nothing.
    """
    with db.transaction(write=False) as session:
        pending = pending_deliveries(session=session, webhooks=ws.config.webhooks,
                                     as_of=as_of, period=period, catalog=ws.metrics)  # fmt: skip
    if dry_run or not pending:
        return len(pending), ()
    outcomes = send_deliveries(pending, workspace=ws.config.workspace.name)
    with db.transaction() as session:
        record_deliveries(session=session, outcomes=outcomes)
    return len(pending), outcomes


def scheduled_sync(*, ws: Workspace, db: Database, now: datetime | None = None) -> str:
    """Sync the open period as of now (clipped to the data's watermark), then notify.

    Takes the workspace's sync lock without waiting: when a cron-run sync holds it, this run
    is skipped (SyncRunning) and the next one tries again."""
    if ws.metrics is None:
        raise UserError("no metrics.yaml in the workspace", hint="define metrics first")
    with sync_lock(ws.root, db=db, holder="sowhat serve (schedule)"):
        events = open_events(ws)
        try:
            clock = resolve_as_of(events=events, spec=event_source_spec(ws), requested=None,
                                  now=now or datetime.now(UTC))  # fmt: skip
            with db.transaction() as session:
                report = sync(session=session, catalog=ws.metrics, events=events,
                              as_of=clock.effective, actor=SCHEDULER_ACTOR,
                              data_through=clock.data_through)  # fmt: skip
        finally:
            events.close()
    line = (f"synced {report.period} as of {report.as_of:%Y-%m-%d %H:%M} UTC: "
            f"{len(report.key_results)} key results, "
            f"{counted(report.checkins_written, 'check-in value')} written")  # fmt: skip
    if report.errors:
        line += f"; {counted(len(report.errors), 'error')}: " + "; ".join(report.errors[:3])
    if ws.config.webhooks:
        line += "; " + _notify_line(db, ws, report.as_of, report.period)
    if report.errors:
        raise UserError(line)
    return line


def scheduled_notify(*, ws: Workspace, db: Database, now: datetime | None = None) -> str:
    if not ws.config.webhooks:
        return "no [[webhooks]] configured: nothing to send"
    return _notify_line(db, ws, now or datetime.now(UTC), None)


def _notify_line(db: Database, ws: Workspace, as_of: datetime, period: str | None) -> str:
    pending, outcomes = run_notifications(db=db, ws=ws, as_of=as_of, period=period)
    failed = sum(1 for o in outcomes if not o.delivered)
    return f"{counted(pending, 'alert')} pending, {len(outcomes) - failed} sent, {failed} failed"
