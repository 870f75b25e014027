"""Error pages (full page or HTMX fragment) and the mapping of domain errors to statuses."""

from __future__ import annotations

from flask import Flask, current_app, render_template
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from sqlalchemy.exc import DataError
from werkzeug.exceptions import HTTPException, InternalServerError

from civic.core.errors import DomainError
from civic.extensions import db, htmx

HANDLED_STATUSES = frozenset({400, 403, 404, 405, 409, 413, 422, 429, 500})


def _messages() -> dict[int, tuple[str, str]]:
    return {
        400: (_("Bad request"), _("The request was malformed or its security token was missing.")),
        403: (_("Access denied"), _("You do not have permission to see this page or do this action.")),
        404: (_("Page not found"), _("This page does not exist or is no longer available.")),
        405: (_("Method not allowed"), _("This address does not accept this kind of request.")),
        409: (_("Conflict"), _("This action clashes with the current state. Reload the page and try again.")),
        413: (
            _("Too much sent at once"),
            _(
                "What you sent weighs more than %(max)d MB, the most one form can carry, so nothing was saved. "
                "Go back to the form (your text is still there), choose smaller images (5 MB each at most) "
                "and send it again.",
                max=(current_app.config.get("MAX_CONTENT_LENGTH") or 0) // (1024 * 1024),
            ),
        ),
        422: (_("Request could not be processed"), _("Some information is missing or invalid.")),
        429: (
            _("Too many attempts"),
            _("For your security, please wait a minute before trying again."),
        ),
        500: (
            _("Something went wrong"),
            _("An unexpected error happened on our side. It has been logged; please try again later."),
        ),
    }


def error_response(status: int, detail: str | None = None) -> Response:
    """Render the error page, or an error fragment retargeted to the flash area for HTMX."""
    title, message = _messages().get(status, _messages()[500])
    if detail:
        message = detail
    if htmx:
        body = render_template("errors/_error.html", status=status, title=title, message=message)
        response = Response(body, status)
        response.headers["HX-Retarget"] = "#flash-messages"
        response.headers["HX-Reswap"] = "innerHTML"
    else:
        body = render_template("errors/error.html", status=status, title=title, message=message)
        response = Response(body, status)
    response.vary.add("HX-Request")
    return response


def register_error_handlers(app: Flask) -> None:
    """Serve friendly pages for HTTP errors, CSRF failures and domain errors."""

    @app.errorhandler(CSRFError)
    def _csrf(error: CSRFError) -> Response:
        return error_response(
            400, _("Your session expired or the form's security token was missing. Please try again.")
        )

    @app.errorhandler(DomainError)
    def _domain(error: DomainError) -> Response:
        db.session.rollback()
        return error_response(error.status_code, str(error.message))

    @app.errorhandler(OverflowError)
    @app.errorhandler(DataError)
    def _out_of_range(error: Exception) -> Response:
        # Safety net: a number past 64 bits reached the database (SQLite raises OverflowError,
        # PostgreSQL "out of range"): the request is refused, the server is fine.
        db.session.rollback()
        current_app.logger.warning("Out-of-range value refused: %s", error)
        return error_response(422, _("A number in this request is too large."))

    @app.errorhandler(HTTPException)
    def _http(error: HTTPException) -> Response:
        if error.response is not None:
            # A view-made answer (e.g. a rate limit's own friendly page): use it as it is.
            return error.response  # type: ignore[return-value]
        status = error.code or 500
        response = error_response(status if status in HANDLED_STATUSES else 500)
        if status == 405 and error.valid_methods:  # type: ignore[attr-defined]
            response.headers["Allow"] = ", ".join(error.valid_methods)  # type: ignore[attr-defined]
        return response

    @app.errorhandler(InternalServerError)
    def _internal(error: InternalServerError) -> Response:
        db.session.rollback()
        current_app.logger.exception("Unhandled error", exc_info=error.original_exception)
        return error_response(500)
