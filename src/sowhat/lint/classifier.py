"""Is a key result an outcome (a change in behaviour or a business result) or an output (work
delivered)? Plus the two other free-text judgements the coach makes: vanity and measurability.

The outcome/output call is a logistic regression over hand-made features (head verb,
deliverable nouns, metric words, "from X to Y", thresholds, shares of people) and word
unigrams/bigrams. Its weights live in `data/model.json`, trained by `data/train.py` on the
shipped labelled set; scoring is a dictionary sum, so it runs offline and deterministically.
Vanity and measurability are plain lexicon rules: they are easier to explain and to fix.
"""

from __future__ import annotations

import itertools
import json
import math
import re
from dataclasses import dataclass, field
from functools import cache, cached_property
from importlib import resources
from typing import Literal

from sowhat.lint.lexicon import load_lexicon
from sowhat.lint.textfeatures import (
    FREQUENCY_VALUES,
    FUNCTION_WORDS,
    NUMBER_WORDS,
    STATE_CUES,
    TextFacts,
    activity_phrase,
    features,
    object_phrase,
    read,
)

Kind = Literal["outcome", "output"]


@dataclass(frozen=True)
class Classification:
    """The verdict on one KR text; `confidence` is the model's probability of `kind`.

    `reasons` (the words that decided it) are worded on first use: most verdicts are never
    shown, and wording them is a third of the classifier's time."""

    kind: Kind
    confidence: float
    feats: frozenset[str] = field(default=frozenset(), repr=False, compare=False)
    facts: TextFacts | None = field(default=None, repr=False, compare=False)
    model: Model | None = field(default=None, repr=False, compare=False)

    @property
    def parts(self) -> tuple[tuple[float, str], ...]:
        """Each feature's contribution to the log-odds of "output" (for the reasons shown);
        worked out only when asked, as the verdict itself needs only their sum."""
        if self.model is None:
            return ()
        get = self.model.weights.get
        return tuple([(w, f) for f in self.feats if (w := get(f)) is not None])

    @cached_property
    def reasons(self) -> tuple[str, ...]:
        if self.facts is None:
            return ()
        sign = 1.0 if self.kind == "output" else -1.0
        weights: dict[str, float] = self.model.weights if self.model is not None else {}
        get = weights.get
        pushing = [(w, f) for f in self.feats if (w := get(f)) is not None and w * sign > 0.15]
        ranked = sorted(pushing, key=lambda p: (-abs(p[0]), p[1]))  # ties by name: same every run
        reasons: list[str] = []
        for _, feat in ranked:
            text = explain_feature(feat, self.facts)
            if text and text not in reasons:
                reasons.append(text)
            if len(reasons) == 3:
                break
        return tuple(reasons)


@dataclass(frozen=True)
class Model:
    bias: float
    weights: dict[str, float]
    threshold: float = 0.5

    def score(self, feats: frozenset[str]) -> float:
        """Log-odds of "output": the bias plus the weight of every feature present."""
        return self.bias + sum(map(self.weights.get, feats, _ZEROS))


_ZEROS = itertools.repeat(0.0)  # the default weight of an unknown feature, for map()


@cache
def load_model() -> Model:
    raw = json.loads(resources.files("sowhat.lint.data").joinpath("model.json").read_text("utf-8"))
    return Model(
        bias=float(raw["bias"]),
        weights={str(k): float(v) for k, v in raw["weights"].items()},
        threshold=float(raw.get("threshold", 0.5)),
    )


def _sigmoid(z: float) -> float:
    if z >= 0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


def classify_facts(facts: TextFacts, model: Model | None = None) -> Classification:
    model = model or load_model()
    feats = frozenset(features(facts))
    p_output = _sigmoid(model.score(feats))
    kind: Kind = "output" if p_output >= model.threshold else "outcome"
    confidence = p_output if kind == "output" else 1.0 - p_output
    return Classification(kind=kind, confidence=round(confidence, 4), feats=feats,
                          facts=facts, model=model)  # fmt: skip


def classify(text: str) -> Classification:
    """Outcome or output, how sure, and the words that decided it."""
    return classify_facts(read(text))


_NEW_PATTERNS = {
    "P:activity": "counts the team's own effort (an activity metric)",
    "P:activity_change": "moves an activity count, not a result",
    "P:outcome_noun": "names a result (churn, NPS, conversion...)",
    "P:outcome_noun_nodelivery": "names a result (churn, NPS, conversion...)",
    "P:threshold": "sets a level to reach or stay within",
    "P:threshold_outcome": "sets a level for a result",
    "P:baseline": "states where it starts",
    "P:done_passive": "reports a deliverable as done ('is implemented', 'exists')",
    "P:business_result": "counts customers, deals or pipeline won",
    "P:team_subject": "the team's own people do it",
    "P:share_done": "a share of things the team completes",
}


def explain_feature(feat: str, facts: TextFacts) -> str | None:
    """A feature name in words a KR author recognises."""
    prefix, _, value = feat.partition(":")
    if prefix in ("w", "b", "h2"):
        return _explain_words(feat)
    if feat in ("P:activity", "P:activity_change"):
        m = activity_phrase(facts)
        return f"counts the team's own effort ('{m}')" if m else _NEW_PATTERNS[feat]
    if feat in _NEW_PATTERNS:
        return _NEW_PATTERNS[feat]
    if prefix == "h" and value and value != "<num>":
        return f"starts with '{value}'"
    if feat == "L:head_delivery":
        return f"starts with a delivery verb ('{facts.head}')"
    if feat == "L:head_change":
        return f"starts with a change verb ('{facts.head}')"
    if feat == "L:deliverable" and facts.deliverables:
        return f"names a deliverable ('{object_phrase(facts) or facts.deliverables[0]}')"
    if feat.startswith("L:metric_") and facts.metric_words:
        return f"names a measurable result ('{facts.metric_words[0]}')"
    if feat == "L:metric_0":
        return "names no measurable result"
    if feat == "P:from_to":
        return "moves a number from a baseline to a target"
    if feat == "P:comparator":
        return "sets a threshold (under, at least, fewer than...)"
    if feat == "P:share":
        return "counts a share of people or things"
    if feat == "P:relative":
        return "states a relative change"
    if feat == "P:verb_count":
        return "counts units of work"
    if feat == "P:verb_deliverable_nometric":
        return "a verb and a deliverable with no metric"
    if feat in ("P:date", "P:date_nometric"):
        return "is bound to a date"
    if feat == "P:delivery_tail":
        return "says something will be done or live"
    if feat == "P:per":
        return "is a rate (per account, per month...)"
    if feat == "P:money":
        return "is an amount of money"
    return None


@cache
def _explain_words(feat: str) -> str | None:
    """Word, bigram and head-bigram features: their wording depends on the name alone."""
    prefix, _, value = feat.partition(":")
    if prefix == "h2":
        return f"starts with '{value.replace('_', ' ')}'"
    if prefix == "w" and value not in _BORING:
        return f"the word '{value}'"
    if prefix == "b" and not set(value.split("_")) & _BORING:
        return f"the words '{value.replace('_', ' ')}'"
    return None


_BORING = FUNCTION_WORDS | {"<num>"}


@dataclass(frozen=True)
class Vanity:
    """A vanity metric named in a KR: the phrase, its family, and the value-linked metric."""

    phrase: str
    family: str
    advice: str


# Words before a vanity word that make it the base of a rate or share ("of sessions", "per
# session", "compliance across all sessions"), not the count.
_DENOMINATOR_BEFORE = frozenset({"of", "per", "free", "crash", "in", "across"})
_COUNT_NOUNS = frozenset({"number", "count", "total", "amount"})
# "30% growth in subscribers", "an increase in page views": the change is of the count itself,
# so "in" does not make the word a base, as it does in "errors in sessions".
_CHANGE_NOUNS = frozenset({"growth", "increase", "rise", "jump", "boost", "gain", "gains",
                           "uplift", "lift"})  # fmt: skip
_CAPACITY_HEADS = frozenset({"support", "supports", "handle", "handles", "serve", "serves"})
_MODIFIERS = frozenset(
    {
        "new",
        "active",
        "unique",
        "organic",
        "monthly",
        "weekly",
        "daily",
        "total",
        "trial",
        "paid",
        "free",
        "first",
        "time",
        "all",
        "our",
        "the",
        "app",
        "mobile",
        "web",
    }
)
_CLAUSE_BREAKS = frozenset({"while", "whilst", "so", "without", "because"})
_TIME_UNITS = frozenset({"day", "week", "month", "quarter", "year", "30", "7", "90", "28"})
_SUBJECT_VERBS = frozenset({"can", "will", "are", "have", "get", "use", "speak", "and"})


@cache
def _vanity_heads() -> frozenset[str]:
    """First words of every vanity phrase."""
    phrases = (p for group in load_lexicon().vanity.values() for p in group)
    return frozenset(p.replace("-", " ").split()[0] for p in phrases)


def find_vanity(facts: TextFacts, kind: Kind = "outcome") -> Vanity | None:
    """The first vanity phrase counted for its own sake, or None.

    Only outcomes can be vanity metrics: in an output ("Hold 12 training sessions") the
    word names the work, and SW101 already has something to say.

    A vanity word does not count when the KR ties it to value (signups *that activate*,
    visitor-to-trial *conversion*) or uses it as a denominator (errors per 1,000 *sessions*).
    """
    if kind == "output":
        return None
    if _vanity_heads().isdisjoint(facts.tokens) and _APART.isdisjoint(facts.tokens) and (
            ATTENDANCE.isdisjoint(facts.tokens)):
        return None  # the common case, decided with three set operations
    lex = load_lexicon()
    tokens = facts.tokens
    for i, t in enumerate(tokens):  # "... while traffic doubles": a side clause, not the KR
        if i and (t in _CLAUSE_BREAKS or (t == "based" and tokens[i + 1 : i + 2] == ("on",))):
            tokens = tokens[:i]  # "..., based on all site traffic": the basis, not the count
            break
    heads = _vanity_heads()
    if any(
        t in lex.vanity_value_links
        and not (t in _TRIAL and _trial_signed_up(tokens, i, heads))
        and not (t in _RELATIVE_PRONOUNS and i and tokens[i - 1] == "of")
        for i, t in enumerate(tokens)
    ):
        return None  # tied to value; but "trial sign-ups" are still sign-ups counted, and
        # "3m page views, a majority of which focus on AI" says what the content is about,
        # not which views count (a restrictive "views that convert" would)
    for family, phrases in (*lex.vanity.items(), _ATTENDANCE_FAMILY):
        for phrase in phrases:
            parts = tuple(phrase.replace("-", " ").split())
            n = len(parts)
            for i in range(len(tokens) - n + 1):
                if tokens[i : i + n] != parts:
                    continue
                j = i - 1
                while j >= 0 and tokens[j] in _MODIFIERS:
                    j -= 1  # "80% of *new* signups": look past the adjectives
                before = tokens[j] if j >= 0 else ""
                after = tokens[i + n] if i + n < len(tokens) else ""
                per_time = after == "per" and (
                    i + n + 1 < len(tokens) and tokens[i + n + 1] in _TIME_UNITS)
                if (after == "per" and not per_time) or "active" in tokens[j + 1 : i] or (
                        before == "team"):
                    continue  # a rate ("sessions per user"), engaged people, or the team itself
                if i <= 1 and after in _SUBJECT_VERBS and not _is_verb(facts.head):
                    continue  # "Members can make a profile": the people, not a count of them
                if parts == ("sessions",) and i and tokens[i - 1] in _MEETING_KINDS:
                    continue  # "monthly leadership development sessions": meetings held
                if f"{parts[-1]}/" in facts.norm and _segment(tokens, j):
                    continue  # "(5+ sessions/week)": a frequency that defines a segment
                if facts.head in _CAPACITY_HEADS:
                    continue  # "Support 10x traffic": capacity, not a count chased
                if parts == ("members",) and after and after not in _COUNT_TAIL:
                    continue  # "25 members publish a talk", "members of the community are
                    # involved": people doing something; "hits 10,000 members" is the count
                split = before == "of" and after in _SOURCE_SPLIT and _split_by_source(
                    facts.norm, parts)
                if j >= 1 and before in _DENOMINATOR_BEFORE and tokens[j - 1][0].isdigit() and (
                        not split):
                    continue  # "80% of new signups complete...": a share, signups the base
                if j >= 2 and tokens[j - 1] == "of" and tokens[j - 2][0].isdigit() and not split:
                    continue  # "90% of workshop attendees rate it 4+": a noun between
                i_before = j
                if (
                    i_before >= 1
                    and before[:1].isdigit()
                    and tokens[i_before - 1] in _DENOMINATOR_BEFORE
                ):
                    continue  # "tickets per 1,000 sessions"
                counted = i_before >= 1 and (tokens[i_before - 1] in _COUNT_NOUNS or (
                    before == "in" and tokens[i_before - 1] in _CHANGE_NOUNS))
                if before in _DENOMINATOR_BEFORE and not counted and not split:
                    continue  # but "30% of total traffic from mobile" is traffic split by
                    # where it comes from: the attention itself, not a base
                if "(" in facts.norm and not _outside_parentheses(facts.norm, parts):
                    continue  # "(field data once traffic exists)": an aside, not the count
                advice = lex.vanity_advice.get(family, _ATTENDANCE_ADVICE)
                return Vanity(phrase=phrase, family=family, advice=advice)
    apart = attention_apart(tokens)
    if apart is not None:
        return Vanity(phrase=apart[1], family=apart[2], advice=lex.vanity_advice[apart[2]])
    return None


# Attendance counted for its own sake ("Events with a total of 1,000 attendees", "town hall
# meetings will increase attendance by 20%"), like registrations or views. Read by the rules
# only: the lexicon's vanity words are also a model feature, which these leave as it was.
ATTENDANCE = frozenset({"attendance", "attendees"})
_ATTENDANCE_FAMILY = ("attendance", tuple(sorted(ATTENDANCE)))
_ATTENDANCE_ADVICE = ("attendees who go on to do what the event is for (adopt, contribute, "
                      "buy), not raw attendance")  # fmt: skip


def _outside_parentheses(norm: str, parts: tuple[str, ...]) -> bool:
    """Whether the phrase stands somewhere outside parentheses: a word only inside them
    ("p75 LCP ≤ 2.5s (field data once traffic exists)") qualifies the KR, it is not what the
    KR counts."""
    outside = _PARENTHESES.sub(" ", norm).replace("-", " ").replace("/", " ")
    return re.search(r"\b" + r"\s+".join(map(re.escape, parts)) + r"\b", outside) is not None


_PARENTHESES = re.compile(r"\([^)]*\)")
# the kinds of meeting a team holds in "sessions" ("pair programming sessions"): not visits
_MEETING_KINDS = frozenset({"development", "programming", "training", "practice", "coaching",
                            "mentoring", "working", "planning", "feedback", "brainstorming",
                            "pairing", "learning", "study", "design", "review", "strategy",
                            "information", "q&a", "demo", "listening", "onboarding"})  # fmt: skip
# what splits attention by where it comes from: "% of total traffic from mobile"
_SOURCE_SPLIT = frozenset({"from", "via"})


def _split_by_source(norm: str, parts: tuple[str, ...]) -> bool:
    """Whether the share is of the attention itself, split by where it comes from, with
    nothing said of it after the source: "Hit 30% of total traffic from mobile (currently
    8%)". "80% of signups from paid ads complete onboarding" says what they do: a base."""
    outside = _PARENTHESES.sub(" ", norm).replace("-", " ")
    m = re.search(r"\b" + r"\s+".join(map(re.escape, parts)) + r"\s+(?:from|via)\s+(.*)$",
                  outside)  # fmt: skip
    return m is not None and len(m[1].split()) <= 2


def attention_apart(tokens: tuple[str, ...]) -> tuple[int, str, str] | None:
    """Attention the KR asks for in words that stand apart in the sentence, so no phrase of
    the lexicon matches: (index of the word, the phrase to show, its vanity family), else
    None.

    - A place in search results: "Rank in top 10 YouTube search results for 3 target
      keywords", "Ranking for product engineer keywords in search", "steady growth in
      visibility from search" — like "search ranking", a position people see. Ranking alone
      is not enough ("Improve search result ranking" is a search product's relevance).
    - An audience or a newsletter that grows: "Newsletter is growing faster", "Grow our
      audience" — the list size, like "mailing list" or "readership"; a newsletter sent
      ("Send a monthly newsletter") is work, not a count.
    - Engagement on social channels: "Consistent engagement on social channels (X,
      LinkedIn...)" — likes, shares and comments together, attention like each of them.
    """
    if _APART.isdisjoint(tokens):
        return None  # the common case, one set operation
    for i, t in enumerate(tokens):
        if t in _RANK_WORDS and not _SEARCH_TARGETS.isdisjoint(tokens):
            return i, "search ranking", "social"
        if t == "visibility" and not _SEARCHES.isdisjoint(tokens):
            return i, "search ranking", "social"
        if t in _AUDIENCES and not _GROWTH.isdisjoint(tokens[max(i - 3, 0) : i + 4]):
            return i, "list size", "email"
        if t == "engagement" and not _SOCIAL.isdisjoint(tokens):
            return i, "social engagement", "social"
    return None


_RANK_WORDS = frozenset({"rank", "ranks", "ranked", "ranking", "rankings"})
_SEARCH_TARGETS = frozenset({"keyword", "keywords", "serp", "serps", "seo"})
_SEARCHES = _SEARCH_TARGETS | {"search", "google"}
_AUDIENCES = frozenset({"newsletter", "audience", "fanbase"})
_GROWTH = frozenset({"grow", "grows", "growing", "grew", "grown", "growth"})
_SOCIAL = frozenset({"social", "instagram", "linkedin", "twitter", "tiktok", "youtube",
                     "facebook", "reddit"})  # fmt: skip
_APART = _RANK_WORDS | _AUDIENCES | {"visibility", "engagement"}


_TRIAL = frozenset({"trial", "trials"})


def _trial_signed_up(tokens: tuple[str, ...], i: int, heads: frozenset[str]) -> bool:
    """Whether "trial(s)" at i names what people signed up for, so the count is still of
    sign-ups: "trial sign-ups", "sign-ups for product trials". Elsewhere a trial ties the
    count to value ("visitor-to-trial conversion", "people who start a trial")."""
    if i + 1 < len(tokens) and tokens[i + 1] in heads:
        return True
    return "for" in tokens[max(i - 4, 0) : i] and not heads.isdisjoint(tokens[max(i - 5, 0) : i])
_RELATIVE_PRONOUNS = frozenset({"who", "that", "which", "whom"})
# What may follow "members" when the KR counts them for their own sake ("10,000 members on
# Discord by Q3"): nothing, or where and when.
_COUNT_TAIL = frozenset({"on", "in", "by", "this", "per", "across", "within", "at", "from",
                         "before", "during", "over"})  # fmt: skip


def _segment(tokens: tuple[str, ...], j: int) -> bool:
    """Whether the vanity word at j+1 (adjectives skipped) is a frequency defining a group of
    people, "power users (5+ sessions/week)", rather than a count per period chased for its
    own sake, "100k site visitors/month": the number stands right before the word and is
    small, or a people noun comes first."""
    before = tokens[j] if j >= 0 else ""
    small = before[:1].isdigit() and not any(c in before for c in "km,") and len(before) <= 2
    return small or any(t in _PEOPLE for t in tokens[: max(j, 0)])


_PEOPLE = frozenset({"users", "accounts", "customers", "members", "teams", "people"})


def _is_verb(word: str) -> bool:
    lex = load_lexicon()
    return word in lex.delivery_verbs or word in lex.change_verbs


def metric_named(facts: TextFacts) -> str | None:
    """The metric the KR names, a word of `lexicon.measures` or a phrase such as "load time"
    or "number of bugs"; None when it names none."""
    if facts.measures:
        return facts.measures[0]
    if _METRIC_PHRASE_KEYS.isdisjoint(facts.tokens):
        return None  # one set test spares most KRs the regex (4 µs)
    m = _METRIC_PHRASE.search(facts.norm)
    return None if m is None else m[0].rstrip()


def is_unmeasurable(facts: TextFacts, kind: Kind) -> bool:
    """Nothing to count: no number, no metric word, and either vague or not a deliverable.

    A plain deliverable ("Launch audit logs") is measurable as done/not done; SW101 is the
    problem there. "Improve the onboarding flow" or "Users love the editor" have nothing.
    """
    if facts.head in _PRINCIPLE_HEADS and _principle(facts):
        return True  # "Put people over process (E.g. ... a quarterly party)": a principle
    if facts.has_number and (
        ("#" not in facts.norm and _REFERENCE_KEYS.isdisjoint(facts.tokens))
        or not _references_only(facts)
    ) and not _unity_only(facts):
        # a number; an issue reference or a quarter alone is none, nor is "in one place".
        # Digits in a name ("js-libp2p", "SOC 2") are no number either, but a named thing
        # with a digit is most often a checkable deliverable ("go-libp2p implements the
        # API"), so only work promised as a quality alone is judged past them: "js-libp2p
        # releases get proper fanfare" is "Releases get proper fanfare", and so is open-ended
        # work: "Advise K-12 teams of their needs" (set tests first: most KRs stop there)
        open_work = (facts.head in _OPEN_ENDED_HEADS or facts.head in _GENERIC_VERBS or not (
            _ROLE_VERBS.isdisjoint(facts.tokens))) and _generic_work(facts)
        return (open_work or (kind == "output" and _vague_quality(facts))) and (
            _name_digits_only(facts) and metric_named(facts) is None)  # fmt: skip
    lex = load_lexicon()
    vague = facts.head in lex.vague_words or facts.head in _VAGUE_HEADS or _vague_quality(facts)
    open_amount = _open_amount(facts)
    if metric_named(facts) is not None and not (_metric_only_modifies(facts) or open_amount):
        # "Maximize monthly /search visits": a metric, but no level to reach; whichever kind
        # the verdict, there is nothing to judge at the end of the period. "Decrease load
        # time", "Reduce the number of bugs": a metric and a direction, measurable (SW103
        # asks for the numbers), like "Reduce churn". "Understanding of what drives
        # retention": the metric is what is to be understood, not a level to reach
        return facts.head in _NO_LEVEL_HEADS or facts.head in KNOWLEDGE_HEADS
    if kind == "output":
        return (vague or open_amount or _generic_work(facts) or _state_of_mind(facts)
                or _bare_quality(facts) or _quality_moves(facts, lex.change_verbs))  # fmt: skip
    return True


def _principle(facts: TextFacts) -> bool:
    """Whether the KR is a principle of conduct, a preference of one value over another: "Put
    people over process", "Value working software over documentation", "Favour listening over
    speaking" (the agile manifesto's form). No count says at the end of the period whether a
    value was put first; an example after it ("(E.g. organize a quarterly party)") shows what
    it might look like, and its numbers are not the KR's. Short runs of words only, with
    nothing after the second value but the end, a stop or an example: "Put deals over $50k
    first" or "Value speed over polish in 3 launches" state something to count."""
    return principle_named(facts) is not None


def principle_named(facts: TextFacts) -> str | None:
    """The values a principle of conduct weighs ("people over process"), else None (see
    `_principle`)."""
    if facts.head not in _PRINCIPLE_HEADS or "over" not in facts.tokens:
        return None
    m = _PRINCIPLE.match(facts.norm)
    return None if m is None else m[1]


_PRINCIPLE_HEADS = frozenset({"put", "value", "values", "favour", "favor", "favours", "favors",
                              "prefer", "prefers"})  # fmt: skip
_PRINCIPLE = re.compile(
    r"[a-z]+\s+((?:[a-z'-]+\s+){1,3}over\s+[a-z'-]+(?:\s+[a-z'-]+){0,3})\s*"
    r"(?:$|[.;!(]|,?\s*e\.?\s?g\b|-\s)"
)


def _vague_quality(facts: TextFacts) -> bool:
    """Whether the KR promises a quality with no yardstick ("better", "proper", "necessary",
    "a high-quality format"), misspelt by one dropped letter or not ("adversly")."""
    return any(t in _VAGUE_QUALITIES or t in _VAGUE_MISSPELT for t in facts.tokens) or (
        _HIGH_QUALITY in facts.norm)


def judged_by_feel(facts: TextFacts) -> str | None:
    """The words that show the KR's number is read by feel rather than counted, else None:
    the KR says so ("Subjectively, the support team spends >60% of its time on planned
    work", "Anecdotally, ..."), or the percentage measures a feeling rather than a share of
    things ("100% confidence in the supplier's parts", "90% certainty that the plan holds").
    Nobody can tell at the end of the period whether it was met: one person's 100% is
    another's 80%. A share of people who feel so is counted ("90% of staff are confident
    in ...", "CSAT at 92%"), and a statistical level is a number ("at 95% confidence")."""
    toks = facts.tokens
    if _FEEL_KEYS.isdisjoint(toks):
        return None  # the common case, one set test
    for t in toks:
        if t in _SUBJECTIVE:
            return t
    m = _PERCENT_FELT.search(facts.norm)
    return None if m is None else m[0]


_SUBJECTIVE = frozenset({"subjectively", "anecdotally", "impressionistically"})
_FEELINGS = ("confidence", "confident", "certainty", "certain", "conviction", "trust", "faith",
             "belief", "buy-in")  # fmt: skip
_FEEL_KEYS = _SUBJECTIVE | frozenset({"confidence", "confident", "certainty", "certain",
                                      "conviction", "trust", "faith", "belief", "buy"})
# "100% confidence in ...", "90% certain that ...": the feeling followed by what it is about
_PERCENT_FELT = re.compile(r"\d+\s*%\s+(?:" + "|".join(_FEELINGS) + r")\s+(?:in|that|on)\b")


def _open_amount(facts: TextFacts) -> bool:
    """Whether the head verb's object is an amount left open — "Get some feedback", "Deliver
    a dedicated number of features per development cycle": the KR says there will be some,
    not how many, so like "Ship features" nothing tells at the end whether it was met. Only
    right after the head, where the amount is what the KR asks for; "migrate only some
    instances" later in a KR qualifies part of a deliverable. Called on KRs with no number."""
    toks = facts.tokens
    if len(toks) < 3 or _OPEN_AMOUNT_KEYS.isdisjoint(toks[1:4]):
        return False  # the common case, one set test
    lex = load_lexicon()
    head = toks[0]
    if not (head in lex.delivery_verbs or head in _GENERIC_VERBS or head in _GETTING):
        return False
    if toks[1] in ("some", "several", "various"):
        return metric_named(facts) is None  # "Reduce some costs" gives a metric a direction
    if head in lex.change_verbs:
        return False  # "Reduce the number of bugs", "Get a number of ...": a metric moved
    # "a number of features", "a dedicated number of features" (never "the number of")
    rest = toks[2:] if toks[1] == "a" else ()
    if rest and rest[0] in _UNSTATED:
        rest = rest[1:]
    return len(rest) > 1 and rest[0] == "number" and rest[1] == "of"


_OPEN_AMOUNT_KEYS = frozenset({"some", "several", "various", "number"})
_UNSTATED = frozenset({"dedicated", "certain", "given"})
_GETTING = frozenset({"get", "gather", "collect", "receive", "obtain", "find"})


def _metric_only_modifies(facts: TextFacts) -> bool:
    """Whether every metric word of the KR only qualifies the noun after it, so the KR names
    that thing, not the metric: "an improved usage analytics experience" is an experience
    (like "Improve the onboarding flow", the guideline's unmeasurable example), "cost
    optimization" is work. A metric is the head of its phrase: "Improve developer satisfaction
    score", "Raise weekly active usage", "Reduce infrastructure cost" stay measurable, as
    does a metric counted by a phrase ("number of bugs"). A deliverable named this way
    ("Launch usage dashboards") is still done or not: the output branch judges it."""
    if not facts.measures:
        return False
    if not _METRIC_PHRASE_KEYS.isdisjoint(facts.tokens) and (
            _METRIC_PHRASE.search(facts.norm) is not None):
        return False  # "number of bugs", "load time": a metric named by a phrase
    toks = facts.tokens
    found = False
    for i, t in enumerate(toks):
        if t in facts.measures:
            if i + 1 >= len(toks) or toks[i + 1] not in _QUALIFIED_THINGS:
                return False
            found = True
    return found


# Nouns a metric word may qualify without being the metric: a quality, or a piece of work
# ("usage analytics experience", "cost optimization", "retention strategy").
_QUALIFIED_THINGS = frozenset(
    [
        "experience", "optimization", "optimisation", "analytics", "strategy", "strategies",
        "lever", "levers", "initiative", "initiatives", "program", "programs", "programme",
        "dashboard", "dashboards", "report", "reports", "reporting", "tooling", "tools",
        "framework", "frameworks", "plan", "plans", "playbook", "playbooks", "process",
        "processes", "project", "projects", "efforts", "work", "culture", "mindset",
        "awareness", "story", "narrative",
    ]
)  # fmt: skip


def _unity_only(facts: TextFacts) -> bool:
    """Whether the KR's only number is "one" saying where things are kept together — "Keep
    important documents organized in one reliable system", "Track priorities in one place":
    a single place, not a quantity to reach, so it gives nothing to count. "In one hour",
    "resolved in one week" (a duration), "one marathon", "at least one" stay numbers."""
    toks = facts.tokens
    if "one" not in toks or _ANY_DIGIT.search(facts.norm) is not None or not (
            FREQUENCY_VALUES.isdisjoint(toks)) or any(
            t in NUMBER_WORDS and t != "one" for t in toks):  # fmt: skip
        return False
    for i, t in enumerate(toks):
        if t != "one":
            continue
        if i == 0 or toks[i - 1] not in _PLACE_PREPOSITIONS:
            return False
        if not _DURATIONS.isdisjoint(toks[i + 1 : i + 3]):
            return False
    return True


def _name_digits_only(facts: TextFacts) -> bool:
    """Whether every digit of the KR belongs to a name rather than a quantity: a digit run
    written onto two letters or more before it ("js-libp2p", "web3", "CIDv1") or after an
    upper-case acronym ("SOC 2", "ISO 27001"). "js-libp2p releases get proper fanfare" has
    nothing to count, like "Releases get proper fanfare"; "Ship v2 of the API" is still a
    deliverable (the output branch judges it), and a digit that counts ("3 releases", "p95
    under 200 ms" with its 200, "5x") keeps the KR measured. Number words count as numbers."""
    text = facts.text
    if "_" in text or not _NAME_DIGIT.search(text):
        return False  # a redacted number ("_N3_") is a number
    rest = _NAME_DIGIT.sub(" ", text)
    return _ANY_DIGIT.search(rest) is None and NUMBER_WORDS.isdisjoint(facts.tokens) and (
        FREQUENCY_VALUES.isdisjoint(facts.tokens))


# a digit run glued to the letters before it (not after: "1.5MB", "30s", "5x" are amounts),
# or standing after an upper-case acronym: part of a name
_NAME_DIGIT = re.compile(
    r"(?<=[A-Za-z]{2})\d+(?:\.\d+)*[A-Za-z]*|\b[A-Z]{2,}\s\d+\b|"
    # a code of capitals, a hyphen and digits ("PK-20W", "COVID-19"); "K-12" or "K12", the
    # school grades, names a school system
    r"\b[A-Z]{2,}-\d+[A-Z]*\b|\bK-?12\b"
)


_PLACE_PREPOSITIONS = frozenset({"in", "into", "on", "under", "onto"})
_DURATIONS = frozenset({"hour", "day", "week", "month", "quarter", "year", "sprint", "cycle",
                        "go", "minute", "second", "hours", "days", "weeks"})  # fmt: skip


def _references_only(facts: TextFacts) -> bool:
    """Whether the only digits in the KR are an issue or pull-request reference ("#145") or
    a quarter or half named as a time ("in Q3", "by H2", "FY24"): neither is a quantity, so
    "Improve UX for Desktop (ipfs-companion/#324)" or "... sufficient to build a team in Q3"
    still have nothing to count. Other digits in names ("libp2p", "SOC 2", "v2") are left
    alone: they are too often in KRs that name a checkable deliverable."""
    rest, n = _REFERENCE.subn(" ", facts.norm)
    return n > 0 and _ANY_DIGIT.search(rest) is None and (
        NUMBER_WORDS.isdisjoint(facts.tokens) and FREQUENCY_VALUES.isdisjoint(facts.tokens))


_REFERENCE = re.compile(r"#\d{3,}\b|\b(?:q[1-4]|h[12]|fy\d{2}(?:\d{2})?)\b")
_ANY_DIGIT = re.compile(r"\d")
# What `_REFERENCE` needs among the words (`read` splits "q3" into "q", "3"): most KRs with
# a number fail this set test and never run the regex.
_REFERENCE_KEYS = frozenset({"q", "h", "fy"})


def _quality_moves(facts: TextFacts, change_verbs: frozenset[str]) -> bool:
    """A quality named as the subject that changes, with no scale: "Team satisfaction
    increases from start of year to end", "Developer experience improves". Like "Increase
    customer satisfaction" there is nothing to read at the end of the period; the model
    often calls these outputs (no change verb at the head, no metric word)."""
    toks = facts.tokens
    if any(toks[i] in _QUALITY_NOUNS and toks[i + 1] in change_verbs
           for i in range(min(len(toks) - 1, 3))):  # fmt: skip
        return True
    # the quality qualified before its verb: "Company-wide engagement in design review
    # increases" (the change verb closes the sentence)
    return len(toks) > 3 and toks[-1] in change_verbs and not _QUALITY_NOUNS.isdisjoint(toks[:3])


# Heads that name knowledge or proof of something rather than a level of it: "Understanding
# of what user actions drive retention", "Evidence that the team is happy (low attrition)".
KNOWLEDGE_HEADS = frozenset({"understanding", "evidence", "insight", "insights", "clarity",
                              "knowledge"})  # fmt: skip


def _bare_quality(facts: TextFacts) -> bool:
    """A quality named alone, with no level and no direction, which the model may call work:
    "Developer experience", "Team morale". There is nothing to read at the end of the period;
    unlike "Churn" (a metric: SW103 asks for the numbers) or "Launch the onboarding
    experience" (a deliverable, done or not). Only short verbless phrases: in a sentence
    the same nouns are often a deliverable's name ("collaboration guideline is defined")."""
    toks = facts.tokens
    return 1 <= len(toks) <= 3 and toks[-1] in _QUALITY_NOUNS and not facts.deliverables and (
        not _is_verb(toks[0]))


def _state_of_mind(facts: TextFacts) -> bool:
    """A state of people or of work, with no deliverable and no yardstick: "Users mention how
    good the docs are", "Everyone knows where to find the roadmap", "We don't rely on reactive
    signals", "Positive feedback from customers". The model often leans "output" on these (no
    change verb, no metric), so the output branch must catch them too; a capability that is
    done or not ("Users can create branches", "We have a list of signals") is not one."""
    toks = facts.tokens
    if any(t in _STATE_CUES for t in toks):
        return True
    s = 1 if toks and toks[0] in _POSSESSIVES else 0  # "Our sales team is actively ..."
    if s and len(toks) > 1 and toks[1] == "own":
        s = 2  # "Our own team and content is using this messaging more": our team
    # the verb may stand a few words after its subject: "People on social media use this
    # messaging", "Everyone can access and understand key metrics"
    return len(toks) > s and toks[s] in _STATE_SUBJECTS and any(
        t in _STATE_VERBS for t in toks[s + 1 : s + 6])


_POSSESSIVES = frozenset({"our", "the", "their", "my", "your"})


_STATE_CUES = STATE_CUES
# Subjects of a state sentence, and the verbs that make it one when they follow closely.
_STATE_SUBJECTS = frozenset(
    [
        "we", "you", "users", "people", "everyone", "everybody", "anyone", "customers",
        "developers", "team", "teams", "staff", "employees", "members", "contributors",
        "llms", "agents", "nobody", "other", "product", "sales", "founder", "attention",
        "insights", "feedback", "evidence", "understanding", "any",
    ]
)  # fmt: skip
_STATE_VERBS = frozenset(
    [
        "know", "knows", "trust", "love", "loves", "agree", "mention", "mentions", "feel",
        "feels", "believe", "want", "wants", "like", "likes", "understand", "understands",
        "hear", "see", "learn", "reflect", "reflects", "rely", "relies", "perform", "shape",
        "use", "is", "are", "spread", "easily", "consistently", "actively", "don't",
        "doesn't", "aren't", "can't", "no", "never",
    ]
)  # fmt: skip


def _generic_work(facts: TextFacts) -> bool:
    """Work with no particular deliverable: "Fix bugs", "Ship features", "Update
    documentation", "Do user research", "Proactively reaching out to diverse communities".
    Nothing tells at the end of the period whether it happened: which bugs, how many?
    Two verbs may share the object ("Document and evangelize architecture designs", "Collect
    and incorporate user feedback"), and a verb may carry its particle ("Roll out
    improvements")."""
    toks = facts.tokens
    if toks and toks[0] == "re":
        toks = toks[1:]  # "Re-organizing and iterating on ...": one word, split at the hyphen
    if len(toks) > 2 and toks[1] == "and" and toks[2] in _OPEN_ENDED_HEADS:
        return True  # "Organizing and iterating on the website": the second verb is open
    if not _ROLE_VERBS.isdisjoint(toks[:5]) and any(
            toks[i] in _ROLE_VERBS and toks[i + 1] == "as" for i in range(min(len(toks) - 1, 5))):
        return True  # "The team will serve as consultants for ...": a role held, no deliverable
    words = [t for t in toks if t not in _FILLER]
    if not words:
        return False
    if words[0] in _OPEN_ENDED_HEADS:
        return True
    verb = _is_verb(words[0]) or words[0] in _GENERIC_VERBS
    rest = words[1:] if verb else words
    head = words[0]
    if verb and len(toks) > 2 and toks[1] == "and" and len(rest) > 1:
        # a second verb sharing the object: either may leave the work open
        if rest[0] in _OPEN_ENDED_HEADS:
            return True
        head, rest = rest[0], rest[1:]
    if verb and rest and rest[0] in _PARTICLES:
        rest = rest[1:]  # "Roll out improvements for ...", "Set up processes"
    if bool(rest) and all(t in _GENERIC_OBJECTS for t in rest):
        return True
    # "Boost posts on Instagram and Facebook": the object ends at the first preposition;
    # naming where the work happens still names no particular deliverable (which posts?)
    return (verb and not _GENERIC_OBJECTS.isdisjoint(rest)
            and _generic_object_before_place(toks, head))  # fmt: skip


_PARTICLES = frozenset({"out", "up"})
_ROLE_VERBS = frozenset({"serve", "serves", "act", "acts"})


def _generic_object_before_place(tokens: tuple[str, ...], head: str) -> bool:
    """Whether the words between `head` and the first preposition after it are all generic
    objects: "Boost posts on Instagram" yes, "Fix bugs in the editor" yes, "Fix the login
    bug on Safari" no (a particular bug)."""
    start = tokens.index(head) + 1
    obj = []
    for t in tokens[start:]:
        if t in _OBJECT_ENDS:
            break
        if t not in _FILLER and t not in _PARTICLES:
            obj.append(t)
    else:
        return False  # no place named: the plain test above has already judged it
    return bool(obj) and all(t in _GENERIC_OBJECTS for t in obj)


_OBJECT_ENDS = frozenset({"on", "in", "for", "to", "with", "via", "across", "at", "into",
                          "from", "within"})  # fmt: skip
_FILLER = frozenset({"a", "an", "the", "our", "all", "more", "some", "of", "and", "on",
                     "to", "for", "with", "via", "in", "its", "their", "new", "existing",
                     "current"})  # fmt: skip
_GENERIC_VERBS = frozenset({"do", "fix", "update", "write", "ship", "improve", "work", "make",
                            "deliver", "provide", "add", "run", "hold",
                            "collect"})  # fmt: skip
_OPEN_ENDED_HEADS = frozenset({"engage", "encourage", "proactively", "explicit", "promote",
                               "foster", "nurture", "champion", "evangelize", "evangelise",
                               "advocate", "socialize", "socialise", "explore", "iterating",
                               "reaching", "align", "embrace", "advise", "educate",
                               "cultivate", "study", "practise", "practice",
                               "experiment"})  # fmt: skip
_GENERIC_OBJECTS = frozenset(
    [
        "features", "bugs", "fixes", "documentation", "docs", "research",
        "user", "users", "improvements", "stability", "packaging", "promotion", "outreach",
        "communities", "community", "code", "coding", "things", "stuff", "work", "projects",
        "tasks", "issues", "content", "process", "processes", "quality", "performance",
        "posts", "gaps", "leadership", "guidance", "feedback", "programs",
        "library", "client", "changes", "updates", "tests", "testing", "progress", "hard",
    ]
)  # fmt: skip


# Qualities with no yardstick: an output promising them ("Build stronger relationships") has
# nothing to count, unlike a concrete deliverable ("Train all staff on phishing").
_VAGUE_QUALITIES = frozenset(
    [
        "better",
        "best",
        "stronger",
        "excellent",
        "great",
        "world-class",
        "world",
        "smoother",
        "happier",
        "healthier",
        "intuitive",
        "beautiful",
        "delightful",
        "efficient",
        "cheaper",
        "greater",
        "welcoming",
        "robust",
        "sound",
        "optimal",
        "compelling",
        "proper",
        "maintainable",
        "revamp",
        "revamped",
        "continuous",
        "continous",
        "sufficient",
        "aligned",
        "understanding",
        "evidence",
        "clear",
        "clearly",
        "improved",
        "strong",
        "adequate",
        "relevant",
        "quick",
        "definitive",
        "organized",
        "organised",
        # with no yardstick either: which are necessary, helpful by whose measure, how much
        # smarter? "All necessary features built", "Sales feedback that the demo video is
        # helpful", "a team capable of answering all needs", "does not negatively impact"
        "necessary",
        "helpful",
        "capable",
        "smarter",
        "negatively",
        "adversely",
        "frictionless",
        "seamless",
        "easy",
    ]
)
# A quality promised in a compound: "a high-quality format" is no more countable than "an
# excellent format".
_HIGH_QUALITY = "high-quality"


def _one_letter_dropped(words: frozenset[str]) -> frozenset[str]:
    """Each word of eight letters or more with one inner letter left out: the commonest
    misspelling ("adversly", "necesary"), so a quality misspelt still reads as the quality.
    Only long words, whose one-letter-short forms are seldom words; those that are
    ("smother") are left out."""
    return frozenset(
        w[:i] + w[i + 1 :] for w in words if len(w) >= 8 and "-" not in w
        for i in range(1, len(w) - 1)
    ) - words - _REAL_WORDS


_REAL_WORDS = frozenset({"smother", "soother"})
_VAGUE_MISSPELT = _one_letter_dropped(_VAGUE_QUALITIES)
# "Maximize X" names the metric and asks for as much as possible: no level to judge. "Improve
# developer satisfaction score" or "Reduce churn" give a direction to a metric: measurable,
# and SW103 asks for the numbers.
# Metrics named by a phrase rather than one word of `lexicon.measures`: a count, a rate or
# a duration of something ("number of bugs", "frequency of backups", "load time", "time it
# takes to resolve", "incident recurrence", "average order value", "active users", "ROI").
_METRIC_PHRASE = re.compile(
    r"\b(?:number|count|amount|frequency|percentage|proportion)\s+of\s+[a-z]|"
    r"\b(?:load|loading|response|resolution|wait|waiting|cycle|lead|build|query|turnaround|"
    r"processing|handling|review|onboarding|setup|ramp)\s+times?\b|"
    r"\btime\s+(?:it\s+takes|spent|to\s+[a-z])|\btime-to-[a-z]|\brecurrence\b|"
    r"\b(?:order|deal|contract|basket|lifetime)\s+values?\b|"
    # people counted by what they do ("active users", "paying customers"), a return on
    # investment, time given back ("spends less time screening")
    r"\b(?:active|paying|returning|repeat)\s+(?:users|customers|accounts|buyers|members)\b|"
    r"\broi\b|\b(?:less|more)\s+time\b"
)
_METRIC_PHRASE_KEYS = frozenset({"number", "count", "amount", "frequency", "percentage",
                                 "proportion", "time", "times", "recurrence", "value",
                                 "values", "active", "paying", "returning", "repeat",
                                 "roi"})  # fmt: skip
_NO_LEVEL_HEADS = frozenset({"maximize", "maximise", "optimise", "optimize", "minimize",
                             "minimise"})  # fmt: skip
_QUALITY_NOUNS = frozenset(
    [
        "experience", "satisfaction", "engagement", "awareness", "happiness", "morale",
        "trust", "confidence", "culture", "reputation", "visibility", "collaboration",
        "alignment", "productivity", "wellbeing", "well-being", "perception", "sentiment",
        "health", "maturity", "excellence",
    ]
)  # fmt: skip
_VAGUE_HEADS = frozenset(
    {
        "maximize",
        "maximise",
        "revamp",
        "expand",
        "unblock",
        "iterate",
        "iterating",
        "streamline",
        "strengthen",
        "enhance",
        "improve",
        "optimise",
        "optimize",
    }
)
