"""Docs are tested: every rule has a page under docs/rules/ (what, why, example, fix), the
copy shipped in the package is identical, and docs/lint.md names every code."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

import pytest

from sowhat.lint import rules
from sowhat.lint.engine import explain

ROOT = Path(__file__).resolve().parents[3]
CODES = [r.code for r in rules()]


@pytest.mark.parametrize("code", CODES)
def test_every_rule_has_a_docs_page(code: str) -> None:
    page = ROOT / "docs" / "rules" / f"{code}.md"
    assert page.is_file(), f"write {page.relative_to(ROOT)} (what, why, example, fix)"
    text = page.read_text("utf-8")
    rule = next(r for r in rules() if r.code == code)
    assert text.startswith(f"# {code} {rule.name}\n")
    assert f"**Severity:** {rule.severity}" in text
    for heading in ("## What it flags", "## Why", "## Example", "## Fix"):
        assert heading in text, f"{page.name} lacks {heading!r}"


@pytest.mark.parametrize("code", CODES)
def test_packaged_copy_matches_the_docs(code: str) -> None:
    shipped = resources.files("sowhat.lint.data").joinpath("rules", f"{code}.md")
    docs = ROOT / "docs" / "rules" / f"{code}.md"
    assert shipped.read_text("utf-8") == docs.read_text("utf-8"), (
        f"copy docs/rules/{code}.md to src/sowhat/lint/data/rules/ (`sowhat rules {code}` "
        "prints the packaged copy)"
    )
    assert explain(code) == docs.read_text("utf-8")


def test_no_page_without_a_rule() -> None:
    pages = {p.stem for p in (ROOT / "docs" / "rules").glob("SW*.md")}
    assert pages == set(CODES)


def test_lint_guide_mentions_every_rule() -> None:
    guide = (ROOT / "docs" / "lint.md").read_text("utf-8")
    for code in CODES:
        assert code in guide


def test_pre_commit_hook_is_declared() -> None:
    from ruamel.yaml import YAML

    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text("utf-8"))
    [hook] = [h for h in hooks if h["id"] == "sowhat-lint"]
    assert hook["language"] == "python"
    assert hook["files"] == r"^okrs/.*\.ya?ml$"
    assert hook["entry"].split()[:2] == ["sowhat", "lint"]
