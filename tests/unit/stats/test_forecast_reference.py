"""The forecast documents a sync stores are those of the reference code, to 1e-12 relative.

tests/reference/forecast_cases.json holds the inputs and outputs of the code as it was before
the forecast fitting was made faster (tests/reference/make_forecast_fixture.py wrote it): the
demo's KRs and generated series of many shapes. A speed-up may reorder arithmetic only where
the result stays within 1e-12 of what was stored; the model itself is held to independent
references by the other tests.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import pytest

from tests.reference.make_forecast_fixture import compute as _compute

CASES = json.loads((Path(__file__).resolve().parents[2] / "reference"
                    / "forecast_cases.json").read_text())["cases"]
REL = 1e-12


def _differences(got: Any, want: Any, where: str) -> list[str]:
    """Where `got` is not `want` (floats: beyond REL relative; anything else: not equal)."""
    if isinstance(want, float) and isinstance(got, float):
        if got == want or math.isclose(got, want, rel_tol=REL, abs_tol=0.0):
            return []
        return [f"{where}: {got!r} != {want!r}"]
    if isinstance(want, dict) and isinstance(got, dict):
        if set(got) != set(want):
            return [f"{where}: keys {sorted(got)} != {sorted(want)}"]
        return [d for k in want for d in _differences(got[k], want[k], f"{where}.{k}")]
    if isinstance(want, list) and isinstance(got, list | tuple):
        if len(got) != len(want):
            return [f"{where}: length {len(got)} != {len(want)}"]
        return [d for i, (g, w) in enumerate(zip(got, want, strict=True))
                for d in _differences(g, w, f"{where}[{i}]")]
    return [] if got == want else [f"{where}: {got!r} != {want!r}"]


def test_the_fixture_is_broad() -> None:
    sources = {c["source"].split("-")[0] for c in CASES}
    assert {"workspace:fastfc", "short", "gaps", "rate", "count", "flat", "trend", "shift",
            "yearly"} <= sources
    assert any("swing" in (c["output"].get("note") or "") for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['kind']}:{c['source']}" for c in CASES])
def test_the_stored_forecast_is_the_reference_codes(case: dict[str, Any]) -> None:
    got = json.loads(json.dumps(_compute(case["kind"], case["inputs"])))
    assert _differences(got, case["output"], case["kind"]) == []


def test_the_written_out_constants_are_what_they_stand_for() -> None:
    """The Chebyshev table and the normal quantiles the fit no longer computes at import."""
    from statistics import NormalDist

    from sowhat.stats import trend_model as tm

    assert tm._erfcx_scaled_nodes(30, tm._CHEB_K) == tm._CHEB
    for p, z in tm._NORMAL_QUANTILES.items():
        assert z == NormalDist().inv_cdf(p)
    for interval in (0.8, 0.9, 0.95):
        tail = (1.0 - interval) / 2.0
        assert tail in tm._NORMAL_QUANTILES
        assert 1.0 - tail in tm._NORMAL_QUANTILES
    assert tm._normal_quantile(0.3) == NormalDist().inv_cdf(0.3)
