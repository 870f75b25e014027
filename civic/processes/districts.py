"""The town's districts and the editions' themes: create, edit, delete when unused. Audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from civic.core import audit
from civic.core.errors import Conflict, InvalidInput, PermissionDenied
from civic.core.references import count_references
from civic.extensions import db
from civic.processes.models import District, Edition, Theme
from civic.processes.permissions import can_manage_editions
from civic.processes.services import THEME_MAX_LENGTH, slugify

if TYPE_CHECKING:
    from civic.accounts.models import User

DISTRICT_NAME_MAX_LENGTH = 120
MAX_POPULATION = 100_000_000


@dataclass(frozen=True)
class DistrictData:
    name: str
    population: int | None = None


def create_district(*, actor: User, data: DistrictData) -> District:
    """Add a district to the town; audited."""
    _check_permission(actor)
    name = _checked_district(data, district=None)
    district = District(name=name, slug=_unique_district_slug(name), population=data.population)
    db.session.add(district)
    _flush_or_conflict()
    audit.record(
        actor_id=actor.id, action="district.create", target_type="district", target_id=district.id,
        after=_district_snapshot(district),
    )  # fmt: skip
    db.session.flush()
    return district


def update_district(*, actor: User, district: District, data: DistrictData) -> None:
    """Rename a district or change its population; audited with what changed."""
    _check_permission(actor)
    name = _checked_district(data, district=district)
    before = _district_snapshot(district)
    district.name, district.population = name, data.population
    _flush_or_conflict()
    after = _district_snapshot(district)
    changed = [key for key in after if after[key] != before[key]]
    if changed:
        audit.record(
            actor_id=actor.id, action="district.update", target_type="district", target_id=district.id,
            before={k: before[k] for k in changed}, after={k: after[k] for k in changed},
        )  # fmt: skip
        db.session.flush()


def delete_district(*, actor: User, district: District) -> None:
    """Delete a district nothing refers to (no edition, proposal, ballot box or person); audited."""
    _check_permission(actor)
    refusal = deletion_refusal("district", district.id, district.name)
    if refusal is not None:
        raise Conflict(refusal)
    audit.record(
        actor_id=actor.id, action="district.delete", target_type="district", target_id=district.id,
        before=_district_snapshot(district),
    )  # fmt: skip
    db.session.delete(district)
    db.session.flush()


def create_theme(*, actor: User, edition: Edition, name: str) -> Theme:
    """Add a theme to an edition; audited."""
    _check_permission(actor)
    cleaned = _checked_theme(edition, name, theme=None)
    theme = Theme(edition_id=edition.id, name=cleaned)
    db.session.add(theme)
    _flush_or_conflict()
    audit.record(
        actor_id=actor.id, action="theme.create", target_type="theme", target_id=theme.id,
        after={"edition_id": edition.id, "name": cleaned},
    )  # fmt: skip
    db.session.flush()
    return theme


def rename_theme(*, actor: User, theme: Theme, name: str) -> None:
    """Correct a theme's name (proposals keep it); audited."""
    _check_permission(actor)
    cleaned = _checked_theme(theme.edition, name, theme=theme)
    if cleaned == theme.name:
        return
    before = theme.name
    theme.name = cleaned
    _flush_or_conflict()
    audit.record(
        actor_id=actor.id, action="theme.update", target_type="theme", target_id=theme.id,
        before={"name": before}, after={"name": cleaned},
    )  # fmt: skip
    db.session.flush()


def delete_theme(*, actor: User, theme: Theme) -> None:
    """Delete a theme no proposal uses; audited."""
    _check_permission(actor)
    refusal = deletion_refusal("theme", theme.id, theme.name)
    if refusal is not None:
        raise Conflict(refusal)
    audit.record(
        actor_id=actor.id, action="theme.delete", target_type="theme", target_id=theme.id,
        before={"edition_id": theme.edition_id, "name": theme.name},
    )  # fmt: skip
    db.session.delete(theme)
    db.session.flush()


def deletion_refusal(table_name: str, row_id: int, name: str) -> str | None:
    """Say why a district or theme cannot be deleted (what still uses it), or None if it can."""
    uses = count_references(table_name, row_id)
    if not uses:
        return None
    return _(
        "“%(name)s” cannot be deleted: it is still used (%(uses)s).", name=name, uses=describe_uses(uses)
    )


def describe_uses(uses: dict[str, int]) -> str:
    """Say in words what refers to a row ("2 proposals, 1 person")."""
    words = {
        "edition_district": lambda n: ngettext("%(num)d edition", "%(num)d editions", n),
        "proposal": lambda n: ngettext("%(num)d proposal", "%(num)d proposals", n),
        "users": lambda n: ngettext("%(num)d person", "%(num)d people", n),
        "vote_pool": lambda n: ngettext("%(num)d ballot box", "%(num)d ballot boxes", n),
    }
    parts = []
    for table, n in sorted(uses.items()):
        describe = words.get(table)
        parts.append(
            describe(n) if describe else ngettext("%(num)d other record", "%(num)d other records", n)
        )
    return ", ".join(parts)


def _checked_district(data: DistrictData, *, district: District | None) -> str:
    problems: dict[str, list[object]] = {}
    name = " ".join(data.name.split())
    if not name:
        problems["name"] = [_l("Give the district a name.")]
    elif len(name) > DISTRICT_NAME_MAX_LENGTH:
        problems["name"] = [_l("The name must fit in %(max)d characters.", max=DISTRICT_NAME_MAX_LENGTH)]
    else:
        stmt = select(District.id).where(func.lower(District.name) == name.lower())
        if district is not None:
            stmt = stmt.where(District.id != district.id)
        if db.session.scalar(stmt) is not None:
            problems["name"] = [_l("Another district already has this name.")]
    if data.population is not None and not 0 < data.population <= MAX_POPULATION:
        problems["population"] = [_l("The population must be between 1 and 100 000 000.")]
    if problems:
        raise InvalidInput(problems)
    return name


def _checked_theme(edition: Edition, name: str, *, theme: Theme | None) -> str:
    cleaned = " ".join(name.split())
    problem = None
    if not cleaned:
        problem = _l("Give the theme a name.")
    elif len(cleaned) > THEME_MAX_LENGTH:
        problem = _l("Each theme must fit in %(max)d characters.", max=THEME_MAX_LENGTH)
    else:
        stmt = select(Theme.id).where(
            Theme.edition_id == edition.id, func.lower(Theme.name) == cleaned.lower()
        )
        if theme is not None:
            stmt = stmt.where(Theme.id != theme.id)
        if db.session.scalar(stmt) is not None:
            problem = _l("This edition already has a theme with this name.")
    if problem is not None:
        raise InvalidInput({"name": [problem]})
    return cleaned


def _unique_district_slug(name: str) -> str:
    base = slugify(name)
    taken = set(
        db.session.scalars(select(District.slug).where(District.slug.startswith(base, autoescape=True)))
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base[:110]}-{n}"
    return slug


def _district_snapshot(district: District) -> dict[str, object]:
    return {"name": district.name, "slug": district.slug, "population": district.population}


def _flush_or_conflict() -> None:
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("Someone saved the same name meanwhile. Please try again.")) from exc


def _check_permission(actor: User) -> None:
    if not can_manage_editions(actor.roles):
        raise PermissionDenied(_l("Only administrators can manage districts and themes."))
