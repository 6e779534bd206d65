"""Messages shared with the CLI mark commands with backticks; a page sets them as code."""

from __future__ import annotations

from sowhat.api.pages.templating import code_spans


def test_marked_spans_become_code_and_everything_else_is_escaped() -> None:
    assert str(code_spans("then run `sowhat sync`")) == "then run <code>sowhat sync</code>"
    assert str(code_spans("`a` and `b <c>`")) == "<code>a</code> and <code>b &lt;c&gt;</code>"
    assert str(code_spans("<script>`x`</script>")) == (
        "&lt;script&gt;<code>x</code>&lt;/script&gt;")
    assert str(code_spans("an odd ` tick stays")) == "an odd ` tick stays"
    assert str(code_spans(None)) == ""
