"""The CLI imports only what a command needs, and its command map stays complete."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import typer

from sowhat.cli.app import COMMANDS, SUMMARIES, command_modules


def test_command_map_names_every_command_and_its_module() -> None:
    found: dict[str, str] = {}
    for module_name in command_modules():
        module = importlib.import_module(f"sowhat.cli.{module_name}")
        register = getattr(module, "register", None)
        if register is None:
            continue
        holder = typer.Typer()
        register(holder)
        for name in typer.main.get_group(holder).commands:
            found[name] = module_name
    missing = {n: m for n, m in found.items() if COMMANDS.get(n) != m}
    assert not missing, f"add these to COMMANDS in sowhat/cli/app.py: {missing}"
    assert set(COMMANDS) == set(found)


def test_version_does_not_import_the_engines() -> None:
    code = (
        "import sys; from sowhat.cli.app import app\n"
        "heavy = [m for m in ('scipy', 'statsmodels', 'ibis', 'duckdb', 'sqlalchemy') "
        "if m in sys.modules]\n"
        "print(','.join(heavy))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == ""


def test_the_sync_command_leaves_rich_progress_to_interactive_runs() -> None:
    """A scheduled `sowhat sync --json` draws no bar, so it does not import Rich's progress
    module (benchmarks/README.md, incremental.py: start-up of a whole sync process)."""
    code = ("import sys; import sowhat.cli.sync\n"
            "print('rich.progress' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


def _root_help(load_everything: bool) -> str:
    code = (
        "import sys\n"
        "from sowhat.cli import app as cli\n"
        + ("real = cli.LazyGroup.format_help\n"
           "def loaded(self, ctx, formatter):\n"
           "    self._load_all()\n"
           "    real(self, ctx, formatter)\n"
           "cli.LazyGroup.format_help = loaded\n" if load_everything else "")
        + "sys.argv = ['sowhat', '--help']\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit:\n"
        "    pass\n"
        "mods = sorted(m for m in sys.modules if m.startswith('sowhat.cli.')\n"
        "              and m not in ('sowhat.cli.app', 'sowhat.cli.common'))\n"
        "heavy = [m for m in ('scipy', 'numpy', 'ibis', 'duckdb', 'sqlalchemy', 'argon2')\n"
        "         if m in sys.modules]\n"
        "print('LOADED', ','.join(mods), '|', ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, env={**os.environ, "COLUMNS": "100"})
    return out.stdout


def test_the_root_help_lists_every_command_without_importing_one() -> None:
    """`sowhat --help`, the first command a new user types, took ≈3 s of CPU importing every
    command's engines to print one line each; the lines now come from SUMMARIES."""
    fast = _root_help(load_everything=False)
    help_text, loaded = fast.split("LOADED")
    assert loaded.strip() == "|", loaded
    for name, line in SUMMARIES.items():
        assert f" {name} " in help_text, name
        assert line in help_text, name


def test_the_root_help_reads_the_same_with_every_command_loaded() -> None:
    """The stand-ins print exactly what the real commands print (names, order, lines)."""
    fast = _root_help(load_everything=False).split("LOADED")[0]
    full, loaded = _root_help(load_everything=True).split("LOADED")
    assert "sowhat.cli.sync" in loaded  # the comparison really loaded the commands
    assert fast == full


def test_every_command_has_a_one_line_summary() -> None:
    assert set(SUMMARIES) == set(COMMANDS)
    # 62 characters fit the help panel's description column at 80 columns.
    assert {n: len(s) for n, s in SUMMARIES.items() if len(s) > 62} == {}


def _heavy_after(args: list[str], stdin: str = "") -> tuple[str, str]:
    """Run `sowhat ARGS` in a fresh interpreter; its output, and which engines it imported."""
    code = (
        "import sys\n"
        "from sowhat.cli import app as cli\n"
        f"sys.argv = ['sowhat', *{args!r}]\n"
        "try:\n"
        "    cli.main()\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "heavy = [m for m in ('sqlalchemy', 'duckdb', 'numpy', 'scipy', 'ibis', 'statsmodels')\n"
        "         if m in sys.modules]\n"
        "print('HEAVY', ','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, input=stdin, env={**os.environ, "COLUMNS": "100"})
    text, heavy = out.stdout.rsplit("HEAVY", 1)
    return text, heavy.strip()


def test_the_file_only_commands_import_no_database_or_engine(tmp_path: Path) -> None:
    """`init`, `validate`, `metrics list`, `rules` and `lint -` run in editors, hooks and CI
    on every change: they read files or text only, so they import neither the store
    (SQLAlchemy) nor an engine (DuckDB, NumPy) — which cost them half their CPU or more
    before (benchmarks/README.md)."""
    ws = tmp_path / "ws"
    text, heavy = _heavy_after(["init", str(ws), "--period", "2026-Q4"])
    assert "created" in text
    assert heavy == ""
    text, heavy = _heavy_after(["validate", "-w", str(ws)])
    assert text.startswith("ok: 1 OKR file")
    assert heavy == ""
    text, heavy = _heavy_after(["metrics", "list", "-w", str(ws)])
    assert "activation_rate" in text
    assert heavy == ""
    text, heavy = _heavy_after(["rules"])
    assert "SW101" in text
    assert heavy == ""
    kr = "Raise weekly active accounts from 1,200 to 1,500\n"
    text, heavy = _heavy_after(["lint", "-", "-w", str(ws)], stdin=kr)
    assert text.startswith("outcome")
    assert heavy == ""
    # The check is not vacuous: a command that opens the database does import SQLAlchemy.
    _, heavy = _heavy_after(["db", "current", "-w", str(ws)])
    assert "sqlalchemy" in heavy
