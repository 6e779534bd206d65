"""Builders for lint tests: plans in code, and a locate function that maps YAML paths to
fake but checkable positions (line = a stable number per path)."""

from __future__ import annotations

from datetime import date

from sowhat.domain.okr import KeyResult, Objective, Plan
from sowhat.domain.period import Period
from sowhat.errors import Location

YamlPath = tuple[str | int, ...]


class FakeFile:
    """Positions for the paths a test declares; unknown paths raise like a strict locator."""

    def __init__(self, name: str = "okrs/2026-Q4.yaml") -> None:
        self.name = name
        self.lines: dict[YamlPath, int] = {(): 1}

    def __call__(self, path: YamlPath) -> Location:
        if path not in self.lines:
            raise KeyError(path)
        return Location(self.name, self.lines[path], 7)

    def declare(self, plan: Plan) -> None:
        """Give every objective, KR and KR field of `plan` its own line, in file order."""
        line = 2
        for i, o in enumerate(plan.objectives):
            for key in ((), ("title",), ("key_results",), ("guardrails",)):
                self.lines[("objectives", i, *key)] = line
                line += 1
            for g, rule in enumerate(o.guardrails):
                for field in ((), ("max_change",), ("min_change",)):
                    if not field or getattr(rule, field[0]) is not None:
                        self.lines[("objectives", i, "guardrails", g, *field)] = line
                        line += 1
            for j, kr in enumerate(o.key_results):
                base: YamlPath = ("objectives", i, "key_results", j)
                self.lines[base] = line
                line += 1
                for field in ("title", "metric", "baseline", "target", "output_waiver"):
                    if field == "title" or getattr(kr, field) is not None:
                        self.lines[(*base, field)] = line
                        line += 1


def plan_of(*objectives: Objective, period: str = "2026-Q4") -> Plan:
    return Plan(period=Period.parse(period), objectives=tuple(objectives))


def objective(oid: str, title: str, *krs: KeyResult, **kw: object) -> Objective:
    return Objective(id=oid, title=title, key_results=tuple(krs), **kw)  # type: ignore[arg-type]


def kr(kid: str, title: str, **kw: object) -> KeyResult:
    return KeyResult(id=kid, title=title, **kw)  # type: ignore[arg-type]


AS_OF = date(2026, 11, 20)


def located(plan: Plan) -> FakeFile:
    f = FakeFile()
    f.declare(plan)
    return f
