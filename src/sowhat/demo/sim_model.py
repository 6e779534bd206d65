"""The simulated company: a B2B SaaS with three plan tiers, and the effects planted in it.

Every number that shapes the demo data lives here, named, so the ground truth file can say
exactly what was true and a reader can change one knob without reading the generator.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

import numpy as np

PLANS = ("small", "mid", "enterprise")
EVENTS = (
    "signup", "session_start", "page_viewed", "project_created", "workflow_run",
    "report_viewed", "ticket_opened", "survey_answered", "invoice_paid",
    "recommendation_shown", "recommendation_clicked", "audit_log_exported", "account_churned",
)
EV = {name: i for i, name in enumerate(EVENTS)}
PATHS = ("/dashboard", "/projects", "/workflows", "/reports", "/settings", "/billing")
DAY_US = 86_400_000_000
HOUR_US = 3_600_000_000
MINUTE_US = 60_000_000
EFFECT_METRICS = ("activation_rate", "tickets", "recommendation_ctr", "d7_retention")


@dataclass(frozen=True)
class PlantedEffect:
    """A known change from `on` (UTC midnight): what the analysis should find, and where.

    `kind="points"` adds `change` to a probability (0.04 = +4 points); `"relative"`
    multiplies a rate by (1 + change). `segment` limits it to one plan tier.
    """

    name: str
    metric: Literal["activation_rate", "tickets", "recommendation_ctr", "d7_retention"]
    on: date
    change: float
    kind: Literal["points", "relative"] = "points"
    segment: str | None = None
    description: str = ""

    def __post_init__(self) -> None:
        if self.metric not in EFFECT_METRICS:
            raise ValueError(f"cannot plant an effect on {self.metric!r}: "
                             f"choose one of {', '.join(EFFECT_METRICS)}")
        if self.segment is not None and self.segment not in PLANS:
            raise ValueError(f"segment must be a plan tier ({', '.join(PLANS)})")

    def on_us(self) -> int:
        return to_us(datetime(self.on.year, self.on.month, self.on.day, tzinfo=UTC))

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["on"] = self.on.isoformat()
        return data


DEFAULT_EFFECTS: tuple[PlantedEffect, ...] = (
    PlantedEffect(
        "onboarding-checklist", "activation_rate", date(2026, 11, 2), 0.04, "points", "mid",
        "Launch of the onboarding checklist lifts 7-day activation of mid accounts by 4 points "
        "(signups from 2026-11-02).",
    ),
    PlantedEffect(
        "support-macros", "tickets", date(2026, 10, 19), -0.25, "relative", None,
        "In-app help and support macros cut tickets opened per session by 25%.",
    ),
    PlantedEffect(
        "recs-v2", "recommendation_ctr", date(2026, 10, 26), 0.02, "points", None,
        "Recommendations v2 lifts click-through from 8% to 10%.",
    ),
)


@dataclass(frozen=True)
class Params:
    plan_mix: tuple[float, float, float] = (0.6, 0.3, 0.1)
    # users per account: minimum + Poisson(extra)
    seats_min: tuple[int, int, int] = (1, 3, 8)
    seats_extra: tuple[float, float, float] = (1.0, 3.0, 10.0)
    colleague_join_days: float = 14.0
    # 7-day activation (a first project within 7 days of signup), by plan
    activation: tuple[float, float, float] = (0.30, 0.38, 0.50)
    activation_mean_days: float = 1.5
    late_activation: float = 0.5  # share of the others who create a project later
    # monthly account churn, doubled for accounts that never activated in their first week
    churn_monthly: tuple[float, float, float] = (0.06, 0.03, 0.012)
    unactivated_churn_factor: float = 2.0
    user_life_days: tuple[float, float, float] = (90.0, 150.0, 240.0)
    # daily activity: base probability x engagement x novelty decay x weekday x daily noise
    active_base: tuple[float, float, float] = (0.22, 0.30, 0.36)
    novelty_floor: float = 0.35
    novelty_days: float = 21.0
    weekend_factor: float = 0.35
    daily_noise_sd: float = 0.08
    engagement_sd: float = 0.5
    growth_per_year: float = 0.5  # signups grow ~50% a year
    extra_sessions: float = 0.4
    page_views_per_session: float = 1.2
    workflow_runs_per_session: float = 0.7
    report_view_share: float = 0.25
    extra_project_share: float = 0.03
    recs_per_session: float = 0.6
    ctr: float = 0.08
    tickets_per_session: tuple[float, float, float] = (0.012, 0.016, 0.022)
    survey_share: float = 0.01
    nps_mean: tuple[float, float, float] = (7.2, 7.6, 8.0)
    nps_activated_bonus: float = 0.8
    nps_sd: float = 1.8
    audit_launch: date = date(2026, 11, 2)
    audit_share: float = 0.05
    seat_price: tuple[float, float, float] = (20.0, 35.0, 60.0)
    price_noise_sd: float = 0.05

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["audit_launch"] = self.audit_launch.isoformat()
        return data


@dataclass
class Effects:
    """The planted effects, applied to arrays of times (µs) and plan codes."""

    items: tuple[PlantedEffect, ...] = field(default=())

    def _mask(self, e: PlantedEffect, t_us: np.ndarray, plan: np.ndarray) -> np.ndarray:
        mask = t_us >= e.on_us()
        if e.segment is not None:
            mask &= plan == PLANS.index(e.segment)
        return np.asarray(mask)

    def apply(self, metric: str, base: np.ndarray, t_us: np.ndarray,
              plan: np.ndarray) -> np.ndarray:
        out = base.astype(np.float64, copy=True)
        for e in self.items:
            if e.metric != metric:
                continue
            mask = self._mask(e, t_us, plan)
            if e.kind == "points":
                out[mask] += e.change
            else:
                out[mask] *= 1.0 + e.change
        return np.clip(out, 0.0, 1.0)


def to_us(moment: datetime) -> int:
    return int(moment.timestamp() * 1_000_000)


def day_us(day: date) -> int:
    return to_us(datetime(day.year, day.month, day.day, tzinfo=UTC))


@dataclass
class Accounts:
    """Everything decided once per account, before any chunk is simulated."""

    anchor: np.ndarray  # µs of the first signup
    plan: np.ndarray  # 0 small, 1 mid, 2 enterprise
    engagement: np.ndarray
    activated: np.ndarray  # first project within 7 days
    first_project: np.ndarray  # µs, int64 max when never
    churn: np.ndarray  # µs, int64 max when not before the end
    seats: np.ndarray

    def __len__(self) -> int:
        return len(self.anchor)

    def slice(self, lo: int, hi: int) -> Accounts:
        return Accounts(
            self.anchor[lo:hi], self.plan[lo:hi], self.engagement[lo:hi],
            self.activated[lo:hi], self.first_project[lo:hi], self.churn[lo:hi],
            self.seats[lo:hi],
        )
