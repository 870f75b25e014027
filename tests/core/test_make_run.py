"""`make run` is the development demo, on port 5000 or the one given with PORT=."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _dry_run(*args: str) -> str:
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    return subprocess.run(
        ["make", "-n", "run", *args], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60
    ).stdout


@pytest.mark.parametrize(("args", "port"), [((), "5000"), (("PORT=5055",), "5055")])
def test_make_run_serves_the_development_demo_on_the_chosen_port(args, port):
    serve = next(line for line in _dry_run(*args).splitlines() if " run --host" in line)
    assert f"--port {port}" in serve
    assert "CIVIC_ENV=development" in serve
    assert f"CIVIC_BASE_URL=http://127.0.0.1:{port}" in serve


def test_make_run_seeds_with_the_same_development_settings():
    makefile = (ROOT / "Makefile").read_text()
    # Target-specific exports reach the prerequisites (migrate, seed) of `make run` too.
    assert "run: export CIVIC_ENV := development" in makefile
    assert "run: export CIVIC_BASE_URL := http://127.0.0.1:$(PORT)" in makefile
