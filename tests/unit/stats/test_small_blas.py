"""The forecast fit loads NumPy with one OpenBLAS thread and leaves the environment as it
found it (`sowhat.stats.small_blas`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

CODE = """
import os
from sowhat.stats.small_blas import load_numpy_single_threaded
load_numpy_single_threaded()
import numpy as np
np.linalg.lstsq(np.ones((8, 2)), np.ones(8), rcond=None)
print(os.environ.get("OPENBLAS_NUM_THREADS"), len(os.listdir("/proc/self/task")))
"""


def _run(env: dict[str, str]) -> list[str]:
    done = subprocess.run([sys.executable, "-c", CODE], capture_output=True, text=True,
                          check=True, env=env)
    return done.stdout.split()


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts Linux threads")
def test_numpy_loads_single_threaded_and_the_environment_is_put_back() -> None:
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_NUM_THREADS"}
    assert _run(env) == ["None", "1"]


@pytest.mark.skipif(not Path("/proc/self/task").exists(), reason="counts Linux threads")
def test_a_thread_count_the_user_set_is_kept() -> None:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "2"}
    variable, threads = _run(env)
    assert variable == "2"
    assert int(threads) == 2
