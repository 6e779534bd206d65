"""The stress processes' shift bookkeeping: the week a shift is recorded at is where the
level moves, and the share still to come at week k is what the stress bound assumes."""

from __future__ import annotations

import numpy as np
import pytest

from sowhat.stats.stress import SHIFT_PROCESSES, forecast_series


@pytest.mark.parametrize("process", SHIFT_PROCESSES)
def test_the_recorded_shift_week_is_where_the_level_moves(process: str) -> None:
    rng = np.random.default_rng(11)
    weeks, moved, placebo = [], [], []
    for _ in range(200):
        s = forecast_series(rng, process)
        assert s.shift_week is not None
        weeks.append(s.shift_week)
        y = np.concatenate([s.history, s.period])
        at = s.history.size + s.shift_week
        if at + 4 <= y.size:
            # the 4 weeks from the recorded week against the 4 before it, and the same at a
            # placebo week 10 weeks earlier (nothing moves there)
            moved.append(abs(np.mean(y[at:at + 4]) / np.mean(y[at - 4:at]) - 1.0))
            placebo.append(abs(np.mean(y[at - 10:at - 6]) / np.mean(y[at - 14:at - 10]) - 1.0))
    assert np.median(moved) > 3.0 * np.median(placebo)
    # uniform over the 8 weeks before the period and weeks 1-12: at week 4, 8 of 20 to come
    to_come = np.mean(np.array(weeks) >= 4)
    assert to_come == pytest.approx(0.4, abs=2.6 * np.sqrt(0.24 / 200))
    assert min(weeks) >= -8
    assert max(weeks) <= 11


def test_processes_without_a_shift_record_none() -> None:
    rng = np.random.default_rng(12)
    assert forecast_series(rng, "flat").shift_week is None
