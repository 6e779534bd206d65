"""Output formats: ruff-style text, SARIF 2.1.0 (required fields), GitHub workflow commands."""

from __future__ import annotations

import json

from sowhat.errors import Location
from sowhat.lint import Finding, Severity, render, rules

FINDINGS = [
    Finding("SW101", Severity.ERROR, "reads like a roadmap item", "so what? e.g. 'X'",
            Location("okrs/2026-Q4.yaml", 9, 12)),
    Finding("SW103", Severity.WARNING, "no baseline, 50% done", None, Location("okrs/a.yaml")),
    Finding("SW108", Severity.INFO, "line1\nline2: 100%", None, None),
]  # fmt: skip


def test_text_is_ruff_style_with_indented_suggestion() -> None:
    out = render.text(FINDINGS).splitlines()
    assert out[0] == "okrs/2026-Q4.yaml:9:12: SW101 reads like a roadmap item"
    assert out[1] == "    suggestion: so what? e.g. 'X'"
    assert out[2] == "okrs/a.yaml: SW103 no baseline, 50% done"
    assert out[3].startswith("<stdin>: SW108")


def test_summary_counts() -> None:
    assert render.summary(FINDINGS) == "Found 3 problems (1 error, 1 warning)."
    assert "pass" in render.summary([])


def test_sarif_has_the_schema_required_fields() -> None:
    log = json.loads(render.sarif(FINDINGS, rules()))
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    [run] = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "sowhat"
    ids = [r["id"] for r in driver["rules"]]
    assert ids == sorted(ids)
    assert ids == [r.code for r in rules()]
    for rule in driver["rules"]:
        assert rule["shortDescription"]["text"]
        assert rule["defaultConfiguration"]["level"] in ("error", "warning", "note")
    results = run["results"]
    assert len(results) == 3
    for result in results:
        assert result["message"]["text"]
        assert result["level"] in ("error", "warning", "note", "none")
        assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]
    first = results[0]["locations"][0]["physicalLocation"]
    assert first["artifactLocation"]["uri"] == "okrs/2026-Q4.yaml"
    assert first["region"] == {"startLine": 9, "startColumn": 12}
    assert "region" not in results[1]["locations"][0]["physicalLocation"]  # no line known
    assert "locations" not in results[2]
    assert results[2]["level"] == "note"


def test_github_workflow_commands_escape_data_and_properties() -> None:
    lines = render.github(FINDINGS).splitlines()
    assert lines[0].startswith("::error file=okrs/2026-Q4.yaml,line=9,col=12,title=SW101::")
    assert lines[0].endswith("SW101 reads like a roadmap item%0Asuggestion: so what? e.g. 'X'")
    assert lines[1] == "::warning file=okrs/a.yaml,title=SW103::SW103 no baseline, 50%25 done"
    assert lines[2] == "::notice file=<stdin>,title=SW108::SW108 line1%0Aline2: 100%25"
    assert len(lines) == 3


def test_json_findings_shape() -> None:
    [first, *_] = json.loads(render.json_findings(FINDINGS))
    assert first["code"] == "SW101"
    assert (first["file"], first["line"], first["col"]) == ("okrs/2026-Q4.yaml", 9, 12)
    assert first["severity"] == "error"
