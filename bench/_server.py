"""What the HTTP benches share: a free loopback port, gunicorn serving bench/pages_app.py until it answers,
logging residents in through /login, and Debian's wrk driven by a Lua script."""

from __future__ import annotations

import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
SAFE = re.compile(r"[A-Za-z0-9._~%=;/ +&-]+")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def gunicorn_command(port: int, workers: int) -> list[str]:
    return [
        # -c: the production settings (gunicorn.conf.py); after --chdir, gunicorn would look in bench/.
        str(BIN / "gunicorn"), "-c", str(ROOT / "gunicorn.conf.py"),
        "-w", str(workers), "-b", f"127.0.0.1:{port}",
        "--chdir", str(ROOT / "bench"), "--pythonpath", str(ROOT), "--log-level", "warning",
        "pages_app:app",
    ]  # fmt: skip


def start_gunicorn(port: int, workers: int, env: dict[str, str], **popen: Any) -> subprocess.Popen[bytes]:
    """Start gunicorn on 127.0.0.1:port with Civic plus a bare /bench-hello, and wait until it answers."""
    proc = subprocess.Popen(gunicorn_command(port, workers), env=env, cwd=ROOT, **popen)
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


def wait_until_idle(url: str, timeout: float = 60.0, quick: float = 0.05) -> float:
    """Wait until ``url`` answers within ``quick`` seconds twice in a row (requests queued by a load that was
    stopped are still being served for a while); return the seconds waited."""
    started = time.monotonic()
    fast = 0
    while fast < 2 and time.monotonic() - started < timeout:
        before = time.monotonic()
        try:
            with urllib.request.urlopen(url, timeout=30):
                pass
        except OSError:
            pass
        fast = fast + 1 if time.monotonic() - before < quick else 0
        time.sleep(0.1)
    return time.monotonic() - started


def wrk_path() -> str:
    wrk = shutil.which("wrk") or "/usr/bin/wrk"
    if not Path(wrk).exists():
        raise SystemExit("wrk not found: apt-get install wrk")
    return wrk


def requests_module() -> Any:
    try:
        import requests  # present in the dev environment (a dependency of locust), not pinned by Civic
    except ImportError as exc:  # pragma: no cover - a bench's own start-up check
        raise SystemExit(
            "the HTTP benches need the requests package: .venv/bin/pip install requests"
        ) from exc
    return requests


def log_in(base: str, email: str, password: str) -> Any:
    """Log one resident in through the real /login form; return their ``requests`` session."""
    person = requests_module().Session()
    token = CSRF.search(person.get(base + "/login").text).group(1)  # type: ignore[union-attr]
    login = person.post(
        base + "/login",
        data={"csrf_token": token, "email": email, "password": password},
        allow_redirects=False,
    )
    if login.status_code != 303:
        raise SystemExit(f"login {email}: {login.status_code}")
    return person


def csrf_of(person: Any, url: str) -> str:
    """Return the CSRF token of the form on ``url``, as the person's browser would read it."""
    return CSRF.search(person.get(url).text).group(1)  # type: ignore[union-attr,no-any-return]


def cookie_header(person: Any) -> str:
    return "; ".join(f"{c.name}={c.value}" for c in person.cookies)


def lua_string(text: str) -> str:
    if not SAFE.fullmatch(text):
        raise SystemExit(f"unexpected characters in {text!r}")
    return f'"{text}"'


def lua_table(rows: list[tuple[str, ...]]) -> str:
    """Return ``local R = {...}``: the requests' fields, written before a wrk script's own code."""
    body = ",\n".join("{" + ", ".join(lua_string(v) for v in row) + "}" for row in rows)
    return "local R = {\n" + body + "\n}\n"


def run_wrk(
    wrk: str,
    script: Path,
    url: str,
    *,
    threads: int,
    clients: int,
    duration: int,
    extra: tuple[str, ...] = (),
    stop_when_done: bool = False,
    on_start: Any = None,
) -> dict[str, int]:
    """Run wrk and return the numbers of its ``BENCH k=v ...`` line (printed by the script's ``done``).

    With ``stop_when_done``, wrk is stopped (SIGINT: it still prints its report) once each of its threads has
    printed DONE. ``on_start(proc)`` runs once wrk is started (the crash bench
    kills the server from there).
    """
    cmd = [wrk, f"-t{threads}", f"-c{clients}", f"-d{duration}s", "--timeout", "30s", "-s", str(script)]
    proc = subprocess.Popen([*cmd, url, "--", *extra], stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    if on_start is not None:
        on_start(proc)
    lines, done = [], 0
    for line in proc.stdout:
        lines.append(line)
        done += line.strip() == "DONE"
        if stop_when_done and done == threads:
            proc.send_signal(signal.SIGINT)
    proc.wait()
    out = "".join(lines)
    match = re.search(r"^BENCH (.*)$", out, re.MULTILINE)
    if proc.returncode != 0 or match is None:
        raise SystemExit(f"unexpected wrk output (exit {proc.returncode}):\n{out}")
    return {k: int(v) for k, v in (pair.split("=") for pair in match.group(1).split())}


def rate(raw: dict[str, int]) -> float:
    return raw["requests"] / (raw["duration_us"] / 1e6)
