"""One URL, two shapes: a full page, or (for HTMX) its fragment plus out-of-band flash messages."""

from __future__ import annotations

from typing import Any

from flask import make_response, render_template
from flask.wrappers import Response

from civic.extensions import htmx


def render(template: str, *, fragment: str | None = None, status: int = 200, **context: Any) -> Response:
    """Render ``template``, or ``fragment`` when the request comes from HTMX."""
    if fragment is not None and htmx:
        body = render_template(fragment, **context) + render_template("_flashes_oob.html")
    else:
        body = render_template(template, **context)
    response = make_response(body, status)
    response.vary.add("HX-Request")
    return response
