"""The large-workspace generator behind benchmarks/web.py: the sizes asked for, every
objective with a team and owner, measured and hand-checked KRs, owners' check-ins."""

from __future__ import annotations

from pathlib import Path

from sowhat.services.demo.scale import grow_workspace
from sowhat.services.plans import status_rows
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database


def test_grow_the_demo_to_the_sizes_asked(demo_copy: Path) -> None:
    made = grow_workspace(root=demo_copy, objectives=30, key_results=110, teams=7, owners=12)
    ws = load_workspace(demo_copy)
    assert len(ws.config.teams) >= 7
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction(write=False) as session:
        status = status_rows(session=session, period="2026-Q4")
    db.dispose()
    objectives = status.objectives
    krs = [k for o in objectives for k in o.key_results]
    assert (len(objectives), len(krs)) == (30, 110)
    generated = [o for o in objectives if (o.team or "").startswith("team-")]
    assert {o.team for o in generated} == {f"team-{n:03d}" for n in range(1, 8)}
    assert all(o.owner and o.owner.endswith("@scale.example") for o in generated)
    measured = [k for o in generated for k in o.key_results if k.metric]
    by_hand = [k for o in generated for k in o.key_results if not k.metric]
    assert len(measured) == len(generated)  # one demo metric per generated objective
    assert all(k.check_ins == 6 and k.current is not None for k in by_hand)
    assert made.checkins == 6 * len(by_hand)
    assert any(k.current is not None for k in measured)  # the sync measured them
