"""The line every benchmark prints first: what its figures were measured on.

One function so that every benchmark names the same facts (a ratio is only comparable with
another taken on the same CPU model, core count and load), and so a benchmark adds the
versions of the libraries its figures depend on rather than its own copy of the rest.
"""

from __future__ import annotations

import importlib
import os
import platform
from pathlib import Path


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def describe(*packages: str) -> str:
    """System, CPU model and count, RAM, 1-minute load, Python, and the version of each
    named package (imported here: name only what the benchmark imports anyway)."""
    try:
        ram = f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GB RAM"
    except (ValueError, OSError, AttributeError):
        ram = "RAM unknown"
    load = f"load {os.getloadavg()[0]:.1f}" if hasattr(os, "getloadavg") else "load unknown"
    parts = [f"{platform.system()} {platform.machine()}", cpu_model(),
             f"{os.cpu_count()} CPUs", ram, load, f"Python {platform.python_version()}"]
    for name in packages:
        module = importlib.import_module(name)
        parts.append(f"{name} {getattr(module, '__version__', '?')}")
    return ", ".join(parts)
