"""Reading one KR sentence: normalised tokens, the head verb, numbers, and phrasing patterns.

Everything the classifier and the text rules need is computed here once per KR, with a
handful of precompiled regular expressions, so linting stays far above 10,000 KRs/s.
"""

from __future__ import annotations

import functools
import itertools
import re
from typing import NamedTuple

from sowhat.lint.lexicon import Lexicon, load_lexicon

_PREFIX = re.compile(
    r"^\s*(?:(?:kr|okr)\s*\d*\s*[:.)\-–—]+\s*|[-•*·]+\s*|\d+\s*[.)]\s+)",
)
_INTENT = re.compile(
    r"^(?:we\s+will|we'll|we\s+want\s+to|we\s+aim\s+to|aim\s+to|to|successfully|let's)\s+"
)
_ARROW = re.compile(r"\s*(?:->|→|⇒|=>|⟶|-->)\s*")
_CANON = (
    ("sign", re.compile(r"\bsign[- ]ups?\b"), "signups"),
    ("page", re.compile(r"\bpage[- ]views?\b"), "pageviews"),
    ("e-book", re.compile(r"\be-books?\b"), "ebook"),
    ("set", re.compile(r"\bset[- ]up\b"), "setup"),
    ("roll", re.compile(r"\broll[- ]out\b"), "roll out"),
    ("check", re.compile(r"\bcheck[- ]out\b"), "checkout"),
)
_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?|\d+(?:[.,]\d+)*")
_DIGIT = re.compile(r"\d")
# "from X to Y", where Y may carry a bound ("from 12% to under 5%", "from 2 hrs to less
# than 30 min") and X, Y a clock time ("from 2:37 per session to 3:45")
_FROM_TO = re.compile(
    r"\bfrom\s+(?:an?\s+|the\s+|current\s+)?[$€£~]?\d[\d.,:]*\s*(?:%|pp|k|m|x|[a-z]+)?"
    r"[^\d]{0,25}?(?:\bto\b|\binstead of\b|\bdown to\b|\bup to\b)\s+"
    r"(?:(?:under|below|above|over|less\s+than|fewer\s+than|more\s+than|at\s+least|at\s+most)"
    r"\s+)?[<>≤≥]?\s*[$€£~]?\d"
)
_TWO_SIDED = re.compile(r"\d[\d.,]*\s*(?:%|pp|[a-z]{0,8})?\s*(?:->|→|to)\s*[<>]?\s*[$€£]?\d")
_FROM_ONLY = re.compile(r"\bfrom\s+[$€£]?\d")
_TO_ONLY = re.compile(r"\b(?:to|at)\s+(?:under\s+|below\s+|above\s+|over\s+)?[<>]?[$€£]?\d")
_RELATIVE = re.compile(  # the reference for `_relative` (a test holds them equal)
    r"\bby\s+(?:an?\s+|at\s+least\s+)?[$€£]?\d|\b\d[\d.,]*\s*(?:%|x|pp|points?|pts)\s*"
    r"(?:more|less|fewer|faster|slower|higher|lower|better|reduction|increase|decrease|"
    r"drop|growth|up|down|of)\b|(?:^|\s)[+-]\s?\d|\b(?:double|doubles|doubled|halve|halved|halves|"
    r"triple|tripled|twice|in\s+half(?!\s+(?:the|of|our|a|an|all|its|their)\b)|by\s+half|by\s+a\s+(?:quarter|third|half))\b|"
    r"\b(?:up|down)\s+(?:from\s+)?[$€£]?\d|\b\d+\s*(?:x|times)\b|"
    r"\bby\s+(?:one|two|three|four|five|ten|twenty)\b"
)
# `_RELATIVE` split by the literal each branch needs, so a KR only pays for the branches
# whose words it contains (one alternation tries every branch at every position).
_REL_BY = re.compile(r"\bby\s+(?:an?\s+|at\s+least\s+)?[$€£]?\d|"
                     r"\bby\s+(?:one|two|three|four|five|ten|twenty)\b|"
                     r"\bby\s+half|\bby\s+a\s+(?:quarter|third|half)\b")
_REL_UNIT = re.compile(
    r"\b\d[\d.,]*\s*(?:%|x|pp|points?|pts)\s*(?:more|less|fewer|faster|slower|higher|lower|"
    r"better|reduction|increase|decrease|drop|growth|up|down|of)\b"
)
_REL_SIGN = re.compile(r"(?:^|\s)[+-]\s?\d")
_REL_MULT_WORDS = re.compile(r"\b(?:double|doubles|doubled|halve|halved|halves|triple|tripled|"
                             r"twice|in\s+half(?!\s+(?:the|of|our|a|an|all|its|their)\b))"
                             r"\b")  # fmt: skip
_REL_UPDOWN = re.compile(r"\b(?:up|down)\s+(?:from\s+)?[$€£]?\d")
_REL_TIMES = re.compile(r"\b\d+\s*(?:x|times)\b")


def _relative(s: str, digit: bool, keys: frozenset[str] | None = None) -> bool:
    """Same as `_RELATIVE.search(s) is not None`, paying only for the branches that can match.

    `keys`, when given, are the words of `s` (as `read` collects them, a superset is fine)."""
    if "by" in s and _REL_BY.search(s) is not None:
        return True
    if digit:
        if _REL_UNIT.search(s) is not None:
            return True
        if ("+" in s or "-" in s) and _REL_SIGN.search(s) is not None:
            return True
        if ("up" in s or "down" in s) and _REL_UPDOWN.search(s) is not None:
            return True
        if ("x" in s or "times" in s) and _REL_TIMES.search(s) is not None:
            return True
    if keys is None:
        guarded = _REL_GUARD.search(s) is not None
    else:
        guarded = not _REL_MULT_KEYS.isdisjoint(keys)
    return guarded and _REL_MULT_WORDS.search(s) is not None


_REL_MULT_KEYS = frozenset({"double", "doubles", "doubled", "halve", "halved", "halves", "triple",
                            "tripled", "twice", "half"})  # fmt: skip


_SHARE_PCT = re.compile(r"%\s+of\b")
_SHARE_WORDS = re.compile(r"\b(?:share|percentage|percent|proportion|fraction|half|third|thirds|"
                          r"quarter|majority)\s+of\b")  # fmt: skip
_SHARE_N_IN_N = re.compile(r"\b\d+\s+(?:in|out\s+of)\s+\d+\b")
_SHARE_WHO = re.compile(r"\b(?:who|that|which)\s+[a-z]+")


def _share(s: str, digit: bool, keys: frozenset[str] | None = None) -> bool:
    """Same as `_SHARE.search(s) is not None`, branch by branch behind its literal (or, given
    the words of `s` as `keys`, behind the words each branch needs)."""
    if "%" in s and _SHARE_PCT.search(s) is not None:
        return True
    if keys is None:
        of = "of" in s
        who = "who" in s or "that" in s or "which" in s
    else:
        of = "of" in keys and not _SHARE_OF_KEYS.isdisjoint(keys)
        who = not _SHARE_WHO_KEYS.isdisjoint(keys)
    if of and _SHARE_WORDS.search(s) is not None:
        return True
    if digit and ("in" in s or "out" in s) and _SHARE_N_IN_N.search(s) is not None:
        return True
    return who and _SHARE_WHO.search(s) is not None


_SHARE_OF_KEYS = frozenset({"share", "percentage", "percent", "proportion", "fraction", "half",
                            "third", "thirds", "quarter", "majority"})  # fmt: skip
_SHARE_WHO_KEYS = frozenset({"who", "that", "which"})


# Relative changes in words, checked only when their key words appear (see _REL_WORD_KEYS).
_RELATIVE_WORDS = re.compile(
    r"\b\d[\d.,]*\s*-?\s*percent(?:age)?(?:\s+points?)?\s+(?:increase|decrease|reduction|"
    r"growth|improvement|drop|rise|lift)\b|"
    r"\b(?:month|week|quarter|year|day)[- ]over[- ](?:month|week|quarter|year|day)\b|"
    r"\b(?:qoq|mom|yoy|wow)\b"
)
_COMPARATOR = re.compile(
    r"(?:\b(?:under|below|above|over|within|less\s+than|fewer\s+than|more\s+than|at\s+least|"
    r"at\s+most|no\s+more\s+than|or\s+(?:more|less|better|higher|lower|above)|never\s+exceeds?|"
    r"stays?|keep|maintain|sustain|on\s+par)\b|[<>≤≥]=?|\+\s*(?:$|[^\d]))"
)
_SHARE = re.compile(  # the reference for `_share` (a test holds them equal)
    r"%\s+of\b|\b(?:share|percentage|percent|proportion|fraction|half|third|thirds|quarter|"
    r"majority)\s+of\b|\b\d+\s+(?:in|out\s+of)\s+\d+\b|\b(?:who|that|which)\s+[a-z]+"
)
_PER = re.compile(
    r"\bper\s+[a-z0-9]|\ba\s+(?:month|week|day|quarter|year)\b|/\s?(?:mo|month|wk|week)"
)
_MONEY = re.compile(r"[$€£]\s?\d|\b\d[\d.,]*\s*(?:k|m|bn)?\s*(?:usd|eur|gbp|dollars)\b")
_MONTHS = (
    r"jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_DATE = re.compile(
    r"\b(?:by|before|until|no\s+later\s+than|on|in\s+time\s+for|ahead\s+of|due)\s+"
    r"(?:the\s+)?(?:end\s+of\s+(?:the\s+)?)?"
    r"(?:q[1-4]|h[12]|eo[qmy]|fy\d{2,4}|(?:mon|tues|wednes|thurs|fri|satur|sun)day|"
    rf"(?:{_MONTHS})\b|\d{{4}}-\d{{2}}(?:-\d{{2}})?|\d{{1,2}}/\d{{1,2}}(?:/\d{{2,4}})?|"
    r"(?:this|next|the)\s+(?:quarter|month|year|sprint|week|half)|quarter|month|year|sprint|"
    r"launch\s+week|(?:the\s+)?(?:q[1-4]\s+)?board\s+meeting|peak\s+season|black\s+friday|"
    r"year[- ]end|quarter[- ]end|month[- ]end|week\s+\d+)"
)
_DELIVERY_TAIL = re.compile(
    r"\b(?:ga|live|done|shipped|launched|released|available|in\s+place|completed|finished|"
    r"delivered|in\s+production|agreed|obtained|migrated)\b"
)
# Starting points written in words: "(currently 38)", "up from 0.8", "was 12", "vs 4% today".
_STATED_BASE = re.compile(
    r"\b(?:currently|today|now|was|were|baseline|up\s+from|down\s+from|vs\.?|versus|over\s+"
    r"(?:the\s+)?(?:previous|last|prior)\s+(?:quarter|month|year|period))\b|"
    r"\bcurrent\s+(?:is\s+|of\s+|at\s+|level\s+(?:is\s+|of\s+)?)?[<>~]?[$€£]?\d|"
    r"\bfrom\s+current\b"  # "(current is 125k)", "to 75% from current 45%"
)
# A starting point after the target: "Hit 50 NPS (from 42)", "Sign 15 customers (from 3)",
# "... to 5% from 8%" at the end. Counts only when a number comes before it.
_LATE_FROM = re.compile(
    r"\(\s*(?:from|was|vs\.?)\s+[<>~]?[$€£]?\d|\bfrom\s+[<>~]?[$€£]?\d[\d.,]*\s*\S*\s*\)?\s*$"
)
_MOVE_VERBS = frozenset(
    {"increase", "increases", "decrease", "decreases", "grow", "grows", "reduce", "reduces",
     "raise", "raises", "lower", "lowers", "cut", "cuts", "boost", "boosts", "improve",
     "improves", "lift", "lifts", "drop", "drops", "shrink", "expand", "expands"}
)  # fmt: skip
# "Increase engagement 40%": a change verb and a bare percentage, no "to", no "of": relative.
_BARE_PCT = re.compile(r"\d[\d.,]*\s*%(?!\s*(?:of|to)\b)")
# Levels kept rather than reached: the level is today's value.
_KEEP_HEADS = frozenset(
    {
        "maintain",
        "maintains",
        "keep",
        "keeps",
        "stay",
        "stays",
        "sustain",
        "sustains",
        "hold",
        "preserve",
        "remain",
        "remains",
        "retain",
    }
)
# A threshold with no starting point: "at 92% or higher", "under 1%", "no Sev-1", "zero", "100%".
_THRESHOLD = re.compile(
    r"(?:\b(?:under|below|above|over|within|less\s+than|fewer\s+than|more\s+than|at\s+least|"
    r"at\s+most|no\s+more\s+than|or\s+(?:more|less|better|higher|lower|above|below)|"
    r"never|zero|no)\b|[<>≤≥]=?|\d\s*\+|\b100\s*%)"
)
# The team's own effort counted as if it were a result (activity and input metrics).
_ACTIVITY = re.compile(
    r"\bstory\s+points?\b|\bvelocity\b|\b(?:features?|releases?|epics?|tickets?|prs?|pull\s+"
    r"requests?|commits?)\s+(?:shipped|released|delivered|completed|closed|merged|per\s+sprint)\b|"
    r"\b(?:number\s+of\s+)?features?\s+(?:we\s+)?ship|\bmeetings?\b|\binterviews?\b|"
    r"\b(?:business\s+)?reviews?\s+with\b|\bcalls?\b|\bdials?\b|\bdemos?\b|\bwebinars?\b|"
    r"\bworkshops?\b|\btrainings?\b|\btraining\s+sessions?\b|\btalks?\b|\bbriefings?\b|"
    r"\bbudget\b|\bspend\b|\bspent\b|\bblog\s+posts?\b|\barticles?\b|\bcase\s+studies\b|"
    r"\bepisodes?\b|\bcontent\s+(?:pieces?|published|marketing)\b|\bhires?\b|\bhired\b|"
    r"\bhiring\b|\brecruit|\bheadcount\b|\bstaffed\b|\bonboard(?:ed)?\s+\d|\boutreach\b|"
    r"\bemails?\s+sent\b|\bposts?\s+published\b|\bpublish(?:ed)?\s+\d[\d,.]*\s+\w+(?:\s+\w+)?|\bcertified\b|"
    r"\btraining\b|\btrained\b|\benablement\b|\bramped\b|\bcontact(?:ed)?\s+\d|"
    r"\bfeedback\s+from\b|\bdevotes?\b|\bsnapshots?\b|\bbusiness\s+reviews?\b|"
    r"\bfeatured\s+(?:at|in)\b|\bconferences?\b|\bmeetups?\b|\bhackathons?\b|"
    r"\bpodcasts?\b|\bnewsletters?\b|\bcourses?\b|\bsurveys?\b|\buser\s+research\b|"
    r"\bresearch\s+activities\b|\btimes\s+a\s+(?:week|day|month)\b|\bqbrs?\b|"
    r"\bassets\b|\binfographics?\b|\bvideos?\b|\bknowledge\s+base\s+articles\b|"
    r"\bsales\s+calls\b|\bteam[- ]building\b|\bactivities\b"
)
# Customers, pipeline and deals won: a business result even after a delivery-style verb
# ("Land 3 enterprise logos", "Generate $2M in qualified pipeline").
_BUSINESS_RESULT = re.compile(
    r"\b(?:land|win|won|close|closed|sign|signed|secure|generate|source|add|acquire|get|reach)"
    r"\b[^.;]{0,40}?\b(?:customers?|logos?|deals?|accounts?|pipeline|opportunit(?:y|ies)|opps|"
    r"leads?|mqls?|sqls?|saos?|pqls?|contracts?|clients?|users|members|contributors|prs|posts|"
    r"submissions|subscribers|renewals?|expansions?|expands|arr|iarr|revenue|bookings)\b"
)
# The team's own people as the subject: their effort, not someone else's behaviour.
_TEAM_SUBJECT = re.compile(
    r"^(?:\d+\s*%\s+of\s+)?(?:each|every|all)?\s*(?:new\s+)?(?:teammates?|team\s+members?|"
    r"members?\s+of\s+the\s+\w+\s+team|person\s+in|people\s+managers?|managers?|"
    r"hiring\s+managers?|engineers?|aes|sdrs|ces|cses|reps|sales\s+(?:team|reps)|the\s+\w+\s+"
    r"team|\w+\s+team|team)\b"
)
# Results nouns that make a KR an outcome with or without a verb ("Reduce churn", "NPS 45").
_OUTCOME_NOUN = re.compile(
    r"\b(?:churn|retention|retained|nps|enps|csat|ces|conversion|converted|adoption|adopted|"
    r"activation|activated|revenue|arr|iarr|mrr|nrr|grr|arpu|ltv|cac|margins?|profit|pipeline|"
    r"win\s+rate|renewals?|uptime|availability|latency|mttr|mttd|outages?|incidents?|downtime|"
    r"error\s+rate|failure\s+rate|satisfaction|sentiment|engagement|time[\s-]to[\s-]\w+|"
    r"cycle\s+time|lead\s+time|resolution|response\s+time|wau|mau|dau|active\s+(?:users|"
    r"accounts|customers|teams|contributors)|repeat|refunds?|refunded|attrition|turnover|"
    r"deployment\s+frequency|frequency|logos?|customers|contributors)\b"
)
# "is implemented", "are documented", "exists": a deliverable reported as done.
_DONE_PASSIVE = re.compile(
    r"\b(?:is|are|gets|get|be|been|becomes?)\s+(?:\w+\s+)?(?:implemented|documented|defined|"
    r"finished|finalized|finalised|merged|completed?|created|written|published|released|shipped|"
    r"established|adopted|set\s+up|built|deployed|updated|in\s+place|enabled|supported|"
    r"specd|specified|added|deprecated|refactored|migrated|launched|approved|agreed|identified|"
    r"given|scheduled|certified|trained|built\s+out|onboarded|assigned|tracked|measured|"
    r"automated|documented)\b|"
    r"\bexists?\b|\bis\s+complete\b"
)
_ACTIVITY_KEYS = frozenset(
    [
        "story",
        "velocity",
        "features",
        "feature",
        "releases",
        "epics",
        "tickets",
        "prs",
        "pull",
        "commits",
        "meetings",
        "meeting",
        "interviews",
        "interview",
        "reviews",
        "review",
        "calls",
        "call",
        "dials",
        "dial",
        "demos",
        "demo",
        "webinars",
        "webinar",
        "workshops",
        "workshop",
        "trainings",
        "training",
        "trained",
        "talks",
        "talk",
        "briefings",
        "briefing",
        "budget",
        "spend",
        "spent",
        "posts",
        "post",
        "articles",
        "article",
        "case",
        "episodes",
        "episode",
        "content",
        "hires",
        "hire",
        "hired",
        "hiring",
        "recruit",
        "recruiting",
        "recruited",
        "recruiters",
        "headcount",
        "staffed",
        "onboard",
        "onboarded",
        "outreach",
        "emails",
        "publish",
        "published",
        "certified",
        "enablement",
        "ramped",
        "contact",
        "contacted",
        "feedback",
        "devote",
        "devotes",
        "snapshots",
        "snapshot",
        "featured",
        "conference",
        "conferences",
        "meetup",
        "meetups",
        "hackathon",
        "hackathons",
        "podcast",
        "podcasts",
        "newsletter",
        "newsletters",
        "course",
        "courses",
        "survey",
        "surveys",
        "research",
        "times",
        "qbr",
        "qbrs",
        "assets",
        "infographic",
        "infographics",
        "video",
        "videos",
        "building",
        "activities",
    ]
)
_OUTCOME_KEYS = frozenset(
    [
        "churn",
        "retention",
        "retained",
        "nps",
        "enps",
        "csat",
        "ces",
        "conversion",
        "converted",
        "adoption",
        "adopted",
        "activation",
        "activated",
        "revenue",
        "arr",
        "iarr",
        "mrr",
        "nrr",
        "grr",
        "arpu",
        "ltv",
        "cac",
        "margin",
        "margins",
        "profit",
        "pipeline",
        "win",
        "renewal",
        "renewals",
        "uptime",
        "availability",
        "latency",
        "mttr",
        "mttd",
        "outage",
        "outages",
        "incident",
        "incidents",
        "downtime",
        "error",
        "failure",
        "satisfaction",
        "sentiment",
        "engagement",
        "time",
        "cycle",
        "lead",
        "resolution",
        "response",
        "wau",
        "mau",
        "dau",
        "active",
        "repeat",
        "refund",
        "refunds",
        "refunded",
        "attrition",
        "turnover",
        "deployment",
        "frequency",
        "logo",
        "logos",
        "customers",
        "contributors",
    ]
)
_DONE_KEYS = frozenset(
    ["is", "are", "gets", "get", "be", "been", "become", "becomes", "exists", "exist"]
)
_BUSINESS_KEYS = frozenset(
    [
        "land",
        "win",
        "won",
        "close",
        "closed",
        "sign",
        "signed",
        "secure",
        "generate",
        "source",
        "add",
        "acquire",
        "get",
        "reach",
    ]
)
_THRESHOLD_WORDS = frozenset({"under", "below", "above", "over", "within", "than"}) | frozenset(
    {"least", "most", "or", "never", "zero", "no"}
)
_THRESHOLD_CHARS = re.compile(r"[<>≤≥+]|100")
_PCT_OF = re.compile(r"%\s+of\b")  # "1% of orders": a share, not a relative change
_FREQUENCY_VALUES = frozenset(
    {
        "hourly",
        "daily",
        "weekly",
        "biweekly",
        "fortnightly",
        "monthly",
        "quarterly",
        "yearly",
        "annually",
    }
)

_AFTER_VALUE = frozenset({"and", "or", "by", "in", "for", "across", "with", "on", "to", "from",
                          "per", "at", "instead", "rather", "than", "while", "so"})  # fmt: skip

_WINDOW = re.compile(
    r"\b(\d+)[- ]?(day|d|week|w|month)s?\b[- ](?:retention|churn|conversion|activation|"
    r"attrition|renewal|return|repeat|readmissions?)|\b(?:within|in\s+the\s+first)\s+(\d+)\s*"
    r"(day|d|week|w|month|hour|h)s?\b"
)


class TextFacts(NamedTuple):
    """What one KR sentence says, independent of any model.

    A NamedTuple rather than a frozen dataclass: as immutable, and several times cheaper to
    build, which matters at 10,000+ KRs/s.
    """

    text: str
    norm: str
    tokens: tuple[str, ...]
    head: str  # first word after prefixes, typo-corrected when it is a known verb
    has_number: bool
    from_to: bool
    from_only: bool
    to_only: bool
    relative: bool
    comparator: bool
    share: bool
    per: bool
    money: bool
    date: bool
    delivery_tail: bool
    deliverables: tuple[str, ...]
    metric_words: tuple[str, ...]
    measures: tuple[str, ...]  # strictly countable metric nouns, for measurability
    vague: bool
    window_days: int | None  # an outcome window written in the text ("90-day retention")
    baseline: bool  # a starting point: from/to, a relative change, "currently X", "maintain"
    threshold: bool  # a level to reach or stay under/over ("at 92% or higher", "no Sev-1")
    activity: bool  # counts the team's own effort (story points, meetings, hires, posts...)
    outcome_noun: bool  # names a result (churn, NPS, conversion...) with or without a verb
    done_passive: bool  # "is implemented", "are documented", "exists"
    business_result: bool  # customers, deals or pipeline won ("Land 3 enterprise logos")
    team_subject: bool  # the team's own people do it ("Each teammate gives feedback")

    @property
    def head_is_delivery(self) -> bool:
        return self.head in load_lexicon().delivery_verbs

    @property
    def head_is_change(self) -> bool:
        return self.head in load_lexicon().change_verbs


_STOP_OBJECT = frozenset(
    {
        "to",
        "for",
        "in",
        "on",
        "with",
        "by",
        "from",
        "across",
        "before",
        "after",
        "until",
        "per",
        "and",
        "so",
        "that",
        "which",
        "who",
        "within",
        "at",
        "into",
        "onto",
        "via",
        "than",
    }
)
_SKIP_OBJECT = frozenset({"a", "an", "the", "our", "all", "every", "new", "out", "up", "of"})


def object_phrase(facts: TextFacts, limit: int = 5) -> str:
    """The thing a KR delivers: the words after its head verb ("Launch *audit logs* by May")."""
    words = [w.strip(".,;:!?()\"'") for w in facts.norm.split()]
    words = [w for w in words if w]
    if not words:
        return ""
    start = 1 if not words[0][0].isdigit() else 0
    out: list[str] = []
    for w in words[start:]:
        if w in _STOP_OBJECT and out:
            break
        if not out and (w in _SKIP_OBJECT or w[0].isdigit() or w in {"x", "-"}):
            continue
        out.append(w)
        if len(out) == limit:
            break
    return " ".join(out)


def activity_phrase(facts: TextFacts) -> str:
    """The words that make a KR an activity count ("story points", "case studies"), or ""."""
    m = _ACTIVITY.search(facts.norm) if facts.activity else None
    return m[0] if m else ""


def normalise(text: str) -> str:
    s = text.strip().lower()
    if "’" in s or "–" in s or "—" in s:
        s = s.replace("’", "'").replace("–", "-").replace("—", "-")
    if s[:1] in _PREFIX_STARTS or s.startswith(("kr", "okr")):
        s = _PREFIX.sub("", s, count=1)
    if s.startswith(_INTENT_STARTS):
        s = _INTENT.sub("", s, count=1)
    if "_n" in s or "xx" in s or "yy" in s or "zz" in s:
        # redacted numbers ("Land _N3_ enterprise customers", "XXX influential users") are
        # numbers all the same: the KR states a target, only its value is hidden
        s = _REDACTED.sub("5", s)
    if "->" in s or "→" in s or "⇒" in s or "=>" in s or "⟶" in s:  # _ARROWS, unrolled
        s = _ARROW.sub(" -> ", s)
    for key, pattern, repl in _CANON:
        if key in s:
            s = pattern.sub(repl, s)
    return s


_REDACTED = re.compile(r"_n\d*_|\b(?:x{3,}|y{3,}|z{3,})\b")

# Cheap substring guards: a regex only runs when its necessary words or characters appear,
# which keeps `read` well under the 100 µs per KR that 10,000 KRs/s allows.
_PREFIX_STARTS = frozenset("-•*·0123456789")
_INTENT_STARTS = ("we ", "we'", "to ", "aim ", "successfully ", "let's ")
_ARROWS = ("->", "→", "⇒", "=>", "⟶")
_REL_KEYS = ("doubl", "halv", "tripl", "twice", "half", "by a ", "by one", "by two", "by three",
             "by four", "by five", "by ten", "by twenty")  # fmt: skip
_REL_WORD_KEYS = ("percent", "over-", "over ", "qoq", "mom", "yoy", "wow")
_MONEY_KEYS = ("$", "€", "£", "usd", "eur", "gbp", "dollars")
_NUMBER_WORDS = frozenset(
    {
        "one",
        "two",
        "three",
        "four",
        "five",
        "six",
        "seven",
        "eight",
        "nine",
        "ten",
        "eleven",
        "twelve",
        "fifteen",
        "twenty",
        "thirty",
        "forty",
        "fifty",
        "hundred",
        "thousand",
        "million",
        "half",
        "halve",
        "halved",
        "halves",
        "double",
        "doubles",
        "doubled",
        "triple",
        "tripled",
        "twice",
        "zero",
        "quarter",
        "third",
        "thirds",
        "nines",
        "none",
    }
)


# Numbers written in words and values of a frequency ("weekly"), for the rules that ask
# whether a KR counts anything.
NUMBER_WORDS = _NUMBER_WORDS
FREQUENCY_VALUES = _FREQUENCY_VALUES


def _guard(keys: tuple[str, ...]) -> re.Pattern[str]:
    """One C-level scan for any of the literal keys."""
    return re.compile("|".join(re.escape(k) for k in keys))


_REL_GUARD = _guard(_REL_KEYS)
_REL_WORD_GUARD = _guard(_REL_WORD_KEYS)


def _late_from(norm: str) -> bool:
    m = _LATE_FROM.search(norm)
    return m is not None and _DIGIT.search(norm, 0, m.start()) is not None
# Token-set guards (see `keys` in `read`): every word one of the patterns needs.
_COMP_WORDS = frozenset({"under", "below", "above", "over", "within", "than", "least", "most",
                         "or", "never", "stay", "stays", "keep", "maintain", "sustain",
                         "par"})  # fmt: skip
_COMP_CHARS = re.compile(r"[<>≤≥+]")
_PER_UNITS = frozenset({"month", "week", "day", "quarter", "year"})
_REL_WORD_KEYSET = frozenset({"percent", "percentage", "over", "qoq", "mom", "yoy", "wow"})
_TEAM_KEYS = frozenset({"teammate", "teammates", "team", "member", "members", "person",
                        "manager", "managers", "engineer", "engineers", "aes", "sdrs", "ces",
                        "cses", "reps"})  # fmt: skip
_DATE_WORDS = frozenset({"by", "before", "until", "no", "on", "in", "ahead", "due"})
_TAIL_WORDS = frozenset({"ga", "live", "done", "shipped", "launched", "released", "available",
                         "place", "completed", "finished", "delivered", "production", "agreed",
                         "obtained", "migrated"})  # fmt: skip
_MONEY_GUARD = _guard(_MONEY_KEYS)


def _among(words: tuple[str, ...], vocab: frozenset[str]) -> tuple[str, ...]:
    """The words in `vocab`, in order; one C-level set test decides the common empty case."""
    if vocab.isdisjoint(words):
        return ()
    return tuple([w for w in words if w in vocab])


def read(text: str, lex: Lexicon | None = None) -> TextFacts:
    """Extract the facts of one KR; pure and cheap (a few regex passes)."""
    lex = lex or load_lexicon()
    norm = normalise(text)
    words = tuple(_TOKEN.findall(norm.replace("-", " ")))
    wordset = frozenset(words)
    # Guards for the word-bounded patterns: a pattern matching r"\bword\b" implies `word` in
    # `keys` (a contraction such as "live's" is one token, so its parts are added too).
    keys = wordset if "'" not in norm else wordset.union(
        *(w.split("'") for w in words if "'" in w))
    head = ""
    for w in words:
        if not w[0].isdigit():
            head = lex.correct(w)
            break
        head = "<num>"
        break
    digit = bool(_DIGIT.search(norm))
    has_number = digit or not _NUMBER_WORDS.isdisjoint(words)
    window_days: int | None = None
    window = _WINDOW.search(norm) if digit else None
    if window:
        amount = int(window[1] or window[3])
        unit = (window[2] or window[4])[0]
        window_days = amount * {"d": 1, "w": 7, "m": 30, "h": 0}[unit] or None
    has_from = digit and "from" in norm
    from_to = digit and bool(
        (has_from and _FROM_TO.search(norm))
        or (("->" in norm or "to" in norm) and _TWO_SIDED.search(norm))
    )
    relative = _relative(norm, digit, keys)
    rel_words = (not relative and not _REL_WORD_KEYSET.isdisjoint(keys)
                 and _RELATIVE_WORDS.search(norm) is not None)
    relative = relative or rel_words
    frequencies = ([] if _FREQUENCY_VALUES.isdisjoint(wordset)
                   else [w for w in words if w in _FREQUENCY_VALUES])
    if len(frequencies) >= 2 and "from" in words:
        from_to = True  # "from weekly to daily": two values in words
    if frequencies and not has_number:
        # "Deploy daily", "from weekly to daily": a value; "monthly /search visits": a
        # window of the metric, no value at all
        has_number = len(frequencies) >= 2 or any(
            w in _FREQUENCY_VALUES and (i + 1 == len(words) or words[i + 1] in _AFTER_VALUE)
            for i, w in enumerate(words)
        )
    if (not relative and digit and "%" in norm and head in _MOVE_VERBS
            and " to " not in norm and "from" not in words and _BARE_PCT.search(norm)):
        relative = True
    baseline = (
        from_to
        or rel_words
        or (relative and (_relative(_PCT_OF.sub(" ", norm), digit, keys)
                          or head in _MOVE_VERBS))
        or head in _KEEP_HEADS
        or (digit and _STATED_BASE.search(norm) is not None)
        or (has_from and _late_from(norm))
    )
    # positional: a NamedTuple built from keywords costs several µs more per KR
    return TextFacts(
        text,  # text
        norm,  # norm
        words,  # tokens
        head,  # head
        has_number,  # has_number
        from_to,  # from_to
        has_from and bool(_FROM_ONLY.search(norm)),  # from_only
        digit and ("to" in norm or "at" in norm) and bool(_TO_ONLY.search(norm)),  # to_only
        relative,  # relative
        (not _COMP_WORDS.isdisjoint(keys) or _COMP_CHARS.search(norm) is not None)
        and _COMPARATOR.search(norm) is not None,  # comparator
        _share(norm, digit, keys),  # share
        ("per" in keys or "/" in norm or ("a" in keys and not _PER_UNITS.isdisjoint(keys)))
        and _PER.search(norm) is not None,  # per
        _MONEY_GUARD.search(norm) is not None and bool(_MONEY.search(norm)),  # money
        not _DATE_WORDS.isdisjoint(keys) and _DATE.search(norm) is not None,  # date
        # delivery_tail
        not _TAIL_WORDS.isdisjoint(keys) and _DELIVERY_TAIL.search(norm) is not None,
        _among(words, lex.deliverables),  # deliverables
        _among(words, lex.metric_words),  # metric_words
        _among(words, lex.measures),  # measures
        not lex.vague_words.isdisjoint(words),  # vague
        window_days,  # window_days
        baseline,  # baseline
        (
            not _THRESHOLD_WORDS.isdisjoint(wordset) or _THRESHOLD_CHARS.search(norm) is not None
        )
        and _THRESHOLD.search(norm) is not None,  # threshold
        # activity; "time spent" is the users' time, not budget spent (a lookbehind in
        # `_ACTIVITY` would cost it its fast scan: 8 µs -> 110 µs)
        not _ACTIVITY_KEYS.isdisjoint(wordset)
        and _ACTIVITY.search(norm.replace("time spen", "time_spen")) is not None,
        not _OUTCOME_KEYS.isdisjoint(wordset)
        and _OUTCOME_NOUN.search(norm) is not None,  # outcome_noun
        # done_passive
        not _DONE_KEYS.isdisjoint(wordset) and _DONE_PASSIVE.search(norm) is not None,
        not _BUSINESS_KEYS.isdisjoint(wordset)
        and _BUSINESS_RESULT.search(norm) is not None,  # business_result
        not _TEAM_KEYS.isdisjoint(keys) and _TEAM_SUBJECT.match(norm) is not None,  # team_subject
    )


@functools.cache
def _vanity_words() -> frozenset[str]:
    """Single-word vanity phrases (followers, downloads, signups...)."""
    lex = load_lexicon()
    return frozenset(p for group in lex.vanity.values() for p in group if " " not in p)


def attention_word(word: str) -> bool:
    """Whether one token is a single-word vanity phrase (followers, views, signups...)."""
    return word in _vanity_words()


def attention(facts: TextFacts) -> bool:
    """Whether the KR names a count of others' attention (followers, downloads, signups...)."""
    return not _vanity_words().isdisjoint(facts.tokens)


def features(facts: TextFacts) -> list[str]:
    """Sparse binary features for the logistic model: words, bigrams, head, lexicon, patterns.

    Written for speed (it runs on every KR): plain attribute tests rather than a getattr loop,
    set tests rather than scans."""
    lex = load_lexicon()
    delivery, change = lex.delivery_verbs, lex.change_verbs
    head = facts.head
    toks = ["<num>" if t[0].isdigit() else t for t in facts.tokens]
    out = ["bias", "h:" + head]
    out += ["w:" + t for t in toks]
    if len(toks) > 1:
        out += ["b:" + a + "_" + b for a, b in itertools.pairwise(toks)]
        out.append("h2:" + head + "_" + toks[1])
    head_delivery = head in delivery
    head_change = head in change
    if head_delivery:
        out.append("L:head_delivery")
    if head_change:
        out.append("L:head_change")
    if not head_delivery and not head_change:
        out.append("L:head_other")
    if facts.deliverables:
        out.append("L:deliverable")
    n_metric = len(facts.metric_words)
    out.append(_METRIC_COUNT[min(n_metric, 3)])
    if facts.vague:
        out.append("L:vague")
    if head in lex.vague_words:
        out.append("L:vague_head")
    if not lex.work_units.isdisjoint(toks):
        out.append("L:work_unit")
    has_number, baseline = facts.has_number, facts.baseline
    if has_number:
        out.append("P:has_number")
    if facts.from_to:
        out.append("P:from_to")
    if facts.from_only:
        out.append("P:from_only")
    if facts.to_only:
        out.append("P:to_only")
    if facts.relative:
        out.append("P:relative")
    if facts.comparator:
        out.append("P:comparator")
    if facts.share:
        out.append("P:share")
    if facts.per:
        out.append("P:per")
    if facts.money:
        out.append("P:money")
    if facts.date:
        out.append("P:date")
    if facts.delivery_tail:
        out.append("P:delivery_tail")
    if not has_number:
        out.append("P:no_number")
    if head_delivery and len(toks) > 1 and toks[1] == "<num>":
        out.append("P:verb_count")
    if facts.date and not facts.measures:
        out.append("P:date_nometric")
    if head_delivery and facts.deliverables and not n_metric:
        out.append("P:verb_deliverable_nometric")
    if baseline:
        out.append("P:baseline")
    if facts.threshold:
        out.append("P:threshold")
    if facts.activity:
        out.append("P:activity")
        if facts.from_to or facts.relative:
            out.append("P:activity_change")
    outcome_noun = facts.outcome_noun
    if outcome_noun:
        out.append("P:outcome_noun")
        if not head_delivery:
            out.append("P:outcome_noun_nodelivery")
    if facts.done_passive:
        out.append("P:done_passive")
    if has_number and not baseline and not outcome_noun:
        out.append("P:count_target")
    if facts.business_result:
        out.append("P:business_result")
    if facts.team_subject:
        out.append("P:team_subject")
    if facts.share and facts.done_passive:
        out.append("P:share_done")
    if facts.threshold and outcome_noun:
        out.append("P:threshold_outcome")
    if not _vanity_words().isdisjoint(facts.tokens):
        out.append("P:attention")  # others' attention counted: someone else's behaviour
    no_delivery_word = delivery.isdisjoint(facts.tokens)
    if outcome_noun and no_delivery_word and change.isdisjoint(facts.tokens):
        out.append("P:result_phrase")  # "Churn", "NPS 45 by Q3": a result named, no verb
    first = ""
    for t in toks:
        if t not in _LEADING_FILLER:
            first = t
            break
    if first in PEOPLE_SUBJECTS:
        out.append("P:people_subject")  # "Users mention...", "5 organizations have created"
    if not STATE_CUES.isdisjoint(toks):
        out.append("P:state_cue")  # "consistently", "trusts", "positive feedback"
    if not head_delivery and not no_delivery_word:
        out.append("P:delivery_later")  # "Data pipeline parallelized", "SDK is published"
    if "can" in toks or "able" in toks:
        out.append("P:capability")  # "Users can create branches": done or not
    if facts.measures and head in _OPTIMISE_HEADS:
        out.append("P:optimise_measure")  # "Maximize monthly /search visits"
    return out


_METRIC_COUNT = ("L:metric_0", "L:metric_1", "L:metric_2", "L:metric_3")


_LEADING_FILLER = frozenset({"<num>", "the", "all", "every", "each", "our", "more", "most",
                             "new", "at", "least", "of", "≥", "over", "no", "%"})  # fmt: skip
_OPTIMISE_HEADS = frozenset({"maximize", "maximise", "minimize", "minimise", "optimize",
                             "optimise"})  # fmt: skip
# Who, other than the team, a state sentence is about: its first word names them.
PEOPLE_SUBJECTS = frozenset(
    [
        "users", "user", "customers", "customer", "people", "everyone", "everybody",
        "anyone", "developers", "developer", "teams", "members", "contributors", "partners",
        "organizations", "organisations", "companies", "accounts", "candidates", "staff",
        "employees", "teammates", "engineers", "llms", "agents", "prospects", "readers",
        "visitors", "viewers", "admins", "buyers", "students", "learners", "clients",
        "programs", "institutions", "founder", "nobody",
    ]
)  # fmt: skip
# Words that describe how people feel, think or habitually act, or a quality with no scale.
STATE_CUES = frozenset(
    [
        "consistently", "dramatically", "steady", "steadily", "positive", "positively",
        "subjectively", "happy", "thriving", "jealous", "trusts", "trust", "knows", "aware",
        "perception", "mislead", "misled", "lost", "bottleneck", "fanfare", "evenly",
        "reputation", "recognised", "recognized", "thoughtful", "meaningful", "well",
        "aggressively",
    ]
)  # fmt: skip


# Words that carry no meaning of their own in a KR; the classifier and the rewriter both
# skip them.
FUNCTION_WORDS = frozenset(
    [
        "a",
        "all",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "each",
        "every",
        "for",
        "from",
        "in",
        "into",
        "is",
        "it",
        "its",
        "new",
        "of",
        "on",
        "or",
        "our",
        "per",
        "than",
        "that",
        "the",
        "their",
        "this",
        "to",
        "we",
        "with",
    ]
)


# --- SW103's reading of a starting point (sixteenth round) ---------------------------------
# `TextFacts.baseline` is also a model feature, so it stays as the model was fitted on; SW103
# reads the sentence's starting point through `starting_point`, which corrects it where the
# words that made it are not a change from today's value, or where the KR says where it
# starts in ways `baseline` does not read.

# A starting point the KR says it does not know: "NPS +30 (current: unknown)", "baseline
# TBD", "current value not yet measured". A relative change from an unknown value has no
# starting point either.
_START_UNKNOWN = re.compile(
    r"\b(?:current(?:ly)?|baseline|today)(?:\s+(?:value|level|figure|rate))?\s*"
    r"(?:[:=]\s*|is\s+|of\s+)?(?:unknown|tbd|tbc|n/a|\?|"
    r"(?:not\s+(?:yet\s+)?|un)(?:known|measured)|to\s+be\s+(?:measured|determined|defined|set|"
    r"established|confirmed))"
)
_START_UNKNOWN_KEYS = frozenset({"current", "currently", "baseline", "today"})
# "by" before a date or an agent, and "double-" in a compound, are no change from today:
# "$5K MRR by 2026-06-30", "by 2027", "reviewed by 2 developers", "adopted by at least 5
# active users", "a double-charge". A year is a date only with no word after it ("by 2027",
# "by 2026-06-30"; not "by 2000 users"); an agent follows a participle that is no change verb
# and is counted in no unit of change ("reduced by 20 hours" is a change).
_BY_DATE = re.compile(r"\bby\s+(?:(?:19|20)\d\d(?:-\d{2}(?:-\d{2})?)?(?![\d%.,]|\s*[a-z%])|"
                      r"\d{1,2}/\d{1,2}(?:/\d{2,4})?\b)")  # fmt: skip
_BY_AGENT = re.compile(
    r"\b([a-z]+(?:ed|en))\s+by\s+(?:at\s+least\s+)?\d[\d,]*\+?\s+([a-z]+)(?:\s+([a-z]+))?"
)
_AGENT_COUNT = re.compile(r"\bby\s+(?:at\s+least\s+)?\d[\d,]*\+?")
_DOUBLE_COMPOUND = re.compile(r"\bdouble-(?=[a-z])")
# A multiple that is the level of a ratio, not a change: "4x replication", "3x qualified
# pipeline coverage", "pipeline coverage of at least 5x", "return at least 3x ROAS", "<= 2x
# the number of blocks received".
_RATIOS = r"(?:coverage|replication|redundancy|roas|roi|return)"
_MULTIPLE_LEVEL = re.compile(
    rf"\b(\d+(?:\.\d+)?)\s*x(?:/\d+(?:\.\d+)?x)?(?=\s+(?:[a-z-]+\s+){{0,2}}{_RATIOS}\b)|"
    rf"\b({_RATIOS}\s+(?:of\s+|at\s+least\s+)*\d+(?:\.\d+)?)\s*x\b|"
    r"([<>≤≥]=?\s*\d+(?:\.\d+)?)\s*x\b"
)
_NO_CHANGE_KEYS = frozenset({"by", "double", "x"})
# Units a change is counted in ("reduced by 20 hours"): after them "by N" is a change.
_CHANGE_UNITS = frozenset({"percent", "percentage", "points", "point", "pts", "pp", "basis",
                           "bps", "hours", "hour", "hrs", "minutes", "minute", "mins", "min",
                           "seconds", "second", "secs", "ms", "days", "day", "weeks", "week",
                           "months", "month", "times", "x", "k", "m", "mb", "gb",
                           "per"})  # fmt: skip
# Where the KR states today's value in ways `baseline` does not read: "(current: 97.4%)",
# "(current = 0)"; a figure dated in parentheses, a measurement ("24.5% of apps ... (17%,
# July 2013.)"); a level kept, said after the metric ("CSAT maintained >= 4.2").
_STATED_COLON = re.compile(r"\bcurrent(?:ly)?\s*[:=]\s*[<>~≤≥]?\s*[$€£¥]?\d")
_DATED_FIGURE = re.compile(
    r"\(\s*[<>~]?[$€£¥]?\d[\d.,]*\s*(?:%|[a-z/]+)?\s*,\s*(?:in\s+|as\s+of\s+)?"
    rf"(?:(?:{_MONTHS})\.?|q[1-4])\s+(?:'\d\d|(?:19|20)\d\d)\b"
)
_KEPT_LEVEL = re.compile(
    r"\b(?:maintained|kept|sustained)\s+(?:at\s+|above\s+|below\s+|under\s+|over\s+)?"
    r"(?:(?:at|above|below|under|over)\b|[<>≤≥]=?)"
)
_KEPT_KEYS = frozenset({"maintained", "kept", "sustained"})


def starting_point(facts: TextFacts, lex: Lexicon | None = None) -> bool:
    """Whether the KR's words say where it starts, as SW103 reads them: `facts.baseline`,
    less a starting point the KR says is unknown and a "by", "double" or "Nx" that is no
    change (a date, an agent, a compound, a ratio's level), plus today's value after
    "current:", a figure dated in parentheses, and a level kept ("CSAT maintained >= 4.2")."""
    norm, toks = facts.norm, facts.tokens
    if not _START_UNKNOWN_KEYS.isdisjoint(toks) and _START_UNKNOWN.search(norm) is not None:
        return False
    if facts.baseline:
        if not facts.relative or facts.from_to or _NO_CHANGE_KEYS.isdisjoint(toks):
            return True
        cleaned = _no_change_by(norm, lex or load_lexicon())
        return cleaned == norm or read(cleaned, lex).baseline
    if not facts.has_number:
        return False
    if ("current" in toks or "currently" in toks) and _STATED_COLON.search(norm) is not None:
        return True
    if "(" in norm and "," in norm and _DATED_FIGURE.search(norm) is not None:
        return True
    return not _KEPT_KEYS.isdisjoint(toks) and _KEPT_LEVEL.search(norm) is not None


def _no_change_by(norm: str, lex: Lexicon) -> str:
    """`norm` with every "by" that is no change, "double-" in a compound and a multiple that
    is a ratio's level taken out."""
    s = _BY_DATE.sub("by then", norm)
    s = _DOUBLE_COMPOUND.sub("", s)
    if "x" in s:
        s = _MULTIPLE_LEVEL.sub(lambda m: (m[1] or m[2] or m[3]) + " fold", s)

    def agent(m: re.Match[str]) -> str:
        if m[1] in lex.change_verbs or m[2] in _CHANGE_UNITS or m[3] in _CHANGE_UNITS:
            return m[0]  # "reduced by 20 hours", "grown by 3 points": a change
        return _AGENT_COUNT.sub("by", m[0], count=1)  # "reviewed by developers"

    return _BY_AGENT.sub(agent, s)
