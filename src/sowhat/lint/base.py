"""What every lint rule shares: findings, severities, the rule contract and its subjects.

A rule has a stable code, a name, a severity and a docs page, and `check(subject)` returns a
list of findings — it never raises, so one odd KR cannot sink the report for a whole plan.
Rules see one of three subjects: a key result, an objective, or a whole plan.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, ClassVar, Generic, TypeVar

from sowhat.domain.okr import KeyResult, Objective, Plan
from sowhat.errors import Location
from sowhat.lint.classifier import Classification
from sowhat.lint.context import LintContext
from sowhat.lint.textfeatures import TextFacts

YamlPath = tuple[str | int, ...]
Where = Callable[[YamlPath], Location | None]


class Severity(StrEnum):
    ERROR = "error"
    WARNING = "warning"
    INFO = "info"


@dataclass(frozen=True)
class Finding:
    """One piece of coaching: what is wrong, what to write instead, and where."""

    code: str
    severity: Severity
    message: str
    suggestion: str | None = None
    location: Location | None = None
    objective_id: str | None = None
    kr_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        loc = self.location
        return {
            "code": self.code,
            "severity": str(self.severity),
            "message": self.message,
            "suggestion": self.suggestion,
            "file": loc.file if loc else None,
            "line": loc.line if loc and loc.line else None,
            "col": (loc.col or 1) if loc and loc.line else None,
            "objective": self.objective_id,
            "key_result": self.kr_id,
        }


Words = Callable[[], tuple[str, str | None]]


class DeferredFinding(Finding):
    """A finding whose message and suggestion are worded on first read, then kept.

    Wording SW101 (the classifier's reasons and a rewrite) costs as much as classifying the
    sentence; callers that only count or filter findings by code never read it. Reading
    `message` or `suggestion` gives exactly what an eager `Finding` would hold, and it
    compares and hashes equal to one."""

    def __init__(
        self,
        code: str,
        severity: Severity,
        words: Words | None = None,
        location: Location | None = None,
        objective_id: str | None = None,
        kr_id: str | None = None,
        *,
        message: str = "",
        suggestion: str | None = None,
    ) -> None:
        # `message`/`suggestion` are for `dataclasses.replace`, which passes every field
        setattr_ = object.__setattr__
        setattr_(self, "code", code)
        setattr_(self, "severity", severity)
        setattr_(self, "location", location)
        setattr_(self, "objective_id", objective_id)
        setattr_(self, "kr_id", kr_id)
        setattr_(self, "_words", words)
        setattr_(self, "_worded", None if words is not None else (message, suggestion))

    def _wording(self) -> tuple[str, str | None]:
        worded: tuple[str, str | None] | None = self.__dict__["_worded"]
        if worded is None:
            words: Words = self.__dict__["_words"]
            worded = words()
            object.__setattr__(self, "_worded", worded)
        return worded

    @property
    def message(self) -> str:
        return self._wording()[0]

    @property
    def suggestion(self) -> str | None:
        return self._wording()[1]

    def _key(self) -> tuple[object, ...]:
        return (self.code, self.severity, self.message, self.suggestion, self.location,
                self.objective_id, self.kr_id)  # fmt: skip

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Finding):
            return NotImplemented
        return self._key() == (other.code, other.severity, other.message, other.suggestion,
                               other.location, other.objective_id, other.kr_id)  # fmt: skip

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Finding(code={self.code!r}, severity={self.severity!r}, "
                f"message={self.message!r}, suggestion={self.suggestion!r}, "
                f"location={self.location!r}, objective_id={self.objective_id!r}, "
                f"kr_id={self.kr_id!r})")  # fmt: skip


@dataclass(frozen=True)
class KRSubject:
    """A key result with everything rules need, computed once: facts, verdict, where."""

    kr: KeyResult
    facts: TextFacts
    classification: Classification
    context: LintContext
    where: Where  # relative to the KR: ("title",) -> its title's location
    objective: Objective | None = None
    plan: Plan | None = None
    structured: bool = True  # False for free text (no metric/baseline/target fields exist)

    @property
    def waived(self) -> bool:
        waiver = self.kr.output_waiver
        return waiver is not None and waiver.valid_on(self.context.as_of)


@dataclass(frozen=True)
class ObjectiveSubject:
    objective: Objective
    key_results: tuple[KRSubject, ...]
    context: LintContext
    where: Where  # relative to the objective
    plan: Plan | None = None


@dataclass(frozen=True)
class PlanSubject:
    plan: Plan
    key_results: tuple[KRSubject, ...]
    context: LintContext
    where: Where  # absolute paths


S = TypeVar("S", KRSubject, ObjectiveSubject, PlanSubject)


class Rule(ABC, Generic[S]):
    """A check with a stable code. Subclasses set the class attributes and `check`."""

    code: ClassVar[str]
    name: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    scope: ClassVar[str]  # "key_result" | "objective" | "plan"
    applies_to_text: ClassVar[bool] = False  # also runs on free text (`sowhat lint -`)

    @property
    def docs_page(self) -> str:
        return f"docs/rules/{self.code}.md"

    @abstractmethod
    def check(self, subject: S) -> list[Finding]: ...

    def finding(
        self,
        message: str,
        suggestion: str | None = None,
        *,
        location: Location | None = None,
        objective_id: str | None = None,
        kr_id: str | None = None,
        severity: Severity | None = None,
    ) -> Finding:
        return Finding(
            code=self.code,
            severity=severity or self.severity,
            message=message,
            suggestion=suggestion,
            location=location,
            objective_id=objective_id,
            kr_id=kr_id,
        )


class KRRule(Rule[KRSubject]):
    scope = "key_result"

    def at(self, subject: KRSubject, message: str, suggestion: str | None, *field: str) -> Finding:
        return self.finding(
            message,
            suggestion,
            location=subject.where(tuple(field)),
            objective_id=subject.objective.id if subject.objective else None,
            kr_id=subject.kr.id,
        )


    def deferred(self, subject: KRSubject, words: Words, *field: str) -> Finding:
        """Like `at`, with the message and suggestion worded only when first read."""
        return DeferredFinding(
            self.code,
            self.severity,
            words,
            location=subject.where(tuple(field)),
            objective_id=subject.objective.id if subject.objective else None,
            kr_id=subject.kr.id,
        )


class ObjectiveRule(Rule[ObjectiveSubject]):
    scope = "objective"


class PlanRule(Rule[PlanSubject]):
    scope = "plan"


AnyRule = Rule[Any]
"""A rule of any scope, for registries and listings."""
