"""Findings as text (ruff-style), JSON, SARIF 2.1.0 and GitHub workflow commands.

Pure string builders: shells print what these return, so the CLI, a pre-commit hook and CI
annotations all show the same words.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from sowhat import __version__
from sowhat.lint.base import AnyRule, Finding
from sowhat.lint.engine import TextReport

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
DOCS_URI = "https://github.com/sowhat-okr/sowhat/blob/main/docs/rules/{code}.md"
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def text(findings: Sequence[Finding], *, default_file: str = "<stdin>") -> str:
    """`file:line:col: SW101 message` and an indented `suggestion:` line per finding."""
    lines = []
    for f in findings:
        where = str(f.location) if f.location else default_file
        lines.append(f"{where}: {f.code} {f.message}")
        if f.suggestion:
            lines.append(f"    suggestion: {f.suggestion}")
    return "\n".join(lines)


def summary(findings: Sequence[Finding]) -> str:
    errors = sum(f.severity == "error" for f in findings)
    warnings = sum(f.severity == "warning" for f in findings)
    if not findings:
        return "All key results pass. So what? Exactly."
    return (
        f"Found {len(findings)} problem{'s' if len(findings) != 1 else ''} "
        f"({errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''})."
    )


def json_findings(findings: Sequence[Finding]) -> str:
    return json.dumps([f.as_dict() for f in findings], indent=2, ensure_ascii=False)


def json_text_reports(reports: Sequence[TextReport]) -> str:
    """`sowhat lint - --format json`: one object per input line, in input order."""
    data = [
        {
            "text": r.text,
            "kind": r.classification.kind,
            "findings": [
                {"code": f.code, "message": f.message, "suggestion": f.suggestion}
                for f in r.findings
            ],
        }
        for r in reports
    ]
    return json.dumps(data, indent=2, ensure_ascii=False)


def sarif(findings: Sequence[Finding], rules: Sequence[AnyRule]) -> str:
    """A SARIF 2.1.0 log with one run; every rule is declared, results point at files."""
    index = {r.code: i for i, r in enumerate(rules)}
    results: list[dict[str, Any]] = []
    for f in findings:
        text_ = f.message + (f"\nsuggestion: {f.suggestion}" if f.suggestion else "")
        result: dict[str, Any] = {
            "ruleId": f.code,
            "level": _SARIF_LEVEL.get(str(f.severity), "warning"),
            "message": {"text": text_},
        }
        if f.code in index:
            result["ruleIndex"] = index[f.code]
        if f.location is not None:
            region: dict[str, int] = {}
            if f.location.line:
                region = {"startLine": f.location.line, "startColumn": f.location.col or 1}
            physical: dict[str, Any] = {"artifactLocation": {"uri": f.location.file}}
            if region:
                physical["region"] = region
            result["locations"] = [{"physicalLocation": physical}]
        if f.suggestion:
            result["properties"] = {"suggestion": f.suggestion}
        results.append(result)
    log = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "sowhat",
                        "version": __version__,
                        "informationUri": "https://github.com/sowhat-okr/sowhat",
                        "rules": [
                            {
                                "id": r.code,
                                "name": r.name,
                                "shortDescription": {"text": r.summary},
                                "helpUri": DOCS_URI.format(code=r.code),
                                "defaultConfiguration": {
                                    "level": _SARIF_LEVEL.get(str(r.severity), "warning")
                                },
                            }
                            for r in rules
                        ],
                    }
                },
                "results": results,
            }
        ],
    }
    return json.dumps(log, indent=2, ensure_ascii=False)


def _escape_data(value: str) -> str:
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(value: str) -> str:
    return _escape_data(value).replace(":", "%3A").replace(",", "%2C")


def github(findings: Sequence[Finding], *, default_file: str = "<stdin>") -> str:
    """GitHub Actions workflow commands: `::error file=F,line=L,col=C,title=SW101::msg`."""
    lines = []
    for f in findings:
        loc = f.location
        props = [f"file={_escape_property(loc.file if loc else default_file)}"]
        if loc is not None and loc.line:
            props += [f"line={loc.line}", f"col={loc.col or 1}"]
        props.append(f"title={_escape_property(f.code)}")
        message = f"{f.code} {f.message}"
        if f.suggestion:
            message += f"\nsuggestion: {f.suggestion}"
        level = _GITHUB_LEVEL.get(str(f.severity), "warning")
        lines.append(f"::{level} {','.join(props)}::{_escape_data(message)}")
    return "\n".join(lines)
