"""`sowhat lint` and `sowhat rules` through the CLI: stdin, files, formats, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.errors import UserError
from sowhat.lint.engine import rules
from tests.conftest import WriteWorkspace
from tests.samples import OKRS

runner = CliRunner()

BAD_OKRS = OKRS.replace(
    "title: Increase 7-day activation of mid-sized accounts from 38% to 45%",
    "title: Launch the onboarding checklist by December 1",
)


def run(*args: str, stdin: str | None = None) -> tuple[int, str]:
    result = runner.invoke(app, list(args), input=stdin, catch_exceptions=False)
    return result.exit_code, result.output


def test_stdin_json_one_object_per_line_in_order_blank_lines_skipped() -> None:
    code, out = run(
        "lint", "-", "--format", "json",
        stdin="Launch audit logs\n\nDay-7 retention reaches 40% (currently 31%)\n"
        "Increase signups by 20%\n",
    )  # fmt: skip
    assert code == 1  # SW101 is an error
    data = json.loads(out)
    assert [d["text"] for d in data] == [
        "Launch audit logs",
        "Day-7 retention reaches 40% (currently 31%)",
        "Increase signups by 20%",
    ]
    assert [d["kind"] for d in data] == ["output", "outcome", "outcome"]
    assert [f["code"] for f in data[0]["findings"]] == ["SW101"]
    assert set(data[0]["findings"][0]) == {"code", "message", "suggestion"}
    assert data[1]["findings"] == []
    assert [f["code"] for f in data[2]["findings"]] == ["SW102"]


def test_stdin_text_keeps_input_line_numbers() -> None:
    stdin = "\nDay-7 retention reaches 40% (currently 31%)\nShip three AI features\n"
    code, out = run("lint", "-", stdin=stdin)
    assert code == 1
    assert "<stdin>:3:1: SW101 reads like a roadmap item" in out
    assert "    suggestion: so what happens once 'Ship three AI features' is done?" in out
    assert "outcome" in out
    assert "Found 1 problem (1 error, 0 warnings)." in out


def test_stdin_warnings_only_exit_zero_and_ignore() -> None:
    code, _ = run("lint", "-", stdin="Increase signups by 20%\n")
    assert code == 0
    code, out = run("lint", "-", "--ignore", "SW101", stdin="Launch audit logs\n")
    assert code == 0
    assert "SW101" not in out.split("\n", 1)[1]


def test_files_text_output_with_locations(write_workspace: WriteWorkspace,
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    root = write_workspace(okrs=BAD_OKRS)
    monkeypatch.chdir(root)
    code, out = run("lint", "okrs/2026-Q4.yaml", "--as-of", "2026-11-20")
    assert code == 1
    lines = out.splitlines()
    assert any(
        line.startswith("okrs/2026-Q4.yaml:") and ": SW101 reads like a roadmap item" in line
        for line in lines
    ), out
    assert any(": SW112 milestone" in line for line in lines)
    sw101 = next(line for line in lines if "SW101" in line)
    assert sw101.split(":")[1] == str(BAD_OKRS.splitlines().index(
        "        title: Launch the onboarding checklist by December 1") + 1)


def test_whole_workspace_by_default_and_formats(write_workspace: WriteWorkspace) -> None:
    root = write_workspace(okrs=BAD_OKRS)
    base = ["lint", "--workspace", str(root), "--as-of", "2026-11-20", "--select", "SW101"]
    code, out = run(*base, "--format", "json")
    assert code == 1
    [finding] = json.loads(out)
    assert finding["code"] == "SW101"
    assert finding["line"] > 1
    code, out = run(*base, "--format", "sarif")
    log = json.loads(out)
    assert log["version"] == "2.1.0"
    assert log["runs"][0]["results"][0]["ruleId"] == "SW101"
    code, out = run(*base, "--format", "github")
    assert out.startswith("::error file=okrs/2026-Q4.yaml,line=")


def test_clean_workspace_exits_zero(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    code, out = run("lint", "--workspace", str(root), "--as-of", "2026-09-01")
    assert code == 0, out


def test_bad_codes_and_dates_are_user_errors() -> None:
    with pytest.raises(UserError):
        run("lint", "-", "--select", "E501", stdin="x\n")
    with pytest.raises(UserError):
        run("lint", "-", "--as-of", "tomorrow", stdin="x\n")


def test_rules_lists_and_explains() -> None:
    code, out = run("rules")
    assert code == 0
    assert out.splitlines()[0].split()[:3] == ["SW101", "error", "output-style-kr"]
    assert len(out.splitlines()) == len(rules())
    code, out = run("rules", "SW110")
    assert code == 0
    assert out.startswith("# SW110 horizon-mismatch")
    assert "## Fix" in out


def test_real_process_reads_stdin() -> None:
    exe = Path(sys.executable).with_name("sowhat")
    proc = subprocess.run(
        [str(exe), "lint", "-", "--format", "json"],
        input="Publish 12 case studies\n90% of invoices paid within 30 days\n",
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "200"},
    )  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert [d["kind"] for d in data] == ["output", "outcome"]


def test_brackets_in_kr_text_are_not_markup() -> None:
    code, out = run("lint", "-", stdin="Ship [beta] of the editor\n")
    assert "[beta]" in out
    assert code == 1


def test_no_okr_files_is_a_user_error(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="no OKR files"):
        run("lint", "--workspace", str(tmp_path))


def test_stdin_rewrites_use_the_workspace_catalog(write_workspace: WriteWorkspace) -> None:
    root = write_workspace()
    code, out = run(
        "lint", "-", "--format", "json", "--workspace", str(root),
        stdin="Redesign the onboarding checklist\n",
    )  # fmt: skip
    [report] = json.loads(out)
    assert code == 1
    assert "activation rate" in report["findings"][0]["suggestion"]
