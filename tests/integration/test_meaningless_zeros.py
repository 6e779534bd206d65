"""Zeros nobody measured, found using a fresh workspace as a PM (December 2026):

- a guardrail on support tickets compared the period to date with the same-length window
  before the period — which lay before the first event, so it read 0 and the objective was
  "breached: support_tickets rose from 0 to 83";
- events whose account id sat in `properties.account_id` (not where Segment puts it) loaded
  with no account ids at all: every per-account metric read 0 or nothing, `sowhat tracking
  check` said "ok", and sync stored "0 weekly active teams".
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.cli.common import console, err_console
from tests.integration.test_before_data import (
    BACKFILL,
    BOUND,
    FIRST,
    LATE,
    _checkins,
    _load,
    _rows,
    _series,
    _workspace,
)

runner = CliRunner()

GUARDED = """\
    guardrails:
      - {metric: tickets, max_change: "+10%"}
      - {metric: tickets, max: 1000}
"""


@pytest.fixture(autouse=True)
def _wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(console, "_width", 400)
    monkeypatch.setattr(err_console, "_width", 400)


def _run(*args: str, code: int = 0) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    assert result.exit_code == code, result.output
    return " ".join(result.output.split())


def _guarded(root: Path) -> Path:
    okrs = root / "okrs" / "2026-Q4.yaml"
    text = okrs.read_text("utf-8").replace("    key_results:\n", GUARDED + "    key_results:\n")
    okrs.write_text(text, "utf-8")
    _run("apply", "-w", str(root))
    return root


def test_a_guardrail_whose_comparison_window_is_before_the_data_is_not_judged(
    tmp_path: Path,
) -> None:
    from sowhat.services.guardrails import GuardrailState, objective_health
    from sowhat.services.okrs.views import plan_view
    from sowhat.spec.workspace import load_workspace
    from sowhat.store.db import open_database

    root = _guarded(_workspace(tmp_path / "ws", LATE))
    out = _run("sync", "-w", str(root), "--as-of", BOUND)
    # 2 tickets a day since 4 November against "0" before the period: no breach claimed
    assert "guardrail breached" not in out
    assert ("guardrail not judged grow: tickets cannot be compared yet: the same-length "
            "window before the period") in out
    assert "starts before the first event (Nov 04)" in out
    # the weekly review neither alerts nor says "all guardrails held"
    for fmt in ("text", "markdown"):
        review = _run("review", "weekly", "-w", str(root), "--as-of", BOUND, "--format", fmt)
        assert "not judged" in review
        assert "cannot be compared yet" in review
        assert "all guardrails held" not in review.lower()
    quarter = _run("review", "quarter", "-w", str(root), "--as-of", BOUND)
    assert "guardrails unchecked" in quarter
    assert "not judged: tickets cannot be compared yet" in quarter

    def read() -> tuple[dict[str, Any], GuardrailState]:
        ws = load_workspace(root)
        db = open_database(ws.config.database_url(ws.root), create=False)
        try:
            with db.transaction(write=False) as session:
                plan = plan_view(session=session, period="2026-Q4", catalog=ws.metrics)
                health = objective_health(session=session, period="2026-Q4",
                                          catalog=ws.metrics)
        finally:
            db.dispose()
        views = {("change" if g.guardrail.max_change else "max"): g for g in plan.guardrails}
        return views, health.objectives[0].guardrail_state

    views, state = read()
    # the change bound is not measured (not "holding"); the absolute bound judged the data
    assert views["change"].breached is None
    assert views["change"].baseline is None
    assert "cannot be compared yet" in (views["change"].reason or "")
    assert views["max"].breached is False
    assert state is GuardrailState.UNCHECKED

    # events from 30 August: the window (Aug 06-Sep 30) still starts before them
    _load(root, BACKFILL, "early.jsonl")
    out = _run("sync", "-w", str(root), "--as-of", BOUND)
    assert "starts before the first event (Aug 30)" in out
    # events from July: the comparison is real, and it holds
    _load(root, _rows(datetime(2026, 7, 1, 10, tzinfo=UTC), FIRST - timedelta(hours=1), 3),
          "july.jsonl")
    out = _run("sync", "-w", str(root), "--as-of", BOUND)
    assert "not judged" not in out
    review = _run("review", "weekly", "-w", str(root), "--as-of", BOUND)
    assert "all guardrails held" in review
    views, state = read()
    assert views["change"].breached is False
    assert views["change"].baseline is not None
    assert views["change"].baseline > 0
    assert state is GuardrailState.HELD


def _props_only(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The same events with the account id in the properties, where ingest does not look."""
    out = []
    for r in rows:
        moved = {k: v for k, v in r.items() if k != "account_id"}
        moved["properties"] = {"account_id": r["account_id"]}
        out.append(moved)
    return out


def test_events_without_account_ids_are_called_out_at_ingest_check_and_sync(
    tmp_path: Path,
) -> None:
    root = tmp_path / "ws"
    rows = _props_only(LATE)
    (root / "okrs").mkdir(parents=True)
    from tests.integration.test_before_data import METRICS, OKRS

    weekly_level = OKRS + """\
      - id: runners
        title: Grow the accounts that run a workflow in a week from 10 to 20
        metric: runners
        measure: level
        over: 7d
        baseline: 10
        target: 20
"""
    (root / "okrs" / "2026-Q4.yaml").write_text(weekly_level, "utf-8")
    (root / "metrics.yaml").write_text(
        METRICS + "  runners: {type: unique, entity: account_id, event: workflow_run}\n",
        "utf-8")
    (root / "sowhat.toml").write_text('[workspace]\nname = "B"\n\n[teams.growth]\n'
                                      'name = "Growth"\n', "utf-8")
    path = root / "late.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in rows), "utf-8")
    out = _run("ingest", str(path), "-w", str(root))
    assert (f"warning: none of the {len(rows):,} events of late.jsonl has an account_id"
            in out)
    assert f"property 'account_id' holds one on {len(rows):,} rows" in out
    assert "--map account_id=properties.account_id" in out
    # counts (tickets) need no id: only the per-account metrics are named
    assert "active_weekly, activation, runners, which count accounts" in out

    out = _run("tracking", "check", "-w", str(root), code=1)
    assert "cannot measure active_weekly: none of the" in out
    assert "'workflow_run' events in the data has an account_id" in out
    assert "tickets" not in out.split("cannot be computed")[0].split("cannot measure")[-1]
    assert "3 metrics used by KRs cannot be computed" in out

    _run("apply", "-w", str(root))
    out = _run("sync", "-w", str(root), "--as-of", BOUND)
    assert "cannot measure act: activation: none of the" in out, out
    # a distinct count over a week of events without ids read 0: not stored as a value
    assert "cannot measure runners: runners: none of the" in out
    assert _checkins(root, "runners")
    assert all(v is None for v in _checkins(root, "runners").values())
    assert _series(root, "runners")
    assert all(v is None for v in _series(root, "runners").values())
    now = json.loads(_run("status", "-w", str(root), "--json"))
    kr = next(k for o in now["objectives"] for k in o["key_results"] if k["id"] == "runners")
    assert kr["current"] is None
    assert kr["standing"]["word"] == "no data yet"
    # nothing measured (the ticket count's window starts before the data): the objective
    # has no score, where it read "score 0%"
    grow = next(o for o in now["objectives"] if o["id"] == "grow")
    assert (grow["score"], grow["unmeasured"]) == (None, 4)
    assert "score — (no KR measured yet)" in _run("status", "-w", str(root))
    # incremental and full syncs agree
    _run("sync", "-w", str(root), "--as-of", BOUND, "--full")
    assert all(v is None for v in _checkins(root, "runners").values())

    # the fix the warning gives works
    (root / ".sowhat" / "events.duckdb").unlink()
    out = _run("ingest", str(path), "-w", str(root), "--map",
               "account_id=properties.account_id")
    assert "warning" not in out
    out = _run("tracking", "check", "-w", str(root))
    assert "cannot measure" not in out
    out = _run("sync", "-w", str(root), "--as-of", BOUND)
    assert "cannot measure" not in out
    assert any(v for v in _checkins(root, "runners").values())
    # two KRs measured now; the weekly mean's and the ticket count's windows still start
    # before the data (4 Nov): they count 0, and the score says so
    grow = next(o for o in json.loads(_run("status", "-w", str(root), "--json"))["objectives"]
                if o["id"] == "grow")
    assert [k["id"] for k in grow["key_results"] if k["current"] is None] == [
        "weekly", "tickets-total"]
    assert grow["unmeasured"] == 2
    assert grow["score"] is not None
    assert "(2 of 4 KRs not measured yet, counted as 0)" in _run("status", "-w", str(root))


def test_a_file_with_account_ids_gets_no_warning(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "ws", LATE)  # ingests LATE, which has account ids
    path = root / "again.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in BACKFILL), "utf-8")
    out = _run("ingest", str(path), "-w", str(root))
    assert "warning" not in out


def test_a_plan_without_guardrails_is_not_all_guardrails_held(tmp_path: Path) -> None:
    """'All guardrails held' over a plan that sets none read as a check that passed."""
    root = _workspace(tmp_path / "ws", LATE)
    _run("sync", "-w", str(root), "--as-of", BOUND)
    for fmt in ("text", "markdown"):
        review = _run("review", "weekly", "-w", str(root), "--as-of", BOUND, "--format", fmt)
        assert "all guardrails held" not in review.lower()
        assert "no guardrails set: nothing watches what the KRs could be bought with" in review
    data = json.loads(_run("review", "weekly", "-w", str(root), "--as-of", BOUND,
                           "--format", "json"))
    assert data["guardrails"] == 0

    # a guardrail added after the last sync has not been checked: not "held" either
    _guarded(root)
    review = _run("review", "weekly", "-w", str(root), "--as-of", BOUND)
    assert "all guardrails held" not in review.lower()
    assert "no guardrails set" not in review
    assert "tickets not checked yet: no sync since it was added" in review


def test_a_baseline_typed_under_an_older_definition_is_flagged_until_retyped(
    tmp_path: Path,
) -> None:
    root = _workspace(tmp_path / "ws", LATE)
    assert "definition changed since the baseline" not in _run(
        "sync", "-w", str(root), "--as-of", BOUND)
    metrics = root / "metrics.yaml"
    metrics.write_text(metrics.read_text("utf-8").replace("within: 7d", "within: 2d"), "utf-8")
    out = _run("sync", "-w", str(root), "--as-of", BOUND)
    line = next(x for x in out.split("act ")[1:] if "activation" in x)
    # events begin after the baseline window: the data cannot confirm the typed baseline
    assert "metric definition changed since the baseline was set, and the data cannot " \
        "confirm the typed baseline under the new one: check it still measures the same, " \
        "then `sowhat apply --rebaseline` (or type the new baseline)" in line
    # the other KRs' metrics did not change
    assert out.count("definition changed since the baseline") == 1
    # checked and right: --rebaseline records the new definition, the baseline stays
    assert "definition changed since the baseline" in _run(
        "sync", "-w", str(root), "--as-of", BOUND)
    _run("apply", "-w", str(root), "--rebaseline")
    assert "definition changed since the baseline" not in _run(
        "sync", "-w", str(root), "--as-of", BOUND)
    assert json.loads(_run("status", "-w", str(root), "--json"))["objectives"][0][
        "key_results"][2]["baseline"] == 0.4
    metrics.write_text(metrics.read_text("utf-8").replace("within: 2d", "within: 3d"), "utf-8")
    assert "definition changed since the baseline" in _run(
        "sync", "-w", str(root), "--as-of", BOUND)
    # a re-typed baseline records the definition it was typed under
    okrs = root / "okrs" / "2026-Q4.yaml"
    okrs.write_text(okrs.read_text("utf-8").replace("baseline: 0.4\n", "baseline: 0.3\n"),
                    "utf-8")
    _run("apply", "-w", str(root))
    assert "definition changed since the baseline" not in _run(
        "sync", "-w", str(root), "--as-of", BOUND)


def test_a_typed_baseline_the_data_cannot_reach_is_called_unchecked(tmp_path: Path) -> None:
    """Events from 4 November only: no baseline window (just before 1 October) can be read,
    so lint's SW114 cannot compare the typed baselines with anything — and a baseline typed
    far from the truth showed as 400% progress with no word. Now sync and status say it."""
    root = _workspace(tmp_path / "ws", LATE)
    out = _run("sync", "-w", str(root), "--as-of", BOUND)
    for kr in ("weekly", "tickets-total", "act"):
        assert f"baseline not checked {kr}: the window before the period its baseline is " \
            "measured over starts" in out
    assert "before the first event (2026-11-04): the typed baseline stands unchecked" in out
    status = _run("status", "-w", str(root))
    assert "? baseline 20 not checked against the data: it is measured over Aug 31–Sep 27, " \
        "just before the period, and the events begin later" in status
    weekly = next(k for o in json.loads(_run("status", "-w", str(root), "--json"))["objectives"]
                  for k in o["key_results"] if k["id"] == "weekly")
    assert weekly["baseline_unchecked"] is True
    assert weekly["measured_baseline"] is None
    assert weekly["baseline_window"] is not None

    # events from 30 August reach the weekly KR's four complete weeks before the period:
    # its baseline is measured (and compared); the others' windows still start earlier
    _load(root, BACKFILL, "early.jsonl")
    out = _run("sync", "-w", str(root), "--as-of", BOUND)
    assert "baseline not checked weekly" not in out
    assert "baseline not checked act" in out
    weekly = next(k for o in json.loads(_run("status", "-w", str(root), "--json"))["objectives"]
                  for k in o["key_results"] if k["id"] == "weekly")
    assert weekly["measured_baseline"] is not None
    assert weekly["baseline_unchecked"] is False
    assert "? baseline 20 not checked" not in _run("status", "-w", str(root))


def test_a_vendor_export_without_accounts_names_its_fields_and_the_people_fix(
    tmp_path: Path,
) -> None:
    """A consumer app's PostHog export has no groups: the warning named Segment's fields
    (`groupId`), which a PostHog user never sent, and offered only re-ingesting with a field
    the file does not have; counting people is the fix that fits (`sowhat init`'s starter
    metrics count accounts)."""
    root = tmp_path / "ws"
    (root / "okrs").mkdir(parents=True)
    from tests.integration.test_before_data import METRICS, OKRS

    (root / "okrs" / "2026-Q4.yaml").write_text(OKRS, "utf-8")
    (root / "metrics.yaml").write_text(METRICS, "utf-8")
    (root / "sowhat.toml").write_text('[workspace]\nname = "B"\n\n[teams.growth]\n'
                                      'name = "Growth"\n', "utf-8")
    path = root / "posthog.csv"
    lines = ["uuid,event,properties,timestamp,distinct_id,person_properties"]
    for i, r in enumerate(LATE[:50]):
        props = json.dumps({"$browser": "Safari"}).replace('"', '""')
        lines.append(f'00000000-0000-0000-0000-{i:012d},{r["event"]},"{props}",'
                     f'{r["timestamp"]},{r["user_id"]},{{}}')
    path.write_text("\n".join(lines) + "\n", "utf-8")
    out = _run("ingest", "--from", "posthog", str(path), "-w", str(root))
    assert ("none of the 50 events of posthog.csv has an account_id (read from "
            "properties.$groups.account, properties.$groups.company)") in out
    assert ("or, if people use your product on their own, without accounts, count people: "
            "`entity: user_id` on those metrics in metrics.yaml") in out


def test_a_definition_change_the_data_confirms_the_baseline_under_is_not_flagged(
    tmp_path: Path,
) -> None:
    """With history before the period, sync measures the typed baseline under the new
    definition: where they agree, the change left the starting point as typed and flagging
    it every sync asked the owner to check what the data had already checked."""
    from tests.integration.test_guardrail_windows import AS_OF
    from tests.integration.test_guardrail_windows import _workspace as guarded_ws

    root = guarded_ws(tmp_path / "ws", "      - {metric: tickets, max: 40, over: 7d}\n")
    okrs = root / "okrs" / "2026-Q4.yaml"  # the data measures 50% before the period
    okrs.write_text(okrs.read_text("utf-8").replace("from 40% to 50%", "from 50% to 60%")
                    .replace("baseline: 0.4", "baseline: 0.5").replace("target: 0.5",
                                                                         "target: 0.6"), "utf-8")
    _run("apply", "-w", str(root))
    metrics = root / "metrics.yaml"
    # conversions come 30 hours after signup: 2 days still counts them all
    metrics.write_text(metrics.read_text("utf-8").replace("within: 7d", "within: 2d"), "utf-8")
    out = _run("sync", "-w", str(root), "--as-of", AS_OF)
    assert "definition changed since the baseline" not in out
    # 1 day counts none of them: the data no longer agrees, the change is named
    metrics.write_text(metrics.read_text("utf-8").replace("within: 2d", "within: 1d"), "utf-8")
    out = _run("sync", "-w", str(root), "--as-of", AS_OF)
    assert "metric definition changed since the baseline was set, and under the new one " \
        "the data measures 0% just before the period, not the typed baseline" in out
