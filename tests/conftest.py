"""Shared fixtures: workspaces written to temporary folders."""

from __future__ import annotations

import functools
import re
import textwrap
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.samples import CONFIG, METRICS, OKRS

WriteWorkspace = Callable[..., Path]


@pytest.fixture
def write_workspace(tmp_path: Path) -> WriteWorkspace:
    """Write a small valid workspace, with any file replaced by the caller's text."""

    def write(okrs: str = OKRS, metrics: str | None = METRICS, config: str = CONFIG,
              name: str = "ws") -> Path:
        root = tmp_path / name
        (root / "okrs").mkdir(parents=True, exist_ok=True)
        (root / "okrs" / "2026-Q4.yaml").write_text(textwrap.dedent(okrs), encoding="utf-8")
        if metrics is not None:
            (root / "metrics.yaml").write_text(metrics, encoding="utf-8")
        (root / "sowhat.toml").write_text(config, encoding="utf-8")
        return root

    return write


DEMO_EVENTS = 150_000


@pytest.fixture(scope="session")
def built_demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small demo workspace per test run, shared by all xdist workers (built once, under
    a file lock). Treat it as read-only; use `demo_copy` to change it."""
    import fcntl
    import os

    from sowhat.services.demo.run import create_demo

    base = tmp_path_factory.getbasetemp()
    # Under xdist each worker's basetemp sits in the run's own folder; share that one.
    run_dir = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    shared = run_dir / "sowhat-demo-cache"
    shared.mkdir(exist_ok=True)
    root = shared / "demo"
    with (shared / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (shared / "done").exists():
            create_demo(root=root, events=DEMO_EVENTS, seed=7, force=True)
            (shared / "done").touch()
    return root


@pytest.fixture
def demo_copy(built_demo: Path, tmp_path: Path) -> Path:
    """A private copy of the small demo workspace that a test may change."""
    import shutil

    target = tmp_path / "demo"
    shutil.copytree(built_demo, target)
    return target


# --- Scheduling under `pytest -n 2 --dist loadgroup` (what `make test` runs) -------------
#
# xdist's loadgroup marks a group by appending "@group" to each test's node id, which
# pytest 9 no longer lets a plugin change: every `xdist_group` mark is silently ignored and
# the Spark module ran on both workers, each starting its own JVM. So the groups are worked
# out here from the node id alone, by the same function in the workers (to order the
# tests) and in the controller (a scheduler that keeps each group on one worker).

GROUPS_BY_PATH = {"tests/unit/metrics/test_metric_engine_spark.py": "spark"}
"""Modules whose tests must share one worker (the Spark module: one SparkSession)."""

FIRST_GROUPS = ("spark",)
"""Sent to a worker before anything else: the Spark parity module is the longest unit of
work, and started last it would leave the other worker idle at the end."""

_SHARED_FIXTURE = re.compile(r"""scope\s*=\s*["'](?:module|class|package)["']""")
_ROOT = Path(__file__).resolve().parent.parent


@functools.cache
def _builds_module_fixtures(path: str) -> bool:
    """Does this test module define a module- or class-scoped fixture (a built workspace,
    a started server)? Split across two workers, each would build it again."""
    try:
        return bool(_SHARED_FIXTURE.search((_ROOT / path).read_text(encoding="utf-8")))
    except OSError:
        return False


def unit_of_work(nodeid: str) -> str:
    """The unit a test is scheduled in: its group, or its own node id."""
    if nodeid.rfind("@") > nodeid.rfind("]"):
        return nodeid.rsplit("@", 1)[1]  # an xdist that can still tag node ids
    path = nodeid.split("::", 1)[0]
    if path in GROUPS_BY_PATH:
        return GROUPS_BY_PATH[path]
    if path.startswith("tests/e2e/"):
        return "e2e"  # one Chromium and one `sowhat serve` for all browser tests
    if _builds_module_fixtures(path):
        return path
    return nodeid


def _grouping(config: pytest.Config) -> bool:
    # xdist's workers see `loadgroup` (their own `dist` is reset to "no")
    return bool(config.getoption("dist", "no") == "loadgroup"
                or getattr(config.option, "loadgroup", False))


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Order the work: FIRST_GROUPS, then the other groups largest first, then single tests
    in collection order; the scheduler below hands the units out in this order."""
    if not _grouping(config):
        return
    units = {item.nodeid: unit_of_work(item.nodeid) for item in items}
    sizes = Counter(units.values())

    def rank(item: pytest.Item) -> tuple[int, int]:
        unit = units[item.nodeid]
        if unit in FIRST_GROUPS:
            return (0, FIRST_GROUPS.index(unit))
        return (1, -sizes[unit]) if sizes[unit] > 1 else (2, 0)

    items.sort(key=rank)  # stable: a module's tests keep their order


@pytest.hookimpl(optionalhook=True)  # a known hook only while xdist is loaded
def pytest_xdist_make_scheduler(config: pytest.Config, log: Any) -> Any:
    if config.getoption("dist", "no") != "loadgroup":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class UnitScheduling(LoadScopeScheduling):  # type: ignore[misc]
        """loadscope over `unit_of_work`, in collection order (see the hook above)."""

        def _split_scope(self, nodeid: str) -> str:
            return unit_of_work(nodeid)

    config.option.loadscopereorder = False
    return UnitScheduling(config, log)
