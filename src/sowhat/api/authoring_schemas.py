"""Request and response bodies of the authoring routes (creating, planning, the draft check)."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from sowhat.api.schemas import FindingOut
from sowhat.services.authoring.draft_check import DraftCheck
from sowhat.services.authoring.objects import GuardrailInfo


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class PeriodIn(_In):
    label: str = Field(description="2027-Q1, 2027-H1, 2027-03 or 2027: a new draft period.")
    north_star: str | None = None


class ObjectiveIn(_In):
    id: str
    title: str
    team: str | None = None
    owner: str | None = None
    aligns_to: str | None = None
    description: str | None = None


class KeyResultIn(_In):
    id: str
    objective: str
    title: str
    metric: str | None = None
    segment: str | None = None
    baseline: float | None = None
    target: float | None = None
    indicator: str | None = None
    owner: str | None = None
    unit: str | None = None
    output_waiver: str | None = Field(default=None, description="Why an output KR is allowed.")
    waiver_expires: date | None = None
    measure: str | None = Field(default=None, description="level | cumulative (default: from "
                                "the metric type)")
    over: str | None = Field(default=None, description="a level's trailing window, e.g. 28d")


class GuardrailIn(_In):
    objective: str
    metric: str
    segment: str | None = None
    max_change: str | None = Field(default=None, description='e.g. "+10%"')
    min_change: str | None = None
    max: float | None = None
    min: float | None = None
    over: str | None = Field(default=None, description='a trailing window such as "7d" (a '
                             "weekly limit on a count); default: the period to date")


class ExpectsIn(_In):
    key_result: str
    change: str = Field(description="+10% (relative), +2pp (points) or +0.05 (absolute)")


class BetIn(_In):
    id: str
    objective: str
    title: str
    status: str = "idea"
    opportunity: str | None = None
    hypothesis: str | None = None
    expects: ExpectsIn | None = None
    change_mind_if: str | None = None
    shipped_on: date | None = None
    experiment: str | None = None
    owner: str | None = None


class GuardrailOut(BaseModel):
    period: str
    objective: str
    key: str = Field(description="metric, metric@segment, or metric#2 within its objective")
    metric: str
    segment: str | None
    max_change: str | None
    min_change: str | None
    max: float | None
    min: float | None
    over_days: int | None = Field(description="trailing window in days; null: the period "
                                  "to date")
    version: int


class DraftKeyResultIn(_In):
    title: str = ""
    metric: str | None = None
    segment: str | None = None
    baseline: float | None = None
    target: float | None = None
    measure: str | None = None
    over_days: int | None = Field(default=None, ge=1, le=366)


class MeasuredBaselineOut(BaseModel):
    value: float | None
    start: date
    end: date = Field(description="Exclusive.")
    entities: int | None
    measure: str = Field(description="level | cumulative")
    description: str


class AmbitionOut(BaseModel):
    verdict: str = Field(description="sandbagged | ambitious | unreachable | unknown")
    probability: float | None = Field(description="P(target hit with no change).")
    projected: float | None
    message: str


class DetectabilityOut(BaseModel):
    detectable: bool | None
    expected_effect: float | None
    ab_mde: float | None = Field(description="Smallest change a 50/50 test could detect.")
    launch_mde: float | None = Field(description="Smallest before/after change detectable.")
    weeks_remaining: float
    notes: list[str]


class DraftCheckOut(BaseModel):
    kind: str = Field(description="outcome | output (the coach's verdict on the title)")
    verdict: str = Field(description="ok | review | output | empty")
    findings: list[FindingOut]
    metric_type: str | None
    metric_description: str | None
    measured_baseline: MeasuredBaselineOut | None
    ambition: AmbitionOut | None
    detectability: DetectabilityOut | None
    notes: list[str]


def guardrail_out(g: GuardrailInfo) -> GuardrailOut:
    r = g.guardrail
    return GuardrailOut(period=g.period, objective=g.objective, key=g.key, metric=r.metric,
                        segment=r.segment,
                        max_change=str(r.max_change) if r.max_change else None,
                        min_change=str(r.min_change) if r.min_change else None,
                        max=r.max, min=r.min, over_days=r.over_days,
                        version=g.version)  # fmt: skip


def draft_check_out(c: DraftCheck) -> DraftCheckOut:
    from sowhat.api.schemas import finding_out

    m = c.measured
    a = c.ambition
    d = c.detectability
    return DraftCheckOut(
        kind=c.coaching.kind, verdict=c.verdict,
        findings=[finding_out(f) for f in c.coaching.findings],
        metric_type=c.metric.type if c.metric else None,
        metric_description=c.metric.description if c.metric else None,
        measured_baseline=MeasuredBaselineOut(
            value=m.value, start=m.start, end=m.end, entities=m.entities, measure=m.measure,
            description=m.describe()) if m else None,
        ambition=AmbitionOut(verdict=str(a.verdict), probability=a.probability,
                             projected=a.projected, message=a.message) if a else None,
        detectability=DetectabilityOut(
            detectable=d.detectable, expected_effect=d.expected_effect,
            ab_mde=d.ab.mde if d.ab else None, launch_mde=d.launch_mde,
            weeks_remaining=d.weeks_remaining, notes=list(d.notes)) if d else None,
        notes=list(c.notes),
    )  # fmt: skip
