"""The libyaml fast path builds exactly what ruamel's round-trip loader builds, or nothing.

`spec.yaml_fast` is only an accelerator: wherever it answers, its tree must equal ruamel's in
values, in the kind of every scalar (a `true` that came back as text would pass no check
and be a wrong value) and in every line/column record that errors point at. Checked on every
YAML file in the repository, on the demo's generated files and on generated documents full
of scalars that YAML resolvers read in different ways.
"""

from __future__ import annotations

import datetime as dt
import io
import math
import random
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from sowhat.errors import SpecError
from sowhat.spec.yaml_fast import _WORDS_ONLY, _resolver, fast_load
from sowhat.spec.yamlio import parse_yaml, round_trip_yaml

REPO = Path(__file__).resolve().parents[3]


def _kind(x: Any) -> type:
    for t in (bool, int, float, dt.datetime, dt.date, str, type(None), dict, list):
        if isinstance(x, t):
            return t
    raise AssertionError(f"unexpected {type(x)}")


def assert_same(fast: Any, reference: Any, path: tuple[Any, ...] = ()) -> None:
    """Equal values, kinds and positions, recursively (NaN equals NaN)."""
    assert _kind(fast) is _kind(reference), (path, fast, reference)
    if isinstance(reference, CommentedMap):
        assert isinstance(fast, CommentedMap)
        assert list(fast) == list(reference), path
        assert fast.lc.data == reference.lc.data, path
        assert (fast.lc.line, fast.lc.col) == (reference.lc.line, reference.lc.col), path
        for key in reference:
            assert_same(fast[key], reference[key], (*path, key))
    elif isinstance(reference, CommentedSeq):
        assert isinstance(fast, CommentedSeq)
        assert len(fast) == len(reference), path
        assert fast.lc.data == reference.lc.data, path
        assert (fast.lc.line, fast.lc.col) == (reference.lc.line, reference.lc.col), path
        for i, (a, b) in enumerate(zip(fast, reference, strict=True)):
            assert_same(a, b, (*path, i))
    elif isinstance(reference, float) and math.isnan(reference):
        assert math.isnan(fast), path
    else:
        assert fast == reference, (path, fast, reference)


def compare(text: str) -> bool:
    """True when the fast path answered (and agreed); False when it left the text to ruamel."""
    fast = fast_load(text)
    try:
        reference = round_trip_yaml().load(io.StringIO(text))
    except Exception:
        assert fast is None, f"ruamel refuses this text but the fast path read it:\n{text}"
        return False
    if fast is None:
        return False
    assert_same(fast, reference)
    return True


def _repo_yaml() -> list[Path]:
    skip = {".venv", ".git", "node_modules", "__pycache__"}
    return sorted(p for p in REPO.rglob("*.y*ml") if not skip & set(p.parts)
                  and p.suffix in (".yaml", ".yml"))


def test_every_yaml_file_of_the_repository_reads_the_same() -> None:
    files = _repo_yaml()
    assert len(files) >= 5
    answered = sum(compare(p.read_text(encoding="utf-8")) for p in files)
    assert answered >= len(files) - 2  # only files with typed shapes left to ruamel


def test_the_demo_workspace_reads_the_same(tmp_path: Path) -> None:
    from sowhat.services.demo.run import write_demo_files

    write_demo_files(tmp_path)
    files = sorted(tmp_path.rglob("*.yaml"))
    assert files
    for p in files:
        assert compare(p.read_text(encoding="utf-8")), p


SCALARS = [
    "yes", "no", "on", "off", "y", "n", "true", "True", "TRUE", "tRue", "false", "FALSE",
    "null", "Null", "NULL", "nUll", "~", "", "0", "-0", "00", "017", "+1", "-12", "1_000",
    "0x1F", "0o17", "0b101", "1e3", "1E3", "1e", ".5", "+.5", "1.", "0.", "-1.5e-3", "1_0.5",
    ".inf", "-.Inf", "+.INF", ".NaN", ".nan", ".", "-", "2026-10-01", "2026-1-5",
    "2026-10-01T09:00:00Z", "2026-10-01 09:00", "2026-13-45", "12:30", "1:30:00", "10%",
    "-10%", "7d", "14d", "0 to 10", "80% of signups", "=", "<<", "abc", "Reduce churn",
    "naïve café", "日本語", "t", "f", "N/A", "none", "None", "-.5%", "+3 pts", "0xG", "1__0",
    "_1", "1e3x", "3.14.15", "2026-10-01T09:00", "e3", "E", "-e1",
]
QUOTED = ['"1"', "'true'", '"null"', "'2026-10-01'", '"a: b"', "'it''s'", '"\\u00e9t\\u00e9"',
          '""', "''"]


def _document(rng: random.Random, depth: int = 0) -> list[str]:
    """A random block document: mappings, sequences, flow collections, block scalars."""
    lines: list[str] = []
    indent = "  " * depth
    for i in range(rng.randint(1, 5)):
        key = rng.choice(["title", "target", "note", "n", "t", "k", "1", "true", "2026-10-01",
                          "café", "with space"]) + f"{i}"
        roll = rng.random()
        if roll < 0.45 or depth >= 3:
            value = rng.choice(SCALARS + QUOTED)
            lines.append(f"{indent}{key}: {value}".rstrip())
        elif roll < 0.6:
            lines.append(f"{indent}{key}:")
            for _ in range(rng.randint(0, 3)):
                lines.append(f"{indent}  - {rng.choice(SCALARS + QUOTED)}".rstrip())
        elif roll < 0.7:
            items = ", ".join(rng.choice([s for s in SCALARS if s and s not in "-=<<"]
                                         + QUOTED) for _ in range(rng.randint(0, 3)))
            lines.append(f"{indent}{key}: [{items}]")
        elif roll < 0.78:
            lines.append(f"{indent}{key}: {rng.choice(['|', '>', '|-', '>+'])}")
            lines += [f"{indent}  line {j} {rng.choice(SCALARS)}" for j in range(2)]
        elif roll < 0.8:
            pairs = ", ".join(f"{rng.choice(['a', 'b', 'c'])}{j}: "
                              f"{rng.choice([s for s in SCALARS if s and s not in '-=<<'])}"
                              for j in range(rng.randint(0, 3)))
            lines.append(f"{indent}{key}: {{{pairs}}}")
        elif roll < 0.82:
            lines.append(f"{indent}{key}: {rng.choice(['Reduce', '12', 'a b'])}")
            lines.append(f"{indent}  continued {rng.choice(SCALARS)}".rstrip())
            lines.append("# a comment between keys")
        elif roll < 0.84:
            lines.append(f"{indent}{key}:")
            lines.append(f"{indent}  - - {rng.choice(SCALARS)}".rstrip())
            lines.append(f"{indent}  -")
        elif roll < 0.87:
            lines.append(f"{indent}{key}:  # a comment")
            lines.append(f"{indent}  - k: {rng.choice(SCALARS)}")
            lines.append(f"{indent}    v: {rng.choice(SCALARS)}")
        else:
            lines.append(f"{indent}{key}:")
            lines += _document(rng, depth + 1)
    return lines


def test_generated_documents_read_the_same() -> None:
    rng = random.Random(20261205)
    answered = 0
    for _ in range(3000):
        text = "\n".join(_document(rng)) + "\n"
        answered += compare(text)
    assert answered > 300  # enough documents take the fast path for the check to mean much


@pytest.mark.parametrize("text", [
    "a: &x 1\nb: *x\n",  # anchors and aliases
    "a: !!str 1\n",  # an explicit tag
    "<<: {a: 1}\n",  # a merge key
    "a: 1\na: 2\n",  # a duplicate key: ruamel reports it with its position
    "? [a, b]\n: 1\n",  # a complex key
    "%YAML 1.1\n---\na: yes\n",  # a version directive changes resolution
    "a: 1\n---\nb: 2\n",  # two documents
    "a: [1, 2\n",  # a syntax error: ruamel's message and position
    "a: 0x1F\n", "a: 1_000\n", "a: 2026-10-01T09:00:00Z\n",  # typed shapes not built here
    "a: 2026-13-45\n",  # an impossible date: ruamel's error path
    "",
])
def test_what_the_fast_path_does_not_model_is_left_to_ruamel(text: str) -> None:
    assert fast_load(text) is None


def test_errors_still_come_from_ruamel_with_their_positions() -> None:
    with pytest.raises(SpecError) as err:
        parse_yaml("title: a\ntitle: b\n", "okrs/x.yaml")
    assert err.value.diagnostics[0].location.line == 2
    assert "duplicate key 'title'" in err.value.diagnostics[0].message
    with pytest.raises(SpecError) as err:
        parse_yaml("a:\n  shipped_on: 2026-13-45\n", "okrs/x.yaml")
    assert "2026-13-45 is not a date" in err.value.diagnostics[0].message


def test_the_words_only_shortcut_matches_the_installed_resolver() -> None:
    """For t, f, n (either case) the fast path checks only the exact words; that is sound
    while ruamel's 1.2 resolver has nothing else under those first characters."""
    _, index, _ = _resolver()
    for first in _WORDS_ONLY:
        for _tag, regexp in index[first]:
            for word in ("true", "True", "TRUE", "false", "False", "FALSE", "null", "Null",
                         "NULL"):
                regexp.match(word)  # compiles and runs
            assert str(_tag) in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:null")
