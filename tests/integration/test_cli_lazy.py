"""The CLI imports only what a command needs, and its command map stays complete."""

from __future__ import annotations

import importlib
import os
import subprocess
import sys

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
