"""The JSON shapes of API v1, and the translations from service read models into them."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from sowhat.domain.okr import Team
from sowhat.lint.base import Finding
from sowhat.services.accounts import Principal
from sowhat.services.coach import Coaching
from sowhat.services.okrs.views import BetView, CheckInView, KeyResultView, ObjectiveView
from sowhat.services.plans import PeriodInfo
from sowhat.store.audit import AuditEntry


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class MeOut(BaseModel):
    email: str
    role: str
    is_admin: bool
    editor_teams: list[str]
    scope: str
    via: str


class PeriodOut(BaseModel):
    label: str
    start: date
    end: date
    north_star: str | None
    closed: bool
    objectives: int
    key_results: int


class TeamOut(BaseModel):
    id: str
    name: str
    parent: str | None
    members: list[str]


class ObjectiveOut(BaseModel):
    period: str
    id: str
    title: str
    team: str | None
    owner: str | None
    aligns_to: str | None
    description: str | None
    score: float | None = Field(description=(
        "Mean KR progress, 0..1: unmeasured KRs count 0 (and are counted in `unmeasured`); "
        "KRs not readable yet (a cohort measure whose period's first cohorts are still "
        "maturing) are left out, and counted in `not_readable`. None when no KR can be "
        "scored or none has been measured yet."))
    not_readable: int = Field(0, description="KRs left out of `score`: not readable yet.")
    unmeasured: int = Field(0, description=(
        "KRs counted as 0 in `score`: no reading yet (or no baseline or target to measure "
        "progress from)."))
    key_results: list[str]
    version: int


class WindowOut(BaseModel):
    start: datetime
    end: datetime
class ValuesDisplayOut(BaseModel):
    """Baseline, target and current as every screen shows them ("45.2%", "18 per 1,000")."""

    baseline: str
    target: str
    current: str
    measured_baseline: str | None = Field(
        default=None, description="The measured baseline, shown apart from the typed one.")
    before_period: str | None = Field(
        default=None, description="The reading of cohorts from before the period, while the "
        "period's own cohorts have not matured (see `readable_from`).")


class KeyResultOut(BaseModel):
    period: str
    id: str
    objective: str
    team: str | None
    title: str
    metric: str | None
    segment: str | None
    unit: str | None = Field(description=(
        "How the values are shown: the metric's unit (percent, ratio, per_1000, seconds, "
        "minutes, hours, days, points, count, currency or a currency code), else the KR's own. "
        "Numbers are always in the metric's stored scale (0.452 for 45.2%)."))
    owner: str | None
    indicator: str | None
    baseline: float | None
    target: float | None
    current: float | None = Field(
        description="The KR's measure at the data watermark: a level over `window` or the "
        "period-to-date total (see `measure`).")
    progress: float | None = Field(description="(current - baseline) / (target - baseline), 0..1.")
    signed_progress: float | None = Field(None, description=(
        "The same ratio unclipped — below 0 when the KR moved away from its target, above 1 "
        "past it: the number `sowhat status`, the web and the QBR print (`progress` is what "
        "bars and scores use)."))
    confidence: float | None
    last_week: date | None
    check_ins: int
    version: int
    display: ValuesDisplayOut
    measure: str | None = Field(default=None, description="level | cumulative (last sync).")
    window: WindowOut | None = Field(default=None,
                                     description="The events `current` was computed from.")
    data_through: datetime | None = Field(default=None,
                                          description="How far the data was complete.")
    measured_baseline: float | None = Field(
        default=None, description="The same measure just before the period, from the events.")
    baseline_window: WindowOut | None = None
    baseline_disagrees: bool = Field(
        default=False, description=(
            "The typed baseline claims another start than `measured_baseline`: more than 10% "
            "off and beyond the measurement's noise (outside a rate's 95% interval over its "
            "cohort, or 2 points for a rate whose trials are unknown: lint SW114's test); "
            "progress counts from the typed one."))
    baseline_unchecked: bool = Field(
        default=False, description=(
            "A typed baseline the data cannot check: `baseline_window` (just before the "
            "period) starts before the first event, so `measured_baseline` is null."))
    readable_from: date | None = Field(
        default=None, description=(
            "Set while a cohort measure still reads only cohorts that joined before the period "
            "(a 90-day retention in the period's first 90 days): `current` and `progress` are "
            "empty until this day, when the period's first cohorts have matured; that earlier "
            "reading is `before_period`."))
    before_period: float | None = Field(
        default=None, description="The latest reading while `readable_from` is set: context, "
        "not progress.")


class BetOut(BaseModel):
    period: str
    id: str
    objective: str
    team: str | None
    title: str
    status: str
    opportunity: str | None
    hypothesis: str | None
    expects_key_result: str | None
    expects_change: str | None
    change_mind_if: str | None
    shipped_on: date | None
    experiment: str | None
    owner: str | None
    version: int


class CheckInOut(BaseModel):
    period: str
    key_result: str
    week: date
    value: float | None
    confidence: float | None
    note: str | None
    blockers: str | None
    source: str
    author: str | None
    recorded_at: datetime | None
    version: int


class SeriesPointOut(BaseModel):
    week: date
    value: float | None
    phase: str


class AuditEntryOut(BaseModel):
    id: int
    at: datetime
    actor: str
    action: str
    entity_type: str
    entity_key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class MetricOut(BaseModel):
    name: str
    type: str
    description: str | None


class FindingOut(BaseModel):
    code: str
    severity: str
    message: str
    suggestion: str | None
    docs: str


class LintIn(_In):
    text: str = Field(max_length=2000, description="One key result, as a sentence.")


class LintOut(BaseModel):
    text: str
    kind: str = Field(description="outcome | output (the classifier's verdict)")
    confidence: float
    reasons: list[str]
    findings: list[FindingOut]


class KeyResultPatch(_In):
    title: str | None = None
    owner: str | None = None
    target: float | None = None
    unit: str | None = None
    indicator: str | None = None
    metric: str | None = None
    segment: str | None = None
    baseline: float | None = None
    waiver_reason: str | None = None
    waiver_expires: date | None = None
    measure: str | None = None
    over_days: int | None = None


class ObjectivePatch(_In):
    title: str | None = None
    owner: str | None = None
    description: str | None = None
    aligns_to: str | None = None
    team: str | None = None


class BetPatch(_In):
    title: str | None = None
    status: str | None = None
    shipped_on: date | None = None
    owner: str | None = None
    hypothesis: str | None = None
    change_mind_if: str | None = None
    opportunity: str | None = None
    expects_key_result: str | None = None
    expects_change: str | None = Field(default=None, description="e.g. +10%, +2pp, +0.05")
    experiment: str | None = None


class CheckInPut(_In):
    value: float | None = None
    confidence: float | None = Field(default=None, ge=0.0, le=1.0)
    note: str | None = Field(default=None, max_length=4000)
    blockers: str | None = Field(default=None, max_length=4000)
    override_value: bool = False
    force: bool = Field(default=False, description=(
        "Record a value far off the KR's scale anyway (a value its metric cannot take, such as "
        "a rate above 1, is refused regardless)."))


class AlignmentOut(BaseModel):
    id: str
    title: str
    team: str | None
    score: float | None
    stored: bool
    children: list[AlignmentOut]


def me_out(p: Principal) -> MeOut:
    return MeOut(email=p.email, role=p.role, is_admin=p.is_admin,
                 editor_teams=sorted(p.editor_teams), scope=str(p.scope), via=p.via)  # fmt: skip


def period_out(p: PeriodInfo) -> PeriodOut:
    return PeriodOut(label=p.period.label, start=p.period.start, end=p.period.end,
                     north_star=p.north_star, closed=p.closed_at is not None,
                     objectives=p.objectives, key_results=p.key_results)  # fmt: skip


def team_out(t: Team) -> TeamOut:
    return TeamOut(id=t.id, name=t.name, parent=t.parent, members=list(t.members))


def objective_out(o: ObjectiveView) -> ObjectiveOut:
    s = o.status
    return ObjectiveOut(period=o.period, id=s.id, title=s.title, team=s.team, owner=s.owner,
                        aligns_to=s.aligns_to, description=o.description, score=s.score,
                        not_readable=s.waiting, unmeasured=s.unmeasured,
                        key_results=[k.id for k in s.key_results],
                        version=o.version)  # fmt: skip


def key_result_out(k: KeyResultView) -> KeyResultOut:
    s = k.status
    return KeyResultOut(
        period=k.period, id=s.id, objective=k.objective, team=k.team, title=s.title,
        metric=s.metric, segment=s.segment, unit=s.unit, owner=s.owner, indicator=s.indicator,
        baseline=s.baseline, target=s.target, current=s.current, progress=s.progress,
        signed_progress=s.signed_progress,
        confidence=s.confidence, last_week=s.last_week, check_ins=s.check_ins, version=k.version,
        display=ValuesDisplayOut(**s.display),
        measure=s.measure, data_through=s.data_through, measured_baseline=s.measured_baseline,
        baseline_disagrees=s.baseline_disagrees, baseline_unchecked=s.baseline_unchecked,
        readable_from=s.readable_from,
        before_period=s.before_period,
        window=WindowOut(start=s.window.start, end=s.window.end) if s.window else None,
        baseline_window=WindowOut(start=s.baseline_window.start, end=s.baseline_window.end)
        if s.baseline_window else None,
    )  # fmt: skip


def bet_out(b: BetView) -> BetOut:
    bet = b.bet
    return BetOut(
        period=b.period, id=bet.id, objective=b.objective, team=b.team, title=bet.title,
        status=str(bet.status), opportunity=bet.opportunity, hypothesis=bet.hypothesis,
        expects_key_result=bet.expects.key_result if bet.expects else None,
        expects_change=str(bet.expects.change) if bet.expects else None,
        change_mind_if=bet.change_mind_if, shipped_on=bet.shipped_on,
        experiment=bet.experiment, owner=bet.owner, version=b.version,
    )  # fmt: skip


def checkin_out(c: CheckInView) -> CheckInOut:
    ci = c.checkin
    return CheckInOut(period=c.period, key_result=ci.kr_id, week=ci.week, value=ci.value,
                      confidence=ci.confidence, note=ci.note, blockers=ci.blockers,
                      source=str(ci.source), author=ci.author, recorded_at=ci.recorded_at,
                      version=c.version)  # fmt: skip


def audit_out(e: AuditEntry) -> AuditEntryOut:
    return AuditEntryOut(id=e.id, at=e.at, actor=e.actor, action=e.action,
                         entity_type=e.entity_type, entity_key=e.entity_key,
                         before=dict(e.before) if e.before is not None else None,
                         after=dict(e.after) if e.after is not None else None)  # fmt: skip


def finding_out(f: Finding) -> FindingOut:
    return FindingOut(code=f.code, severity=str(f.severity), message=f.message,
                      suggestion=f.suggestion, docs=f"docs/rules/{f.code}.md")  # fmt: skip


def lint_out(c: Coaching) -> LintOut:
    return LintOut(text=c.text, kind=c.kind, confidence=c.confidence, reasons=list(c.reasons),
                   findings=[finding_out(f) for f in c.findings])  # fmt: skip
