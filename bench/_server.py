"""What the HTTP benches share: a free loopback port, and gunicorn serving bench/pages_app.py until it answers."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_gunicorn(port: int, workers: int, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start gunicorn on 127.0.0.1:port with Civic plus a bare /bench-hello, and wait until it answers."""
    command = [
        str(BIN / "gunicorn"), "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--chdir", str(ROOT / "bench"), "--pythonpath", str(ROOT), "--log-level", "warning",
        "pages_app:app",
    ]  # fmt: skip
    proc = subprocess.Popen(command, env=env, cwd=ROOT)
    try:
        wait_until_up(f"http://127.0.0.1:{port}/bench-hello", proc)
    except BaseException:
        proc.terminate()
        proc.wait(timeout=30)
        raise
    return proc


def wait_until_up(url: str, proc: subprocess.Popen[bytes], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited with code {proc.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout:.0f} s")
