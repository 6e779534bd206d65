"""Shared fixtures: workspaces written to temporary folders."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

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
