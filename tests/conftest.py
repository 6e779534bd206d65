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
