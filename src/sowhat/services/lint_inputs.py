"""What the coach needs from the event history: P(hit with no change) and current values.

SW108 (sandbagged) and SW109 (unreachable) judge a target against the metric's own trend and
noise before the period; those come from the weekly history `sowhat sync` stores. Without a
database or a sync yet, the coach skips them and says so.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sowhat.errors import UserError
from sowhat.services.listing.forecasts import period_forecasts
from sowhat.spec.workspace import Workspace
from sowhat.store.db import open_database


@dataclass(frozen=True)
class CoachInputs:
    hit_probabilities: dict[str, float | None] | None = None
    current_values: dict[str, float] = field(default_factory=dict)


def coach_inputs(*, workspace: Workspace, as_of: date) -> CoachInputs:
    """Read the ambition check and current values of each period's KRs, where synced."""
    url = workspace.config.database_url(workspace.root)
    try:
        db = open_database(url, create=False)
    except UserError:
        return CoachInputs()
    hits: dict[str, float | None] = {}
    current: dict[str, float] = {}
    try:
        with db.transaction(write=False) as session:
            for loaded in workspace.plans:
                try:
                    # the forecasts sync stored, where their inputs are unchanged: refitting
                    # every KR's made `sowhat lint` of 5,000 KRs spend half its time here
                    forecast = period_forecasts(session=session, catalog=workspace.metrics,
                                                period=loaded.plan.period.label, today=as_of)
                except UserError:
                    continue
                for view in forecast.key_results:
                    if view.ambition is not None and view.ambition.probability is not None:
                        hits[view.kr_id] = view.ambition.probability
                    if view.metric and view.segment is None and view.to_date is not None:
                        current.setdefault(view.metric, view.to_date)
    finally:
        db.dispose()
    return CoachInputs(hits or None, current)
