"""Load NumPy with a single-threaded OpenBLAS when the forecast fit is what loads it.

Why: `sowhat sync` imports NumPy only to fit its KRs' forecasts, whose matrices are 2x2 to
60x4. At load, OpenBLAS starts a worker thread per core and sets up a buffer for each: on a
2-core machine importing NumPy took 141 ms of CPU instead of 72 ms with one thread
(benchmarks/README.md, branch fastfc), and the idle workers went on spending CPU through
the fits. Matrices this small never use a second thread (OpenBLAS splits only large
problems), so a single thread changes no result.

OpenBLAS reads OPENBLAS_NUM_THREADS once, when the library loads: this sets it just for
that import and puts the environment back, so child processes are unaffected, and a value
the user set is left alone. A process that imported NumPy before keeps its thread pool.
This module imports nothing heavy itself, so the paths that never fit stay free of NumPy.
"""

from __future__ import annotations

import os
import sys

_THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS",)


def load_numpy_single_threaded() -> None:
    """Import NumPy now, its OpenBLAS limited to one thread unless the user chose a count."""
    if "numpy" in sys.modules:
        return
    saved = {name: os.environ.get(name) for name in _THREAD_VARIABLES}
    for name in _THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
    try:
        import numpy  # noqa: F401  (loads OpenBLAS with the setting above)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
