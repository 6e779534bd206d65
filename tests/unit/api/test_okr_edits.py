"""The edit services the API and pages share: versions, transitions, audit, team checks."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from api_testing import PERIOD, Env

from sowhat.errors import Conflict, Forbidden, UserError
from sowhat.services.accounts import Principal, Scope
from sowhat.services.okrs import edits as okr_edits
from sowhat.services.okrs.views import audit_page, plan_view

ADMIN = Principal(1, "admin@test.io", True, frozenset())
GROWTH = Principal(2, "grower@test.io", False, frozenset({"growth"}))
NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)


def _db(env: Env):  # type: ignore[no-untyped-def]
    return env.client.app.state.sowhat.db  # type: ignore[attr-defined]


def test_shipping_a_bet_stamps_today_and_a_shipped_bet_stays_shipped(env: Env) -> None:
    db = _db(env)
    with db.transaction() as s:
        version = plan_view(session=s, period=PERIOD).bet("checklist").version
        new = okr_edits.update_bet(session=s, principal=GROWTH, period=PERIOD, bet_id="checklist",
                                   changes={"status": "shipped"}, expected_version=version,
                                   now=NOW)
    assert new == version + 1
    with db.transaction(write=False) as s:
        bet = plan_view(session=s, period=PERIOD).bet("checklist").bet
    assert (str(bet.status), bet.shipped_on) == ("shipped", date(2026, 11, 20))
    with pytest.raises(UserError, match="cannot move from shipped to stopped"), \
            db.transaction() as s:
        okr_edits.update_bet(session=s, principal=ADMIN, period=PERIOD, bet_id="checklist",
                             changes={"status": "stopped"}, expected_version=new)


def test_stale_version_unknown_field_other_team_and_read_scope_are_refused(env: Env) -> None:
    db = _db(env)
    reader = Principal(1, "admin@test.io", True, frozenset(), scope=Scope.READ, via="token")
    cases = [
        (Conflict, GROWTH, "activation", {"title": "Raise activation from 40% to 50%"}, 99),
        (UserError, GROWTH, "activation", {"metric": "weekly_active_teams"}, 1),
        (Forbidden, GROWTH, "report-speed", {"title": "Cut load time from 4 s to 2 s"}, 1),
        (Forbidden, reader, "activation", {"title": "Raise activation from 40% to 50%"}, 1),
    ]
    for error, who, kr, changes, version in cases:
        with pytest.raises(error), db.transaction() as s:
            okr_edits.update_key_result(session=s, principal=who, period=PERIOD, kr_id=kr,
                                        changes=changes, expected_version=version)
    with db.transaction(write=False) as s:
        assert audit_page(session=s, entity_type="key_result").total == 3  # only the apply


def test_an_unchanged_edit_writes_nothing_and_an_emptied_owner_is_unset(env: Env) -> None:
    db = _db(env)
    with db.transaction() as s:
        kr = plan_view(session=s, period=PERIOD).key_result("nps-manual")
        same = okr_edits.update_key_result(
            session=s, principal=ADMIN, period=PERIOD, kr_id="nps-manual",
            changes={"title": kr.status.title}, expected_version=kr.version)
        assert same == kr.version
        okr_edits.update_key_result(session=s, principal=ADMIN, period=PERIOD,
                                    kr_id="nps-manual", changes={"owner": "  "},
                                    expected_version=kr.version)
    with db.transaction(write=False) as s:
        assert plan_view(session=s, period=PERIOD).key_result("nps-manual").status.owner is None
        entries = audit_page(session=s, key_prefix=f"{PERIOD}/nps-manual").entries
    assert entries[0].actor == "admin@test.io"
    assert (entries[0].before or {})["owner"] == "owner@viewer.test"
