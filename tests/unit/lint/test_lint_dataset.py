"""The labelled set: big enough, varied, and the held-out split frozen and disjoint."""

from __future__ import annotations

import hashlib
import re
from collections import Counter
from importlib import resources

from sowhat.lint.dataset import load_labelled

# The held-out split was cut first and frozen; changing it invalidates the reported figures.
HELDOUT_SHA256 = "458d80e8fb8edf5fba01b7c873cc093f5b8bb37ae11ce34b4a8bfe777947cbec"


def _key(text: str) -> str:
    return re.sub(r"[^a-z0-9%]+", " ", text.lower()).strip()


def test_heldout_is_frozen() -> None:
    raw = resources.files("sowhat.lint.data").joinpath("krs_heldout.csv").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == HELDOUT_SHA256


def test_size_balance_and_sources() -> None:
    train, held = load_labelled("train"), load_labelled("heldout")
    rows = train + held
    assert len(rows) >= 1200
    kinds = Counter(r.kind for r in rows)
    assert min(kinds.values()) >= 450
    assert sum(r.vanity for r in rows) >= 50
    assert sum(r.unmeasurable for r in rows) >= 50
    assert len({r.domain for r in rows}) >= 12
    assert all(r.source.startswith(("hand-written: ", "paraphrase: ")) for r in rows)
    assert all(not (r.vanity and r.kind == "output") for r in rows)


def test_no_kr_is_in_both_splits() -> None:
    train = {_key(r.text) for r in load_labelled("train")}
    held = {_key(r.text) for r in load_labelled("heldout")}
    assert not train & held
