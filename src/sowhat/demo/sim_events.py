"""One chunk of accounts -> arrays of events (users -> active days -> sessions -> events).

Each step is an array expansion (`np.repeat` by counts) rather than a loop, so a chunk of a
few million events takes well under a second. Conventions: times are int64 µs since the Unix
epoch (UTC); user and account codes are integers (-1 = no id), turned into strings once per
chunk when written.
"""

from __future__ import annotations

import numpy as np

from sowhat.demo.sim_model import (
    DAY_US,
    EV,
    MINUTE_US,
    PATHS,
    Accounts,
    Effects,
    Params,
    day_us,
)

NEVER = np.iinfo(np.int64).max


def _group_index(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(owner, position within owner) for `counts[i]` items owned by each i."""
    owner = np.repeat(np.arange(len(counts)), counts)
    starts = np.cumsum(counts) - counts
    return owner, np.arange(owner.size) - np.repeat(starts, counts)


class _Out:
    def __init__(self) -> None:
        self.parts: list[dict[str, np.ndarray]] = []

    def add(self, event: str, ts: np.ndarray, user: np.ndarray, account: np.ndarray,
            plan: np.ndarray, *, score: np.ndarray | None = None,
            amount: np.ndarray | None = None, path: np.ndarray | None = None) -> None:
        n = ts.size
        nan = np.full(n, np.nan)
        self.parts.append({
            "event": np.full(n, EV[event], dtype=np.int8),
            "ts": ts.astype(np.int64),
            "user": user.astype(np.int64),
            "account": account.astype(np.int64),
            "plan": plan.astype(np.int8),
            "score": nan if score is None else score.astype(np.float64),
            "amount": nan if amount is None else amount.astype(np.float64),
            "path": np.full(n, -1, dtype=np.int8) if path is None else path.astype(np.int8),
        })

    def columns(self) -> dict[str, np.ndarray]:
        return {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]}


def simulate_accounts(a: Accounts, first_index: int, p: Params, fx: Effects,
                      rng: np.random.Generator, start_us: int, end_us: int,
                      daily: np.ndarray) -> tuple[dict[str, np.ndarray], int]:
    """Events of the accounts in `a`; returns columns and the number of users.

    `daily` holds one market-wide activity multiplier per day from `start_us`, shared by
    every chunk so all accounts feel the same good and bad days.
    """
    anchor, plan, engagement = a.anchor, a.plan, a.engagement
    first_project, churn, seats = a.first_project, a.churn, a.seats
    acc_code = first_index + np.arange(anchor.size)
    acc_end = np.minimum(churn, end_us)
    out = _Out()

    # ---- users: the first joins at the account's signup, colleagues over the next weeks
    u_acc, k = _group_index(seats)
    delay = (rng.exponential(p.colleague_join_days, u_acc.size) * DAY_US).astype(np.int64)
    join = anchor[u_acc] + np.where(k == 0, 0, delay)
    u_plan = plan[u_acc]
    life = (rng.exponential(np.take(p.user_life_days, u_plan)) * DAY_US).astype(np.int64)
    u_end = np.minimum(join + life, acc_end[u_acc])
    keep = (join < u_end) & (join < end_us)
    u_acc, k, join, u_plan, u_end = u_acc[keep], k[keep], join[keep], u_plan[keep], u_end[keep]
    u_code = acc_code[u_acc] * 1000 + k
    u_eng = engagement[u_acc] * rng.lognormal(0.0, 0.4, u_acc.size)
    out.add("signup", join, u_code, acc_code[u_acc], u_plan)

    # ---- active days: novelty decays, weekends are quiet, the whole market has noisy days
    join_day = join // DAY_US
    span = (u_end - 1) // DAY_US - join_day + 1
    ud_user, age = _group_index(span)
    day = join_day[ud_user] + age
    weekend = ((day + 3) % 7) >= 5
    start_day = start_us // DAY_US
    novelty = p.novelty_floor + (1 - p.novelty_floor) * np.exp(-age / p.novelty_days)
    prob = (np.take(p.active_base, u_plan[ud_user]) * u_eng[ud_user] * novelty
            * np.where(weekend, p.weekend_factor, 1.0) * daily[day - start_day])
    day7 = age == 7
    if day7.any():
        prob[day7] = fx.apply("d7_retention", prob[day7], join[ud_user[day7]],
                              u_plan[ud_user[day7]])
    prob = np.where(age == 0, 1.0, np.clip(prob, 0.0, 0.95))
    active = rng.random(prob.size) < prob
    a_user = ud_user[active]
    a_day = day[active]

    # ---- sessions
    n_sess = 1 + rng.poisson(np.clip(p.extra_sessions * u_eng[a_user], 0, 3))
    s_of, _ = _group_index(n_sess)
    s_user = a_user[s_of]
    hours = np.clip(rng.normal(14.0, 3.5, s_user.size), 0.0, 23.99)
    s_ts = a_day[s_of] * DAY_US + (hours * 3_600_000_000).astype(np.int64)
    early = s_ts < join[s_user]
    s_ts[early] = join[s_user[early]] + rng.integers(0, 10 * MINUTE_US, int(early.sum()))
    ok = (s_ts < u_end[s_user]) & (s_ts < end_us)
    s_user, s_ts = s_user[ok], s_ts[ok]
    s_acc = u_acc[s_user]
    s_plan = u_plan[s_user]
    s_eng = u_eng[s_user]
    s_project = s_ts >= first_project[s_acc]

    def emit(event: str, counts: np.ndarray, spread_us: int,
             per_session: dict[str, np.ndarray] | None = None,
             per_event: dict[str, np.ndarray] | None = None) -> np.ndarray:
        """`counts[i]` events in session i, spread over its first `spread_us`."""
        owner, _ = _group_index(counts)
        ts = s_ts[owner] + rng.integers(1_000_000, spread_us, owner.size)
        props = {name: value[owner] for name, value in (per_session or {}).items()}
        props.update(per_event or {})
        out.add(event, ts, u_code[s_user[owner]], acc_code[s_acc[owner]], s_plan[owner],
                **props)
        return owner

    out.add("session_start", s_ts, u_code[s_user], acc_code[s_acc], s_plan)
    views = rng.poisson(p.page_views_per_session, s_ts.size)
    paths = rng.choice(len(PATHS), size=int(views.sum()), p=[0.35, 0.2, 0.2, 0.1, 0.1, 0.05])
    emit("page_viewed", views, 30 * MINUTE_US, per_event={"path": paths})
    runs = rng.poisson(p.workflow_runs_per_session * np.clip(s_eng, 0.2, 4)) * s_project
    emit("workflow_run", runs, 40 * MINUTE_US)
    reports = (rng.random(s_ts.size) < p.report_view_share) & s_project
    emit("report_viewed", reports.astype(np.int64), 40 * MINUTE_US)
    more = (rng.random(s_ts.size) < p.extra_project_share) & s_project
    emit("project_created", more.astype(np.int64), 30 * MINUTE_US)
    shown = rng.poisson(p.recs_per_session, s_ts.size)
    owner = emit("recommendation_shown", shown, 30 * MINUTE_US)
    shown_ts = out.parts[-1]["ts"]
    ctr = fx.apply("recommendation_ctr", np.full(owner.size, p.ctr), shown_ts, s_plan[owner])
    clicked = rng.random(owner.size) < ctr
    c_owner = owner[clicked]
    out.add("recommendation_clicked",
            shown_ts[clicked] + rng.integers(5_000_000, 120_000_000, int(clicked.sum())),
            u_code[s_user[c_owner]], acc_code[s_acc[c_owner]], s_plan[c_owner])
    p_ticket = fx.apply("tickets", np.take(p.tickets_per_session, s_plan), s_ts, s_plan)
    emit("ticket_opened", (rng.random(s_ts.size) < p_ticket).astype(np.int64), 30 * MINUTE_US)
    survey = rng.random(s_ts.size) < p.survey_share
    mean = np.take(p.nps_mean, s_plan) + p.nps_activated_bonus * s_project
    score = np.clip(np.rint(rng.normal(mean, p.nps_sd)), 0, 10)
    emit("survey_answered", survey.astype(np.int64), 20 * MINUTE_US,
         per_session={"score": score})
    audit = ((s_plan >= 1) & (k[s_user] == 0) & (s_ts >= day_us(p.audit_launch))
             & (rng.random(s_ts.size) < p.audit_share))
    emit("audit_log_exported", audit.astype(np.int64), 30 * MINUTE_US)

    # ---- account-level events: the first project, invoices, churn (system events: no user)
    fp = first_project < acc_end
    out.add("project_created", first_project[fp], acc_code[fp] * 1000, acc_code[fp], plan[fp])
    months = np.maximum(0, (acc_end - anchor) // (30 * DAY_US))
    inv_acc, m = _group_index(months)
    inv_ts = anchor[inv_acc] + (m + 1) * 30 * DAY_US
    amount = np.round(seats[inv_acc] * np.take(p.seat_price, plan[inv_acc])
                      * (1 + rng.normal(0, p.price_noise_sd, inv_acc.size)), 2)
    out.add("invoice_paid", inv_ts, np.full(inv_acc.size, -1), acc_code[inv_acc],
            plan[inv_acc], amount=amount)
    gone = churn < end_us
    out.add("account_churned", churn[gone], np.full(int(gone.sum()), -1), acc_code[gone],
            plan[gone])

    cols = out.columns()
    acc_local = cols["account"] - first_index
    is_churn = cols["event"] == EV["account_churned"]
    limit = np.where(is_churn, end_us, acc_end[acc_local])
    keep_ev = (cols["ts"] >= start_us) & (cols["ts"] < end_us) & (
        (cols["ts"] < limit) | is_churn)
    return {name: col[keep_ev] for name, col in cols.items()}, int(u_code.size)
