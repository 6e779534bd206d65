"""Values read the same on every screen: status, the reviews (text data and Markdown), the
forecast, the API — all through sowhat.domain.units, in each KR's metric's unit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from sowhat.domain.units import format_value
from sowhat.reports.markdown import quarter_markdown, weekly_markdown
from sowhat.services.forecasts import forecast_period
from sowhat.services.plans import KeyResultStatus, status_rows
from sowhat.services.reviews.quarter import quarter_review
from sowhat.services.reviews.weekly import weekly_review
from sowhat.spec.workspace import Workspace, load_workspace
from sowhat.store.db import Database, open_database

AS_OF = datetime(2026, 11, 16, tzinfo=UTC)


@pytest.fixture(scope="module")
def ws(built_demo: Path) -> Workspace:
    return load_workspace(built_demo)


@pytest.fixture(scope="module")
def db(ws: Workspace) -> Iterator[Database]:
    database = open_database(ws.config.database_url(ws.root), create=False)
    try:
        yield database
    finally:
        database.dispose()


def _krs(ws: Workspace, db: Database) -> dict[str, KeyResultStatus]:
    with db.transaction(write=False) as session:
        status = status_rows(session=session, today=AS_OF.date(), catalog=ws.metrics)
    return {k.id: k for o in status.objectives for k in o.key_results}


def test_status_units_follow_the_metric(ws: Workspace, db: Database) -> None:
    krs = _krs(ws, db)
    assert krs["co-d7-retention"].unit == "percent"
    assert krs["co-nps"].unit == "points"
    assert krs["gr-ttfv"].unit == "hours"
    assert krs["su-tickets-per-session"].unit == "per_1000"
    assert krs["gr-rec-ctr"].unit == "percent"
    assert krs["gr-ai-explanations"].unit == "count"  # no metric, no unit written
    tickets = krs["su-tickets-per-session"]
    assert tickets.baseline is not None
    assert tickets.display["baseline"] == f"{tickets.baseline * 1000:.3g} per 1,000"
    retention = krs["co-d7-retention"]
    assert retention.current is not None
    assert retention.display["current"] == format_value(retention.current, "percent")
    assert retention.display["current"].endswith("%")


def test_without_the_catalog_status_still_shows_plain_numbers(db: Database) -> None:
    with db.transaction(write=False) as session:
        status = status_rows(session=session, today=AS_OF.date())
    kr = next(k for o in status.objectives for k in o.key_results if k.id == "co-d7-retention")
    assert kr.unit == "count"
    assert not kr.display["baseline"].endswith("%")


def test_quarter_markdown_shows_what_status_shows(ws: Workspace, db: Database) -> None:
    krs = _krs(ws, db)
    with db.transaction(write=False) as session:
        review = quarter_review(session=session, as_of=AS_OF, catalog=ws.metrics)
    text = quarter_markdown(review)
    for kr in krs.values():
        if kr.current is None:
            continue
        shown = kr.display
        assert f"| {kr.id} | {shown['current']} | {shown['baseline']} → {shown['target']} |" \
            in text, kr.id


def test_weekly_markdown_and_forecasts_use_the_unit(ws: Workspace, db: Database) -> None:
    with db.transaction(write=False) as session:
        review = weekly_review(session=session, catalog=ws.metrics, as_of=AS_OF)
        forecasts = forecast_period(session=session, catalog=ws.metrics,
                                    today=AS_OF.date())
    text = weekly_markdown(review)
    row = next(k for k in review.key_results if k.kr_id == "co-d7-retention")
    assert row.unit == "percent"
    assert row.to_date is not None
    assert f"| {format_value(row.to_date, 'percent')} |" in text
    assert "pts |" in text  # changes of a rate are in percentage points
    ttfv = next(f for f in forecasts.key_results if f.kr_id == "gr-ttfv")
    assert ttfv.unit == "hours"
    if ttfv.probability is not None:
        assert " h" in ttfv.describe()
