"""Pages about the plan: dashboard, objective, key result (with its chart and the coach),
and the bets board. Each handler reads one service result and renders one template."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from sowhat.api.auth import CSRF_HEADER, Caller, check_csrf, require_caller
from sowhat.api.pages.templating import render
from sowhat.api.state import server_state
from sowhat.api.v1.schedule import schedule_lines
from sowhat.domain.measure import DEFAULT_OVER_DAYS, complete_periods, whole_periods
from sowhat.errors import UserError
from sowhat.reports import words
from sowhat.reports.charts import ChartInput, Launch, render_kr_chart, sparkline, time_marker
from sowhat.services import dashboard as views
from sowhat.services.coach import coach_text
from sowhat.services.forecasts import FORECAST_ASSUMPTIONS, KRForecastView, unsettled_weeks
from sowhat.services.impact.verdicts import VerdictCard, verdict_board
from sowhat.services.okrs import edits as okr_edits
from sowhat.services.okrs.views import plan_view
from sowhat.services.plans import KeyResultStatus
from sowhat.services.series.months import is_monthly, monthly_values
from sowhat.spec.metric_units import unit_text

router = APIRouter()


def page_writer(request: Request, csrf_token: str) -> Caller:
    """A logged-in caller whose form carried its CSRF token (field, or htmx's header)."""
    caller = require_caller(request)
    check_csrf(caller, csrf_token or request.headers.get(CSRF_HEADER))
    return caller


@router.get("/")
def home(request: Request) -> Response:
    return _dashboard(request, None)


@router.get("/periods/{period}")
def dashboard_page(request: Request, period: str) -> Response:
    return _dashboard(request, period)


def list_filters(request: Request) -> tuple[str | None, str | None, int]:
    """`?team=`, `?owner=` and `?page=` of a long list; a page that is not a number is 1."""
    team = (request.query_params.get("team") or "").strip() or None
    owner = (request.query_params.get("owner") or "").strip() or None
    try:
        page = int(request.query_params.get("page") or 1)
    except ValueError:
        page = 1
    return team, owner, page


def filter_query(team: str | None, owner: str | None, page: int | None = None) -> str:
    """The query string that keeps the filters (and names a page past the first)."""
    pairs = [(k, v) for k, v in (("team", team), ("owner", owner)) if v]
    if page and page > 1:
        pairs.append(("page", str(page)))
    return "?" + urlencode(pairs) if pairs else ""


def _dashboard(request: Request, period: str | None) -> Response:
    require_caller(request)
    state = server_state(request)
    team, owner, page = list_filters(request)
    with state.db.transaction(write=False) as session:
        data = views.dashboard(session=session, period=period, workspace=state.workspace,
                               team=team, owner=owner, page=page)  # fmt: skip
    periods = list(data.periods)
    points = [(p.week, p.value) for p in data.north_star if p.value is not None]
    monthly = is_monthly(state.workspace.metrics, data.plan.status.north_star)
    trend = sparkline(points, label=f"{data.plan.status.north_star} by "
                      f"{'month' if monthly else 'week'}")
    return render(request, "dashboard.html", {
        "d": data, "plan": data.plan, "periods": periods, "trend": trend,
        "trend_points": points, "north_star_monthly": monthly,
        "data_through": data.data_through, "stale": data.stale,
        "schedule": schedule_lines(request), "keep": filter_query(team, owner),
        "link": lambda n: f"/periods/{data.plan.period}" + filter_query(team, owner, n),
    })  # fmt: skip


@router.get("/key-results")
def key_results_current(request: Request) -> Response:
    return _key_results(request, None)


@router.get("/periods/{period}/key-results")
def key_results_page(request: Request, period: str) -> Response:
    return _key_results(request, period)


def _key_results(request: Request, period: str | None) -> Response:
    """Every key result of the period in one table, filtered by team and owner, paged."""
    require_caller(request)
    state = server_state(request)
    team, owner, page = list_filters(request)
    with state.db.transaction(write=False) as session:
        data = views.key_result_list(session=session, period=period, workspace=state.workspace,
                                     team=team, owner=owner, page=page)  # fmt: skip
    base = f"/periods/{data.dashboard.plan.period}/key-results"
    return render(request, "key_results.html", {
        "l": data, "d": data.dashboard, "plan": data.dashboard.plan, "base": base,
        "keep": filter_query(team, owner),
        "link": lambda n: base + filter_query(team, owner, n),
        "data_through": data.dashboard.data_through, "stale": data.dashboard.stale,
    })  # fmt: skip


@router.get("/periods/{period}/objectives/{objective_id:path}")
def objective_page(request: Request, period: str, objective_id: str) -> Response:
    require_caller(request)
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        plan = views.cached_plan(session=session, period=period,
                                 catalog=state.workspace.metrics)  # fmt: skip
        objective = plan.objective(objective_id)
        # the dashboard's words (cached with its model): a bar coloured by pace here read
        # green for a KR the dashboard calls at risk
        standing = views.dashboard(session=session, period=plan.period,
                                   workspace=state.workspace)
    return render(request, "objective.html", {
        "plan": plan, "o": objective, "krs": plan.key_results_of(objective_id),
        "standing": standing.standings.get(objective_id), "words": standing.kr_words,
        "data_through": standing.data_through, "stale": standing.stale,
        "bets": [b for b in plan.bets if b.objective == objective_id],
        "guardrails": [
            (g, g.guardrail.describe(unit_text(state.workspace.metrics, g.guardrail.metric)))
            for g in plan.guardrails if g.objective == objective_id],
        "saved": request.query_params.get("saved") == "1",
    })  # fmt: skip


@router.post("/periods/{period}/key-results/{kr_id:path}/title")
def edit_kr_title(request: Request, period: str, kr_id: str, title: Annotated[str, Form()],
                  version: Annotated[int, Form()],
                  csrf_token: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    try:
        with server_state(request).db.transaction() as session:
            okr_edits.update_key_result(session=session, principal=caller.principal,
                                        period=period, kr_id=kr_id, changes={"title": title},
                                        expected_version=version)  # fmt: skip
    except UserError as exc:
        return _kr_page(request, period, kr_id, error=exc, draft=title)
    return RedirectResponse(f"/periods/{period}/key-results/{kr_id}?saved=1", status_code=303)


@router.get("/periods/{period}/key-results/{kr_id:path}")
def key_result_page(request: Request, period: str, kr_id: str) -> Response:
    return _kr_page(request, period, kr_id)


def _kr_page(request: Request, period: str, kr_id: str, *, error: UserError | None = None,
             draft: str | None = None) -> Response:
    require_caller(request)
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        data = views.key_result_page(session=session, period=period, kr_id=kr_id,
                                     metrics=state.workspace.metrics, title=draft)  # fmt: skip
    s = data.kr.status
    status = data.plan.status
    rate = words.is_rate(s.baseline, s.target, s.unit)
    this_period = [c.checkin for c in data.checkins
                   if c.period == data.plan.period and c.checkin.value is not None]
    typed = [(c.week, float(c.value)) for c in this_period  # type: ignore[arg-type]
             if str(c.source) == "manual"]
    # A monthly metric (MAU, monthly churn) has months, not weeks: its weekly check-ins only
    # repeat the latest whole month's reading, so its line is each calendar month's value.
    monthly = is_monthly(state.workspace.metrics, s.metric)
    months = monthly_values(workspace=state.workspace, metric=s.metric, segment=s.segment,
                            start=status.start, end=status.end) if monthly and s.metric else ()
    computed = ([(m.month, m.value) for m in months if m.value is not None] if monthly
                else [(w.week, w.value) for w in data.weekly if w.value is not None])
    # One line a reader can trust: the metric computed from the events, week by week (month
    # by month), when there is one; people's typed values are marked on it. Without a
    # metric, the line is the check-ins themselves.
    line = computed if computed or monthly else [
        (c.week, float(c.value)) for c in this_period]  # type: ignore[arg-type]
    today, marker = time_marker(date.today(), status.data_through or status.last_sync)
    chart = ChartInput(
        title=f"{s.title}: {'monthly' if monthly else 'weekly'} values",
        grain="month" if monthly else "week",
        empty="no whole month in the period yet" if monthly else "no values yet",
        start=status.start, end=status.end,
        points=line, baseline=s.baseline, target=s.target,
        launches=[Launch(b.bet.shipped_on, b.bet.title) for b in data.launches
                  if b.bet.shipped_on is not None],
        manual=typed if computed else [],
        band=_band(data.forecast_view), today=today, today_label=marker,
        unsettled=unsettled_weeks(line, period_end=status.end, as_of=status.data_through
                                  or status.last_sync, metric=s.metric,
                                  catalog=state.workspace.metrics)
        if computed and not monthly else (),
    )  # fmt: skip
    svg = render_kr_chart(chart, lambda v: words.value(v, rate=rate, unit=s.unit),
                          lambda ts: words.tick_labels(ts, rate=rate, unit=s.unit))
    f = data.forecast_view
    forecast = words.forecast_sentence(
        projected=f.projected, low=f.low, high=f.high, interval=f.interval,
        probability=f.probability, target=f.target, rate=rate, unit=s.unit,
        what=_forecast_what(s, str(f.basis)),
    ) if f is not None else None  # fmt: skip
    return render(request, "key_result.html", {
        "plan": data.plan, "p": data, "kr": s, "chart": svg, "error": error,
        "draft": draft, "saved": request.query_params.get("saved") == "1",
        "computed": bool(computed) or monthly, "monthly": monthly, "typed": len(typed),
        "forecast": forecast,
        # the legend names the dashed line as the chart labels it: "today", or "end of the
        # data" when the line stands where the data stops (a "today" key beside a line
        # labelled "data through 16 Nov" read as two different things)
        "marker_key": "today" if marker == "today" else "end of the data",
        # a key for what the chart draws, never for what it does not (a "bet launch" key on
        # a KR no bet names sent readers looking for an orange line)
        "launch_key": any(chart.start <= x.day < chart.end for x in chart.launches),
        "unsettled_key": bool(chart.unsettled),
        "band_key": _band_key(chart.band, status.end),
        "forecast_assumptions": FORECAST_ASSUMPTIONS if forecast else (),
        "data_through": status.data_through or status.last_sync,
        "stale": views.staleness(status.data_through or status.last_sync,
                                 workspace=state.workspace),
    }, status_code=int(error.status) if error else 200)  # fmt: skip


def _forecast_what(kr: KeyResultStatus, basis: str) -> str:
    """What the forecast's numbers are, in the words the Current tile uses: the KR's level
    over its trailing window (not one week's value), or the period's total."""
    if basis != "weekly_level":
        return "the period's total"
    days = kr.over_days or DEFAULT_OVER_DAYS
    if kr.per is not None:  # an active metric averages whole weeks (days, months), as its tile says
        periods = f"latest {complete_periods(whole_periods(timedelta(days=days), kr.per), kr.per)}"
        if kr.pooled:  # churn: customers lost over customers at the periods' starts
            return f"the churn of its {periods}"
        return f"the mean of its {periods}"
    return f"the {days}-day level"


def _band_key(band: Sequence[tuple[date, float, float]], period_end: date) -> str:
    """The legend's words for the forecast band. A level's band stops weeks before the period
    ends — at the middle of the weeks (or cohorts) the period-end level averages, which is
    what the forecast predicts (services.forecasts.level_offset) — and a band that stops
    short of a line marked "At the period's end" read as a forecast that gave up early."""
    if band and band[-1][0] + timedelta(days=7) < period_end - timedelta(days=7):
        return ("forecast range, drawn to the middle of the weeks the period-end level "
                "averages")
    return "forecast range"


def _band(view: KRForecastView | None) -> list[tuple[date, float, float]]:
    """The forecast's central range, starting from the last measured week."""
    if view is None or not view.path:
        return []
    start = []
    if view.last_week is not None and view.last_week_value is not None:
        start = [(view.last_week, view.last_week_value, view.last_week_value)]
    return start + [(p.week, p.low, p.high) for p in view.path]


@router.post("/coach")
def coach_panel(request: Request, title: Annotated[str, Form()] = "",
                csrf_token: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    """The findings panel the KR title field swaps in as the person types."""
    page_writer(request, csrf_token)
    coaching = coach_text(title, metrics=server_state(request).workspace.metrics)
    return render(request, "_findings.html", {"coaching": coaching})


@router.get("/bets")
def bets_current(request: Request) -> Response:
    return _bets(request, None)


@router.get("/periods/{period}/bets")
def bets_page(request: Request, period: str) -> Response:
    return _bets(request, period)


def _bets(request: Request, period: str | None, *, error: UserError | None = None,
          failed: str | None = None) -> Response:  # fmt: skip
    require_caller(request)
    with server_state(request).db.transaction(write=False) as session:
        board = views.bets_board(session=session, period=period,
                                 catalog=server_state(request).workspace.metrics)
    titles = {b.bet.id: b.bet.title for _, lane in board.columns for b in lane}
    moved = request.query_params.get("moved")
    return render(request, "bets.html", {
        "plan": board.plan, "board": board, "error": error, "failed": failed,
        "kr_titles": {k.id: k.status.title for k in board.plan.key_results},
        "kr_status": {k.id: k.status for k in board.plan.key_results},
        "moved": (titles.get(moved, moved), request.query_params.get("to")) if moved else None,
        "saved": titles.get(request.query_params.get("saved") or ""),
    }, status_code=int(error.status) if error else 200)  # fmt: skip


@router.get("/periods/{period}/bets/verdicts")
def bet_verdicts(request: Request, period: str, view: str = "board",
                 kr: str | None = None) -> Response:  # fmt: skip
    """The shipped bets' verdicts, loaded after the page so it never waits on statistics:
    swapped into the board's cards, or (`view=list`) a list for the dashboard."""
    require_caller(request)
    state = server_state(request)
    with state.db.transaction(write=False) as session:
        board = verdict_board(session=session, workspace=state.workspace, period=period)
        krs = {k.id: k.status for k in plan_view(
            session=session, period=period, catalog=state.workspace.metrics).key_results}
    name = "_verdict_list.html" if view == "list" else "_verdicts.html"
    if kr is not None:  # one KR's page: only the bets aimed at it
        board = replace(board, cards=tuple(c for c in board.cards if c.key_result == kr),
                        factory=())
    return render(request, name, {"verdicts": board, "krs": krs,
                                  "plain": verdict_sentences(board.cards, krs)})


def verdict_sentences(cards: Iterable[VerdictCard], krs: Mapping[str, Any]) -> dict[str, str]:
    """Each bet's estimate in words, on its KR's scale: "+2.4 pts, likely between ..."."""
    out = {}
    for c in cards:
        kr = krs.get(c.key_result or "")
        # "can't tell" keeps its summary: the reason is the point, not the numbers.
        if kr is None or c.effect is None or c.verdict == "cant_tell":
            continue
        out[c.bet_id] = words.plain_effect(
            verdict=c.verdict, effect=c.effect, low=c.low, high=c.high,
            expected=c.expected_effect, expected_in_interval=c.expected_in_interval,
            rate=words.is_rate(kr.baseline, kr.target, kr.unit), unit=kr.unit)
    return out


@router.post("/periods/{period}/bets/{bet_id:path}/status")
def move_bet(request: Request, period: str, bet_id: str, status: Annotated[str, Form()],
             version: Annotated[int, Form()],
             csrf_token: Annotated[str, Form()] = "") -> Response:  # fmt: skip
    caller = page_writer(request, csrf_token)
    try:
        with server_state(request).db.transaction() as session:
            okr_edits.update_bet(session=session, principal=caller.principal, period=period,
                                 bet_id=bet_id, changes={"status": status},
                                 expected_version=version)  # fmt: skip
    except UserError as exc:  # the board again, the message next to the bet
        return _bets(request, period, error=exc, failed=bet_id)
    query = urlencode({"moved": bet_id, "to": status})
    return RedirectResponse(f"/periods/{period}/bets?{query}#bet-{_anchor(bet_id)}",
                            status_code=303)  # fmt: skip


def _anchor(key: str) -> str:
    return key.replace("/", "-")
