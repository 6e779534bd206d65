"""The HTML helpers long lists call directly (progress bars, status words): what people and
screen readers get from them, text escaped, and the macros of other pages giving the same."""

from __future__ import annotations

import re
from datetime import date
from types import SimpleNamespace

from sowhat.api.pages.templating import (
    fmt_value,
    progress_meter,
    status_badge,
    templates,
)


def test_progress_meter_says_its_value_and_escapes_the_label() -> None:
    html = str(progress_meter(0.4567, 0.5, 'progress of <b>"Raise" & keep</b>', None))
    assert 'role="meter"' in html
    assert 'aria-valuenow="46"' in html
    assert 'aria-valuetext="46%"' in html
    assert 'style="width: 45.7%"' in html
    assert "<b>" not in html
    assert "&lt;b&gt;&#34;Raise&#34; &amp; keep" in html
    # pace decides the colour without a word: 46% with half the period gone is on track
    assert 'class="progress on-track"' in html
    assert 'class="progress off-track"' in str(progress_meter(0.1, 0.6))
    none = str(progress_meter(None, 0.5, "p", "no-data-yet"))
    assert 'aria-valuetext="not measured"' in none
    assert ">not measured</span>" in none
    assert 'class="pct no-data-yet"' in none
    unread = str(progress_meter(None, 0.5, "p", "no-data-yet", "not readable yet"))
    assert 'aria-valuetext="not readable yet"' in unread
    assert ">not readable yet</span>" in unread


def test_an_empty_progress_says_why() -> None:
    """The web's words are `KeyResultStatus.progress_missing`, which `sowhat status` prints."""
    from sowhat.services.plans import KeyResultStatus

    def why(**fields: object) -> str:
        return str(KeyResultStatus.progress_missing.fget(SimpleNamespace(**fields)))  # type: ignore[attr-defined]

    assert why(baseline=0.3, target=0.36, readable_from=None) == "no value yet"
    assert why(baseline=None, target=0.36, readable_from=None) == "not measured"
    assert why(baseline=0.3, target=0.36, readable_from=date(2026, 12, 1)) == "not readable yet"


def test_status_badge_is_a_word_with_its_reason() -> None:
    html = str(status_badge("at risk", 'progress 32% with "60%" gone <now>'))
    assert html.startswith('<span class="word word-at-risk" title="progress 32% with '
                           '&#34;60%&#34; gone &lt;now&gt;">at risk</span>')
    assert str(status_badge("on track")) == '<span class="word word-on-track">on track</span>'


def test_macros_of_other_pages_write_the_same_html() -> None:
    page = templates.env.from_string(
        '{% from "_macros.html" import progress, status_word %}'
        '{{ progress(v, 0.5, "score of x", "at-risk") }}|{{ status_word("off track", "r") }}')
    html = page.render(v=0.25)
    direct = f'{progress_meter(0.25, 0.5, "score of x", "at-risk")}|' \
             f'{status_badge("off track", "r")}'
    assert re.sub(r"\s+", " ", html).strip() == re.sub(r"\s+", " ", direct).strip()


def test_remembered_kr_values_keep_their_digits_apart() -> None:
    assert fmt_value(0.0175, 0.0175, 0.018, "percent") == "1.75%"
    assert fmt_value(0.018, 0.0175, 0.018, "percent") == "1.8%"
    assert fmt_value(0.0175, 0.0175, 0.018, "percent") == "1.75%"  # remembered, same answer
