"""Proposed rewrites: ask "so what?" of an output until it names a behaviour or a result.

Two sources, in order: the workspace's own metric catalog (words of the KR against each
metric's name and description — a team's own metric beats any generic advice), then a small
table of common deliverables and the outcome they are usually for (`data/so_what.json`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from sowhat.lint.context import MetricInfo
from sowhat.lint.lexicon import load_lexicon
from sowhat.lint.textfeatures import FUNCTION_WORDS, TextFacts, object_phrase

_WORD = re.compile(r"[a-z0-9]+")
_STOP = FUNCTION_WORDS | {"them", "they", "us", "which", "who"}
# Metrics where smaller is better: the rewrite says "Reduce", not "Increase".
_DOWN_WORDS = frozenset(
    [
        "time",
        "duration",
        "latency",
        "churn",
        "cost",
        "costs",
        "tickets",
        "incidents",
        "errors",
        "error",
        "failures",
        "failure",
        "attrition",
        "downtime",
        "crashes",
        "wait",
        "days",
        "hours",
        "minutes",
        "bugs",
        "defects",
        "complaints",
        "refunds",
    ]
)
_PERCENT_TYPES = frozenset({"conversion", "retention", "churn"})
# Things people use: only these may fill "the share of active accounts that use <thing>
# weekly". A metric, a process, a document or a hire in that slot reads as nonsense
# ("...that use churn weekly"), so for anything else the coach asks the question instead.
USABLE = frozenset(
    [
        "feature",
        "features",
        "dashboard",
        "dashboards",
        "app",
        "apps",
        "editor",
        "api",
        "apis",
        "sdk",
        "integration",
        "integrations",
        "portal",
        "search",
        "template",
        "templates",
        "tool",
        "tools",
        "workflow",
        "workflows",
        "report",
        "reports",
        "extension",
        "extensions",
        "plugin",
        "plugins",
        "mode",
        "view",
        "views",
        "checkout",
        "inbox",
        "calendar",
        "chat",
        "assistant",
        "cli",
        "widget",
        "widgets",
        "automation",
        "automations",
        "export",
        "import",
        "sso",
        "alerts",
        "notifications",
        "exports",
    ]
)
_SO_WHAT_ASK = "who will do what differently, and how would you count it?"


_QUANTITIES = frozenset({"number", "amount", "count", "quantity"})
"""Words that make a phrase a quantity, not a thing: "a dedicated number of features"."""


def usable_thing(thing: str) -> bool:
    """True when `thing` names something a person can use (a feature, an app, an API...).

    The last word must be a usable noun, and no word may be a metric, a number or a
    result noun; long phrases are refused (they are sentences, not names)."""
    if re.search(r"[^a-zA-Z0-9' -]", thing):
        return False  # "strategy/tools", "(beta)": not a plain name
    parts = [w for w in re.findall(r"[a-z0-9'-]+", thing.lower()) if w]
    if not parts or len(parts) > 4 or parts[-1] not in USABLE:
        return False
    metrics = load_lexicon().metric_words
    return not any(w[0].isdigit() or w in metrics or w in _QUANTITIES for w in parts)


@dataclass(frozen=True)
class Topic:
    words: tuple[str, ...]
    outcome: str
    metrics: tuple[str, ...] = ()  # words that find the fitting metric in a catalog
    phrases: tuple[str, ...] = ()
    """Two-word names that count only together, and twice: "business review" is a customer
    meeting, while "review" alone is a performance review and "business" alone is anything."""


@cache
def topics() -> tuple[Topic, ...]:
    raw = json.loads(
        resources.files("sowhat.lint.data").joinpath("so_what.json").read_text("utf-8")
    )
    return tuple(
        Topic(
            tuple(t["words"]),
            t["outcome"],
            tuple(t.get("metrics", ())),
            tuple(t.get("phrases", ())),
        )
        for t in raw["topics"]
    )


@cache
def _phrase_index() -> dict[str, tuple[tuple[str, int], ...]]:
    """First word of each topic phrase -> (its second word, the topic), for one dictionary
    look-up per KR token."""
    index: dict[str, list[tuple[str, int]]] = {}
    for i, topic in enumerate(topics()):
        for phrase in topic.phrases:
            first, second = phrase.split()
            index.setdefault(first, []).append((second, i))
    return {k: tuple(v) for k, v in index.items()}


def words(text: str | None) -> set[str]:
    if not text:
        return set()
    return {
        w
        for w in _WORD.findall(text.lower().replace("_", " "))
        if len(w) > 1 and w not in _STOP and not w.isdigit()
    }


def _overlap(query: Iterable[str], vocab: Iterable[str]) -> int:
    """How many query words meet the vocabulary, by equality or a shared prefix of 4+."""
    vocab = list(vocab)
    score = 0
    for q in query:
        for v in vocab:
            if _match(q, v):
                score += 1
                break
    return score


def _match(q: str, v: str) -> float:
    """1 for the same word, 0.5 for a shared 4+ letter stem (activate/activation), else 0."""
    if q == v:
        return 1.0
    if (len(v) >= 4 and q.startswith(v)) or (len(q) >= 4 and v.startswith(q)):
        return 0.5
    return 0.0


def _weighted_overlap(query: Mapping[str, float], vocab: set[str]) -> float:
    total = 0.0
    for q, weight in query.items():
        best = max((_match(q, v) for v in vocab), default=0.0)
        total += weight * best
    return total


_ENDINGS = ("s", "es", "d", "ed", "ing", "er", "ers", "ment", "ments", "ation", "ations")
"""What a topic word may carry and still be that word: "demos", "reviews", "designing" —
but not "demonstrate" for "demo" or "planning" for "plan", which a bare prefix let in."""


def _forms(word: str) -> set[str]:
    """A topic word and its inflections; a plural topic word also matches its singular
    ("books" a book, "engineers" an engineer), and a word ending in -e its -ing and -ation."""
    out = {word, *(word + end for end in _ENDINGS)}
    if word.endswith("e"):
        out |= {word[:-1] + "ing", word[:-1] + "ation", word[:-1] + "ations"}
    if word.endswith("y"):
        out.add(word[:-1] + "ies")
    if word.endswith("s") and len(word) > 3:
        out.add(word[:-1])
    return out


@cache
def _topic_index() -> tuple[
    dict[str, frozenset[int]], dict[str, frozenset[int]], frozenset[str],
    dict[str, frozenset[int]],
]:
    """(every form of every topic word -> its topics, every stem -> its topics, the stems'
    first four letters, the forms of words written with a trailing `~` -> their topics).

    A stem is an entry written with a trailing `*` ("migrat*"): it matches whatever follows
    it. A token whose first four letters no stem shares is not sliced at all (most tokens:
    there are a handful of stems). A `~` word does not count as a KR's first word, where it
    is its verb ("Research storage options" is not user research; "research repository" and
    "customers for research" are)."""
    forms: dict[str, set[int]] = {}
    stems: dict[str, set[int]] = {}
    not_first: dict[str, set[int]] = {}
    for i, topic in enumerate(topics()):
        for entry in topic.words:
            if entry.endswith("*"):
                stems.setdefault(entry[:-1], set()).add(i)
                continue
            for form in _forms(entry.rstrip("~")):
                forms.setdefault(form, set()).add(i)
                if entry.endswith("~"):
                    not_first.setdefault(form, set()).add(i)
    return (
        {k: frozenset(v) for k, v in forms.items()},
        {k: frozenset(v) for k, v in stems.items()},
        frozenset(stem[:4] for stem in stems),
        {k: frozenset(v) for k, v in not_first.items()},
    )


_NONE: frozenset[int] = frozenset()


def best_topic(facts: TextFacts) -> Topic | None:
    """The topic sharing most words with the KR (a word counts once per topic; a two-word
    phrase, only as those two words together, counts twice; a word written `research~`, not
    as the KR's first word)."""
    forms, stems, stem_heads, not_first = _topic_index()
    get_form, get_stem = forms.get, stems.get
    scores: dict[int, int] = {}
    tokens = facts.tokens
    verb = tokens[0] if tokens and tokens[0] not in tokens[1:] else None
    for q in set(tokens):
        hit = get_form(q, _NONE)
        if q == verb and q in not_first:
            hit = hit - not_first[q]
        if q[:4] in stem_heads:
            for n in range(4, len(q) + 1):
                more = get_stem(q[:n])
                if more is not None:
                    hit = hit | more
        for i in hit:
            scores[i] = scores.get(i, 0) + 1
    phrases = _phrase_index()
    for at in range(len(tokens) - 1):
        for second, i in phrases.get(tokens[at], ()):
            after = tokens[at + 1]
            if after == second or after == second + "s":  # "business reviews", "account plans"
                scores[i] = scores.get(i, 0) + 2
    if not scores:
        return None
    best = max(scores.items(), key=lambda item: (item[1], -item[0]))
    return topics()[best[0]]


def best_metric(
    query: set[str] | Mapping[str, float],
    catalog: Mapping[str, MetricInfo],
    *,
    minimum: float = 1.0,
) -> MetricInfo | None:
    """The catalog metric that shares most words with `query` (word -> weight).

    Name words count double, description words once; an exact word counts fully, a shared
    stem half. Ties go to the alphabetically first name, so the choice is deterministic.
    """
    weights = query if isinstance(query, Mapping) else dict.fromkeys(query, 1.0)
    best: tuple[float, str, MetricInfo] | None = None
    for name, info in catalog.items():
        score = 2 * _weighted_overlap(weights, words(name)) + _weighted_overlap(
            weights, words(info.description)
        )
        if score >= minimum and (best is None or score > best[0] or
                                 (score == best[0] and name < best[1])):  # fmt: skip
            best = (score, name, info)
    return best[2] if best else None


def humanise(info: MetricInfo) -> str:
    label = info.name.replace("_", " ")
    return f"{label} ({info.description.rstrip('.')})" if info.description else label


def format_value(value: float, info: MetricInfo | None) -> str:
    if info is not None and info.type in _PERCENT_TYPES and 0.0 <= value <= 1.0:
        return f"{value * 100:.0f}%"
    return f"{value:.4g}"


def metric_rewrite(info: MetricInfo, current: float | None) -> str:
    verb = "Reduce" if words(info.name) & _DOWN_WORDS else "Increase"
    base = format_value(current, info) if current is not None else "X"
    return f"{verb} {humanise(info)} from {base} to Y"


def so_what(
    facts: TextFacts,
    *,
    catalog: Mapping[str, MetricInfo] | None = None,
    current_values: Mapping[str, float] | None = None,
    metric: str | None = None,
    phrase: str | None = None,
) -> str:
    """The suggestion line for an output KR: which change would make the work worth it.

    `phrase` is `object_phrase(facts)` when the caller has it already (SW101 does)."""
    thing = (object_phrase(facts) if phrase is None else phrase) or facts.text.strip()
    title = facts.text.strip().rstrip(".")
    question = f"so what happens once '{title}' is done? Name the change in behaviour"
    values = current_values or {}
    catalog = catalog or {}
    topic = best_topic(facts)
    chosen: MetricInfo | None = None
    if metric and metric in catalog:
        chosen = catalog[metric]
    elif catalog:
        # The KR's own words weigh double the words of the usual outcome for its topic.
        query: dict[str, float] = {}
        if topic is not None:
            query.update(dict.fromkeys(topic.metrics, 1.5))
        query.update(dict.fromkeys(words(" ".join(facts.tokens)), 2.0))
        chosen = best_metric(query, catalog, minimum=2.0)
    if chosen is not None:
        rewrite = metric_rewrite(chosen, values.get(chosen.name))
        return f"{question}, e.g. '{rewrite}'"
    if topic is not None:
        return f"{question}, e.g. '{topic.outcome}'"
    if usable_thing(thing):
        return (
            f"{question}: {_SO_WHAT_ASK} e.g. "
            f"'Increase the share of active accounts that use the {thing} weekly from X% to Y%'"
        )
    return f"{question}: {_SO_WHAT_ASK}"


def value_linked(
    advice: str,
    *,
    catalog: Mapping[str, MetricInfo] | None = None,
    current_values: Mapping[str, float] | None = None,
) -> str:
    """For a vanity metric: the catalog metric that fits the advice, else the advice itself."""
    if catalog:
        chosen = best_metric(words(advice), catalog, minimum=2.0)
        if chosen is not None:
            current = (current_values or {}).get(chosen.name)
            return f"count what it turns into: '{metric_rewrite(chosen, current)}'"
    return f"count what it turns into: {advice}"
