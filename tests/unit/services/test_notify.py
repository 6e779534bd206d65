"""Webhooks against a real HTTP server on 127.0.0.1: payloads, retries with backoff, the
delivery log, and at most one delivery per alert and week."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from review_testing import AS_OF, Hook, copy, module_copy, opened
from sqlalchemy import text

from sowhat.errors import UserError
from sowhat.services.notify import (
    AlertEvent,
    RetryPolicy,
    collect_alerts,
    pending_deliveries,
    record_deliveries,
    send_deliveries,
)
from sowhat.spec.config import WebhookSection
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store import repositories
from sowhat.store.db import Database

ALL = ["guardrail_breached", "checkin_missing", "change_mind"]


@pytest.fixture
def hook() -> Iterator[Hook]:
    server = Hook()
    yield server
    server.close()


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return module_copy(tmp_path_factory, "notify")


@pytest.fixture
def db(built: Path, tmp_path: Path) -> Iterator[Database]:
    ws: Workspace = load_workspace(copy(built, tmp_path / "ws"))
    with opened(ws) as database:
        yield database


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


FAST = RetryPolicy(attempts=4, base_delay=0.5, max_delay=8.0, timeout=2.0)


def notify(db: Database, webhooks: list[WebhookSection], *, sleeps: Sleeps | None = None,
           policy: RetryPolicy = FAST, as_of: datetime = AS_OF) -> list[Any]:
    """The three steps as the CLI runs them: read, send outside any transaction, record."""
    with db.transaction(write=False) as session:
        pending = pending_deliveries(session=session, webhooks=webhooks, as_of=as_of)
    outcomes = send_deliveries(pending, workspace="Review test", policy=policy,
                               sleep=sleeps or Sleeps())
    with db.transaction() as session:
        record_deliveries(session=session, outcomes=outcomes,
                          now=datetime(2026, 11, 16, 8, tzinfo=UTC))
    return list(outcomes)


def deliveries(db: Database) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(
            "SELECT event, status, attempts, response_status, host, url_hash, week "
            "FROM webhook_deliveries ORDER BY id"))]


def test_alerts_of_the_week(db: Database) -> None:
    with db.transaction(write=False) as session:
        period = repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"]
        alerts = collect_alerts(session=session, period=period, as_of=AS_OF)
    assert [(a.event, a.key) for a in alerts] == [
        (AlertEvent.GUARDRAIL_BREACHED, "guardrail_breached:2026-Q4:2026-11-09:first-win:tickets:"),
        (AlertEvent.CHECKIN_MISSING, "checkin_missing:2026-Q4:2026-11-09"),
        (AlertEvent.CHANGE_MIND, "change_mind:2026-Q4:2026-11-09:tooltips"),
    ]
    assert all(a.week == date(2026, 11, 9) for a in alerts)
    assert alerts[1].lines[0] == "li@example.com: act-mid"
    assert "Activation unchanged two weeks after launch" in alerts[2].lines[1]


def test_slack_payloads_are_delivered_once_per_alert_and_week(db: Database, hook: Hook) -> None:
    hooks = [WebhookSection(url=hook.url("/slack"), events=ALL),
             WebhookSection(url=hook.url("/ops"), events=["guardrail_breached"])]
    outcomes = notify(db, hooks)
    assert [o.delivered for o in outcomes] == [True] * 4
    assert sorted(hook.paths()) == ["/ops", "/slack", "/slack", "/slack"]
    payload = next(body for path, body in hook.received if path == "/ops")
    assert payload["text"].startswith("[Review test] Guardrail breached: tickets")
    assert [b["type"] for b in payload["blocks"]] == ["header", "section", "context"]
    reason = ("tickets rose from 138 over the same days before the period (Aug 16–Sep 30) "
              "to 230 over the period to date (Oct 01–Nov 15) (+66.7%), more than the "
              "allowed +10%")
    assert reason in payload["blocks"][1]["text"]["text"]
    assert "Rule: tickets must not rise more than 10%." in payload["blocks"][1]["text"]["text"]
    assert "week of 2026-11-09" in payload["blocks"][2]["elements"][0]["text"]
    rows = deliveries(db)
    assert {r[1] for r in rows} == {"delivered"}
    assert all(r[4] == f"127.0.0.1:{hook.server.server_address[1]}" for r in rows)
    assert all("slack" not in str(r) for r in rows)  # the URL itself is never stored
    # Same week, again: nothing new. The next week, the alerts go out again.
    assert notify(db, hooks) == []
    assert len(hook.received) == 4
    later = notify(db, hooks, as_of=datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert len(later) >= 2
    assert len(deliveries(db)) == 4 + len(later)


def test_a_server_failing_twice_then_succeeding_gets_it_on_the_third_try(
    db: Database, hook: Hook
) -> None:
    hook.scripts["/flaky"] = [500, 503]
    sleeps = Sleeps()
    outcomes = notify(db, [WebhookSection(url=hook.url("/flaky"),
                                          events=["guardrail_breached"])], sleeps=sleeps)
    assert [(o.delivered, o.attempts, o.response_status) for o in outcomes] == [(True, 3, 200)]
    assert sleeps.calls == [0.5, 1.0]  # exponential backoff
    assert len(hook.received) == 3
    assert hook.received[0][1] == hook.received[2][1]  # the same message each time
    assert [r[:4] for r in deliveries(db)] == [("guardrail_breached", "delivered", 3, 200)]


def test_a_failed_delivery_is_logged_and_retried_on_the_next_run(db: Database,
                                                                   hook: Hook) -> None:
    hook.scripts["/down"] = [502, 502, 502, 502]
    sleeps = Sleeps()
    hooks = [WebhookSection(url=hook.url("/down"), events=["checkin_missing"])]
    (failed,) = notify(db, hooks, sleeps=sleeps)
    assert (failed.delivered, failed.attempts, failed.response_status) == (False, 4, 502)
    assert failed.error is not None
    assert failed.error.startswith("HTTP 502")
    assert sleeps.calls == [0.5, 1.0, 2.0]
    assert [r[:4] for r in deliveries(db)] == [("checkin_missing", "failed", 4, 502)]
    (again,) = notify(db, hooks)  # the server is back
    assert again.delivered
    assert [r[:4] for r in deliveries(db)] == [("checkin_missing", "delivered", 5, 200)]


def test_client_errors_are_not_retried_and_429_waits_as_told(db: Database, hook: Hook) -> None:
    hook.scripts["/gone"] = [404]
    hook.scripts["/busy"] = [429]
    sleeps = Sleeps()
    outcomes = notify(db, [WebhookSection(url=hook.url("/gone"), events=["change_mind"]),
                           WebhookSection(url=hook.url("/busy"), events=["change_mind"])],
                      sleeps=sleeps)
    assert [(o.delivered, o.attempts, o.response_status) for o in outcomes] == [
        (False, 1, 404), (True, 2, 200)]
    assert sleeps.calls == [1.0]  # Retry-After: 1 beats the first 0.5 s backoff


def test_timeouts_and_refused_connections_are_retried(db: Database, hook: Hook) -> None:
    hook.delay["/slow"] = 0.6
    policy = RetryPolicy(attempts=2, base_delay=0.01, timeout=0.2)
    with socket_that_refuses() as refused:
        outcomes = notify(db, [WebhookSection(url=hook.url("/slow"), events=["change_mind"]),
                               WebhookSection(url=refused, events=["change_mind"])],
                          policy=policy)
    assert [(o.delivered, o.attempts) for o in outcomes] == [(False, 2), (False, 2)]
    assert outcomes[0].error is not None
    assert "Timeout" in outcomes[0].error
    assert outcomes[1].error is not None
    assert "ConnectError" in outcomes[1].error


def test_a_hung_up_request_leaves_nothing_on_stderr_after_the_hook_closes(
        capfd: pytest.CaptureFixture[str]) -> None:
    """The timeout test's slow handler used to print a BrokenPipeError traceback into
    whichever test ran next (a CLI test's JSON output, which then did not parse)."""
    import httpx

    server = Hook()
    server.delay["/slow"] = 0.4
    with pytest.raises(httpx.ReadTimeout):
        httpx.post(server.url("/slow"), json={}, timeout=0.05)
    server.close()  # waits for the handler
    time.sleep(0.5)  # past the handler's late write, had close() not waited
    assert capfd.readouterr().err == ""


def test_bad_webhook_settings_are_user_errors(db: Database) -> None:
    with db.transaction(write=False) as session:
        with pytest.raises(UserError, match="unknown webhook event"):
            pending_deliveries(session=session, as_of=AS_OF, webhooks=[
                WebhookSection(url="https://hooks.example.com/x", events=["breach"])])
        with pytest.raises(UserError, match="not an http"):
            pending_deliveries(session=session, as_of=AS_OF, webhooks=[
                WebhookSection(url="ftp://hooks.example.com/x", events=ALL)])
        assert pending_deliveries(session=session, webhooks=[], as_of=AS_OF) == ()


class socket_that_refuses:  # noqa: N801 - reads as a phrase
    """A local address with nothing listening (bound, then closed)."""

    def __enter__(self) -> str:
        import socket

        s = socket.socket()
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        s.close()
        return f"http://127.0.0.1:{port}/hook"

    def __exit__(self, *exc: object) -> None:
        pass
