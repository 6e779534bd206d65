"""The bets board's verdict lane: every shipped bet's measured impact, computed once per state.

Estimating a launch's impact reads weeks of events and runs the statistics; a board that did
that on every page view would be slow. Results are kept in memory keyed by what they depend
on — the stored plans and the events file's size and modification time — so the first view
after a sync or an edit recomputes and the rest are instant.
"""

from __future__ import annotations

from dataclasses import dataclass
from threading import Lock

from sqlalchemy.orm import Session

from sowhat.errors import SowhatError
from sowhat.services.bets import Portfolio, portfolio
from sowhat.services.events import event_source_spec, open_events
from sowhat.services.plans import load_plans
from sowhat.spec.workspace import Workspace
from sowhat.stats.factory_index import FactoryIndex


@dataclass(frozen=True)
class VerdictCard:
    bet_id: str
    title: str
    team: str | None
    key_result: str | None
    verdict: str | None  # moved | no_effect | inconclusive | wrong_way; None: not estimable
    summary: str
    method: str | None = None
    effect: float | None = None  # the estimated change in the KR's metric, its units
    low: float | None = None  # the interval around it, at `level`
    high: float | None = None
    level: float | None = None
    expected_effect: float | None = None  # what the bet expected, same units
    expected_in_interval: bool | None = None
    assumptions: tuple[str, ...] = ()  # what the method assumes and what would make it wrong
    experiment_note: str | None = None
    """A bet that ran an A/B test (`experiment:`): its analysis, not this before/after
    estimate, is the evidence. The board showed only "too noisy to tell yet" of an onboarding
    bet whose experiment read +9.7 pts (p < 0.001), with no word that a test existed."""


@dataclass(frozen=True)
class VerdictBoard:
    period: str
    cards: tuple[VerdictCard, ...]
    factory: tuple[FactoryIndex, ...]
    error: str | None = None


_cache: dict[tuple[object, ...], VerdictBoard] = {}
_lock = Lock()


def _events_signature(workspace: Workspace) -> tuple[object, ...]:
    spec = event_source_spec(workspace)
    if spec.kind != "duckdb":
        return (spec.kind,)
    path = spec.duckdb_path(workspace.root)
    if not path.exists():
        return ("missing",)
    stat = path.stat()
    return (str(path), stat.st_size, stat.st_mtime_ns)


def verdict_board(*, session: Session, workspace: Workspace, period: str) -> VerdictBoard:
    """Verdicts for the period's shipped bets, from the stored plans and the events."""
    plans = load_plans(session=session)
    key = (str(workspace.root), period, hash(tuple(plans)), _events_signature(workspace))
    with _lock:
        cached = _cache.get(key)
    if cached is not None:
        return cached
    if workspace.metrics is None:
        return VerdictBoard(period, (), (), "no metrics.yaml: impact cannot be measured")
    try:
        with open_events(workspace) as events:
            result = portfolio(plans=plans, catalog=workspace.metrics, events=events,
                               period=period)
    except SowhatError as exc:
        return VerdictBoard(period, (), (), str(exc))
    board = _board(period, result)
    with _lock:
        _cache.clear()  # only the latest state is worth keeping
        _cache[key] = board
    return board


def _board(period: str, result: Portfolio) -> VerdictBoard:
    cards = []
    for entry in result.bets:
        bet = entry.ref.bet
        if bet.shipped_on is None:
            continue
        key_result = entry.ref.key_result.id if entry.ref.key_result else None
        if entry.impact is not None:
            primary = entry.impact.primary
            v = primary.verdict
            cards.append(VerdictCard(bet.id, bet.title, entry.ref.objective.team, key_result,
                                     str(v.verdict), v.summary, primary.method, v.effect,
                                     v.low, v.high, v.level, v.expected_effect,
                                     v.expected_in_interval,
                                     primary.estimate.assumptions,
                                     entry.impact.experiment_note))  # fmt: skip
        else:
            cards.append(VerdictCard(bet.id, bet.title, entry.ref.objective.team, key_result,
                                     None, entry.impact_error or "no estimate yet"))
    return VerdictBoard(period, tuple(cards), result.factory)
