"""Reading YAML so that every problem can be pointed at: file, line, column.

ruamel.yaml's round-trip loader keeps each key's and item's position and the comments, which
is what lets Sowhat say `okrs/2026-Q4.yaml:14:9: unknown metric ...` and later write the file
back without losing a person's comments or key order.
"""

from __future__ import annotations

import io
import re
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError, YAMLError

from sowhat.errors import Diagnostic, Location, SpecError
from sowhat.spec.yaml_fast import fast_load

# Spec files are hand-written; anything this large is a mistake (a data export saved with the
# wrong name) and parsing it would take a long time before failing anyway.
MAX_SPEC_BYTES = 10 * 1024 * 1024

YamlPath = tuple[str | int, ...]
Locate = Callable[[YamlPath], Location]


def round_trip_yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 100
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.allow_duplicate_keys = False
    return yaml


@dataclass(frozen=True)
class YamlDocument:
    """A parsed file with the positions of its nodes, for errors and for writing back."""

    path: Path
    display: str
    text: str
    data: Any

    def locate(self, path: YamlPath) -> Location:
        return locate(self.data, path, self.display)


def display_path(path: Path, root: Path | None) -> str:
    if root is not None:
        try:
            return str(path.resolve().relative_to(root.resolve()))
        except ValueError:
            pass
    return str(path)


def read_text(path: Path, display: str) -> str:
    """Read a spec file as UTF-8, refusing what is too big or not text."""
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise SpecError([Diagnostic(Location(display), "file not found")]) from None
    if size > MAX_SPEC_BYTES:
        raise SpecError(
            [
                Diagnostic(
                    Location(display),
                    f"file is {size / 1e6:.1f} MB, larger than the "
                    f"{MAX_SPEC_BYTES // (1024 * 1024)} MB allowed for spec files",
                    "split it (one file per period) or check that this is the right file",
                )
            ]
        )
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise SpecError(
            [
                Diagnostic(
                    Location(display, line, col),
                    f"byte 0x{raw[exc.start]:02x} is not valid UTF-8",
                    "save the file as UTF-8",
                )
            ]
        ) from None


_TAB_INDENT = re.compile(r"^[ ]*\t", re.MULTILINE)


def parse_yaml(text: str, display: str) -> Any:
    """Parse YAML text, turning every parser complaint into a located diagnostic."""
    if m := _TAB_INDENT.search(text):
        line = text.count("\n", 0, m.start()) + 1
        col = m.end() - m.start()
        raise SpecError(
            [
                Diagnostic(
                    Location(display, line, col),
                    "tab character used for indentation",
                    "indent with spaces (YAML does not allow tabs)",
                )
            ]
        )
    fast = fast_load(text)  # libyaml for the plain YAML spec files are; None: ruamel reads
    if fast is not None:
        return fast
    try:
        return round_trip_yaml().load(io.StringIO(text))
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        key = _duplicate_key_name(str(exc.problem))
        raise SpecError(
            [
                Diagnostic(
                    Location(display, mark.line + 1, mark.column + 1)
                    if mark
                    else Location(display),
                    f"duplicate key {key!r}" if key else "duplicate key",
                    "each key may appear once in a mapping; remove or rename one of them",
                )
            ]
        ) from None
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = Location(display, mark.line + 1, mark.column + 1) if mark else Location(display)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise SpecError(
            [Diagnostic(where, f"invalid YAML: {problem}", _yaml_hint(problem))]
        ) from None
    except YAMLError as exc:
        raise SpecError([Diagnostic(Location(display), f"invalid YAML: {exc}")]) from None
    except (ValueError, OverflowError) as exc:
        # The loader builds dates as it reads (`shipped_on: 2026-13-45`) and raises a bare
        # ValueError with no position; find the impossible date in the text instead.
        raise SpecError([_bad_date(text, display, exc)]) from None


_DATE_LIKE = re.compile(r"(?<![\w.-])(\d{4})-(\d{1,2})-(\d{1,2})(?![\w.-]|:\d)")


def _bad_date(text: str, display: str, exc: Exception) -> Diagnostic:
    import datetime as dt

    for m in _DATE_LIKE.finditer(text):
        try:
            dt.date(int(m[1]), int(m[2]), int(m[3]))
        except ValueError as why:
            line = text.count("\n", 0, m.start()) + 1
            col = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
            return Diagnostic(Location(display, line, col), f"{m[0]} is not a date ({why})",
                              "write a real date as YYYY-MM-DD, e.g. 2026-11-02")  # fmt: skip
    return Diagnostic(Location(display), f"invalid value: {exc}",
                      "check dates and numbers in this file")  # fmt: skip


def read_yaml(path: Path, root: Path | None = None) -> YamlDocument:
    display = display_path(path, root)
    text = read_text(path, display)
    return YamlDocument(path, display, text, parse_yaml(text, display))


def _duplicate_key_name(problem: str) -> str | None:
    m = re.search(r'found duplicate key "([^"]*)"', problem)
    return m[1] if m else None


def _yaml_hint(problem: str) -> str:
    if "mapping values are not allowed" in problem:
        return "quote the value if it contains ': ' or fix the indentation"
    if "could not find expected ':'" in problem:
        return "each line in a mapping needs `key: value`"
    if "found character '\\t'" in problem:
        return "indent with spaces, not tabs"
    if "expected <block end>" in problem:
        return "check the indentation of this line against the lines above"
    return "check the YAML syntax at this position"


def locate(data: Any, path: YamlPath, display: str) -> Location:
    """Position of the deepest node on `path` that exists (1-based line and column).

    Path elements that do not exist in the data (a key that is missing, or a union tag from a
    validator's error location) are skipped, so a "missing field" error points at its parent.
    """
    node = data
    line, col = 0, 0
    for part in path:
        if isinstance(node, CommentedMap) and part in node:
            try:
                if isinstance(node[part], CommentedMap | CommentedSeq):
                    ln, cl = node.lc.key(part)
                else:
                    ln, cl = node.lc.value(part)
                line, col = ln + 1, cl + 1
            except (KeyError, TypeError, AttributeError):
                pass
            node = node[part]
        elif isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node):
            try:
                ln, cl = node.lc.item(part)
                line, col = ln + 1, cl + 1
            except (KeyError, TypeError, AttributeError):
                pass
            node = node[part]
        elif isinstance(node, CommentedMap | CommentedSeq):
            continue
        else:
            break
    if not line and isinstance(data, CommentedMap | CommentedSeq):
        line, col = 1, 1
    return Location(display, line, col)


def key_location(data: Any, path: YamlPath, key: str, display: str) -> Location:
    """Where a key itself (not its value) sits: for 'unknown key' errors."""
    node = data
    for part in path:
        try:
            node = node[part]
        except (KeyError, IndexError, TypeError):
            return locate(data, path, display)
    if isinstance(node, CommentedMap) and key in node:
        ln, cl = node.lc.key(key)
        return Location(display, ln + 1, cl + 1)
    return locate(data, path, display)


def to_plain(data: Any) -> Any:
    """ruamel's commented containers as plain dicts and lists, for validators."""
    if isinstance(data, dict):
        return {str(k) if not isinstance(k, str) else k: to_plain(v) for k, v in data.items()}
    if isinstance(data, list):
        return [to_plain(v) for v in data]
    return data


def source_block(doc: YamlDocument, path: YamlPath) -> str | None:
    """The lines of the file that write the node at `path` — its key's line and everything
    indented under it — dedented: the definition as its author wrote it ("within: 7d",
    comments and all), which a dump of the parsed model ("within: 604800") is not. None when
    the node is not in the file."""
    node = doc.data
    for part in path:
        in_map = isinstance(node, CommentedMap) and part in node
        in_seq = isinstance(node, CommentedSeq) and isinstance(part, int) and 0 <= part < len(node)
        if not (in_map or in_seq):
            return None
        node = node[part]
    line = doc.locate(path).line
    if not line:
        return None
    lines = doc.text.splitlines()
    first = lines[line - 1]
    indent = len(first) - len(first.lstrip())
    block = [first]
    for text in lines[line:]:
        if text.strip() and len(text) - len(text.lstrip()) <= indent:
            break
        block.append(text)
    while block and not block[-1].strip():
        block.pop()
    return textwrap.dedent("\n".join(block))
