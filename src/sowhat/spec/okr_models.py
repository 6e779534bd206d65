"""The shape of `okrs/<period>.yaml`, as validators, and its translation to domain values.

Models are strict (unknown keys are errors: a misspelt `tagret:` must not be silently ignored)
and their validators raise `ValueError("what is wrong; what to write instead")`, which the
diagnostics layer splits into message and hint.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sowhat.domain.measure import over_days
from sowhat.domain.okr import (
    Bet,
    BetStatus,
    Change,
    Expectation,
    Guardrail,
    Indicator,
    KeyResult,
    Objective,
    OutputWaiver,
    Plan,
)
from sowhat.domain.period import Period, PeriodError

ID_PATTERN = r"^[a-z0-9][a-z0-9_\-/.]*$"
Id = Annotated[str, Field(pattern=ID_PATTERN, max_length=120)]
Text = Annotated[str, Field(min_length=1, max_length=2000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True,
                              allow_inf_nan=False)  # .nan, .inf, 1e400: never a target


class PeriodRange(_Strict):
    start: date
    end: date
    label: str | None = None

    @model_validator(mode="after")
    def _ordered(self) -> PeriodRange:
        if self.end <= self.start:
            raise ValueError(
                f"period end {self.end} is not after its start {self.start}; "
                "the end is exclusive: a quarter starting 2026-10-01 ends 2027-01-01"
            )
        return self


def _parse_change(value: Any) -> str | float:
    if isinstance(value, bool):
        raise ValueError("expected a change like +10%, +2pp or +0.05")
    try:
        Change.parse(value)
    except ValueError as exc:
        raise ValueError(f"{exc}") from None
    return value if isinstance(value, str) else float(value)


class OutputWaiverModel(_Strict):
    reason: str | None = None
    expires: date | None = None


class KeyResultModel(_Strict):
    id: Id
    title: Text
    metric: str | None = None
    segment: str | None = None
    baseline: float | None = None
    target: float | None = None
    indicator: Literal["leading", "lagging"] | None = None
    owner: str | None = None
    unit: str | None = None
    measure: Literal["level", "cumulative"] | None = None
    over: str | None = None
    output_waiver: str | OutputWaiverModel | None = None
    waiver_expires: date | None = None

    _over = field_validator("over")(lambda cls, v: _check_over(v))

    @model_validator(mode="after")
    def _consistent(self) -> KeyResultModel:
        if self.over is not None and self.measure == "cumulative":
            raise ValueError("`over:` sets a level's trailing window; a cumulative measure runs "
                             "from the period start — remove `over:` or use `measure: level`")
        if self.segment and not self.metric:
            raise ValueError("a segment needs a metric; add `metric:` or remove `segment:`")
        if self.baseline is not None and self.target is not None and self.baseline == self.target:
            raise ValueError(
                f"target equals baseline ({self.target:g}): nothing would change; "
                "set the target to the value you want to reach"
            )
        return self

    def to_domain(self) -> KeyResult:
        waiver = None
        if isinstance(self.output_waiver, str):
            waiver = OutputWaiver(self.output_waiver, self.waiver_expires)
        elif self.output_waiver is not None:
            waiver = OutputWaiver(self.output_waiver.reason, self.output_waiver.expires)
        return KeyResult(
            id=self.id,
            title=self.title,
            metric=self.metric,
            segment=self.segment,
            baseline=self.baseline,
            target=self.target,
            indicator=Indicator(self.indicator) if self.indicator else None,
            output_waiver=waiver,
            owner=self.owner,
            unit=self.unit,
            measure=self.measure,
            over_days=over_days(self.over) if self.over is not None else None,
        )


def _check_over(value: str | None) -> str | None:
    """A trailing window (`over:` of a KR or a guardrail): whole days, 1 to 366."""
    if value is None:
        return None
    try:
        days = over_days(value)
    except ValueError:
        raise ValueError(f"cannot read over: {value!r}; write a whole number of days or "
                         "weeks such as 28d or 4w") from None
    if not 1 <= days <= 366:
        raise ValueError(f"over: {value} is outside 1d..366d; a trailing window is usually "
                         "7d, 28d or 4w")
    return value


class GuardrailModel(_Strict):
    metric: str
    segment: str | None = None
    max_change: str | float | None = None
    min_change: str | float | None = None
    max: float | None = None
    min: float | None = None
    over: str | None = None  # trailing window; default: the period to date

    _over = field_validator("over")(lambda cls, v: _check_over(v))

    _check_changes = field_validator("max_change", "min_change", mode="before")(
        lambda cls, v: None if v is None else _parse_change(v)
    )

    @model_validator(mode="after")
    def _bounded(self) -> GuardrailModel:
        if all(v is None for v in (self.max_change, self.min_change, self.max, self.min)):
            raise ValueError(
                "guardrail has no bound; add max_change: \"+10%\", min_change, max or min"
            )
        return self

    def to_domain(self) -> Guardrail:
        return Guardrail(
            metric=self.metric,
            segment=self.segment,
            max_change=Change.parse(self.max_change) if self.max_change is not None else None,
            min_change=Change.parse(self.min_change) if self.min_change is not None else None,
            max=self.max,
            min=self.min,
            over_days=over_days(self.over) if self.over is not None else None,
        )


class ExpectationModel(_Strict):
    key_result: str
    change: str | float

    _check_change = field_validator("change", mode="before")(
        lambda cls, v: _parse_change(v)
    )


class BetModel(_Strict):
    id: Id
    title: Text
    status: Literal["idea", "discovery", "building", "shipped", "stopped"] = "idea"
    opportunity: str | None = None
    hypothesis: str | None = None
    expects: ExpectationModel | None = None
    change_mind_if: str | None = None
    shipped_on: date | None = None
    experiment: str | None = None
    owner: str | None = None

    @model_validator(mode="after")
    def _shipped_date(self) -> BetModel:
        if self.status == "shipped" and self.shipped_on is None:
            raise ValueError("a shipped bet needs its launch date; add `shipped_on: YYYY-MM-DD`")
        if self.shipped_on is not None and self.status != "shipped":
            raise ValueError(
                f"shipped_on is set but status is {self.status!r}; "
                "set `status: shipped` or remove `shipped_on`"
            )
        return self

    def to_domain(self) -> Bet:
        return Bet(
            id=self.id,
            title=self.title,
            status=BetStatus(self.status),
            opportunity=self.opportunity,
            hypothesis=self.hypothesis,
            expects=Expectation(self.expects.key_result, Change.parse(self.expects.change))
            if self.expects
            else None,
            change_mind_if=self.change_mind_if,
            shipped_on=self.shipped_on,
            experiment=self.experiment,
            owner=self.owner,
        )


class ObjectiveModel(_Strict):
    id: Id
    title: Text
    team: str | None = None
    owner: str | None = None
    aligns_to: str | None = None
    description: str | None = None
    key_results: list[KeyResultModel] = Field(default_factory=list)
    guardrails: list[GuardrailModel] = Field(default_factory=list)
    bets: list[BetModel] = Field(default_factory=list)

    def to_domain(self) -> Objective:
        return Objective(
            id=self.id,
            title=self.title,
            team=self.team,
            owner=self.owner,
            aligns_to=self.aligns_to,
            description=self.description,
            key_results=tuple(k.to_domain() for k in self.key_results),
            guardrails=tuple(g.to_domain() for g in self.guardrails),
            bets=tuple(b.to_domain() for b in self.bets),
        )


_PERIOD_LABEL = re.compile(r"^\d{4}(-Q[1-4]|-H[12]|-(0[1-9]|1[0-2]))?$")


class PlanModel(_Strict):
    period: str | PeriodRange
    north_star: str | None = None
    objectives: list[ObjectiveModel] = Field(default_factory=list)

    @field_validator("period", mode="before")
    @classmethod
    def _period(cls, value: Any) -> Any:
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        if isinstance(value, str):
            try:
                Period.parse(value)
            except PeriodError:
                raise ValueError(
                    f"cannot parse period {value!r}; write 2026-Q4, 2026-H1, 2026-11, 2026 "
                    "or {start: 2026-10-01, end: 2027-01-01}"
                ) from None
        return value

    def to_domain(self) -> Plan:
        if isinstance(self.period, str):
            period = Period.parse(self.period)
        else:
            period = Period.between(self.period.start, self.period.end, self.period.label)
        return Plan(
            period=period,
            north_star=self.north_star,
            objectives=tuple(o.to_domain() for o in self.objectives),
        )
