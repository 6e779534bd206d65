"""Scores: how far each KR, objective and team has come, on one 0..1 scale.

A KR with no reading yet scores 0 in its objective's mean: an unmeasured KR has shown no
progress, and leaving it out would let an objective look done by measuring only what went well.
Every surface that shows such a score says how many of its KRs were counted as 0 for want of a
reading (`unmeasured`). An objective none of whose KRs has a reading has no score at all: a 0%
there would read as a measurement of no progress when nothing was measured.

The one exception is a KR that cannot be read yet by construction: a cohort measure whose
period's first cohorts have not finished their outcome window. Counting it as 0 would grade
the objective on a number nobody can have moved, so it is left out of the mean and counted
apart (`waiting`), and every surface that shows the score says how many were left out.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
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
    waiting: tuple[str, ...] = ()  # KRs left out of the score: not readable yet
    unmeasured: tuple[str, ...] = ()  # KRs counted as 0: no reading (or no baseline/target)


def score_key_result(kr: KeyResult, current: float | None) -> KRScore:
    return KRScore(kr.id, current, kr.progress(current))


def score_objective(objective: Objective, current: Mapping[str, float | None],
                    waiting: Collection[str] = ()) -> ObjectiveScore:
    """Mean of the objective's KR scores, the KRs in `waiting` (not readable yet) left out
    and those without progress counted as 0; None for an objective without KRs, whose KRs are
    all waiting, or none of whose counted KRs has progress to show."""
    krs = tuple(score_key_result(kr, current.get(kr.id)) for kr in objective.key_results)
    counted = [k for k in krs if k.kr_id not in waiting]
    unmeasured = tuple(k.kr_id for k in counted if k.progress is None)
    measured = len(counted) - len(unmeasured)
    score = sum(k.score for k in counted) / len(counted) if measured else None
    left_out = tuple(k.kr_id for k in krs if k.kr_id in waiting)
    return ObjectiveScore(objective.id, objective.team, score, krs, left_out, unmeasured)


def score_note(waiting: int, key_results: int, score: float | None,
               unmeasured: int = 0) -> str | None:
    """Why a score is not the plain mean of its objective's KRs, in words for every surface:
    KRs left out (not readable yet) and KRs counted as 0 (nothing measured)."""
    if score is None:
        if waiting and not unmeasured:
            return "no KR readable yet"
        if unmeasured:
            return "no KR measured yet"
        return None
    parts = []
    if waiting:
        parts.append(f"{waiting} of {key_results} KRs not readable yet, left out of the score")
    if unmeasured:
        parts.append(f"{unmeasured} of {key_results} KRs not measured yet, counted as 0")
    return "; ".join(parts) or None


def roll_up_by_team(scores: Iterable[ObjectiveScore]) -> dict[str, float]:
    """Each team's mean objective score for the period (objectives without KRs left out)."""
    by_team: dict[str, list[float]] = defaultdict(list)
    for s in scores:
        if s.score is not None:
            by_team[s.team or "(no team)"].append(s.score)
    return {team: sum(v) / len(v) for team, v in sorted(by_team.items())}
