"""`sowhat report` and the web's downloads: build a review and render it as md, html or pdf.

One entry point, `make_report`, so the CLI file and the web download are the same bytes for
the same inputs. The numbers are the review services' own values (the ones
`sowhat review … --format json` prints); this module only words and lays them out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy.orm import Session

from sowhat.errors import UserError
from sowhat.reports import words
from sowhat.reports.html import render_html
from sowhat.reports.markdown import monthly_markdown, quarter_markdown, weekly_markdown
from sowhat.reports.pdf import html_to_pdf
from sowhat.services.events import open_events
from sowhat.services.okrs.views import plan_view
from sowhat.services.reporting.quarter import QuarterReport, quarter_report
from sowhat.services.reviews.monthly import monthly_review
from sowhat.services.reviews.weekly import weekly_review
from sowhat.spec.workspace import Workspace
from sowhat.stats.forecast import FORECAST_ASSUMPTIONS
from sowhat.stats.impact import DID_ASSUMPTIONS, ITS_ASSUMPTIONS

__all__ = ["Assembled", "Report", "ReportFormat", "ReportKind", "assemble", "embedded_html",
           "make_report", "quarter_effects", "quarter_expectations", "render"]


class ReportKind(StrEnum):
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTER = "quarter"


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    MD = "md"


MEDIA_TYPES = {ReportFormat.HTML: "text/html; charset=utf-8", ReportFormat.PDF: "application/pdf",
               ReportFormat.MD: "text/markdown; charset=utf-8"}


@dataclass(frozen=True)
class Report:
    kind: ReportKind
    fmt: ReportFormat
    period: str
    content: bytes

    @property
    def filename(self) -> str:
        return f"sowhat-{self.kind}-{self.period}.{self.fmt}"

    @property
    def media_type(self) -> str:
        return MEDIA_TYPES[self.fmt]


def quarter_effects(report: QuarterReport) -> dict[str, str]:
    """Each measured bet's estimate in words on its KR's scale (reports.words.plain_effect)."""
    scales = {k.health.id: (k.health.baseline, k.health.target, k.unit)
              for s in report.sections for k in s.key_results}
    out = {}
    for s in report.sections:
        for b in s.shipped:
            v = b.verdict
            # "can't tell" keeps its summary, which says why (a bend or break first).
            if (v is None or v.effect is None or v.key_result not in scales
                    or str(v.verdict) == "cant_tell"):
                continue
            base, target, unit = scales[v.key_result]
            out[v.bet_id] = words.plain_effect(
                verdict=v.verdict, effect=v.effect, low=v.low, high=v.high,
                expected=v.expected_effect, expected_in_interval=v.expected_in_interval,
                rate=words.is_rate(base, target, unit), unit=unit)
    return out


def quarter_expectations(report: QuarterReport) -> dict[str, str]:
    """Each shipped bet's `expects.change` on its KR's scale: an absolute "+0.04" on a share
    reads "+4 pts"; a relative "+15%" stays as written."""
    scales = {k.health.id: (k.health.baseline, k.health.target, k.unit)
              for s in report.sections for k in s.key_results}
    out = {}
    for s in report.sections:
        for b in s.shipped:
            expects = b.bet.bet.expects
            if expects is None:
                continue
            change = expects.change
            if change.kind != "absolute" or expects.key_result not in scales:
                out[b.bet.bet.id] = str(change)
                continue
            base, target, unit = scales[expects.key_result]
            out[b.bet.bet.id] = words.delta(change.amount, rate=words.is_rate(base, target, unit),
                                            unit=unit)
    return out


@dataclass(frozen=True)
class Assembled:
    """A built review, ready to render: its period, template, context and Markdown."""

    period: str
    template: str
    context: dict[str, Any]
    markdown: Callable[[], str]


def _through(session: Session, period: str | None, as_of: datetime) -> datetime | None:
    """How far the review's numbers reach: the last sync's watermark, else its as-of."""
    status = plan_view(session=session, period=period, today=as_of.date()).status
    return status.data_through or status.last_sync


def assemble(*, kind: ReportKind, session: Session, workspace: Workspace,
             period: str | None = None, as_of: datetime | None = None,
             month: str | None = None) -> Assembled:  # fmt: skip
    """Build the review of `kind` (the review services' own values) and what its templates
    need besides; nothing is rendered or written."""
    as_of = as_of or datetime.now(UTC)
    context: dict[str, Any] = {"workspace_name": workspace.config.workspace.name,
                               "generated": datetime.now(UTC),
                               "data_through": _through(session, period, as_of)}
    if kind is ReportKind.WEEKLY:
        wr = weekly_review(session=session, catalog=workspace.metrics, as_of=as_of,
                           period=period)  # fmt: skip
        context |= {"r": wr, "title": f"Weekly review · {wr.period} · week of {wr.week:%d %b %Y}"}
        return Assembled(wr.period, "weekly.html", context, lambda: weekly_markdown(wr))
    if kind is ReportKind.MONTHLY:
        if workspace.metrics is None:
            raise UserError("no metrics.yaml in the workspace", hint="define metrics first")
        with open_events(workspace) as events:
            mr = monthly_review(session=session, catalog=workspace.metrics, events=events,
                                as_of=as_of, period=period, month=month)  # fmt: skip
        context |= {"r": mr, "title": f"Monthly review · {mr.period} · {mr.month}"}
        return Assembled(mr.period, "monthly.html", context, lambda: monthly_markdown(mr))
    qr = quarter_report(session=session, workspace=workspace, period=period, as_of=as_of)
    launches: dict[str, list[tuple[Any, str]]] = {}
    for s in qr.sections:
        for b in s.shipped:
            expects = b.bet.bet.expects
            if expects is not None and b.bet.bet.shipped_on is not None:
                launches.setdefault(expects.key_result, []).append(
                    (b.bet.bet.shipped_on, b.bet.bet.title))
    context |= {"report": qr, "launches": launches, "effects": quarter_effects(qr),
                "expectations": quarter_expectations(qr),
                "assumptions": (("Forecasts (chance of the target)", FORECAST_ASSUMPTIONS),
                                ("Bet verdicts from the KR's own history (interrupted time "
                                 "series)", ITS_ASSUMPTIONS),
                                ("Bet verdicts against a control segment "
                                 "(difference-in-differences)", DID_ASSUMPTIONS)),
                "title": f"Quarterly business review · {qr.review.period}"}
    return Assembled(qr.review.period, "quarter.html", context,
                     lambda: quarter_markdown(qr.review, qr.units))


def render(built: Assembled, kind: ReportKind, fmt: ReportFormat) -> Report:
    if fmt is ReportFormat.MD:
        return Report(kind, fmt, built.period, built.markdown().encode())
    html = render_html(built.template, **built.context)
    if fmt is ReportFormat.HTML:
        return Report(kind, fmt, built.period, html.encode())
    return Report(kind, fmt, built.period, html_to_pdf(html))


def embedded_html(built: Assembled) -> str:
    """The report's body alone, for a web page that has its own layout and stylesheet."""
    return render_html(built.template, embedded=True, **built.context)


def make_report(*, kind: ReportKind, fmt: ReportFormat, session: Session, workspace: Workspace,
                period: str | None = None, as_of: datetime | None = None,
                month: str | None = None) -> Report:  # fmt: skip
    """Build the review of `kind` and render it; nothing is written anywhere."""
    built = assemble(kind=kind, session=session, workspace=workspace, period=period,
                     as_of=as_of, month=month)
    return render(built, kind, fmt)
