"""Importing a spreadsheet in the browser: upload, see the coach on every row, then confirm.

The same service as `sowhat import` (`sowhat.services.authoring.csv_import`): the upload is
read and checked (every bad cell with its line), each row is coached (outcome or output,
findings, measured baseline, the chance of hitting the target with no change), and the rows
are written once in a savepoint that is rolled back — so the preview also lists what the
database would refuse (an id that exists, a team the person may not edit), row by row, before
anything is saved. Confirming posts the same text back and writes it in one transaction.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import RedirectResponse, Response

from sowhat.api.auth import require_caller
from sowhat.api.pages.okrs import page_writer
from sowhat.api.pages.templating import render
from sowhat.api.state import server_state
from sowhat.domain.period import Period, PeriodError
from sowhat.errors import Diagnostic, SpecError, UserError
from sowhat.services.authoring import csv_import, planning
from sowhat.store import repositories

router = APIRouter()
Text = Annotated[str, Form()]
MAX_BYTES = 2_000_000  # a plan is a few hundred rows; anything this big is the wrong file


def _columns() -> list[tuple[str, bool, str]]:
    meaning = {
        "objective_id": "the objective's id; rows with the same id share one objective",
        "objective": "the objective's title (needed on its first row when it is new)",
        "team": "the objective's team (a team you may edit)",
        "owner": "the objective's owner (an email)",
        "kr_id": "the key result's id; the same id as last period continues its history",
        "kr": "the key result, in words: the coach reads it",
        "metric": "a metric from metrics.yaml; empty: checked in by hand",
        "segment": "a segment from metrics.yaml (optional)",
        "baseline": "where it starts; empty: the measured value is used",
        "target": "where it should be by the period's end (0.46 or 46% for shares)",
        "kr_owner": "the key result's owner (an email)",
        "indicator": "leading or lagging; empty: the metric's default",
        "unit": "how a KR checked in by hand reads (hours, percent); a metric's unit wins",
        "measure": "level (over a trailing window) or cumulative (the period's total); "
                   "empty: the metric's default",
        "over": "a level's trailing window, e.g. 7d; empty: 28 days",
    }
    return [(c, c in csv_import.REQUIRED, meaning[c]) for c in csv_import.COLUMNS]


@router.get("/import")
def import_page(request: Request, period: str = "") -> Response:
    require_caller(request)
    with server_state(request).db.transaction(write=False) as session:
        suggested = period or planning.next_label(session=session)
    return _page(request, {"period": suggested})


def _page(request: Request, context: dict[str, Any], status: int = 200) -> Response:
    return render(request, "import.html", {"columns": _columns(), "rows": None,
                                           "problems": [], "by_line": {},
                                           "would_make": (0, 0), **context},
                  status_code=status)  # fmt: skip


def _span(label: str) -> Period:
    try:
        return Period.parse(label.strip())
    except PeriodError as exc:
        raise UserError(f"period {label!r}: {exc}",
                        hint="write a quarter (2027-Q1), a half (2027-H1) or a year") from None


def _preview(request: Request, period: str, text: str, name: str) -> Response:
    """Read, coach and dry-run the rows; the page lists every refusal with its row number."""
    caller = require_caller(request)
    state = server_state(request)
    context: dict[str, Any] = {"period": period, "name": name, "text": text}
    try:
        span = _span(period)
        rows = csv_import.preview(rows=csv_import.parse_rows(text, name), period=span,
                                  workspace=state.workspace)  # fmt: skip
    except SpecError as exc:
        return _page(request, {**context, "problems": exc.diagnostics}, 422)
    except UserError as exc:
        return _page(request, {**context, "error": exc}, int(exc.status))
    problems: list[Diagnostic] = []
    made = (0, 0)
    try:
        with state.db.transaction() as session:
            made = csv_import.write_rows(session=session, principal=caller.principal,
                                         workspace=state.workspace, period=span.label,
                                         rows=rows, source=name, dry_run=True)  # fmt: skip
    except SpecError as exc:
        problems = list(exc.diagnostics)
    except UserError as exc:
        return _page(request, {**context, "rows": rows, "error": exc}, int(exc.status))
    with state.db.transaction(write=False) as session:
        new_period = not repositories.periods_by_label(session, [span.label])
    by_line: dict[int, list[str]] = {}
    for d in problems:
        by_line.setdefault(d.location.line, []).append(
            d.message + (f" — {d.hint}" if d.hint else ""))
    return _page(request, {**context, "period": span.label, "rows": rows, "by_line": by_line,
                           "problems": problems, "would_make": made,
                           "new_period": new_period},
                 _status(problems))  # fmt: skip


def _status(problems: list[Diagnostic]) -> int:
    """403 when a row is refused because the person may not write it, 422 for other
    refusals, 200 for a clean preview."""
    if any(d.code == csv_import.FORBIDDEN for d in problems):
        return 403
    return 422 if problems else 200


@router.post("/import")
async def import_upload(request: Request, period: Text, file: Annotated[UploadFile, File()],
                        csrf_token: Text = "") -> Response:  # fmt: skip
    page_writer(request, csrf_token)
    name = file.filename or "upload.csv"
    data = await file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        return _page(request, {"period": period, "error": UserError(
            f"{name} is larger than 2 MB", hint="one row per key result; check the file")},
            413)  # fmt: skip
    if not data.strip():
        return _page(request, {"period": period, "error": UserError(
            f"{name} is empty", hint="export the sheet as CSV with a header row")}, 400)
    try:
        text = csv_import.decode(data, name)
    except UserError as exc:
        return _page(request, {"period": period, "error": exc}, 400)
    return _preview(request, period, text, name)


@router.post("/import/confirm")
def import_confirm(request: Request, period: Text, text: Text, name: Text = "upload.csv",
                   csrf_token: Text = "") -> Response:  # fmt: skip
    """Write what the preview showed: the same text, read and coached again (the measured
    baselines fill empty baseline cells), then written in one transaction."""
    caller = page_writer(request, csrf_token)
    state = server_state(request)
    try:
        span = _span(period)
        rows = csv_import.preview(rows=csv_import.parse_rows(text, name), period=span,
                                  workspace=state.workspace)  # fmt: skip
        with state.db.transaction() as session:
            made = csv_import.write_rows(session=session, principal=caller.principal,
                                         workspace=state.workspace, period=span.label,
                                         rows=rows, source=name)  # fmt: skip
    except UserError:  # refused since the preview: show the preview again, with why
        return _preview(request, period, text, name)
    return RedirectResponse(f"/periods/{span.label}/plan?saved=imported&objectives={made[0]}"
                            f"&krs={made[1]}", status_code=303)  # fmt: skip
