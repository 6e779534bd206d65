"""Engine contracts: codes are stable and unique, rules never raise, select/ignore work."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sowhat.errors import NotFound
from sowhat.lint import LintContext, get_rule, lint_plan, lint_text, rules
from sowhat.lint.base import KRRule
from tests.unit.lint.lint_builders import kr, located, objective, plan_of


def test_codes_are_stable_unique_and_in_order() -> None:
    codes = [r.code for r in rules()]
    assert codes == [f"SW{n}" for n in range(101, 101 + len(codes))]  # never a gap
    assert len({r.name for r in rules()}) == len(codes)
    assert {str(r.severity) for r in rules()} <= {"error", "warning", "info"}
    assert get_rule("sw101").code == "SW101"
    with pytest.raises(NotFound):
        get_rule("SW999")


def test_free_text_rules_are_the_wording_ones() -> None:
    text_codes = {r.code for r in rules() if isinstance(r, KRRule) and r.applies_to_text}
    assert text_codes == {"SW101", "SW102", "SW103", "SW104", "SW112"}


@pytest.mark.parametrize(
    ("select", "ignore", "code", "expected"),
    [
        ((), (), "SW101", True),
        (("SW10",), (), "SW101", True),
        (("SW10",), (), "SW111", False),
        (("SW1",), ("SW11",), "SW112", False),
        ((), ("sw101",), "SW101", False),
    ],
)
def test_enabled(
    select: tuple[str, ...], ignore: tuple[str, ...], code: str, expected: bool
) -> None:
    ctx = LintContext(as_of=date(2026, 1, 1), select=frozenset(select), ignore=frozenset(ignore))
    assert ctx.enabled(code) is expected


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=120))
def test_rules_never_raise_on_any_text(text: str) -> None:
    for f in lint_text(text):
        assert f.code.startswith("SW")


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(min_size=1, max_size=60), min_size=0, max_size=7))
def test_rules_never_raise_on_any_plan(titles: list[str]) -> None:
    plan = plan_of(objective("o", "Grow", *[kr(f"k{i}", t) for i, t in enumerate(titles)]))
    found = lint_plan(plan, locate=located(plan), context=LintContext(as_of=date(2026, 11, 1)))
    assert all("crashed" not in f.message for f in found)
