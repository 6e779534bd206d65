"""The built wheel, installed into a fresh virtualenv, runs `sowhat demo` and `sowhat serve`:
templates, static files and migrations ship in it (issue 14).

The new environment gets the project's installed dependencies through a `.pth` line (the
project's own editable install is not picked up: `.pth` files are only read in site
directories), so the test needs no network and checks exactly what the wheel holds.
"""

from __future__ import annotations

import socket
import subprocess
import sys
import sysconfig
import time
import zipfile
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_wheel_in_a_clean_virtualenv_runs_demo_and_serve(tmp_path: Path) -> None:
    subprocess.run([sys.executable, "-m", "pip", "wheel", str(ROOT), "--no-deps",
                    "--no-build-isolation", "--no-index", "-q", "-w", str(tmp_path / "dist")],
                   check=True, capture_output=True)
    wheel = next((tmp_path / "dist").glob("sowhat-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    for needed in ("sowhat/web/static/sowhat.css", "sowhat/store/migrations/env.py",
                   "sowhat/demo/templates/metrics.yaml"):
        assert needed in names
    assert any(n.startswith("sowhat/web/templates/") and n.endswith(".html") for n in names)

    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        check=True, capture_output=True, text=True).stdout.strip())
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install",
                    "--no-deps", "--no-index", "-q", str(wheel)], check=True,
                   capture_output=True)
    where = subprocess.run([str(python), "-c", "import sowhat; print(sowhat.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path).stdout
    assert where.startswith(str(venv)), where

    sowhat = venv / "bin" / "sowhat"
    demo = tmp_path / "demo"
    done = subprocess.run([str(sowhat), "demo", str(demo), "--events", "20K"],
                          capture_output=True, text=True, cwd=tmp_path, timeout=240)
    assert done.returncode == 0, done.stderr
    assert (demo / ".sowhat" / "sowhat.db").exists()

    port = free_port()
    server = subprocess.Popen([str(sowhat), "serve", "-w", str(demo), "--port", str(port),
                               "--demo"], cwd=tmp_path, stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 180  # a loaded CI machine starts slowly
        while True:
            try:
                page = httpx.get(base + "/login", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "sowhat serve did not start"
                time.sleep(0.5)
        assert page.status_code == 200
        assert "<form" in page.text
        css = httpx.get(base + "/static/sowhat.css", timeout=5)
        assert css.status_code == 200
        assert len(css.content) > 1000
    finally:
        server.terminate()
        server.wait(timeout=20)
