"""SW101 words its message and rewrite only when read; what is read must equal the eager
wording, and the finding must compare and hash like an eager one."""

from __future__ import annotations

import dataclasses

from sowhat.lint import classify, lint_text
from sowhat.lint.base import DeferredFinding, Finding, Severity
from sowhat.lint.rewrite import so_what
from sowhat.lint.textfeatures import object_phrase, read


def test_sw101_reads_the_same_as_the_eager_wording() -> None:
    text = "Launch audit logs"
    (finding,) = [f for f in lint_text(text) if f.code == "SW101"]
    assert isinstance(finding, DeferredFinding)
    facts = read(text)
    reasons = "; ".join(classify(text).reasons)
    assert finding.message == (
        f"reads like a roadmap item: '{object_phrase(facts)}' is work delivered, not a change "
        f"in behaviour — so what? ({reasons})"
    )
    assert finding.suggestion == so_what(facts)
    assert finding.as_dict()["message"] == finding.message


def test_words_once_and_compares_like_an_eager_finding() -> None:
    calls: list[int] = []

    def words() -> tuple[str, str | None]:
        calls.append(1)
        return "msg", "fix"

    lazy = DeferredFinding("SW101", Severity.ERROR, words, kr_id="k")
    assert calls == []  # nothing worded until read
    eager = Finding("SW101", Severity.ERROR, "msg", "fix", kr_id="k")
    assert lazy == eager
    assert eager == lazy
    assert hash(lazy) == hash(eager)
    assert lazy.message == "msg"
    assert lazy.suggestion == "fix"
    assert calls == [1]  # worded once, then kept
    assert lazy != Finding("SW101", Severity.ERROR, "other", "fix", kr_id="k")
    assert repr(lazy) == repr(eager)


def test_replace_keeps_the_wording() -> None:
    lazy = DeferredFinding("SW101", Severity.ERROR, lambda: ("msg", "fix"), kr_id="k")
    moved = dataclasses.replace(lazy, kr_id="other")
    assert moved.message == "msg"
    assert moved.suggestion == "fix"
    assert moved.kr_id == "other"
    assert dataclasses.asdict(moved)["message"] == "msg"
