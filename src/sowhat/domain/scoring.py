"""Scores: how far each KR, objective and team has come, on one 0..1 scale.

A KR with no reading yet scores 0 in its objective's mean: an unmeasured KR has shown no
progress, and leaving it out would let an objective look done by measuring only what went well.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sowhat.domain.okr import KeyResult, Objective


@dataclass(frozen=True)
class KRScore:
    kr_id: str
    current: float | None
    progress: float | None

    @property
    def score(self) -> float:
        return self.progress or 0.0


@dataclass(frozen=True)
class ObjectiveScore:
    objective_id: str
    team: str | None
    score: float | None
    key_results: tuple[KRScore, ...]


def score_key_result(kr: KeyResult, current: float | None) -> KRScore:
    return KRScore(kr.id, current, kr.progress(current))


def score_objective(objective: Objective, current: Mapping[str, float | None]) -> ObjectiveScore:
    """Mean of the objective's KR scores; None for an objective without KRs."""
    krs = tuple(score_key_result(kr, current.get(kr.id)) for kr in objective.key_results)
    score = sum(k.score for k in krs) / len(krs) if krs else None
    return ObjectiveScore(objective.id, objective.team, score, krs)


def roll_up_by_team(scores: Iterable[ObjectiveScore]) -> dict[str, float]:
    """Each team's mean objective score for the period (objectives without KRs left out)."""
    by_team: dict[str, list[float]] = defaultdict(list)
    for s in scores:
        if s.score is not None:
            by_team[s.team or "(no team)"].append(s.score)
    return {team: sum(v) / len(v) for team, v in sorted(by_team.items())}
