"""Regenerate docs/cli.md from the commands themselves (a golden file checked by the tests).

    .venv/bin/python scripts/gen_cli_docs.py          # rewrite docs/cli.md
    .venv/bin/python scripts/gen_cli_docs.py --check  # exit 1 when it is out of date
"""

from __future__ import annotations

import inspect
import sys
from pathlib import Path
from typing import Any

import typer

from sowhat.cli.app import app

OUT = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _plain(text: str) -> str:
    """Help is escaped for rich (`\\[events]`); the reference shows it as typed."""
    return text.replace("\\[", "[")


def _param(p: Any) -> str:
    names = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
    if p.param_type_name == "argument":
        names = f"`{(p.name or '').upper()}`"
    help_text = _plain(getattr(p, "help", None) or "").strip()
    default = p.default
    extra = ""
    if p.param_type_name == "option" and default not in (None, False, ()) and not callable(
        default
    ):
        extra = f" (default: `{default}`)"
    return f"- {names}: {help_text}{extra}".rstrip()


def _walk(cmd: Any, path: list[str], out: list[str]) -> None:
    if hasattr(cmd, "list_commands"):
        for name in cmd.list_commands(None):
            _walk(cmd.get_command(None, name), [*path, name], out)
        return
    out.append(f"## `sowhat {' '.join(path)}`\n")
    out.append(_plain(inspect.cleandoc(cmd.help or "")).strip())
    params = [p for p in cmd.params if p.name not in ("help",)]
    if params:
        out.append("")
        out.extend(_param(p) for p in params)
    out.append("")


def render() -> str:
    group = typer.main.get_command(app)
    out = [
        "# CLI reference",
        "",
        "Generated from the commands by `scripts/gen_cli_docs.py`; every command also has "
        "`--help`.",
        "Exit codes, one rule for every command: 0 success; 1 the command line parsed but "
        "something must be fixed in the values, files or data (a bad file, an unknown id, a "
        "value out of range such as `--confidence 70`, an error-level lint finding); 2 the "
        "command line does not parse (unknown command or option, missing argument, a value "
        "of the wrong type such as a word where a number or date belongs); 3 an internal "
        "error (a bug: please report it).",
        "",
    ]
    _walk(group, [], out)
    return "\n".join(out).rstrip() + "\n"


def main() -> int:
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text("utf-8") != text:
            print("docs/cli.md is out of date: run scripts/gen_cli_docs.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
