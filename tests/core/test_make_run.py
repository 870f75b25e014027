"""`make run` is the development demo, on port 5000 or the one given with PORT=, with its worker beside it."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
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


FAKE_FLASK = """
import os, pathlib, signal, sys, time
here = pathlib.Path(os.environ["FAKE_DIR"])
role = "worker" if "worker" in sys.argv else "server"
signal.signal(signal.SIGTERM, lambda *_: ((here / f"{role}.term").write_text("1"), sys.exit(0)))
(here / f"{role}.pid").write_text(str(os.getpid()))
while True:
    time.sleep(0.05)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_ctrl_c_on_make_run_stops_the_server_and_its_worker(tmp_path):
    # The recipe that serves, as make runs it, with the flask commands replaced by stand-ins that stay up.
    (tmp_path / "fake_flask.py").write_text(FAKE_FLASK)
    lines = _dry_run(f"FLASK={sys.executable} {tmp_path / 'fake_flask.py'}").splitlines()
    start = next(i for i, line in enumerate(lines) if "civic worker &" in line)
    recipe = "\n".join(lines[start : start + 3])
    assert " run --host" in recipe
    shell = subprocess.Popen(
        ["sh", "-c", recipe], cwd=ROOT, env={**os.environ, "FAKE_DIR": str(tmp_path)}, start_new_session=True
    )
    try:
        deadline = time.monotonic() + 60
        while not ((tmp_path / "worker.pid").exists() and (tmp_path / "server.pid").exists()):
            assert time.monotonic() < deadline and shell.poll() is None, "the recipe did not start both"
            time.sleep(0.05)
        worker = int((tmp_path / "worker.pid").read_text())
        os.killpg(shell.pid, signal.SIGINT)  # what Ctrl+C sends to the terminal's foreground processes
        assert shell.wait(timeout=60) != 0
    finally:
        if shell.poll() is None:
            os.killpg(shell.pid, signal.SIGKILL)
            shell.wait()
    orphan = _alive(worker)
    if orphan:  # leave nothing running, even when the recipe did
        os.kill(worker, signal.SIGKILL)
    # The worker in the background ignored Ctrl+C; the recipe stopped it (SIGTERM) before ending: no orphan.
    assert (tmp_path / "worker.term").exists()
    assert not orphan
