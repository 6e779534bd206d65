"""The demo's history reads in the demo's own time: its OKRs planned the Monday before the
quarter, then the owners' weekly check-ins, then the sync of its "today" — newest first, as a
KR page and the audit page show it. (It said "created just now" under check-ins from October,
and listed the 16 Nov sync between those check-ins and the plan.)"""

from __future__ import annotations

from pathlib import Path

from sowhat.services.demo.run import DEMO_AS_OF, DEMO_PLANNED
from sowhat.services.okrs.views import audit_page
from sowhat.spec.workspace import load_workspace
from sowhat.store.db import open_database


def test_a_demo_kr_history_is_in_time_order_and_in_the_demo_calendar(built_demo: Path) -> None:
    ws = load_workspace(built_demo)
    db = open_database(ws.config.database_url(built_demo), create=False)
    try:
        with db.transaction(write=False) as s:
            page = audit_page(session=s, key_prefix="2026-Q4/su-tickets-per-session",
                              limit=200)
            everything = audit_page(session=s, limit=2000)
    finally:
        db.dispose()
    stamps = [e.at.replace(tzinfo=None) for e in page.entries]
    assert stamps == sorted(stamps, reverse=True)
    actors = [e.actor for e in page.entries]
    assert actors[0] == "sync"  # the demo's latest act: the sync as of its today
    assert actors[-1] == "demo"  # the first: applying the plan
    assert any("@" in a for a in actors)  # the owners' check-ins between the two
    plan_time, sync_time = DEMO_PLANNED.replace(tzinfo=None), DEMO_AS_OF.replace(tzinfo=None)
    assert stamps[-1] == plan_time
    assert stamps[0] == sync_time
    # Nothing in the demo's history is dated by the wall clock of the machine that built it.
    assert all(plan_time <= e.at.replace(tzinfo=None) <= sync_time
               for e in everything.entries), {e.at for e in everything.entries}
