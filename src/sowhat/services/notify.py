"""Outgoing webhooks: guardrail breaches, missed check-ins and bets to reconsider.

Configured in sowhat.toml:

    [[webhooks]]
    url = "https://hooks.slack.com/services/..."
    events = ["guardrail_breached", "checkin_missing", "change_mind"]

The payload is Slack-compatible (`{"text": ..., "blocks": [...]}`); Mattermost, Teams
workflows and most chat tools accept the same shape, and `text` is the plain fallback.

Three steps, so no HTTP call ever runs inside a database transaction (a slow webhook must not
hold the write lock, and a rollback cannot un-send a message):
1. `pending_deliveries` (read): this week's alerts for each webhook that subscribes to them,
   minus those already delivered — an alert's key names its period and week, so the same
   alert goes out at most once a week however often `sowhat sync` or `sowhat notify` runs;
2. `send_deliveries` (no database): POST each with a timeout, retrying network errors, 408,
   429 and 5xx with exponential backoff (429's Retry-After is honoured, capped);
3. `record_deliveries` (write): one row per webhook and alert in `webhook_deliveries` with
   the outcome; failed ones are tried again next time.
Delivery is at-least-once: a crash between 2 and 3, or two notifiers at once, can repeat a
message; nothing is lost. Only a SHA-256 of each URL and its host are stored (Slack URLs
are secrets).
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any
from urllib.parse import urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.words import counted, plural
from sowhat.errors import UserError
from sowhat.services.guardrails import objective_health
from sowhat.services.reviews.signals import (
    BetVerdict,
    change_mind_signals,
    missing_checkins,
    review_week,
)
from sowhat.services.reviews.weekly import guardrail_alerts
from sowhat.spec.config import WebhookSection
from sowhat.spec.metric_defs import MetricsFile
from sowhat.store import repositories
from sowhat.store.db import flush
from sowhat.store.models import PeriodRow
from sowhat.store.review_models import WebhookDeliveryRow

__all__ = [
    "Alert",
    "AlertEvent",
    "DeliveryOutcome",
    "PendingDelivery",
    "RetryPolicy",
    "collect_alerts",
    "pending_deliveries",
    "record_deliveries",
    "send_deliveries",
    "slack_payload",
]


class AlertEvent(StrEnum):
    GUARDRAIL_BREACHED = "guardrail_breached"
    CHECKIN_MISSING = "checkin_missing"
    CHANGE_MIND = "change_mind"


@dataclass(frozen=True)
class Alert:
    event: AlertEvent
    key: str  # unique per alert and week
    period: str
    week: date  # the review week (Monday) the alert belongs to
    title: str
    lines: tuple[str, ...]


@dataclass(frozen=True)
class PendingDelivery:
    url: str
    alert: Alert


@dataclass(frozen=True)
class DeliveryOutcome:
    url: str
    alert: Alert
    delivered: bool
    attempts: int
    response_status: int | None
    error: str | None

    @property
    def host(self) -> str:
        return _host(self.url)


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # in all, the first try included
    base_delay: float = 0.5  # seconds before the first retry; doubles each time
    max_delay: float = 8.0
    timeout: float = 10.0  # per request
    retry_statuses: frozenset[int] = field(
        default_factory=lambda: frozenset({408, 425, 429, 500, 502, 503, 504}))

    def delay(self, retry: int) -> float:
        return float(min(self.max_delay, self.base_delay * 2**retry))


def collect_alerts(
    *, session: Session, period: PeriodRow, as_of: datetime,
    catalog: MetricsFile | None = None,
) -> tuple[Alert, ...]:
    """This week's alerts for one period: breaches (as of the last sync), missing
    check-ins for the last full week, and bets whose KR has not moved."""
    if period.closed_at is not None:
        return ()
    week = review_week(as_of)
    label = period.label
    alerts: list[Alert] = []
    health = objective_health(session=session, period=label, today=as_of.date(),
                              catalog=catalog)
    for g in guardrail_alerts(health):
        subject = f"{g.objective_id}:{g.metric}:{g.segment or ''}"
        seg = f" ({g.segment})" if g.segment else ""
        alerts.append(Alert(
            event=AlertEvent.GUARDRAIL_BREACHED,
            key=f"{AlertEvent.GUARDRAIL_BREACHED}:{label}:{week.isoformat()}:{subject}",
            period=label, week=week,
            title=f"Guardrail breached: {g.metric}{seg} — {g.objective_id} is at risk",
            lines=(g.reason, f"Objective: {g.objective_title}",
                   f"Rule: {g.metric}{seg} {g.rule}. "
                   "Its key results do not count as met while it is breached."),
        ))  # fmt: skip
    missing = missing_checkins(session=session, period=period, week=week)
    if missing:
        by_owner: dict[str, list[str]] = {}
        for m in missing:
            by_owner.setdefault(m.owner or "(no owner)", []).append(m.kr_id)
        alerts.append(Alert(
            event=AlertEvent.CHECKIN_MISSING,
            key=f"{AlertEvent.CHECKIN_MISSING}:{label}:{week.isoformat()}",
            period=label, week=week,
            title=f"{counted(len(missing), 'check-in')} missing for the week of {week.isoformat()}",
            lines=(*(f"{owner}: {', '.join(krs)}" for owner, krs in sorted(by_owner.items())),
                   'Record one with `sowhat checkin KR --confidence 0.6 --note "..."`'),
        ))  # fmt: skip
    for b in change_mind_signals(session=session, period=period, as_of=as_of, catalog=catalog):
        if b.verdict is not BetVerdict.NOT_MOVED:
            continue
        lines = [b.message]
        if b.change_mind_if:
            lines.append(f"Change-mind condition: {b.change_mind_if}")
        alerts.append(Alert(
            event=AlertEvent.CHANGE_MIND,
            key=f"{AlertEvent.CHANGE_MIND}:{label}:{week.isoformat()}:{b.bet_id}",
            period=label, week=week,
            title=f"Bet {b.bet_id} has not moved {b.kr_id}: check your change-mind condition",
            lines=tuple(lines),
        ))  # fmt: skip
    return tuple(alerts)


def pending_deliveries(
    *, session: Session, webhooks: Sequence[WebhookSection], as_of: datetime,
    period: str | None = None, catalog: MetricsFile | None = None,
) -> tuple[PendingDelivery, ...]:
    """Alerts not yet delivered to each webhook subscribed to their event; with the metric
    `catalog`, numbers read in each KR's unit."""
    subscriptions = [(w.url, _events(w)) for w in webhooks]
    if not subscriptions:
        return ()
    periods = _periods(session, period, as_of)
    alerts = [a for p in periods for a in collect_alerts(session=session, period=p,
                                                         as_of=as_of, catalog=catalog)]
    if not alerts:
        return ()
    delivered = {(r[0], r[1]) for r in session.execute(
        select(WebhookDeliveryRow.url_hash, WebhookDeliveryRow.alert_key).where(
            WebhookDeliveryRow.status == "delivered",
            WebhookDeliveryRow.alert_key.in_([a.key for a in alerts]),
        )
    )}
    return tuple(PendingDelivery(url, a) for url, events in subscriptions for a in alerts
                 if a.event in events and (_url_hash(url), a.key) not in delivered)


def send_deliveries(
    pending: Sequence[PendingDelivery], *, workspace: str, policy: RetryPolicy | None = None,
    client: httpx.Client | None = None, sleep: Callable[[float], None] = time.sleep,
) -> tuple[DeliveryOutcome, ...]:
    """POST each pending alert; never raises for a failed delivery (it is an outcome)."""
    policy = policy or RetryPolicy()
    own = client is None
    http = client or httpx.Client(timeout=policy.timeout, follow_redirects=False,
                                  headers={"User-Agent": "sowhat-webhooks"})
    try:
        return tuple(_deliver(http, p, slack_payload(p.alert, workspace), policy, sleep)
                     for p in pending)
    finally:
        if own:
            http.close()


def record_deliveries(
    *, session: Session, outcomes: Sequence[DeliveryOutcome], now: datetime | None = None
) -> None:
    """Log each outcome: one row per (webhook, alert), attempts adding up across runs."""
    now = now or datetime.now(UTC)
    for o in outcomes:
        digest = _url_hash(o.url)
        row = session.scalars(select(WebhookDeliveryRow).where(
            WebhookDeliveryRow.url_hash == digest, WebhookDeliveryRow.alert_key == o.alert.key,
        )).first()
        if row is None:
            row = WebhookDeliveryRow(url_hash=digest, host=o.host, event=str(o.alert.event),
                                     alert_key=o.alert.key, week=o.alert.week, attempts=0,
                                     first_attempt_at=now)
            session.add(row)
        if row.status == "delivered":
            continue  # another notifier got there first
        row.status = "delivered" if o.delivered else "failed"
        row.attempts = (row.attempts or 0) + o.attempts
        row.response_status, row.last_error = o.response_status, o.error
        row.last_attempt_at = now
        row.delivered_at = now if o.delivered else None
    flush(session)


def slack_payload(alert: Alert, workspace: str) -> dict[str, Any]:
    """Slack's incoming-webhook shape: `text` for notifications, `blocks` for the message."""
    body = "\n".join(alert.lines)
    return {
        "text": f"[{workspace}] {alert.title}",
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": alert.title[:150]}},
            {"type": "section", "text": {"type": "mrkdwn", "text": body[:3000]}},
            {"type": "context", "elements": [{
                "type": "mrkdwn",
                "text": f"{workspace} · {alert.period} · week of {alert.week.isoformat()} · "
                        f"{alert.event}",
            }]},
        ],
    }


def _deliver(
    http: httpx.Client, p: PendingDelivery, payload: dict[str, Any], policy: RetryPolicy,
    sleep: Callable[[float], None],
) -> DeliveryOutcome:
    status: int | None = None
    error: str | None = None
    for attempt in range(1, policy.attempts + 1):
        wait = policy.delay(attempt - 1)
        try:
            response = http.post(p.url, json=payload, timeout=policy.timeout)
            status = response.status_code
            if 200 <= status < 300:
                return DeliveryOutcome(p.url, p.alert, True, attempt, status, None)
            error = f"HTTP {status}: {response.text[:200]}"
            if status not in policy.retry_statuses:
                return DeliveryOutcome(p.url, p.alert, False, attempt, status, error)
            wait = max(wait, _retry_after(response, policy.max_delay))
        except httpx.HTTPError as exc:
            status, error = None, f"{type(exc).__name__}: {exc}"
        if attempt < policy.attempts:
            sleep(wait)
    return DeliveryOutcome(p.url, p.alert, False, policy.attempts, status, error)


def _retry_after(response: httpx.Response, cap: float) -> float:
    try:
        return min(cap, max(0.0, float(response.headers.get("Retry-After", "0"))))
    except ValueError:
        return 0.0


def _events(w: WebhookSection) -> frozenset[AlertEvent]:
    scheme = urlsplit(w.url).scheme
    if scheme not in ("http", "https") or not urlsplit(w.url).netloc:
        raise UserError(f"webhook URL for {_host(w.url) or 'a webhook'} is not an http(s) URL",
                        hint="write [[webhooks]] url = \"https://hooks.slack.com/services/...\"")
    known = {e.value for e in AlertEvent}
    unknown = [e for e in w.events if e not in known]
    if unknown:
        raise UserError(f"unknown webhook {plural(len(unknown), 'event')} "
                        f"{', '.join(unknown)} for {_host(w.url)}",
                        hint=f"use any of: {', '.join(sorted(known))}")
    return frozenset(AlertEvent(e) for e in w.events)


def _periods(session: Session, label: str | None, as_of: datetime) -> list[PeriodRow]:
    rows = repositories.all_periods(session)
    if label is not None:
        return [r for r in rows if r.label == label]
    week = review_week(as_of)
    return [r for r in rows if r.closed_at is None and r.start <= as_of.date() and
            week < r.end]


def _url_hash(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest()


def _host(url: str) -> str:
    return urlsplit(url).netloc.rsplit("@", 1)[-1]
