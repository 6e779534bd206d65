"""`sowhat demo`: a complete, true-to-life workspace to explore every screen with.

Acme Analytics, a simulated B2B SaaS: the OKR files, the metric catalog and tracking plan, a
few months of simulated product events with known planted effects, and six weeks of check-ins
— computed by the real sync from those events, plus the confidence and notes the owners
would have written. Nothing on a demo screen is made up apart from the simulated customers.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from importlib import resources
from pathlib import Path

from sqlalchemy.orm import Session

from sowhat.demo.simulator import DEMO_START, DEMO_TODAY, SimulationResult, simulate
from sowhat.domain.okr import CheckInSource
from sowhat.errors import UserError
from sowhat.metrics.first_events import anchor_pairs
from sowhat.metrics.ingest import IngestReport, ingest
from sowhat.services.checkins import record_checkin
from sowhat.services.demo.targets import measured_baselines, with_measured_targets
from sowhat.services.events import event_source_spec, open_events
from sowhat.services.files import apply_workspace
from sowhat.services.plans import status_rows
from sowhat.services.sync import SyncReport, resolve_as_of, sync
from sowhat.spec.dump import merge_plan_text
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store.db import open_database

DEMO_AS_OF = datetime(DEMO_TODAY.year, DEMO_TODAY.month, DEMO_TODAY.day, tzinfo=UTC)
DEMO_PLANNED = datetime(2026, 9, 28, 9, 0, tzinfo=UTC)
"""When the demo's OKRs were applied: the Monday before its quarter, so a KR's history reads
in the demo's own time (planned, then weekly check-ins, then the sync of its "today"), not
"created just now" under check-ins from October."""
_CREATED = ("sowhat.toml", "metrics.yaml", "tracking-plan.yaml", "okrs", ".sowhat", "data")

Step = Callable[[str], None]


@dataclass(frozen=True)
class DemoResult:
    root: Path
    simulation: SimulationResult
    ingest: IngestReport
    syncs: tuple[SyncReport, ...]
    manual_checkins: int


def write_demo_files(root: Path) -> None:
    templates = resources.files("sowhat.demo") / "templates"
    (root / "okrs").mkdir(parents=True, exist_ok=True)
    for name in ("sowhat.toml", "metrics.yaml", "tracking-plan.yaml"):
        (root / name).write_text((templates / name).read_text("utf-8"), encoding="utf-8")
    okrs = templates / "okrs" / "2026-Q4.yaml"
    (root / "okrs" / "2026-Q4.yaml").write_text(okrs.read_text("utf-8"), encoding="utf-8")


def _prepare(root: Path, force: bool) -> None:
    if root.exists() and any(root.iterdir()):
        ours = [root / n for n in _CREATED if (root / n).exists()]
        others = [p for p in root.iterdir() if p not in ours]
        if not force:
            raise UserError(f"{root} is not empty",
                            hint="pass --force to replace the demo, or pick a new folder")
        if others and not ours:
            raise UserError(f"{root} holds files that are not a Sowhat demo",
                            hint="pick an empty or new folder")
        for path in ours:
            if path.is_dir():
                shutil.rmtree(path)
            else:
                path.unlink()
    root.mkdir(parents=True, exist_ok=True)


def create_demo(*, root: Path, events: int = 1_000_000, seed: int = 7, force: bool = False,
                step: Step | None = None) -> DemoResult:
    """Write, simulate, ingest, apply and backfill six weeks of check-ins."""
    say = step or (lambda _msg: None)
    _prepare(root, force)
    write_demo_files(root)
    say(f"simulating {events:,} product events")
    data = root / "data"
    simulation = simulate(data, events=events, seed=seed, start=DEMO_START, end=DEMO_TODAY)
    say("ingesting events")
    ws = load_workspace(root)
    assert ws.metrics is not None, "the demo ships a metrics.yaml"
    loaded = ingest(list(simulation.parquet_files), store=root / ".sowhat" / "events.duckdb",
                    anchors=anchor_pairs(ws.metrics))
    say("measuring baselines from the quarter before")
    ws = _measure_targets(ws)
    catalog = ws.metrics
    assert catalog is not None
    db = open_database(ws.config.database_url(root), create=True)
    source = open_events(ws)
    reports: list[SyncReport] = []
    try:
        with db.transaction() as session:
            say("applying OKRs")
            apply_workspace(session=session, workspace=ws, actor="demo", now=DEMO_PLANNED)
        weeks = _checkin_weeks()
        # One sync as of the demo's today backfills every week of the period so far, each
        # week's value as known at that week's end — what weekly syncs would have recorded.
        clock = resolve_as_of(events=source, spec=event_source_spec(ws), requested=None,
                              now=DEMO_AS_OF)
        say(f"sync as of {clock.effective:%Y-%m-%d %H:%M} (data through)")
        with db.transaction() as session:
            reports.append(sync(session=session, catalog=catalog, events=source,
                                as_of=clock.effective, actor="sync",
                                data_through=clock.data_through, recorded_at=DEMO_AS_OF))
        say("recording the owners' check-ins")
        with db.transaction() as session:
            manual = _owner_checkins(session, weeks)
    finally:
        source.close()
        db.dispose()
    return DemoResult(root, simulation, loaded, tuple(reports), manual)


def _measure_targets(ws: Workspace) -> Workspace:
    """Rewrite the OKR file's baselines and targets from the simulated history, keeping its
    comments, then reload."""
    assert ws.metrics is not None
    (loaded,) = ws.plans
    with open_events(ws) as events:
        baselines = measured_baselines(loaded.plan, catalog=ws.metrics, events=events,
                                       before=loaded.plan.period.start)
    plan = with_measured_targets(loaded.plan, baselines)
    path = loaded.document.path
    path.write_text(merge_plan_text(path.read_text("utf-8"), plan), encoding="utf-8")
    return load_workspace(ws.root)


def _checkin_weeks() -> list[date]:
    """The six full weeks before the demo's today (Mondays)."""
    monday = DEMO_TODAY - timedelta(days=DEMO_TODAY.weekday())
    return [monday - timedelta(weeks=n) for n in range(6, 0, -1)]


# What owners wrote at check-ins, by KR; one line per week from the second week on.
_NOTES: dict[str, list[str]] = {
    "gr-activation-mid": [
        "Checklist design done; mid-sized admins in the beta like it",
        "Beta feedback: step 2 (invite teammates) is where people stall",
        "Checklist shipped to all new mid-sized accounts on Monday",
        "First cohort with the checklist looks better, still immature",
        "Two weekly cohorts in: activation up; watching tickets",
    ],
    "gr-rec-ctr": [
        "Ranking v2 in shadow mode, offline metrics promising",
        "Shadow results hold; ramping to 50% next week",
        "Ranking v2 at 100% since Monday",
        "Click-through rising; checking it is not novelty",
        "Third week above the old level",
    ],
    "su-tickets-per-session": [
        "Top 20 ticket reasons tagged; macros drafted",
        "Help panel and macros live since Monday",
        "How-to tickets down; billing tickets unchanged",
        "Small accounts benefit most",
        "Holding the gain; next: answer bot discovery",
    ],
    "gr-ai-explanations": [
        "Explanation copy tested with five customers",
        "Prototype in the editor behind a flag",
        "Beta with three design partners",
        "Partners read explanations; logging added so we get a baseline",
        "Baseline data accumulating; outcome KR planned for next quarter",
    ],
}


def _owner_checkins(session: Session, weeks: list[date]) -> int:
    """Confidence and notes for every KR, as the owners would have recorded them."""
    status = status_rows(session=session, period="2026-Q4", today=DEMO_TODAY)
    written = 0
    for obj in status.objectives:
        for n, kr in enumerate(obj.key_results):
            notes = _NOTES.get(kr.id, [])
            for i, week in enumerate(weeks[1:]):
                progress = kr.progress if kr.progress is not None else 0.3
                # Owners grow surer as evidence comes in; a fixed pattern keeps it repeatable.
                confidence = round(min(0.9, max(0.15, 0.35 + 0.45 * progress * (i + 1) / 5
                                                + 0.05 * ((n + i) % 3 - 1))), 2)
                record_checkin(
                    session=session, kr_id=kr.id, period="2026-Q4", value=None,
                    confidence=confidence, note=notes[i] if i < len(notes) else None,
                    blockers=None, source=CheckInSource.MANUAL,
                    actor=kr.owner or obj.owner or "demo", week=week,
                    now=datetime(week.year, week.month, week.day, 16, tzinfo=UTC)
                    + timedelta(days=4),
                )
                written += 1
    return written
