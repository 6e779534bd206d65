"""The forecast's fixed terms, apart from the model so they can be read without NumPy.

A page or a sync that serves stored forecasts (`services.listing.forecasts`) assembles a
KR's forecast from fits it kept; it needs the context length, the default interval and the
assumptions' wording, not the model — and importing NumPy costs a process ≈0.4 s of CPU.
`sowhat.stats.forecast` re-exports all three.
"""

from __future__ import annotations

__all__ = ["CONTEXT_WEEKS", "DEFAULT_INTERVAL", "FORECAST_ASSUMPTIONS"]

DEFAULT_INTERVAL = 0.80
CONTEXT_WEEKS = 26
"""Pre-period weeks a service should pass in front of the period's weeks (all that `sowhat
sync` stores). Half a year lets the model tell a metric that wanders (whose spread must grow
with the horizon) from one that is noisy around a line; with 8 weeks it cannot, and the
stress suite's 80% ranges covered 65-70% on wandering series (docs/forecast.md)."""


FORECAST_ASSUMPTIONS: tuple[str, ...] = (
    "The metric keeps behaving as in the weeks fitted - drifting along a line, wobbling around "
    "it, or wandering as it has. The range does not allow for a jump still to come (a launch, "
    "a price change, a tracking fix): nothing in the weeks so far can show one, so when one "
    "happens the forecast is about the old world.",
    "A yearly swing is modelled only when over a year of weekly history shows one clearly; "
    "with less history, a period that runs into a seasonal peak or trough gets a range that "
    "is too narrow early in the period.",
    "Right after a jump at an unexpected week the range is too narrow until a couple of weeks "
    "at the new level have been seen.",
)
"""What the forecast assumes and what would make it wrong, in plain words, for services to
show next to it (docs/forecast.md gives the stress-suite figures behind each)."""
