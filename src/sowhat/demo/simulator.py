"""A deterministic event simulator for the demo and the benchmarks.

Vectorised NumPy, no Python loop per event: accounts are drawn once, then simulated in
chunks (users -> active days -> sessions -> events) and each chunk is written straight to a
Parquet file, so 100M events stream with bounded memory. The same seed gives the same files.
Planted effects (sim_model.DEFAULT_EFFECTS) and every parameter go to `ground_truth.json`,
so the demo's analyses can be checked against what was really true.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from sowhat.demo.sim_events import simulate_accounts
from sowhat.demo.sim_model import (
    DAY_US,
    DEFAULT_EFFECTS,
    EV,
    EVENTS,
    HOUR_US,
    PATHS,
    PLANS,
    Accounts,
    Effects,
    Params,
    PlantedEffect,
    day_us,
)
from sowhat.demo.sim_segment import write_segment_sample

DEMO_START = date(2026, 4, 1)
DEMO_TODAY = date(2026, 11, 16)


@dataclass(frozen=True)
class SimulationResult:
    out_dir: Path
    parquet_files: tuple[Path, ...]
    ground_truth_path: Path
    ground_truth: dict[str, Any]
    events: int
    accounts: int
    users: int
    seconds: float
    segment_sample: Path | None = None

    @property
    def parquet_glob(self) -> str:
        return str(self.out_dir / "events-*.parquet")


NEVER = np.iinfo(np.int64).max


def simulate(
    out_dir: Path,
    *,
    events: int = 1_000_000,
    seed: int = 7,
    start: date = DEMO_START,
    end: date = DEMO_TODAY,
    effects: Sequence[PlantedEffect] = DEFAULT_EFFECTS,
    chunk_events: int = 2_000_000,
    params: Params | None = None,
    on_chunk: Callable[[int, int], None] | None = None,
    segment_sample: int = 0,
) -> SimulationResult:
    """Write about `events` events over [start, end) to `out_dir/events-*.parquet`.

    The count is approximate (the number of accounts is calibrated to it). `on_chunk(done,
    total)` reports progress. Returns the files and the ground truth, also written to
    `out_dir/ground_truth.json`.
    """
    began = time.perf_counter()
    if end <= start:
        raise ValueError("end must be after start")
    p = params or Params()
    fx = Effects(tuple(effects))
    start_us, end_us = day_us(start), day_us(end)
    out_dir.mkdir(parents=True, exist_ok=True)
    for old in [*out_dir.glob("events-*.parquet"), out_dir / "segment-sample.jsonl"]:
        if not old.exists():
            continue
        old.unlink()

    daily = np.random.default_rng([seed, 4]).lognormal(
        0.0, p.daily_noise_sd, (end_us - start_us) // DAY_US + 1)
    per_account = _calibrate(p, fx, seed, start_us, end_us, daily)
    n_accounts = max(10, round(events / per_account))
    accounts = _accounts(n_accounts, p, fx, np.random.default_rng([seed, 0]), start_us, end_us)
    bounds = _chunk_bounds(accounts, per_account, chunk_events, end_us)
    n_chunks = len(bounds) - 1
    files: list[Path] = []
    total = users = 0
    for k in range(n_chunks):
        lo, hi = int(bounds[k]), int(bounds[k + 1])
        rng = np.random.default_rng([seed, 1, k])
        cols, n_users = simulate_accounts(accounts.slice(lo, hi), lo, p, fx, rng, start_us,
                                          end_us, daily)
        path = out_dir / f"events-{k:05d}.parquet"
        table = _to_arrow(cols, seed, k)
        pq.write_table(table, path, compression="zstd", row_group_size=1_000_000)
        files.append(path)
        total += table.num_rows
        users += n_users
        if on_chunk is not None:
            on_chunk(k + 1, n_chunks)
    truth = _ground_truth(seed, start, end, fx, p, total, n_accounts, users)
    truth_path = out_dir / "ground_truth.json"
    truth_path.write_text(json.dumps(truth, indent=2) + "\n", encoding="utf-8")
    sample = None
    if segment_sample:
        sample = write_segment_sample(files, out_dir / "segment-sample.jsonl",
                                      limit=segment_sample)
    return SimulationResult(out_dir, tuple(files), truth_path, truth, total, n_accounts, users,
                            time.perf_counter() - began, sample)


def _chunk_bounds(accounts: Accounts, per_account: float, chunk_events: int,
                  end_us: int) -> np.ndarray:
    """Account index boundaries giving chunks of about `chunk_events` events each.

    An account's events grow with the time it has had since signing up, so early accounts
    weigh more; splitting by that weight keeps every chunk — and peak memory — alike.
    """
    life = (end_us - accounts.anchor).astype(np.float64)
    expected = np.cumsum(life / life.mean() * per_account)
    n_chunks = max(1, int(np.ceil(expected[-1] / chunk_events)))
    cuts = np.searchsorted(expected, np.arange(1, n_chunks) * expected[-1] / n_chunks)
    return np.unique(np.concatenate([[0], cuts, [len(accounts)]]))


def _calibrate(p: Params, fx: Effects, seed: int, start_us: int, end_us: int,
               daily: np.ndarray) -> float:
    """Events per account, measured on a small pilot run with its own random stream."""
    pilot = 1500
    accounts = _accounts(pilot, p, fx, np.random.default_rng([seed, 2]), start_us, end_us)
    cols, _ = simulate_accounts(accounts, 0, p, fx, np.random.default_rng([seed, 3]),
                                start_us, end_us, daily)
    return max(1.0, len(cols["ts"]) / pilot)


def _accounts(n: int, p: Params, fx: Effects, rng: np.random.Generator,
              start_us: int, end_us: int) -> Accounts:
    days = (end_us - start_us) // DAY_US
    d = np.arange(days)
    weekday = (np.datetime64("1970-01-01") + (start_us // DAY_US + d).astype("timedelta64[D]"))
    is_weekend = ((weekday.astype("datetime64[D]").view("int64") - 4) % 7) >= 5
    weights = np.exp(np.log1p(p.growth_per_year) * d / 365.0) * np.where(
        is_weekend, p.weekend_factor, 1.0)
    day = rng.choice(days, size=n, p=weights / weights.sum())
    anchor = start_us + day * DAY_US + _time_of_day(rng, n)
    order = np.argsort(anchor, kind="stable")
    anchor = anchor[order]
    plan = rng.choice(3, size=n, p=np.array(p.plan_mix)).astype(np.int8)
    engagement = rng.lognormal(0.0, p.engagement_sd, size=n)
    p_act = fx.apply("activation_rate", np.take(p.activation, plan), anchor, plan)
    activated = rng.random(n) < p_act
    mean = p.activation_mean_days
    u = rng.random(n)
    quick = -np.log1p(-u * (1 - np.exp(-7.0 / mean))) * mean  # exponential truncated at 7d
    late = 7.0 + rng.exponential(10.0, size=n)
    delay_days = np.where(activated, quick, late)
    first_project = anchor + (delay_days * DAY_US).astype(np.int64)
    never = ~activated & (rng.random(n) >= p.late_activation)
    first_project[never] = NEVER
    monthly = np.take(p.churn_monthly, plan) * np.where(activated, 1.0, p.unactivated_churn_factor)
    churn = anchor + (rng.exponential(30.0 / monthly) * DAY_US).astype(np.int64)
    churn[churn >= end_us] = NEVER
    seats = np.take(p.seats_min, plan) + rng.poisson(np.take(p.seats_extra, plan))
    return Accounts(anchor, plan, engagement, activated, first_project, churn, seats)


def _time_of_day(rng: np.random.Generator, n: int) -> np.ndarray:
    """Business hours across Europe and the Americas: most activity 08:00-20:00 UTC."""
    hours = np.clip(rng.normal(14.0, 3.5, size=n), 0.0, 23.99)
    return (hours * HOUR_US).astype(np.int64)


def _to_arrow(cols: dict[str, np.ndarray], seed: int, chunk: int) -> pa.Table:
    n = len(cols["ts"])
    order = np.lexsort((cols["ts"], cols["account"]))

    def ids(prefix: str, codes: np.ndarray) -> pa.Array:
        codes = codes[order]
        valid = codes >= 0
        uniq, inverse = np.unique(codes[valid], return_inverse=True)
        dictionary = pa.array([f"{prefix}{c}" for c in uniq.tolist()], pa.string())
        indices = np.full(n, -1, dtype=np.int32)
        indices[valid] = inverse
        arr = pa.DictionaryArray.from_arrays(pa.array(indices, mask=~valid), dictionary)
        return arr

    def labels(values: Sequence[str], codes: np.ndarray) -> pa.Array:
        codes = codes[order]
        valid = codes >= 0
        return pa.DictionaryArray.from_arrays(
            pa.array(codes.astype(np.int32), mask=~valid), pa.array(list(values), pa.string()))

    def floats(x: np.ndarray) -> pa.Array:
        x = x[order]
        return pa.array(x, mask=np.isnan(x))

    user = np.where(cols["user"] >= 0, cols["user"], -1)
    message = pc.cast(pa.array(np.arange(n, dtype=np.int64)), pa.string())
    prefix = pa.scalar(f"sim-{seed}-{chunk}-")
    score = cols["score"][order]
    return pa.table({
        "event": labels(EVENTS, cols["event"]),
        "timestamp": pa.array(cols["ts"][order], pa.timestamp("us", tz="UTC")),
        "user_id": ids("u", user),
        "account_id": ids("a", cols["account"]),
        "plan": labels(PLANS, cols["plan"]),
        "score": pa.array(score, pa.int64(), mask=np.isnan(score)),
        "amount": floats(cols["amount"]),
        "path": labels(PATHS, cols["path"]),
        "message_id": pc.binary_join_element_wise(prefix, message, ""),
    })


def _ground_truth(seed: int, start: date, end: date, fx: Effects, p: Params, events: int,
                  accounts: int, users: int) -> dict[str, Any]:
    return {
        "seed": seed,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "events": events,
        "accounts": accounts,
        "users": users,
        "effects": [e.to_json() for e in fx.items],
        "baselines": {
            "activation_rate_by_plan": dict(zip(PLANS, p.activation, strict=True)),
            "recommendation_ctr": p.ctr,
            "tickets_per_session_by_plan": dict(zip(PLANS, p.tickets_per_session, strict=True)),
        },
        "parameters": p.to_json(),
        "event_names": list(EVENTS),
        "notes": "Effects apply from their date (UTC midnight); activation effects by signup "
                 "date. Baselines are model probabilities, not measured values.",
    }


__all__ = ["DEFAULT_EFFECTS", "EV", "PlantedEffect", "SimulationResult", "simulate"]


def main(argv: Sequence[str] | None = None) -> None:
    """`python -m sowhat.demo.simulator OUT --events 100M`: write simulated events to OUT."""
    import argparse

    parser = argparse.ArgumentParser(description="Write simulated B2B SaaS events as Parquet.")
    parser.add_argument("out", type=Path)
    parser.add_argument("--events", default="1M", help="about how many: 500k, 1M, 100M")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", type=date.fromisoformat, default=DEMO_START)
    parser.add_argument("--end", type=date.fromisoformat, default=DEMO_TODAY)
    parser.add_argument("--segment-sample", type=int, default=0,
                        help="also write N events as Segment track-call JSONL")
    args = parser.parse_args(argv)
    text = str(args.events).lower().replace("_", "")
    scale = {"k": 1_000, "m": 1_000_000}.get(text[-1:], 1)
    n = int(float(text[:-1] if scale > 1 else text) * scale)
    result = simulate(args.out, events=n, seed=args.seed, start=args.start, end=args.end,
                      segment_sample=args.segment_sample,
                      on_chunk=lambda done, total: print(f"chunk {done}/{total}", flush=True))
    print(f"{result.events:,} events, {result.accounts:,} accounts, {result.users:,} users in "
          f"{result.seconds:.1f} s -> {result.parquet_glob}; truth: {result.ground_truth_path}")


if __name__ == "__main__":
    main()
