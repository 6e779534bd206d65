"""Committing an export: the files `sowhat export` wrote, authored by the people whose web
edits they carry (`[git] commit_exports = true`).

The commit's author is the latest web editor; any others are named in `Co-authored-by:`
trailers, which git hosts show as co-authors. The committer stays whoever runs the export.
"""

from __future__ import annotations

import subprocess
from collections.abc import Sequence
from pathlib import Path

from sowhat.errors import UserError

__all__ = ["commit_files", "in_git_repo"]


def in_git_repo(root: Path) -> bool:
    proc = subprocess.run(["git", "-C", str(root), "rev-parse", "--is-inside-work-tree"],
                          capture_output=True, text=True, check=False)  # fmt: skip
    return proc.returncode == 0 and proc.stdout.strip() == "true"


def commit_files(
    *, root: Path, paths: Sequence[Path], authors: Sequence[str], message: str
) -> str:
    """Commit `paths` (only them); returns the new commit's id."""
    if not paths:
        raise UserError("nothing to commit", hint="the export changed no file")
    if not in_git_repo(root):
        raise UserError(f"{root} is not inside a git repository",
                        hint="`git init` it, or set [git] commit_exports = false")  # fmt: skip
    names = [str(p) for p in paths]
    _git(root, "add", "--", *names)
    body = message
    if len(authors) > 1:
        body += "\n\n" + "\n".join(f"Co-authored-by: {_ident(a)}" for a in authors[1:])
    args = ["commit", "-m", body, "--only", "--", *names]
    if authors:
        args[1:1] = ["--author", _ident(authors[0])]
    _git(root, *args)
    return _git(root, "rev-parse", "HEAD").strip()


def _ident(email: str) -> str:
    """`Ana <ana@x.io>` from an email (git needs a name and an address)."""
    name = email.split("@", 1)[0] if "@" in email else email
    address = email if "@" in email else f"{email}@sowhat.invalid"
    return f"{name} <{address}>"


def _git(root: Path, *args: str) -> str:
    proc = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          check=False)  # fmt: skip
    if proc.returncode != 0:
        raise UserError(f"git {args[0]} failed: {proc.stderr.strip() or proc.stdout.strip()}",
                        hint="the files are written; commit them by hand")  # fmt: skip
    return proc.stdout
