"""Export after apply reproduces the files exactly: files -> database -> files, byte for byte."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings

from sowhat.domain.okr import Plan, Team
from sowhat.services.apply.run import apply_changes
from sowhat.services.plans import load_plans
from sowhat.spec.dump import dump_plan, merge_plan_text
from sowhat.store.db import open_database
from tests.samples import OKRS
from tests.unit.spec.test_round_trip import parse, plans

TEAMS = [Team("growth", "Growth")]


def through_database(plan: Plan) -> Plan:
    with tempfile.TemporaryDirectory() as tmp:
        db = open_database(f"sqlite:///{Path(tmp) / 'x.db'}", create=True)
        try:
            with db.transaction() as session:
                apply_changes(session=session, plans=[plan], teams=TEAMS, metric_hashes={},
                              actor="test")
            with db.transaction(write=False) as session:
                (stored,) = load_plans(session=session)
        finally:
            db.dispose()
    return stored


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plans())
def test_canonical_files_survive_apply_then_export(plan: Plan) -> None:
    text = dump_plan(plan)
    stored = through_database(parse(text))
    assert dump_plan(stored) == text


def test_hand_written_file_with_comments_survives_apply_then_export() -> None:
    stored = through_database(parse(OKRS))
    assert merge_plan_text(OKRS, stored) == OKRS
