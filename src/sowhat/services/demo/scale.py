"""A large workspace for measuring the web app: the demo, grown to 1,000 objectives, 5,000
key results and 100 teams, with owners and weeks of check-ins.

It starts from the real demo (its events, metrics and synced KRs) and adds generated
objectives to the same `okrs/2026-Q4.yaml`, then applies and syncs it the ordinary way, so
every page reads what a big team's workspace would hold: one in five key results measured by
a demo metric (weekly series, forecasts), the rest checked in by hand by their owners with a
value, a confidence and now and then a note. Deterministic for a seed.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from sowhat.domain.okr import CheckInSource, KeyResult, Plan
from sowhat.services.checkins import record_checkin
from sowhat.services.demo.run import DEMO_AS_OF, _checkin_weeks, create_demo
from sowhat.services.events import event_source_spec, open_events
from sowhat.services.files import apply_workspace
from sowhat.services.sync import resolve_as_of, sync
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database

__all__ = ["ScaleWorkspace", "create_scale_workspace", "grow_workspace"]

PERIOD = "2026-Q4"
_THEMES = ("onboarding", "reporting", "billing", "search", "integrations", "mobile", "alerts",
           "permissions", "exports", "dashboards", "api", "collaboration", "templates",
           "notifications", "imports", "sharing", "audit", "workflows", "insights", "support")
_MANUAL = (  # (title pattern, baseline, target): outcomes teams check in by hand
    ("Raise the share of {t} users who say it saves them time from {b:.0f}% to {g:.0f}%",
     40.0, 55.0),
    ("Cut weekly {t} support contacts per 100 accounts from {b:.0f} to {g:.0f}", 12.0, 8.0),
    ("Increase accounts using {t} every week from {b:.0f} to {g:.0f}", 300.0, 420.0),
    ("Lift the {t} satisfaction score from {b:.1f} to {g:.1f}", 3.6, 4.2),
    ("Reduce the median days to adopt {t} from {b:.0f} to {g:.0f}", 21.0, 14.0),
)


@dataclass(frozen=True)
class ScaleWorkspace:
    root: Path
    objectives: int
    key_results: int
    teams: int
    checkins: int


def create_scale_workspace(*, root: Path, objectives: int = 1000, key_results: int = 5000,
                           teams: int = 100, owners: int = 400, events: int = 60_000,
                           seed: int = 11, force: bool = False) -> ScaleWorkspace:  # fmt: skip
    """Build the demo in `root`, then grow its plan to the given sizes (totals, the demo's
    own objectives and key results included)."""
    create_demo(root=root, events=events, seed=seed, force=force)
    return grow_workspace(root=root, objectives=objectives, key_results=key_results,
                          teams=teams, owners=owners, seed=seed)


def grow_workspace(*, root: Path, objectives: int, key_results: int, teams: int,
                   owners: int, seed: int = 11) -> ScaleWorkspace:  # fmt: skip
    """Grow a built demo workspace's plan to these totals: generated teams, owners and
    objectives appended to its OKR file, applied, synced, and the owners' check-ins."""
    rng = grow_plan_files(root=root, objectives=objectives, key_results=key_results,
                          teams=teams, owners=owners, seed=seed)
    ws = load_workspace(root)
    assert ws.metrics is not None
    db = open_database(ws.config.database_url(root), create=False)
    source = open_events(ws)
    try:
        with db.transaction() as session:
            apply_workspace(session=session, workspace=ws, actor="scale")
        clock = resolve_as_of(events=source, spec=event_source_spec(ws), requested=None,
                              now=DEMO_AS_OF)  # fmt: skip
        with db.transaction() as session:
            sync(session=session, catalog=ws.metrics, events=source, as_of=clock.effective,
                 actor="sync", data_through=clock.data_through,
                 recorded_at=DEMO_AS_OF)  # fmt: skip
        with db.transaction() as session:
            written = _checkins(session, ws.plans[0].plan, rng)
    finally:
        source.close()
        db.dispose()
    return ScaleWorkspace(root, objectives, key_results, teams, written)


def grow_plan_files(*, root: Path, objectives: int, key_results: int, teams: int,
                    owners: int, seed: int = 11) -> random.Random:
    """The files only (no database, no events): teams and owners added to sowhat.toml and
    generated objectives appended to the OKR file of the demo's files in `root`, to these
    totals. Returns the generator, to continue the same sequence (the owners' check-ins)."""
    ws = load_workspace(root)
    (loaded,) = ws.plans
    demo_objectives = loaded.plan.objectives
    measured = [k for o in demo_objectives for k in o.key_results
                if k.metric and k.baseline is not None and k.target is not None]
    extra_objectives = objectives - len(demo_objectives)
    extra_krs = key_results - sum(len(o.key_results) for o in demo_objectives)
    if extra_objectives < 1 or extra_krs < extra_objectives:
        raise ValueError("ask for more objectives and key results than the demo has")
    rng = random.Random(seed)
    team_ids = [f"team-{n:03d}" for n in range(1, teams + 1)]
    people = [f"person-{n:03d}@scale.example" for n in range(1, owners + 1)]
    _add_teams(root / "sowhat.toml", team_ids, people)
    text = [_objective(n, extra_krs, extra_objectives, team_ids, people, measured, rng)
            for n in range(extra_objectives)]
    path = root / "okrs" / f"{PERIOD}.yaml"
    path.write_text(path.read_text("utf-8").rstrip("\n") + "\n\n" + "\n".join(text),
                    encoding="utf-8")  # fmt: skip
    return rng


def _add_teams(config: Path, team_ids: list[str], people: list[str]) -> None:
    lines = []
    for n, team in enumerate(team_ids):
        members = json.dumps(people[n * 4 % len(people): n * 4 % len(people) + 4])
        lines.append(f'[teams.{team}]\nname = "Team {n + 1:03d}"\nparent = "company"\n'
                     f"members = {members}\n")  # fmt: skip
    config.write_text(config.read_text("utf-8").rstrip("\n") + "\n\n" + "\n".join(lines),
                      encoding="utf-8")  # fmt: skip


def _objective(n: int, total_krs: int, total_objectives: int, team_ids: list[str],
               people: list[str], measured: list[KeyResult], rng: random.Random) -> str:
    team = team_ids[n % len(team_ids)]
    theme = _THEMES[n % len(_THEMES)]
    owner = people[n % len(people)]
    # spread the key results evenly: some objectives get one more than others
    count = total_krs // total_objectives + (1 if n < total_krs % total_objectives else 0)
    out = [f"  - id: {team}/obj-{n:04d}",
           f"    title: {json.dumps(f'Customers of {team} get more out of {theme} ({n})')}",
           f"    team: {team}", f"    owner: {owner}", "    key_results:"]
    for i in range(count):
        kid = f"s{n:04d}-{i}"
        kr_owner = people[(n * 7 + i) % len(people)]
        out.append(f"      - id: {kid}")
        out.append(f"        owner: {kr_owner}")
        if i == 0 and measured:  # one measured KR per objective: a demo metric's clone
            src = measured[n % len(measured)]
            out.append(f"        title: {json.dumps(src.title + f' ({theme} {n})')}")
            out.append(f"        metric: {src.metric}")
            if src.segment:
                out.append(f"        segment: {src.segment}")
            if src.unit:
                out.append(f"        unit: {src.unit}")
            out.append(f"        baseline: {src.baseline}")
            out.append(f"        target: {src.target}")
            continue
        pattern, base, goal = _MANUAL[(n + i) % len(_MANUAL)]
        base = round(base * rng.uniform(0.8, 1.2), 1)
        goal = round(base + (goal - _MANUAL[(n + i) % len(_MANUAL)][1]), 1)
        out.append(f"        title: {json.dumps(pattern.format(t=theme, b=base, g=goal))}")
        out.append(f"        baseline: {base}")
        out.append(f"        target: {goal}")
    return "\n".join(out) + "\n"


def _checkins(session: Session, plan: Plan, rng: random.Random) -> int:
    """The owners' weekly check-ins on the hand-measured KRs: a value drifting towards the
    target with noise, a confidence, and a note every few weeks."""
    weeks = _checkin_weeks()
    written = 0
    for o in plan.objectives:
        if o.team is None or not o.team.startswith("team-"):
            continue
        for kr in o.key_results:
            if kr.metric or kr.baseline is None or kr.target is None:
                continue
            pace = rng.uniform(-0.2, 1.3)
            for i, week in enumerate(weeks):
                share = pace * (i + 1) / 13 + rng.gauss(0, 0.05)
                value = round(kr.baseline + (kr.target - kr.baseline) * share, 2)
                mood = rng.choice(("on plan", "slower than hoped", "a good week",
                                   "blocked on data"))  # fmt: skip
                note = f"Week {i + 1}: {mood}" if (i + written) % 4 == 0 else None
                record_checkin(
                    session=session, kr_id=kr.id, period=PERIOD, value=value,
                    confidence=round(rng.uniform(0.2, 0.9), 2), note=note, blockers=None,
                    source=CheckInSource.MANUAL, actor=kr.owner or o.owner or "scale",
                    week=week, now=datetime(week.year, week.month, week.day, 16, tzinfo=UTC)
                    + timedelta(days=4), force=True,
                )  # fmt: skip
                written += 1
    return written
