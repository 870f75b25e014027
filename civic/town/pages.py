"""The public pages every French commune publishes, their addresses and their shipped defaults."""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cache, lru_cache
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l
from markupsafe import Markup
from sqlalchemy import select

from civic.core.town import CACHE_SECONDS, TownIdentity
from civic.extensions import db
from civic.town.models import PageKind, TownPage
from civic.web.markdown import render_markdown

LANGUAGES = ("fr", "en")
DEFAULTS_DIR = Path(__file__).parent / "default_pages"
# Written in a text, this is replaced by the town's current name when the page is shown.
TOWN_PLACEHOLDER = "{town}"
MAX_PAGE_LENGTH = 100_000

PAGE_PATHS = {
    PageKind.LEGAL_NOTICE: "/mentions-legales",
    PageKind.PRIVACY: "/confidentialite",
    PageKind.CHARTER: "/charte",
    PageKind.ACCESSIBILITY: "/accessibilite",
}
PAGE_TITLES = {
    PageKind.LEGAL_NOTICE: _l("Legal notice"),
    PageKind.PRIVACY: _l("Privacy policy"),
    PageKind.CHARTER: _l("Participation charter"),
    PageKind.ACCESSIBILITY: _l("Accessibility statement"),
}


@cache
def default_text(kind: PageKind, lang: str) -> str:
    """Return the Markdown shipped with Civic for this page in this language."""
    return (DEFAULTS_DIR / f"{kind.value}.{lang}.md").read_text(encoding="utf-8")


def stored_texts(kind: PageKind) -> dict[str, TownPage]:
    """Return the admins' texts of a page by language (languages never edited are absent)."""
    rows = db.session.scalars(select(TownPage).where(TownPage.kind == kind))
    return {row.lang: row for row in rows}


def cached_texts(kind: PageKind) -> dict[str, str]:
    """Return the admins' texts of a page by language, read at most every CACHE_SECONDS per process."""
    store = current_app.extensions.setdefault("civic_town_pages", {})
    entry = store.get(kind)
    ttl = current_app.config.get("TOWN_CACHE_SECONDS", CACHE_SECONDS)
    if entry is None or time.monotonic() - entry[1] > ttl:
        entry = ({lang: row.body for lang, row in stored_texts(kind).items()}, time.monotonic())
        store[kind] = entry
    return entry[0]  # type: ignore[no-any-return]


def forget_cached_texts() -> None:
    """Drop the cached texts (call after committing a change)."""
    current_app.extensions.setdefault("civic_town_pages", {}).clear()


@dataclass(frozen=True)
class ShownPage:
    kind: PageKind
    lang: str
    body: str
    is_default: bool

    @property
    def html(self) -> Markup:
        return rendered(self.body)


@lru_cache(maxsize=64)
def rendered(text: str) -> Markup:
    """Render a page's Markdown once per text (the same few texts are read again and again)."""
    return render_markdown(text, heading_level=2)


def page_to_show(kind: PageKind, lang: str, town: TownIdentity) -> ShownPage:
    """Choose the text for a reader: the admins' text in their language, else the French one, else the default.

    An edited French text outranks the English default: it is the town's real notice, the default
    only a template with blanks to fill.
    """
    stored = cached_texts(kind)
    lang = lang if lang in LANGUAGES else "fr"
    for candidate in (lang, "fr"):
        if candidate in stored:
            return ShownPage(kind, candidate, _fill(stored[candidate], town), is_default=False)
    return ShownPage(kind, lang, _fill(default_text(kind, lang), town), is_default=True)


def _fill(text: str, town: TownIdentity) -> str:
    return text.replace(TOWN_PLACEHOLDER, town.name)
