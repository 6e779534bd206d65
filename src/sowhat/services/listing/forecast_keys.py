"""What a stored forecast is keyed by, and which stored forecasts are still current — without
the statistics.

Fitting a forecast needs NumPy (`sowhat.stats`), whose import alone costs a whole
`sowhat sync` process ≈0.4 s of CPU. Deciding whether a stored forecast is still current
needs none of it: the digest of its inputs is plain hashing over the KR's status, its stored
weekly series, the period, the metric's definition and the source of the forecasting code.
So this module imports nothing statistical (a test holds it to that), and a sync whose
forecast inputs did not change never loads the fitting code (`services.listing.forecasts`
imports it only for the KRs that miss).

The series reader and the list of status fields a forecast reads live here for the same
reason; `sowhat.services.forecasts` re-exports them.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from sowhat.domain.period import Period
from sowhat.services.plans import KeyResultStatus, PeriodStatus
from sowhat.spec.metric_defs import MetricsFile, metric_definition_hash
from sowhat.store import repositories
from sowhat.store.models import KeyResultRow
from sowhat.store.sync_models import KRForecastRow, SeriesPointRow

__all__ = [
    "DEFAULT_INTERVAL",
    "FORECAST_INPUTS",
    "MIN_WEEK_ENTITIES",
    "ForecastInput",
    "Points",
    "code_version",
    "forecast_inputs",
    "input_key",
    "stale_inputs",
    "weekly_series",
]

DEFAULT_INTERVAL = 0.80
"""The forecasts' central interval: `sowhat.stats.forecast.DEFAULT_INTERVAL`, written out so
the key can be computed without importing the statistics (a test keeps the two equal)."""

MIN_WEEK_ENTITIES = 5
"""A week whose value rests on fewer entities (a cohort of 2 accounts, 1 survey answer) is
read as missing: its value is mostly chance, and one such week can swing a short fit."""

FORECAST_INPUTS = ("id", "title", "metric", "segment", "unit", "baseline", "target", "current",
                   "measure", "over_days")
"""The fields of a KR's status its forecast reads (`services.forecasts.forecast_one`), besides
its series: what a stored forecast is keyed by. A person's confidence or note does not move a
forecast; reading another field there means adding it here (a test holds the forecast to
this list)."""

Points = list[tuple[date, float | None]]

# The forecasting code whose source is part of every key: a new model version misses.
_CODE = ("sowhat/services/forecasts.py", "sowhat/services/listing/forecasts.py",
         "sowhat/services/listing/forecast_keys.py")


@lru_cache(maxsize=1)
def code_version() -> str:
    """A digest of the forecasting code: the stored forecasts of another version miss.
    Read as files (never imported), so the check stays free of the statistics."""
    package = Path(__file__).resolve().parents[2]  # .../sowhat
    files = [package.parent / name for name in _CODE]
    files += sorted((package / "stats").glob("*.py"))
    digest = hashlib.sha256()
    for f in files:
        digest.update(f.name.encode())
        digest.update(f.read_bytes())
    return digest.hexdigest()[:16]


def input_key(k: KeyResultStatus, objective_id: str, points: tuple[Points, Points],
              span: Period, catalog: MetricsFile | None, interval: float,
              as_of: datetime | None = None) -> str:  # fmt: skip
    """The digest of everything the KR's forecast reads (see the module docstring of
    `services.listing.forecasts`), the as-of its series was stored at included (it decides
    which weeks are complete)."""
    defn = catalog.metrics.get(k.metric or "") if catalog else None
    payload = [
        code_version(), objective_id, span.label, span.start, span.end, interval,
        metric_definition_hash(defn, catalog=catalog) if defn is not None else None,
        [repr(getattr(k, name)) for name in FORECAST_INPUTS],
        [[(w, v) for w, v in phase] for phase in points],
    ]
    if as_of is not None:  # (without one, the digest an earlier version gave)
        payload.append(_utc(as_of).isoformat())
    text = json.dumps(payload, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _utc(moment: datetime) -> datetime:
    """The same instant written the same way, whether the store handed it back naive."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def weekly_series(session: Session, ids: list[int]) -> dict[int, tuple[Points, Points]]:
    """(history, period) weekly points per KR row id, oldest first; weeks resting on fewer
    than MIN_WEEK_ENTITIES entities read as None."""
    out: dict[int, tuple[Points, Points]] = defaultdict(lambda: ([], []))
    if not ids:
        return {}
    rows = session.execute(  # plain columns: a large plan has hundreds of thousands of points
        select(SeriesPointRow.key_result_id, SeriesPointRow.week, SeriesPointRow.value,
               SeriesPointRow.entities, SeriesPointRow.phase)
        .where(SeriesPointRow.key_result_id.in_(ids))
        .order_by(SeriesPointRow.key_result_id, SeriesPointRow.week)
    )  # fmt: skip
    for kr_id, week, value, entities, phase in rows:
        history, in_period = out[kr_id]
        shown = value if entities is None or entities >= MIN_WEEK_ENTITIES else None
        (history if phase == "history" else in_period).append((week, shown))
    return dict(out)


@dataclass(frozen=True)
class ForecastInput:
    """One KR's forecast inputs, their digest, and the digest its stored forecast has."""

    objective_id: str
    status: KeyResultStatus
    row_id: int  # the KR's row, which its stored forecast belongs to
    points: tuple[Points, Points]
    key: str
    stored_key: str | None  # None when nothing is stored
    as_of: datetime | None = None  # the period's last sync: which weeks are complete

    @property
    def current(self) -> bool:
        """The stored forecast was fitted on exactly these inputs."""
        return self.stored_key == self.key


def forecast_inputs(*, session: Session, catalog: MetricsFile | None, status: PeriodStatus,
                    kr_ids: list[str] | None = None, interval: float = DEFAULT_INTERVAL,
                    ) -> tuple[Period, list[ForecastInput]]:  # fmt: skip
    """The period's span and the inputs of its KRs with a metric (those of `kr_ids` only,
    when given), in plan order, each with the digest of its stored forecast. `status` is
    the period as the caller shows it (`status_rows`)."""
    row = repositories.periods_by_label(session, [status.period])[status.period]
    span = Period.between(row.start, row.end, row.label)
    wanted = [(o.id, k) for o in status.objectives for k in o.key_results
              if k.metric and (kr_ids is None or k.id in kr_ids)]
    if not wanted:
        return span, []
    rows = session.execute(
        select(KeyResultRow.key, KeyResultRow.id)
        .where(KeyResultRow.period_id == row.id, KeyResultRow.archived_at.is_(None))
        .where(KeyResultRow.key.in_([k.id for _, k in wanted]))).all()
    ids = {str(key): int(kr_id) for key, kr_id in rows}
    series = weekly_series(session, list(ids.values()))
    stored = {int(r): str(key) for r, key in session.execute(
        select(KRForecastRow.key_result_id, KRForecastRow.input_key)
        .where(KRForecastRow.key_result_id.in_(list(ids.values()))))}
    out = []
    for objective_id, k in wanted:
        row_id = ids[k.id]
        points = series.get(row_id, ([], []))
        out.append(ForecastInput(objective_id, k, row_id, points,
                                 input_key(k, objective_id, points, span, catalog, interval,
                                           status.last_sync),
                                 stored.get(row_id), status.last_sync))
    return span, out


def stale_inputs(inputs: list[ForecastInput]) -> list[ForecastInput]:
    """Those whose stored forecast is missing or was fitted on other inputs."""
    return [i for i in inputs if not i.current]
