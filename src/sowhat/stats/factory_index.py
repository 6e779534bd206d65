"""The feature-factory index: of the bets a team shipped, how many moved their KR?

A team that ships a lot and moves little is a feature factory (the seed essays' warning).
The index is, per team and period, the share of shipped bets whose verdict is "moved its KR"
among the shipped bets that have a verdict (moved, wrong way, no detectable effect,
inconclusive). Bets without an estimate yet, or whose estimate failed, are counted but left
out of the share: they say nothing either way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sowhat.stats.verdict import Verdict


@dataclass(frozen=True)
class ShippedBet:
    team: str
    period: str
    bet_id: str
    verdict: Verdict | None  # None: no impact estimate yet


@dataclass(frozen=True)
class FactoryIndex:
    team: str
    period: str
    shipped: int
    judged: int  # shipped bets with a verdict
    moved: int
    wrong_way: int
    no_effect: int
    inconclusive: int
    unavailable: int  # no estimate yet, or not estimable
    share_moved: float | None  # moved / judged; None when nothing is judged yet


def feature_factory_index(bets: Iterable[ShippedBet]) -> list[FactoryIndex]:
    """One row per (team, period), sorted by team then period."""
    groups: dict[tuple[str, str], list[Verdict | None]] = {}
    for bet in bets:
        groups.setdefault((bet.team, bet.period), []).append(bet.verdict)
    rows = []
    for (team, period), verdicts in sorted(groups.items()):
        count = {v: sum(1 for x in verdicts if x is v) for v in Verdict}
        judged = len(verdicts) - count[Verdict.UNAVAILABLE] - sum(x is None for x in verdicts)
        rows.append(
            FactoryIndex(
                team=team,
                period=period,
                shipped=len(verdicts),
                judged=judged,
                moved=count[Verdict.MOVED],
                wrong_way=count[Verdict.WRONG_WAY],
                no_effect=count[Verdict.NO_EFFECT],
                # "can't tell" is a judged bet whose effect could not be separated: for the
                # index it counts with the inconclusive ones (judged, not moved).
                inconclusive=count[Verdict.INCONCLUSIVE] + count[Verdict.CANT_TELL],
                unavailable=len(verdicts) - judged,
                share_moved=count[Verdict.MOVED] / judged if judged else None,
            )
        )
    return rows
