"""WSGI entry point for bench/pages.py only: the Civic app, plus /bench-hello served by a bare Flask app.

The hello-world endpoint runs in the same gunicorn workers as Civic, so both are measured on the same
processes, cores and load; it is not a route of Civic itself and never ships in production.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask

from civic import create_app

civic_app = create_app()
hello_app = Flask("bench_hello")


@hello_app.get("/bench-hello")
def hello() -> str:
    return "Hello, World!"


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Send /bench-hello to the bare Flask app and everything else to Civic."""
    target = hello_app if environ.get("PATH_INFO") == "/bench-hello" else civic_app
    return target(environ, start_response)
