"""Which typed baselines claim a start the data did not measure (SW114, status, the web).

Found on a fresh workspace: "paid conversion 4% → 6%" against a measured 5.12% passed the
2-point allowance for rates, and the KR read 65% progress where the data says 20%."""

from __future__ import annotations

import pytest

from sowhat.domain.measure import baseline_disagrees, share_of_move
from sowhat.domain.okr import raw_progress


@pytest.mark.parametrize(
    ("typed", "measured", "target", "share", "expected"),
    [
        (0.04, 0.0512, 0.06, True, True),    # 56% of the planned move: material
        (0.04, 0.0512, None, True, False),   # without the target only the allowance speaks
        (0.35, 0.36, 0.45, True, False),     # 10% of the move
        (0.38, 0.394, 0.45, True, False),    # the allowance's own example: 20% of the move
        (0.40, 0.403, 0.41, True, False),    # 30% of a 1-point move, but a rounding (0.7%)
        (0.40, 0.404, 0.41, True, False),    # 40% of the move, still a rounding (1%)
        (0.010, 0.011, 0.008, True, True),   # churn 1.0% → 0.8% against 1.1%: half the move
        (120, 601, 140, False, True),        # far beyond any allowance
        (100, 105, 110, False, False),       # half the move, but 100 rounds 105 (4.8%)
        (100, 107, 110, False, True),        # 70% of the move and no rounding (6.5%)
        (100, 104, 200, False, False),       # 4% of a 100-unit move
        (18, 13.01, 8, False, True),         # hours: beyond the allowance
    ],
)
def test_a_gap_is_material_beyond_the_allowance_or_as_a_share_of_the_move(
    typed: float, measured: float, target: float | None, share: bool, expected: bool,
) -> None:
    assert baseline_disagrees(typed, measured, share=share, target=target) is expected


def test_the_share_of_the_move_is_how_far_progress_is_misstated() -> None:
    typed, measured, target, now = 0.04, 0.0512, 0.06, 0.053
    moved = share_of_move(typed, measured, target)
    assert moved == pytest.approx(0.56)
    typed_progress = raw_progress(now, typed, target)
    measured_progress = raw_progress(now, measured, target)
    assert typed_progress is not None
    assert measured_progress is not None
    assert typed_progress == pytest.approx(0.65)
    assert measured_progress == pytest.approx(0.2045, abs=1e-3)
    assert share_of_move(0.04, 0.05, None) is None
    assert share_of_move(0.04, 0.05, 0.04) is None
