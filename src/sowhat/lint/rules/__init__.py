"""Every lint rule, in code order. Codes are stable: never reuse or renumber one."""

from __future__ import annotations

from sowhat.lint.base import AnyRule
from sowhat.lint.rules.baselines import BaselineDiffersFromData
from sowhat.lint.rules.guardrails import GuardrailBoundsARunningTotal, GuardrailDemandsAMove
from sowhat.lint.rules.numbers import ContradictoryDirection, OutOfScale
from sowhat.lint.rules.shape import Duplicates, GrowthWithoutGuardrail, KRCount, OnlyLagging
from sowhat.lint.rules.timing import HorizonMismatch, Sandbagged, Unreachable, Waiver
from sowhat.lint.rules.wording import (
    ActivityMetric,
    Milestone,
    MissingBaselineOrTarget,
    NotMeasurable,
    OutputStyle,
    VanityMetric,
)

ALL_RULES: tuple[AnyRule, ...] = (
    OutputStyle(),
    VanityMetric(),
    MissingBaselineOrTarget(),
    NotMeasurable(),
    KRCount(),
    OnlyLagging(),
    GrowthWithoutGuardrail(),
    Sandbagged(),
    Unreachable(),
    HorizonMismatch(),
    Waiver(),
    Milestone(),
    Duplicates(),
    BaselineDiffersFromData(),
    OutOfScale(),
    ContradictoryDirection(),
    ActivityMetric(),
    GuardrailDemandsAMove(),
    GuardrailBoundsARunningTotal(),
)

__all__ = ["ALL_RULES"]
