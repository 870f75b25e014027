"""WSGI entry point for the benches only: the Civic app, plus /bench-hello served by a bare Flask app.

The hello-world endpoint runs in the same gunicorn workers as Civic, so both are measured on the same
processes, cores and load; it is not a route of Civic itself and never ships in production.

``POST /bench-signed-in`` is added to Civic's app here (never in production): it goes through all that a
cast goes through before and after its own work — the signed session cookie, the account loaded by
Flask-Login, the CSRF check, the write rate limit, the security headers, a 303 — and does nothing else.
bench/vote_load.py measures it as the floor of any signed-in form post on this stack.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from flask import Flask, redirect
from flask_login import login_required
from werkzeug.wrappers import Response

from civic import create_app
from civic.extensions import limiter
from civic.web.limits import account_key, configured

civic_app = create_app()
hello_app = Flask("bench_hello")


@login_required
@limiter.limit(configured("PROPOSAL_WRITE_RATE_LIMIT"), key_func=account_key)
def signed_in() -> Response:
    return redirect("/", 303)


civic_app.add_url_rule("/bench-signed-in", "bench_signed_in", signed_in, methods=["POST"])


@hello_app.get("/bench-hello")
def hello() -> str:
    return "Hello, World!"


def app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Send /bench-hello to the bare Flask app and everything else to Civic."""
    target = hello_app if environ.get("PATH_INFO") == "/bench-hello" else civic_app
    return target(environ, start_response)
