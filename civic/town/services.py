"""Use cases of the town's settings and pages. Keyword-only, explicit actor, flush not commit, audited."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import format_decimal
from flask_babel import lazy_gettext as _l

from civic.core import audit
from civic.core.colours import MIN_TEXT_CONTRAST, contrast_ratio, normalise_hex
from civic.core.errors import InvalidInput, PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.core.town import (
    DEFAULT_PRIMARY,
    DEFAULT_SECONDARY,
    SETTINGS_ID,
    TEXT_ON_PRIMARY,
    TEXT_ON_SECONDARY,
    TownSettings,
)
from civic.extensions import db
from civic.town.logo import process_logo
from civic.town.models import PageKind, TownPage
from civic.town.pages import LANGUAGES, MAX_PAGE_LENGTH, default_text, stored_texts
from civic.town.permissions import Actor, can_manage_town

NAME_MAX_LENGTH = 120


@dataclass(frozen=True)
class TownData:
    """What an administrator sets: ``logo`` is the uploaded file's bytes, if one was sent."""

    name: str
    primary_colour: str
    secondary_colour: str
    logo: bytes | None = None
    remove_logo: bool = False


def current_settings() -> TownSettings | None:
    """Return the settings row, if an admin ever saved it."""
    return db.session.get(TownSettings, SETTINGS_ID)


def update_town(*, actor: Actor, data: TownData) -> TownSettings:
    """Set the town's name, colours and logo; audited with what changed (the logo by its digest)."""
    _check_permission(actor)
    problems: dict[str, list[object]] = {}
    name = " ".join(data.name.split())
    if not name:
        problems["name"] = [_l("Give the town's name.")]
    elif len(name) > NAME_MAX_LENGTH:
        problems["name"] = [_l("The name must fit in %(max)d characters.", max=NAME_MAX_LENGTH)]
    primary = _checked_colour(data.primary_colour, TEXT_ON_PRIMARY, "primary_colour", problems)
    secondary = _checked_colour(data.secondary_colour, TEXT_ON_SECONDARY, "secondary_colour", problems)
    logo = None
    if data.logo is not None and not data.remove_logo:
        try:
            logo = process_logo(data.logo)
        except ValidationFailed as error:
            problems["logo"] = [error.message]
    if problems:
        raise InvalidInput(problems)

    settings = current_settings()
    if settings is None:
        settings = TownSettings(
            id=SETTINGS_ID,
            name=current_app.config["TOWN_NAME"],
            primary_colour=DEFAULT_PRIMARY,
            secondary_colour=DEFAULT_SECONDARY,
            version=0,
        )
        db.session.add(settings)
    before = _snapshot(settings)
    settings.name, settings.primary_colour, settings.secondary_colour = name, primary, secondary
    if data.remove_logo:
        settings.logo_png = settings.logo_width = settings.logo_height = None
    elif logo is not None:
        settings.logo_png, settings.logo_width, settings.logo_height = logo.png, logo.width, logo.height
    after = _snapshot(settings)
    changed = sorted(key for key in after if after[key] != before[key])
    if changed:
        settings.version = (settings.version or 0) + 1
        settings.updated_at = utcnow()
        audit.record(
            actor_id=actor.id,
            action="town.update",
            target_type="town",
            target_id=SETTINGS_ID,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )
    db.session.flush()
    return settings


def _checked_colour(value: str, text_colour: str, key: str, problems: dict[str, list[object]]) -> str:
    colour = normalise_hex(value)
    if colour is None:
        problems[key] = [_l("Type a colour as # and six hexadecimal digits, for example #1d4ed8.")]
        return value
    ratio = contrast_ratio(colour, text_colour)
    if ratio < MIN_TEXT_CONTRAST:
        problems[key] = [
            _l(
                "%(colour)s and the text it carries (%(text)s) contrast at %(ratio)s:1; "
                "at least 4.5:1 is needed for people to read it. Choose a %(direction)s colour.",
                colour=colour,
                text=text_colour,
                ratio=format_decimal(ratio, format="0.0"),
                direction=_l("darker") if text_colour == TEXT_ON_PRIMARY else _l("lighter"),
            )
        ]
    return colour


def _snapshot(settings: TownSettings) -> dict[str, Any]:
    logo = settings.logo_png
    return {
        "name": settings.name,
        "primary_colour": settings.primary_colour,
        "secondary_colour": settings.secondary_colour,
        "logo": None if logo is None else "sha256:" + hashlib.sha256(logo).hexdigest()[:16],
    }


def save_page(*, actor: Actor, kind: PageKind, texts: Mapping[str, str]) -> list[str]:
    """Save a page's text per language (blank: back to the default); audit each change with both texts.

    Returns the languages whose text changed.
    """
    _check_permission(actor)
    problems: dict[str, list[object]] = {}
    for lang in LANGUAGES:
        if len(texts.get(lang, "")) > MAX_PAGE_LENGTH:
            problems[f"body_{lang}"] = [_l("The text must fit in %(max)d characters.", max=MAX_PAGE_LENGTH)]
    if problems:
        raise InvalidInput(problems)
    stored = stored_texts(kind)
    changed = []
    for lang in LANGUAGES:
        if lang not in texts:
            continue
        new = texts[lang].replace("\r\n", "\n").strip()
        row = stored.get(lang)
        old = row.body if row is not None else None
        # Typing the default back (or nothing) means "use the default".
        wanted = None if not new or new == default_text(kind, lang).strip() else new
        if wanted == old:
            continue
        if wanted is None:
            db.session.delete(row)
        elif row is None:
            db.session.add(TownPage(kind=kind, lang=lang, body=wanted, updated_by_id=actor.id))
        else:
            row.body, row.updated_at, row.updated_by_id = wanted, utcnow(), actor.id
        audit.record(
            actor_id=actor.id,
            action="town_page.update",
            target_type="town_page",
            target_id=f"{kind.value}.{lang}",
            before={"body": old},
            after={"body": wanted},
        )
        changed.append(lang)
    db.session.flush()
    return changed


def _check_permission(actor: Actor) -> None:
    if not can_manage_town(actor.roles):
        raise PermissionDenied(_l("Only administrators can change the town's settings."))
