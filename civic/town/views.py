"""The town's public pages, its stylesheet of brand colours and its logo."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request
from flask.wrappers import Response
from flask_babel import get_locale

from civic.core.colours import darken
from civic.core.town import SETTINGS_ID, TownIdentity, TownSettings, town_identity
from civic.extensions import db
from civic.town.models import PageKind
from civic.town.pages import PAGE_PATHS, PAGE_TITLES, page_to_show
from civic.web.rendering import render

bp = Blueprint("town", __name__)
ONE_YEAR = 60 * 60 * 24 * 365


@bp.app_context_processor
def _town_globals() -> dict[str, Any]:
    return {"town": town_identity(), "town_page_titles": PAGE_TITLES}


def _page_view(kind: PageKind) -> Any:
    def view() -> Response:
        town = town_identity()
        shown = page_to_show(kind, _language(), town)
        return render("town/page.html", page=shown, title=PAGE_TITLES[kind])

    view.__name__ = kind.value
    view.__doc__ = f"Show the town's {kind.value.replace('_', ' ')} page."
    return view


for _kind, _path in PAGE_PATHS.items():
    bp.add_url_rule(_path, endpoint=_kind.value, view_func=_page_view(_kind), methods=["GET"])


@bp.get("/town.css")
def stylesheet() -> Response:
    """Serve the brand colours as CSS custom properties (the CSP forbids inline styles)."""
    town = town_identity()
    return _cacheable(Response(town_css(town), mimetype="text/css"), town)


@bp.get("/town/logo.png")
def logo() -> Response:
    """Serve the town's logo, re-encoded as PNG when it was uploaded."""
    town = town_identity()
    settings = db.session.get(TownSettings, SETTINGS_ID)
    if settings is None or settings.logo_png is None:
        abort(404)
    return _cacheable(Response(settings.logo_png, mimetype="image/png"), town)


def _language() -> str:
    locale = get_locale()
    return locale.language if locale else "fr"


def town_css(town: TownIdentity) -> str:
    """Return the stylesheet mapping the town's colours onto Civic's and Pico's custom properties."""
    primary, secondary = town.primary_colour, town.secondary_colour
    hover = darken(primary, 0.2)
    r, g, b = (int(primary[i : i + 2], 16) for i in (1, 3, 5))
    # Pico sets its colours on ":root:not([data-theme=dark])" (and ":root:not([data-theme])" for
    # dark-mode browsers): the same selectors, loaded later, are needed to win over it.
    return (
        ":root, :root:not([data-theme=dark]), :root:not([data-theme]) {\n"
        f"  --town-primary: {primary};\n"
        f"  --town-on-primary: {town.text_on_primary};\n"
        f"  --town-secondary: {secondary};\n"
        f"  --town-on-secondary: {town.text_on_secondary};\n"
        f"  --pico-primary: {primary};\n"
        f"  --pico-primary-background: {primary};\n"
        f"  --pico-primary-border: {primary};\n"
        f"  --pico-primary-underline: rgba({r}, {g}, {b}, 0.5);\n"
        f"  --pico-primary-hover: {hover};\n"
        f"  --pico-primary-hover-background: {hover};\n"
        f"  --pico-primary-hover-border: {hover};\n"
        f"  --pico-primary-hover-underline: {hover};\n"
        f"  --pico-primary-focus: rgba({r}, {g}, {b}, 0.5);\n"
        f"  --pico-primary-inverse: {town.text_on_primary};\n"
        "}\n"
        ".site-footer { background: var(--town-secondary); color: var(--town-on-secondary); }\n"
        ".site-footer a { color: var(--town-on-secondary); text-decoration: underline; }\n"
        ".town-logo { height: 2.5rem; width: auto; max-width: 100%; vertical-align: middle; }\n"
    )


def _cacheable(response: Response, town: TownIdentity) -> Response:
    # A URL carrying the current version never changes meaning: cache it for a year.
    if request.args.get("v") == str(town.version):
        response.headers["Cache-Control"] = f"public, max-age={ONE_YEAR}, immutable"
    else:
        response.headers["Cache-Control"] = "public, max-age=300"
    return response
