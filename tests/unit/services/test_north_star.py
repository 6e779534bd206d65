"""The dashboard's North Star series ends where the data's watermark ends, as every other
number does: a week complete by `complete_through` is shown, a week the data only half
covers is not."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sowhat.domain.period import Period
from sowhat.metrics.ingest import ingest
from sowhat.services.series.north_star import north_star_series
from sowhat.spec.workspace import load_workspace
from tests.conftest import WriteWorkspace
from tests.samples import CONFIG, METRICS

Q4 = Period.parse("2026-Q4")


def _events(root: Path, last: datetime) -> None:
    """Three accounts run a workflow every day from Oct 1 until `last`."""
    rows, day = [], datetime(2026, 10, 1, 12, tzinfo=UTC)
    while day <= last:
        rows += [{"event": "workflow_run", "timestamp": day.isoformat(), "account_id": f"a{i}",
                  "user_id": f"u{i}"} for i in range(3)]
        day += timedelta(days=1)
    data = root / "events.jsonl"
    data.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    ingest([data], store=root / ".sowhat" / "events.duckdb")


def _weeks(root: Path) -> list[date]:
    ws = load_workspace(root)
    series = north_star_series(workspace=ws, metric="weekly_active_teams", period=Q4,
                               today=date(2026, 12, 20))
    return [w.week for w in series]


def test_a_week_complete_by_the_watermark_is_in_the_series(
        write_workspace: WriteWorkspace) -> None:
    # the last event is Sunday Nov 15 at noon; the data is vouched complete through Monday
    root = write_workspace(metrics=METRICS, config=CONFIG + "\n[events]\n"
                           "complete_through = 2026-11-16\n")
    _events(root, datetime(2026, 11, 15, 12, tzinfo=UTC))
    weeks = _weeks(root)
    assert weeks[-1] == date(2026, 11, 9)
    assert weeks[0] == date(2026, 10, 5)  # Oct 1's week is clipped by the period: left out


def test_a_half_covered_week_is_not(write_workspace: WriteWorkspace) -> None:
    # without complete_through the watermark is the last event (Sunday noon): the week of
    # Nov 9 is not complete, so the series stops at the week of Nov 2
    root = write_workspace(metrics=METRICS, name="plain")
    _events(root, datetime(2026, 11, 15, 12, tzinfo=UTC))
    assert _weeks(root)[-1] == date(2026, 11, 2)


def test_an_edited_definition_is_not_answered_from_the_old_one(
        write_workspace: WriteWorkspace) -> None:
    """The series is cached until the store changes — and until the metric's definition
    does: the same store read under a new `where` is another series."""
    root = write_workspace(metrics=METRICS, name="edited")
    _events(root, datetime(2026, 11, 15, 12, tzinfo=UTC))

    def values() -> list[float | None]:
        return [w.value for w in north_star_series(
            workspace=load_workspace(root), metric="weekly_active_teams", period=Q4,
            today=date(2026, 12, 20))]

    assert set(values()) == {3}
    (root / "metrics.yaml").write_text(METRICS.replace(
        "    event: workflow_run\n", "    event: workflow_run\n    where: {property: plan, "
        "equals: pro}\n", 1), encoding="utf-8")
    assert set(values()) == {0}
