"""A Hypothesis mutator over valid workspace files and event files (issue 13).

Each example takes the demo's valid okrs/metrics/tracking-plan/sowhat.toml (or an event
file), applies one to three mutations a careless person or a hostile file could make — a
line dropped or repeated, a value swapped for a nasty one (`.nan`, `1e400`, `2026-13-45`,
quotes, brackets, a tab, NUL), a file cut short — and runs what a user runs (`validate` then
`apply`; `ingest` for events). Every mutant must end in success or a located error (one
naming the file), never a traceback; after a failure the database is byte-identical.

Bounded for CI (SOWHAT_FUZZ_EXAMPLES raises it).
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections import Counter
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.errors import InternalError, UserError

EXAMPLES = int(os.environ.get("SOWHAT_FUZZ_EXAMPLES", "40"))
SPEC_FILES = ("okrs/2026-Q4.yaml", "metrics.yaml", "tracking-plan.yaml", "sowhat.toml")
NASTY = [".nan", ".inf", "-.inf", "1e400", "-1e400", "2026-13-45", "0000-01-01", "2026-02-30",
         "'", '"', '"a\\"b"', "[", "]", "{", "}", "[[x]]", "~", "null", "", "-1", "0", "true",
         "1e-400", "9223372036854775808", "'a\"b'", "\t", "é", "\\x00", "&anchor", "*alias",
         "!!python/object:os.system", "---", "|", ">", "%", "@", "`", "x: y: z", "- item",
         "2026-Q5", "2026-Q0", "-0", "+10%", "10%%", "NaN%", "1,000", "07d", "0d", "-7d",
         "99999999999d", "p100", "p0", "a.b.c", "..", "../../etc/passwd", "𝔘𝔫𝔦𝔠𝔬𝔡𝔢"]
runner = CliRunner()
stats: Counter[str] = Counter()


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else "missing"


@st.composite
def mutated_text(draw: st.DrawFn, text: str) -> str:
    lines = text.splitlines(keepends=True)
    for _ in range(draw(st.integers(1, 3))):
        if not lines:
            break
        i = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["value", "value", "value", "drop", "repeat", "indent",
                                     "cut", "insert"]))  # fmt: skip
        line = lines[i]
        if kind == "value":
            nasty = draw(st.sampled_from(NASTY) | st.text(max_size=12))
            for sep in (": ", " = ", "- "):
                if sep in line:
                    head, _, _tail = line.partition(sep)
                    line = f"{head}{sep}{nasty}\n"
                    break
            else:
                line = nasty + "\n"
            lines[i] = line
        elif kind == "drop":
            del lines[i]
        elif kind == "repeat":
            lines.insert(i, line)
        elif kind == "indent":
            lines[i] = draw(st.sampled_from([" ", "  ", "\t", ""])) + line.lstrip()
        elif kind == "cut":
            lines = lines[: i + 1]
            lines[-1] = lines[-1][: draw(st.integers(0, len(lines[-1])))]
        else:
            lines.insert(i, draw(st.text(max_size=30)) + "\n")
    return "".join(lines)


@pytest.fixture(scope="module")
def valid_workspace(built_demo: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's spec files, applied to a fresh database once."""
    root = tmp_path_factory.mktemp("fuzz-files") / "ws"
    (root / "okrs").mkdir(parents=True)
    for name in SPEC_FILES:
        shutil.copy(built_demo / name, root / name)
    outcome = runner.invoke(app, ["apply", "-w", str(root)])
    assert outcome.exit_code == 0, outcome.output
    return root


def _run(args: list[str]) -> tuple[int, BaseException | None]:
    outcome = runner.invoke(app, args)
    return outcome.exit_code, outcome.exception


def _assert_user_facing(exc: BaseException | None, files: tuple[str, ...], case: str) -> None:
    """What `main()` would print: a UserError's message (naming the file), or nothing."""
    if exc is None or isinstance(exc, SystemExit):
        return
    assert not isinstance(exc, InternalError), f"internal error for {case}: {exc}"
    assert isinstance(exc, UserError), f"traceback for {case}: {type(exc).__name__}: {exc}"
    rendered = exc.render()
    assert any(name.split("/")[-1] in rendered for name in files), \
        f"error names no file for {case}: {rendered}"


@settings(max_examples=EXAMPLES, deadline=None, database=None, derandomize=True,
          suppress_health_check=list(HealthCheck))  # fmt: skip
@given(data=st.data())
def test_mutated_spec_files_give_success_or_a_located_error(
    valid_workspace: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    root = tmp_path_factory.mktemp("mutant") / "ws"
    shutil.copytree(valid_workspace, root)
    name = data.draw(st.sampled_from(SPEC_FILES))
    text = (root / name).read_text("utf-8")
    mutant = data.draw(mutated_text(text))
    (root / name).write_text(mutant, encoding="utf-8", errors="surrogatepass")
    db = root / ".sowhat" / "sowhat.db"
    before = _digest(db)
    case = f"{name}:\n{mutant[:2000]}"
    for command in (["validate", "-w", str(root)], ["apply", "-w", str(root)]):
        code, exc = _run(command)
        _assert_user_facing(exc, SPEC_FILES, case)
        assert code in (0, 1), f"exit {code} for {command[0]} on {case}"
        if code != 0:
            stats["error"] += 1
            assert _digest(db) == before, f"{command[0]} failed but changed the database: {case}"
            return
    stats["success"] += 1


EVENTS = (
    '{"event": "signup", "timestamp": "2026-11-02T09:00:00Z", "user_id": "u1", '
    '"account_id": "a1", "properties": {"plan": "mid"}}\n'
    '{"event": "project_created", "timestamp": "2026-11-03T10:00:00Z", "user_id": "u1", '
    '"account_id": "a1", "properties": {"plan": "mid", "size": 3}}\n'
    '{"event": "workflow_run", "timestamp": "2026-11-04T11:30:00Z", "user_id": "u2", '
    '"account_id": "a1"}\n'
)


@settings(max_examples=max(EXAMPLES // 2, 10), deadline=None, database=None,
          derandomize=True, suppress_health_check=list(HealthCheck))  # fmt: skip
@given(data=st.data())
def test_mutated_event_files_give_success_or_a_located_error(
    valid_workspace: Path, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    root = tmp_path_factory.mktemp("events") / "ws"
    shutil.copytree(valid_workspace, root)
    mutant = data.draw(mutated_text(EVENTS.replace(", ", ",\n  ")))
    events = root / "events.jsonl"
    events.write_text(mutant.replace(",\n  ", ", "), encoding="utf-8", errors="surrogatepass")
    store = root / ".sowhat" / "events.duckdb"
    before = _digest(store)
    code, exc = _run(["ingest", str(events), "-w", str(root)])
    _assert_user_facing(exc, ("events.jsonl",), f"events.jsonl:\n{mutant[:2000]}")
    assert code in (0, 1)
    if code != 0:
        stats["event error"] += 1
        assert _digest(store) == before, f"ingest failed but changed the store:\n{mutant}"
    else:
        stats["event success"] += 1


def teardown_module() -> None:
    print(f"file fuzz outcomes: {dict(stats)}")
