"""`sowhat report`: the same numbers as `sowhat review … --format json`, one self-contained
HTML file, a PDF whose pages have ink on them, and Markdown equal to the review's."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from typer.testing import CliRunner

from sowhat.cli.app import app
from sowhat.reports import words
from tests.unit.services.review_testing import module_copy

runner = CliRunner()
AS_OF = "2026-11-16"


def run(*args: str) -> str:
    result = runner.invoke(app, list(args), catch_exceptions=False,
                           env={"SOWHAT_ACTOR": "tester"})
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return module_copy(tmp_path_factory, "cli-report")


def review_json(built: Path, kind: str) -> Any:
    return json.loads(run("review", kind, "-w", str(built), "--as-of", AS_OF, "--format", "json"))


def report(built: Path, tmp_path: Path, kind: str, suffix: str) -> Path:
    out = tmp_path / f"{kind}.{suffix}"
    run("report", kind, "-w", str(built), "--as-of", AS_OF, "-o", str(out))
    return out


def row(html: str, kr_id: str) -> str:
    found = re.search(rf'<tr data-kr="{re.escape(kr_id)}">(.*?)</tr>', html, re.S)
    assert found, kr_id
    return found[1]


def value(x: float | None, baseline: float | None, target: float | None,
          unit: str | None = None) -> str:  # fmt: skip
    return words.value(x, rate=words.is_rate(baseline, target, unit), unit=unit)


def test_quarter_report_html_is_self_contained_and_equals_the_json(built: Path,
                                                                    tmp_path: Path) -> None:
    data = review_json(built, "quarter")
    html = report(built, tmp_path, "quarter", "html").read_text(encoding="utf-8")
    without_svg_namespace = html.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert not re.search(r"(https?:)?//[a-z]", without_svg_namespace)  # no external URL
    assert "<link" not in html
    assert "<script" not in html
    assert html.count("<svg") >= 1
    a = data["attainment"]
    assert f"<strong>{a['commit']} of {a['measured']}</strong>" in html
    assert f"<span class=\"muted small\">At target</span><strong>{a['target']}</strong>" in html
    seen = 0
    for item in data["objectives"]:
        o = item["objective"]
        score = "—" if o["score"] is None else f"{o['score'] * 100:.0f}%"
        assert f"score <strong>{score}</strong>" in html
        for k in o["key_results"]:
            cells = row(html, k["id"])
            for x in (k["baseline"], k["current"], k["target"]):
                assert value(x, k["baseline"], k["target"], k.get("unit")) in cells, \
                    (k["id"], x, k.get("unit"))
            if k["progress"] is not None:
                assert f"{k['progress'] * 100:.0f}%" in cells
            assert k["attainment"] in cells
            seen += 1
    assert seen == a["key_results"]
    for lesson in data["lessons"]:
        assert lesson["text"] in html
    # the 2-day activation's week of 9 Nov is still maturing on 16 Nov: drawn "so far", as on
    # the KR page, and the settled weeks are not
    assert re.search(r'class="point unsettled"[^>]*><title>week of 2026-11-09 so far', html)
    assert not re.search(r'class="point unsettled"[^>]*><title>week of 2026-11-02', html)
    assert "01 Oct – 31 Dec 2026" in html  # the period's last day, not its exclusive end
    assert "01 Jan 2027" not in html
    # a guardrail's rule reads as a sentence, not as the YAML it was written in
    assert "<strong>tickets</strong> must not rise more than 10%: " in html
    assert "max change" not in html


def test_weekly_and_monthly_reports_equal_their_json(built: Path, tmp_path: Path) -> None:
    weekly = review_json(built, "weekly")
    html = report(built, tmp_path, "weekly", "html").read_text(encoding="utf-8")
    for k in weekly["key_results"]:
        cells = row(html, k["kr_id"]).replace("\xa0", " ")  # values keep "per 1,000" whole
        scale = (k["baseline"], k["target"], k["unit"])
        for x in (k["to_date"], k["weekly_value"]):
            if x is not None:
                assert value(x, *scale) in cells
        if k["to_date_change"] is not None:
            assert words.delta(k["to_date_change"], rate=words.is_rate(*scale),
                               unit=k["unit"], like=k["to_date"]) in cells
        # a cohort KR's latest own week is an earlier one; the cell says which
        earlier = k["weekly_value"] is not None and k["weekly_week"] != weekly["week"]
        assert (f'data-week="{k["weekly_week"]}"' in cells) == earlier, k["kr_id"]
    monthly = review_json(built, "monthly")
    html = report(built, tmp_path, "monthly", "html").read_text(encoding="utf-8")
    for k in monthly["key_results"]:
        section = html.split(f'data-kr="{k["kr_id"]}"')[1].split("</section>")[0]
        scale = (k["baseline"], k["target"], k["unit"])
        assert f"This month <strong>{value(k['value'], *scale)}</strong>" in section
        assert f"last month {value(k['previous'], *scale)}" in section
        assert "Weekly trend within the month: <strong class=" in section
        if k["change_clear"] is not None:  # the month against the last, beyond noise or not
            assert ("beyond noise" if k["change_clear"] else "within noise") in section
        else:
            assert "noise)" not in section
        assert k["trend"] in section


def test_markdown_report_is_the_review_markdown(built: Path, tmp_path: Path) -> None:
    md = report(built, tmp_path, "weekly", "md").read_text(encoding="utf-8")
    assert md == run("review", "weekly", "-w", str(built), "--as-of", AS_OF,
                     "--format", "markdown")


def _pages_as_gray(pdf: Path, folder: Path) -> list[np.ndarray]:
    """Each page as a grey-scale array, by poppler's pdftoppm (PGM: a tiny header + bytes)."""
    subprocess.run(["pdftoppm", "-r", "30", "-gray", str(pdf), str(folder / "page")],
                   check=True)  # fmt: skip
    pages = []
    for path in sorted(folder.glob("page-*.pgm")):
        raw = path.read_bytes()
        magic, width, height, depth, pixels = raw.split(maxsplit=4)
        assert magic == b"P5"
        assert depth == b"255"
        pages.append(np.frombuffer(pixels[: int(width) * int(height)], dtype=np.uint8)
                     .reshape(int(height), int(width)))  # fmt: skip
    return pages


@pytest.mark.skipif(shutil.which("pdftoppm") is None,
                    reason="poppler-utils missing (scripts/test-services.sh installs it)")
def test_quarter_pdf_pages_are_not_blank(built: Path, tmp_path: Path) -> None:
    pdf = report(built, tmp_path, "quarter", "pdf")
    assert pdf.read_bytes().startswith(b"%PDF-")
    pages = _pages_as_gray(pdf, tmp_path)
    assert len(pages) >= 2
    for i, page in enumerate(pages):
        ink = float((page < 200).mean())
        assert ink > 0.005, f"page {i + 1} is blank ({ink:.4f} ink)"
    first = pages[0]
    assert (first < 200).mean() > 0.02  # the title, the summary and the table


def test_report_refuses_an_unknown_format_and_writes_nothing(built: Path,
                                                             tmp_path: Path) -> None:
    out = tmp_path / "qbr.docx"
    result = runner.invoke(app, ["report", "quarter", "-w", str(built), "-o", str(out)])
    assert result.exit_code != 0
    assert "cannot tell the format" in result.output
    assert not out.exists()
    assert not list(tmp_path.iterdir())


def test_monthly_review_over_http_equals_the_cli(built: Path, tmp_path: Path) -> None:
    """The API serves the monthly review (it answered 501 before), the web shows it, and the
    numbers are the CLI's."""
    from fastapi.testclient import TestClient

    from sowhat.api.app import create_app
    from sowhat.api.settings import ServerSettings
    from sowhat.services.accounts import Scope, create_user, issue_token
    from sowhat.spec.workspace import load_workspace
    from sowhat.store.db import open_database
    from tests.unit.services.review_testing import copy

    root = copy(built, tmp_path / "ws")
    ws = load_workspace(root)
    db = open_database(ws.config.database_url(ws.root), create=False)
    with db.transaction() as session:
        create_user(session=session, email="boss@example.com", password="long-enough-pw-1",
                    is_admin=True, actor="test")
        token = issue_token(session=session, email="boss@example.com", scope=Scope.READ,
                            actor="test").token
    db.dispose()
    cli = json.loads(run("review", "monthly", "-w", str(root), "--month", "2026-10",
                         "--format", "json"))
    client = TestClient(create_app(ServerSettings(workspace=root)))
    auth = {"Authorization": f"Bearer {token}"}
    r = client.get("/api/v1/periods/2026-Q4/reviews/monthly", params={"month": "2026-10"},
                   headers=auth)
    assert r.status_code == 200, r.text
    api = r.json()
    assert api["month"] == cli["month"] == "2026-10"
    assert [(k["kr_id"], k["value"], k["previous"], k["trend"]) for k in api["key_results"]] \
        == [(k["kr_id"], k["value"], k["previous"], k["trend"]) for k in cli["key_results"]]
    page = client.get("/periods/2026-Q4/reviews/monthly", params={"month": "2026-10"},
                      headers=auth)
    assert page.status_code == 200, page.text[:300]
    for k in cli["key_results"]:
        scale = (k["baseline"], k["target"], k["unit"])
        assert f"This month <strong>{value(k['value'], *scale)}</strong>" in page.text


@pytest.mark.skipif(shutil.which("pdftotext") is None,
                    reason="poppler-utils (pdftotext) is installed by scripts/test-services.sh")
def test_quarter_pdf_keeps_long_values_inside_the_page(demo_copy: Path, tmp_path: Path) -> None:
    """A per-1,000 KR typed in the shown scale (baseline 20, target 15: "20,000 per 1,000")
    next to a breached guardrail's "(does not count: guardrail)": the KR table's numbers did
    not wrap, so the table ran past the A4 page's right edge and its last column was cut."""
    okrs = demo_copy / "okrs" / "2026-Q4.yaml"
    text = okrs.read_text("utf-8")
    text, n = re.subn(r"(id: su-tickets-per-session\n(?:.*\n){2}\s+)baseline: [\d.]+\n"
                      r"(\s+)target: [\d.]+", r"\1baseline: 20\n\2target: 15", text, count=1)
    assert n == 1
    okrs.write_text(text, "utf-8")
    run("apply", "-w", str(demo_copy))
    pdf = report(demo_copy, tmp_path, "quarter", "pdf")
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], capture_output=True,
                          text=True, check=True).stdout
    pages = re.findall(r'<page width="([\d.]+)" height="[\d.]+">(.*?)</page>', html, re.S)
    assert pages
    right_margin = 14 / 25.4 * 72  # report.css: @page margin 14 mm at the sides
    beyond = []
    for width, body in pages:
        edge = float(width) - right_margin + 2
        for x_max, word in re.findall(r'xMax="([\d.]+)"[^>]*>([^<]*)</word>', body):
            if float(x_max) > edge:
                beyond.append((word, x_max, width))
    assert "20,000" in html
    assert beyond == []
