"""Guardrail gating, missing check-ins, change-mind signals and the three reviews, checked
against hand computations from the generated events and plain SQL."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from review_testing import AS_OF, LAUNCH, copy, generate, module_copy, opened
from sqlalchemy import text

from sowhat.domain.okr import Direction
from sowhat.domain.period import next_monday
from sowhat.errors import NotFound, UserError
from sowhat.reports.html import render_html
from sowhat.reports.markdown import monthly_markdown, quarter_markdown, weekly_markdown
from sowhat.services.events import open_events
from sowhat.services.guardrails import (
    Attainment,
    GuardrailState,
    attainment,
    objective_health,
    raw_progress,
)
from sowhat.services.reviews.lessons import add_lesson, list_lessons
from sowhat.services.reviews.monthly import (
    MonthlyReview,
    _slope,
    _trend,
    default_month,
    monthly_review,
)
from sowhat.services.reviews.quarter import quarter_review
from sowhat.services.reviews.signals import (
    BEFORE_WEEKS,
    BetVerdict,
    missing_checkins,
    review_week,
)
from sowhat.services.reviews.weekly import weekly_review
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store import repositories
from sowhat.store.db import Database


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return module_copy(tmp_path_factory, "reviews")


@pytest.fixture(scope="module")
def ws(built: Path) -> Workspace:
    return load_workspace(built)


@pytest.fixture(scope="module")
def db(ws: Workspace) -> Iterator[Database]:
    with opened(ws) as database:
        yield database


@pytest.fixture
def scratch(built: Path, tmp_path: Path) -> Iterator[tuple[Workspace, Database]]:
    """A private copy for tests that write."""
    ws = load_workspace(copy(built, tmp_path / "ws"))
    with opened(ws) as database:
        yield ws, database


def sql(db: Database, query: str, **params: Any) -> list[tuple[Any, ...]]:
    with db.engine.connect() as conn:
        return [tuple(r) for r in conn.execute(text(query), params)]


# -- attainment and gating -------------------------------------------------------------------


@pytest.mark.parametrize(("current", "baseline", "target", "level"), [
    (0.47, 0.40, 0.50, Attainment.COMMIT),  # 0.7 exactly
    (0.4699, 0.40, 0.50, Attainment.MISSED),
    (0.50, 0.40, 0.50, Attainment.TARGET),
    (0.53, 0.40, 0.50, Attainment.STRETCH),  # 1.3: beyond the target, not clipped
    (0.30, 0.40, 0.50, Attainment.MISSED),  # negative progress
    (385.0, 450.0, 400.0, Attainment.STRETCH),  # a decreasing KR past its target
    (415.0, 450.0, 400.0, Attainment.COMMIT),
    (None, 0.40, 0.50, Attainment.UNMEASURED),
    (0.5, None, 0.50, Attainment.UNMEASURED),
    (0.5, 0.5, 0.50, Attainment.UNMEASURED),
])
def test_attainment_levels_use_unclipped_progress(
    current: float | None, baseline: float | None, target: float | None, level: Attainment
) -> None:
    assert attainment(raw_progress(current, baseline, target)) is level


def test_raw_progress_is_not_clipped() -> None:
    assert raw_progress(0.53, 0.40, 0.50) == pytest.approx(1.3)
    assert raw_progress(0.30, 0.40, 0.50) == pytest.approx(-1.0)
    assert raw_progress(385.0, 450.0, 400.0) == pytest.approx(1.3)


def test_a_breached_guardrail_puts_the_objective_at_risk_and_gates_its_krs(
    db: Database,
) -> None:
    with db.transaction(write=False) as session:
        health = objective_health(session=session, period="2026-Q4", today=AS_OF.date())
    first, support = health.objectives
    assert first.id == "first-win"
    assert first.guardrail_state is GuardrailState.BREACHED
    assert first.at_risk
    assert [g.metric for g in first.breaches] == ["tickets"]
    mid = next(k for k in first.key_results if k.id == "act-mid")
    assert mid.met  # 0.40 → 0.48 and mid-sized activation is well above it
    assert not mid.counts_as_met  # but tickets broke their guardrail
    assert support.guardrail_state is GuardrailState.NONE
    assert [o.id for o in health.at_risk] == ["first-win"]
    assert health.key_result("act-mid") == mid


def test_gating_follows_the_latest_guardrail_evaluation(
    scratch: tuple[Workspace, Database],
) -> None:
    _, db = scratch

    def mid() -> tuple[GuardrailState, bool, bool]:
        with db.transaction(write=False) as session:
            health = objective_health(session=session, period="2026-Q4", today=AS_OF.date())
        kr = health.key_result("act-mid")
        assert kr is not None
        return health.objectives[0].guardrail_state, kr.met, kr.counts_as_met

    assert mid() == (GuardrailState.BREACHED, True, False)
    with db.transaction() as session:
        session.execute(text("UPDATE guardrail_checks SET breached = false, reason = NULL"))
    assert mid() == (GuardrailState.HELD, True, True)
    with db.transaction() as session:
        session.execute(text("DELETE FROM guardrail_checks"))
    assert mid() == (GuardrailState.UNCHECKED, True, True)


# -- signals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(("as_of", "week"), [
    (datetime(2026, 11, 16, tzinfo=UTC), date(2026, 11, 9)),  # Monday midnight
    (datetime(2026, 11, 18, 15, tzinfo=UTC), date(2026, 11, 9)),
    (datetime(2026, 11, 22, 23, 59, tzinfo=UTC), date(2026, 11, 9)),
    (datetime(2026, 11, 23, tzinfo=UTC), date(2026, 11, 16)),
    (date(2026, 11, 23), date(2026, 11, 16)),
])
def test_the_review_week_is_the_last_full_week(as_of: datetime | date, week: date) -> None:
    assert review_week(as_of) == week


def test_missing_checkins_ignore_automatic_values(db: Database) -> None:
    with db.transaction(write=False) as session:
        period = repositories.periods_by_label(session, ["2026-Q4"])["2026-Q4"]
        last = missing_checkins(session=session, period=period, week=date(2026, 11, 9))
        earlier = missing_checkins(session=session, period=period, week=date(2026, 10, 19))
        before = missing_checkins(session=session, period=period, week=date(2026, 9, 21))
    # Every metric KR has an automatic check-in that week; only li skipped the human one.
    assert [(m.kr_id, m.owner, m.last_checked_in) for m in last] == [
        ("act-mid", "li@example.com", date(2026, 11, 2))]
    assert {m.kr_id for m in earlier} == {"act", "act-mid", "tickets-total", "help-centre"}
    assert {m.owner for m in earlier} == {"ana@example.com", "li@example.com",
                                          "sam@example.com"}
    assert before == ()  # a week before the period


def test_change_mind_compares_weekly_means_before_and_after_launch(db: Database) -> None:
    with db.transaction(write=False) as session:
        review = weekly_review(session=session, catalog=None, as_of=AS_OF, period="2026-Q4")
    bets = {b.bet_id: b for b in review.bets}
    launch = LAUNCH - timedelta(days=LAUNCH.weekday())
    for bet, kr in (("checklist", "act-mid"), ("tooltips", "act")):
        # Whole ISO weeks only: Mondays whose week ends by the period start (history) or by
        # the review week's end (period).
        mondays = [(date.fromisoformat(str(w)), v) for w, v, n, phase in sql(
            db, "SELECT s.week, s.value, s.entities, s.phase FROM kr_series s JOIN key_results "
                "k ON k.id = s.key_result_id WHERE k.key = :kr ORDER BY s.week", kr=kr)
            if v is not None and (n is None or n >= 5)
            and date.fromisoformat(str(w)).weekday() == 0
            and date.fromisoformat(str(w)) + timedelta(days=7)
            <= (date(2026, 10, 1) if phase == "history" else date(2026, 11, 16))]
        before = [v for w, v in mondays if launch - timedelta(weeks=BEFORE_WEEKS) <= w < launch]
        # shipped on a Monday: its launch week is the first live week, as the impact
        # estimate counts it (domain.period.next_monday)
        assert launch == LAUNCH
        after = [v for w, v in mondays if next_monday(LAUNCH) <= w <= date(2026, 11, 9)]
        signal = bets[bet]
        assert signal.before == pytest.approx(sum(before) / len(before))
        assert signal.after == pytest.approx(sum(after) / len(after))
        assert (signal.weeks_before, signal.weeks_after) == (len(before), len(after))
    # act-mid was planted to jump by +0.25 (0.40 → 0.65) against +0.15 expected: moved.
    assert bets["checklist"].verdict is BetVerdict.MOVED
    # act moved about a third of +0.25 (+0.25 on a third of the accounts): time to check
    # the change-mind condition.
    assert bets["tooltips"].verdict is BetVerdict.NOT_MOVED
    assert bets["tooltips"].moved_share is not None
    assert bets["tooltips"].moved_share < 0.5
    assert [b.bet_id for b in review.change_mind] == ["tooltips"]
    assert "check your change-mind condition" in bets["tooltips"].message


def test_change_mind_messages_speak_in_the_krs_unit(db: Database, ws: Workspace) -> None:
    """"act moved 0.4 → 0.45" is a share: it reads in percent, and an absolute expectation
    of +0.25 reads "+25 pts", as everywhere else."""
    with db.transaction(write=False) as session:
        review = weekly_review(session=session, catalog=ws.metrics, as_of=AS_OF,
                               period="2026-Q4")
    tooltips = next(b for b in review.bets if b.bet_id == "tooltips")
    assert tooltips.before is not None
    assert tooltips.after is not None
    shown = f"{tooltips.before * 100:.3g}%"
    assert f"act moved {shown} → " in tooltips.message, tooltips.message
    assert "% of the expected +25 pts" in tooltips.message, tooltips.message


def test_change_mind_leaves_out_cohorts_whose_outcome_window_ran_into_the_launch(
        db: Database, ws: Workspace) -> None:
    """2-day activation: the cohorts of the week before a Monday launch were still inside
    their 2 days when it shipped, so their outcome was partly read with the bet live; the
    review's "before" is the 4 weeks up to the latest whose cohorts had finished theirs
    (Sep 14 to Oct 5), as the impact estimate counts them — not Sep 21 to Oct 12. The week
    of Sep 28 is cut by the period's start (Thu Oct 1), so neither side of it is a whole
    week: 3 weeks."""
    with db.transaction(write=False) as session:
        review = weekly_review(session=session, catalog=ws.metrics, as_of=AS_OF,
                               period="2026-Q4")
    outcome = ws.metrics.metrics["activation"].within  # type: ignore[union-attr]
    assert outcome == timedelta(days=2)
    bets = {b.bet_id: b for b in review.bets}
    for bet, kr in (("checklist", "act-mid"), ("tooltips", "act")):
        weekly = {date.fromisoformat(str(w)): v for w, v, n in sql(
            db, "SELECT s.week, s.value, s.entities FROM kr_series s JOIN key_results k "
                "ON k.id = s.key_result_id WHERE k.key = :kr AND s.value IS NOT NULL "
                "AND (s.entities IS NULL OR s.entities >= 5)", kr=kr)}
        clean = [date(2026, 9, 14), date(2026, 9, 21), date(2026, 10, 5)]
        assert clean[-1] + timedelta(days=7) + outcome <= LAUNCH  # Oct 5's cohorts: by Oct 14
        assert date(2026, 10, 12) + timedelta(days=7) + outcome > LAUNCH  # Oct 12's: Oct 21
        expected = sum(weekly[w] for w in clean) / 3
        assert bets[bet].before == pytest.approx(expected)
        assert bets[bet].weeks_before == 3
    # the old span (Sep 21, Oct 5 and Oct 12) reads another mean: the test tells them apart
    act = {date.fromisoformat(str(w)): v for w, v in sql(
        db, "SELECT s.week, s.value FROM kr_series s JOIN key_results k ON k.id = "
            "s.key_result_id WHERE k.key = 'act'")}
    old = (act[date(2026, 9, 21)] + act[date(2026, 10, 5)] + act[date(2026, 10, 12)]) / 3
    assert bets["tooltips"].before != pytest.approx(old)


# -- the reviews -----------------------------------------------------------------------------


def test_weekly_review_reads_check_ins_series_forecasts_and_alerts(
    db: Database, ws: Workspace
) -> None:
    with db.transaction(write=False) as session:
        r = weekly_review(session=session, catalog=ws.metrics, as_of=AS_OF)
    assert (r.period, r.week, r.last_sync) == ("2026-Q4", date(2026, 11, 9), AS_OF)
    assert [k.kr_id for k in r.key_results] == ["act", "act-mid", "tickets-total",
                                                "help-centre"]
    by_id = {k.kr_id: k for k in r.key_results}
    checkins = {(k, str(w)): v for k, w, v in sql(
        db, "SELECT k.key, c.week, c.value FROM check_ins c JOIN key_results k "
            "ON k.id = c.key_result_id")}
    for kr in ("act", "act-mid", "tickets-total"):
        assert by_id[kr].to_date == checkins[(kr, "2026-11-09")]
        assert by_id[kr].to_date_change == pytest.approx(
            checkins[(kr, "2026-11-09")] - checkins[(kr, "2026-11-02")])
    assert by_id["tickets-total"].weekly_value == 35
    assert by_id["tickets-total"].weekly_change == 0
    assert by_id["act"].objective_at_risk
    assert not by_id["tickets-total"].objective_at_risk
    assert by_id["act"].confidence == 0.6
    assert by_id["act-mid"].confidence is None  # missed
    assert by_id["help-centre"].forecast == "no metric: checked in by hand"
    assert by_id["act-mid"].probability is not None
    assert [(g.objective_id, g.metric) for g in r.guardrail_alerts] == [("first-win", "tickets")]
    assert [m.kr_id for m in r.missing_checkins] == ["act-mid"]
    md = weekly_markdown(r)
    assert "| 35 |" in md  # tickets-total: this week's own value, with no date beside it
    assert "(09 Nov)" not in md
    for heading in ("# Weekly review · 2026-Q4 · week of 2026-11-09", "## Guardrail alerts",
                    "## Check-ins missing", "- act-mid — li@example.com",
                    "**check your change-mind condition**"):
        assert heading in md


def test_monthly_review_matches_a_plain_python_activation(db: Database, ws: Workspace) -> None:
    assert ws.metrics is not None
    events = open_events(ws)
    try:
        with db.transaction(write=False) as session:
            r = monthly_review(session=session, catalog=ws.metrics, events=events, as_of=AS_OF)
    finally:
        events.close()
    assert (r.month, r.previous_month, r.start, r.end) == (
        "2026-10", "2026-09", date(2026, 10, 1), date(2026, 11, 1))
    _, signups = generate()

    def activation(start: date, end: date, plan: str | None) -> tuple[float, int]:
        cohort = [s for s in signups if start <= s.at.date() < end
                  and (plan is None or s.plan == plan)]
        return sum(1 for s in cohort if s.converted_at is not None) / len(cohort), len(cohort)

    act = next(k for k in r.key_results if k.kr_id == "act")
    mid = next(k for k in r.key_results if k.kr_id == "act-mid")
    expected, n = activation(date(2026, 10, 1), date(2026, 11, 1), None)
    assert act.value == pytest.approx(expected)
    assert act.previous == pytest.approx(activation(date(2026, 9, 1), date(2026, 10, 1),
                                                    None)[0])
    assert mid.value == pytest.approx(activation(date(2026, 10, 1), date(2026, 11, 1),
                                                 "mid")[0])
    segments = {s.segment: s for s in act.segments}
    assert list(segments) == [None, "mid", "small"]
    assert segments[None].entities == n
    for plan in ("mid", "small"):
        assert segments[plan].value == pytest.approx(
            activation(date(2026, 10, 1), date(2026, 11, 1), plan)[0])
    # The checklist launched mid-month, but four weekly cohorts of ~7 accounts (50%, 57%, 86%,
    # 57%) cannot tell a lift from noise: the slope's interval spans zero.
    assert mid.trend == "no clear change"
    tickets = next(k for k in r.key_results if k.kr_id == "tickets-total")
    assert (tickets.value, tickets.previous) == (5 * 31, 3 * 30)
    assert tickets.trend == "no clear change"
    # month against month: judged for a level KR, never for a period total (a 31-day
    # October's count against a 30-day September's)
    assert isinstance(act.change_clear, bool)
    assert tickets.change_clear is None
    assert tickets.change_words == ""
    md = monthly_markdown(r)
    assert f"({act.change_words.removeprefix(', ')}" not in md  # sits after the change
    assert act.change_words in md
    assert "## act — activation (leading)" in md
    assert act.not_yet is None  # October's 2-day cohorts have all matured by Nov 16


def test_a_month_whose_cohorts_have_not_matured_says_so(db: Database, ws: Workspace) -> None:
    """A blank month must say why: November's first signups cannot convert-within-2-days
    until Nov 3, so on Nov 2 the month has no value — not a zero, not a silent dash."""
    assert ws.metrics is not None
    events = open_events(ws)
    try:
        with db.transaction(write=False) as session:
            r = monthly_review(session=session, catalog=ws.metrics, events=events,
                               as_of=datetime(2026, 11, 2, 12, tzinfo=UTC), month="2026-11")
    finally:
        events.close()
    act = next(k for k in r.key_results if k.kr_id == "act")
    assert act.value is None
    assert act.previous is not None  # October's cohorts mostly matured: no note for it
    assert act.not_yet == ("not readable yet: 2026-11's cohorts are inside their 2-day "
                           "outcome window until 2026-12-03 (a cohort counts once it has "
                           "matured)")
    tickets = next(k for k in r.key_results if k.kr_id == "tickets-total")
    assert tickets.not_yet is None  # a count has no outcome window
    assert act.not_yet in monthly_markdown(r)


def _november(db: Database, ws: Workspace, as_of: datetime) -> MonthlyReview:
    """The monthly review of November 2026 as known at `as_of`."""
    assert ws.metrics is not None
    events = open_events(ws)
    try:
        with db.transaction(write=False) as session:
            return monthly_review(session=session, catalog=ws.metrics, events=events,
                                  as_of=as_of, month="2026-11")
    finally:
        events.close()


def test_a_month_whose_later_cohorts_are_still_maturing_reads_so_far(
    db: Database, ws: Workspace
) -> None:
    """November read on Nov 16 holds only the signups that have had their 2-day window (those
    anchored by Nov 14 00:00): shown as "November's activation" it was a number right by
    definition and wrong in meaning. It is marked "so far", says which cohorts are in it, and
    equals a plain-Python activation of exactly those cohorts; October, settled, is not."""
    r = _november(db, ws, AS_OF)
    early = _november(db, ws, datetime(2026, 11, 2, 12, tzinfo=UTC))
    _, signups = generate()
    matured = [s for s in signups
               if datetime(2026, 11, 1, tzinfo=UTC) <= s.at <= AS_OF - timedelta(days=2)]
    act = next(k for k in r.key_results if k.kr_id == "act")
    assert act.value == pytest.approx(
        sum(s.converted_at is not None for s in matured) / len(matured))
    assert (act.value_so_far, act.previous_so_far) == (True, False)
    # a partial month's change is not judged against noise counted in whole months' weeks
    assert (act.change_clear, act.change_words) == (None, "")
    assert act.so_far_note == (
        "2026-11 so far: only cohorts anchored by 2026-11-14 00:00 UTC have had their 2-day "
        "outcome window; the rest count as they mature, all by 2026-12-03")
    tickets = next(k for k in r.key_results if k.kr_id == "tickets-total")
    assert (tickets.value_so_far, tickets.so_far_note) == (False, None)  # no cohorts
    # On Nov 2 November reads nothing yet (said by not_yet), and October's last signups
    # (Oct 31 after 12:00) are still maturing: October is the month that is "so far".
    early_act = next(k for k in early.key_results if k.kr_id == "act")
    assert (early_act.value, early_act.value_so_far, early_act.previous_so_far) == (
        None, False, True)
    assert early_act.so_far_note is not None
    assert early_act.so_far_note.startswith(
        "2026-10 so far: only cohorts anchored by 2026-10-31 12:00 UTC")
    md = monthly_markdown(r).split("## act —")[1].split("##")[0]
    assert "(so far), last month" in md
    assert "| this month (so far) | last month |" in md
    assert act.so_far_note in md
    html = render_html("monthly.html", r=r, title="t", workspace_name="w", generated=AS_OF,
                       data_through=AS_OF)
    assert 'data-so-far="month">so far<' in html
    assert 'data-so-far="previous"' not in html.split('data-kr="act"')[1].split("</section>")[0]
    assert "This month (so far)" in html


def test_default_month_and_bad_months(db: Database, ws: Workspace) -> None:
    start = date(2026, 10, 1)
    assert default_month(datetime(2026, 11, 16, tzinfo=UTC), start).label == "2026-10"
    assert default_month(datetime(2026, 10, 20, tzinfo=UTC), start).label == "2026-10"
    assert default_month(datetime(2026, 11, 1, tzinfo=UTC), start).label == "2026-10"
    assert ws.metrics is not None
    events = open_events(ws)
    try:
        with db.transaction(write=False) as session:
            with pytest.raises(UserError, match="cannot read month"):
                monthly_review(session=session, catalog=ws.metrics, events=events,
                               as_of=AS_OF, month="October")
            with pytest.raises(UserError, match="has not started"):
                monthly_review(session=session, catalog=ws.metrics, events=events,
                               as_of=AS_OF, month="2026-12")
    finally:
        events.close()


def test_quarter_review_counts_gated_attainment_and_shows_lessons(
    scratch: tuple[Workspace, Database],
) -> None:
    _, db = scratch
    with db.transaction() as session:
        add_lesson(session=session, period="2026-Q4", text="Tickets grew with activation",
                   objective="first-win", actor="ana")
        with pytest.raises(NotFound, match="no objective 'nope'"):
            add_lesson(session=session, period="2026-Q4", text="x", objective="nope",
                       actor="ana")
        with pytest.raises(UserError, match="needs some text"):
            add_lesson(session=session, period="2026-Q4", text="  ", actor="ana")
        with pytest.raises(NotFound, match="no stored period '2025-Q1'"):
            add_lesson(session=session, period="2025-Q1", text="x", actor="ana")
    with db.transaction(write=False) as session:
        r = quarter_review(session=session, period="2026-Q4", as_of=AS_OF)
        health = objective_health(session=session, period="2026-Q4", today=AS_OF.date())
    levels = {k.id: (k.attainment, o.at_risk) for o in health.objectives
              for k in o.key_results}
    counted = [lv for lv, risk in levels.values() if not risk]
    assert r.attainment.measured == sum(1 for lv, _ in levels.values()
                                        if lv is not Attainment.UNMEASURED)
    assert r.attainment.target == sum(1 for lv in counted
                                      if lv in (Attainment.TARGET, Attainment.STRETCH))
    assert r.attainment.gated_out == sum(1 for lv, risk in levels.values() if risk
                                         and lv in (Attainment.COMMIT, Attainment.TARGET,
                                                    Attainment.STRETCH))
    assert r.attainment.gated_out >= 1  # act-mid reached its target behind a breach
    assert not r.frozen
    assert [lesson.text for lesson in r.lessons] == ["Tickets grew with activation"]
    assert r.previous_period is None
    md = quarter_markdown(r)
    assert "Retrospective: lessons from 2026-Q4" in md
    # an open period has missed nothing yet: below commit so far, in every rendering
    first = r.objectives[0]
    kr = dataclasses.replace(first.objective.key_results[0], current=0.0, baseline=1.0,
                             target=2.0, progress=-1.0, attainment=Attainment.MISSED)
    behind = dataclasses.replace(r, objectives=(dataclasses.replace(
        first, objective=dataclasses.replace(first.objective, key_results=(kr,))),))
    assert behind.level_word(kr) == "below commit"
    md = quarter_markdown(behind)
    assert "| below commit |" in md
    assert "| missed |" not in md
    assert "nothing is missed until it closes" in md
    closed = dataclasses.replace(behind, closed=True)
    assert closed.level_word(kr) == "missed"
    assert "| missed |" in quarter_markdown(closed)
    unread = dataclasses.replace(kr, attainment=Attainment.UNMEASURED, progress=None,
                                 note="the period's first cohorts finish ... on 2027-01-07")
    assert closed.level_word(unread) == "not readable yet"
    assert "- Tickets grew with activation (first-win) — ana" in md
    with db.transaction(write=False) as session:
        assert [x.author for x in list_lessons(session=session, period="2026-Q4")] == ["ana"]
        entries = sql(db, "SELECT entity_type, actor FROM audit_log WHERE entity_type='lesson'")
    assert entries == [("lesson", "ana")]


def test_trend_words_only_beyond_noise() -> None:
    """A steady rise is a trend in the KR's direction; a noisy flat month is not one, and a
    fall on a 'reduce' KR is an improvement."""
    up, down = Direction.INCREASE, Direction.DECREASE
    rise = [0.30, 0.32, 0.345, 0.36, 0.385]
    assert _trend(_slope(rise), rise, up) == "improving"
    assert _trend(_slope(rise), rise, down) == "worsening"
    assert _trend(_slope(rise), rise, None) == "rising"
    noisy = [0.30, 0.36, 0.29, 0.37, 0.33]  # +6 pts in a week, then back
    assert _trend(_slope(noisy), noisy, up) == "no clear change"
    faster = [110.0, 104.0, 97.0, 92.0]  # minutes to first report, falling steadily
    assert _trend(_slope(faster), faster, down) == "improving"
    assert _trend(_slope([0.3, 0.4]), [0.3, 0.4], up) == "no clear change"  # 2 weeks
    assert _trend(None, [], up) == "unknown"


def test_a_weekly_value_from_an_earlier_week_is_dated_in_every_rendering(
    db: Database, ws: Workspace
) -> None:
    """A 7-day cohort metric's latest own week is two weeks back; the column must say so."""
    with db.transaction(write=False) as session:
        r = weekly_review(session=session, catalog=ws.metrics, as_of=AS_OF)
    act = next(k for k in r.key_results if k.kr_id == "act")
    assert r.earlier_week(act) is None  # a 2-day window: the review week has its own value
    lagging = dataclasses.replace(act, weekly_week=date(2026, 10, 26), weekly_so_far=False)
    dated = dataclasses.replace(r, key_results=(lagging, *r.key_results[1:]))
    assert dated.earlier_week(lagging) == date(2026, 10, 26)
    row = next(line for line in weekly_markdown(dated).splitlines() if line.startswith("| act "))
    assert "(26 Oct) |" in row
    html = render_html("weekly.html", r=dated, title="t", workspace_name="w",
                       generated=AS_OF, data_through=AS_OF)
    cell = html.split('data-kr="act"')[1].split("</tr>")[0]
    assert 'data-week="2026-10-26">week of 26 Oct<' in cell


def test_the_dashboard_counts_the_check_ins_people_made_as_the_review_does(
    db: Database, ws: Workspace
) -> None:
    """Sync writes every KR's computed value each week; the dashboard's "checked in this
    week" tile counted those, so a workspace nobody had checked in on read "2 / 2" while the
    weekly review listed both KRs as missing."""
    from sowhat.services import dashboard as views

    week = date(2026, 11, 9)
    with db.transaction(write=False) as session:
        board = views.dashboard(session=session, period="2026-Q4", today=week + timedelta(3),
                                workspace=ws)
        missing = missing_checkins(session=session, week=week,
                                   period=repositories.periods_by_label(
                                       session, ["2026-Q4"])["2026-Q4"])
        auto_only = [k for k in board.plan.key_results if k.id == "act-mid"]
    assert board.week == week
    assert [m.kr_id for m in missing] == ["act-mid"]
    assert auto_only[0].status.last_week == week  # sync wrote its value for the week
    assert auto_only[0].status.last_person_week != week  # but nobody checked in
    assert board.checked_in_this_week == board.kr_total - len(missing)


def test_a_weekly_value_whose_cohorts_are_still_maturing_reads_so_far(
    db: Database, ws: Workspace
) -> None:
    """As of Monday 16 Nov, a 2-day activation's review week (9-15 Nov) has its signups of
    the 15th still inside their window: the value still moves, as the KR chart's "so far"
    says — the review printed it, and its change on the week before, as settled."""
    with db.transaction(write=False) as session:
        r = weekly_review(session=session, catalog=ws.metrics, as_of=AS_OF)
    act = next(k for k in r.key_results if k.kr_id == "act")
    tickets = next(k for k in r.key_results if k.kr_id == "tickets-total")
    assert act.weekly_week == date(2026, 11, 9)
    assert act.weekly_value is not None
    assert act.weekly_so_far
    assert r.weekly_note(act) == "so far"
    # a week over its first cohorts is not compared with a whole one: its change waits
    assert act.weekly_change is None
    assert not tickets.weekly_so_far  # a count's complete week does not move
    assert tickets.weekly_change is not None
    assert r.weekly_note(tickets) == ""
    row = next(line for line in weekly_markdown(r).splitlines() if line.startswith("| act "))
    assert "(so far) |" in row
    html = render_html("weekly.html", r=r, title="t", workspace_name="w",
                       generated=AS_OF, data_through=AS_OF)
    assert 'data-so-far="1">so far<' in html.split('data-kr="act"')[1].split("</tr>")[0]
    assert "data-so-far" not in html.split('data-kr="tickets-total"')[1].split("</tr>")[0]
    earlier = dataclasses.replace(act, weekly_week=date(2026, 11, 2))
    assert r.weekly_note(earlier) == "02 Nov, so far"


def test_monthly_segments_that_match_no_event_read_nothing_and_moving_weeks_so_far(
    db: Database, ws: Workspace
) -> None:
    """Segments on `plan`, which only signups carry, read on ticket events: the review showed
    "mid 0, small 0" tickets — right by definition, wrong in meaning. And November's week of
    the 9th, whose signups of the 15th are still inside their 2-day window on the 16th, read
    as a settled week."""
    r = _november(db, ws, AS_OF)
    tickets = next(k for k in r.key_results if k.kr_id == "tickets-total")
    by_segment = {s.segment: s for s in tickets.segments}
    assert by_segment[None].value == 5 * 15
    assert by_segment[None].matches_nothing is None
    for plan in ("mid", "small"):
        s = by_segment[plan]
        assert (s.value, s.previous, s.change, s.entities) == (None, None, None, None)
        assert s.matches_nothing is not None
        assert "matches none of the" in s.matches_nothing
        assert "'ticket_opened' events" in s.matches_nothing
    act = next(k for k in r.key_results if k.kr_id == "act")
    assert all(s.matches_nothing is None for s in act.segments)  # signups carry `plan`
    assert [(w.week, w.so_far) for w in act.weeks] == [
        (date(2026, 11, 2), False), (date(2026, 11, 9), True)]
    assert not any(w.so_far for w in tickets.weeks)  # a count's complete week is settled
    md = monthly_markdown(r)
    assert "2026-11-09 " in md
    assert "(so far)" in md.split("## act —")[1].split("##")[0]
    assert "- mid reads nothing: the segment" in md
    html = render_html("monthly.html", r=r, title="t", workspace_name="w", generated=AS_OF,
                       data_through=AS_OF)
    assert 'data-matches-nothing="small"' in html
    assert 'data-so-far="1">so far<' in html


def test_the_one_query_segment_check_says_what_filter_warnings_says(ws: Workspace) -> None:
    """`empty_segments` counts every property segment in one pass; `filter_warnings` asks
    one query per pair. Same window, same verdicts, same words."""
    from sowhat.metrics.coverage import empty_segments, filter_warnings
    from sowhat.metrics.engine import MetricRequest

    assert ws.metrics is not None
    requests = [MetricRequest(m, s) for m in ("activation", "tickets", "signups")
                for s in ("mid", "small")]
    window = {"start": datetime(2026, 10, 1, tzinfo=UTC),
              "end": datetime(2026, 11, 1, tzinfo=UTC), "as_of": AS_OF}
    events = open_events(ws)
    try:
        fast = empty_segments(requests, catalog=ws.metrics, events=events, **window)
        slow = {(w.metric, w.segment): w.message
                for w in filter_warnings(requests, catalog=ws.metrics, events=events, **window)
                if w.message.startswith("the segment")}
    finally:
        events.close()
    assert fast == slow
    assert set(fast) == {("tickets", "mid"), ("tickets", "small")}
