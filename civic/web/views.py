"""Language switch, safe redirects and health check (the home page lives in civic.home)."""

from __future__ import annotations

from urllib.parse import unquote, urlsplit

from flask import Blueprint, current_app, redirect, request, session, url_for
from flask.wrappers import Response
from flask_login import current_user
from sqlalchemy import text

from civic.extensions import db

bp = Blueprint("web", __name__)


def safe_next(target: str | None, fallback: str) -> str:
    """Return ``target`` if it is a path on this site (no open redirect), else ``fallback``.

    Refused: schemes and hosts (``https://x``, ``//x``), backslashes (browsers read ``/\\x`` as
    ``//x``), control characters (CR/LF header splitting, tabs that browsers strip) and the same
    tricks percent-encoded (``/%2F%2Fx``, ``/%5Cx``, ``%0d%0a``), however many times.
    """
    if not target or len(target) > 2048:
        return fallback
    candidate = target
    for _ in range(4):
        if not _is_local_path(candidate):
            return fallback
        decoded = unquote(candidate)
        if decoded == candidate:
            return target
        candidate = decoded
    return fallback


def _is_local_path(value: str) -> bool:
    if not value.startswith("/") or value.startswith("//") or "\\" in value:
        return False
    if any(ord(char) < 0x20 or 0x7F <= ord(char) < 0xA0 for char in value):
        return False
    parts = urlsplit(value)
    return not parts.scheme and not parts.netloc


@bp.post("/language")
def set_language() -> Response:
    """Switch the interface language (stored on the account when logged in)."""
    lang = request.form.get("lang", "")
    if lang in current_app.config["LANGUAGES"]:
        session["lang"] = lang
        if current_user.is_authenticated:
            current_user.locale = lang
            db.session.commit()
    return redirect(safe_next(request.form.get("next"), url_for("home.index")), 303)  # type: ignore[return-value]


@bp.get("/healthz")
def healthz() -> Response:
    """Answer 200 when the database responds (for load balancers and monitoring)."""
    db.session.execute(text("SELECT 1"))
    return Response("ok\n", mimetype="text/plain")
