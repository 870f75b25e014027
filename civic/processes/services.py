"""Edition use cases. Keyword-only, explicit actor, flush not commit, audited."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.processes.hooks import edition_hooks
from civic.processes.models import District, Edition, EditionDistrict, EditionMode, Phase, Theme
from civic.processes.permissions import can_manage_editions
from civic.processes.phases import PHASE_ORDER, PhaseKind, PhaseWindow, calendar_problems
from civic.processes.queries import format_euros

SLUG_MAX_LENGTH = 100
THEME_MAX_LENGTH = 120


@dataclass(frozen=True)
class PhaseDates:
    """Start and end of a phase as timezone-aware datetimes (the form reads them in town time)."""

    starts_at: datetime
    ends_at: datetime


@dataclass(frozen=True)
class DistrictShare:
    """A district taking part in an edition, with its optional sub-envelope in cents."""

    district_id: int
    envelope_cents: int | None = None


@dataclass(frozen=True)
class EditionData:
    """Everything an administrator sets on an edition."""

    name: str
    year: int
    envelope_cents: int
    description: str = ""
    rules_text: str = ""
    population: int | None = None
    investment_budget_cents: int | None = None
    mode: EditionMode = EditionMode.RESIDENTS_SUBMIT
    published: bool = False
    contact_retention_months: int = 6
    districts: tuple[DistrictShare, ...] = ()
    themes: tuple[str, ...] = ()
    calendar: Mapping[PhaseKind, PhaseDates] = field(default_factory=dict)


class EditionInvalid(ValidationFailed):
    """The edition breaks a business rule; ``problems`` names the input at fault for each message.

    Keys are an input (``"name"``, ``"envelope"``, ``"districts"``, ``"themes"``…) or a phase date
    (``"calendar.vote.ends_at"``), so that a form can show each message beside its input.
    """

    def __init__(self, problems: Mapping[str, list[Any]]) -> None:
        # Rendered now, in the request's language: a lazy string quoting a name would reach Jinja
        # unescaped (flask-babel's LazyString.__html__ returns its raw text).
        self.problems = {key: [str(message) for message in messages] for key, messages in problems.items()}
        super().__init__(" ".join(message for messages in self.problems.values() for message in messages))


def create_edition(*, actor: User, data: EditionData) -> Edition:
    """Create an edition with its districts, themes and calendar; audited."""
    _check_permission(actor)
    calendar = _utc_calendar(data.calendar)
    _check(data, calendar, edition=None)
    edition = Edition(slug=_unique_slug(data.name))
    _apply(edition, data, calendar)
    db.session.add(edition)
    _flush_or_conflict()
    audit.record(
        actor_id=actor.id,
        action="edition.create",
        target_type="edition",
        target_id=edition.id,
        after=_snapshot(edition),
    )
    db.session.flush()
    return edition


def update_edition(*, actor: User, edition: Edition, data: EditionData) -> None:
    """Change an edition; audited with the before/after of the fields that changed."""
    _check_permission(actor)
    calendar = _utc_calendar(data.calendar)
    _check(data, calendar, edition=edition)
    before = _snapshot(edition)
    # Links to a published edition are out in the world: its address no longer follows its name.
    if not edition.published and data.name.strip() != edition.name:
        edition.slug = _unique_slug(data.name, exclude_id=edition.id)
    _apply(edition, data, calendar)
    _flush_or_conflict()
    after = _snapshot(edition)
    changed = sorted(key for key in after if after[key] != before.get(key))
    if not changed:
        return
    audit.record(
        actor_id=actor.id,
        action="edition.update",
        target_type="edition",
        target_id=edition.id,
        before={key: before.get(key) for key in changed},
        after={key: after[key] for key in changed},
    )
    db.session.flush()


def _check_permission(actor: User) -> None:
    if not can_manage_editions(actor.roles):
        raise PermissionDenied(_l("Only administrators can configure editions."))


def _utc_calendar(calendar: Mapping[PhaseKind, PhaseDates]) -> dict[PhaseKind, PhaseWindow]:
    return {
        kind: PhaseWindow(PhaseKind(kind), _to_naive_utc(dates.starts_at), _to_naive_utc(dates.ends_at))
        for kind, dates in calendar.items()
    }


def _to_naive_utc(value: datetime) -> datetime:
    # A naive value here would be ambiguous (town time? UTC?): callers must say which zone they mean.
    if value.tzinfo is None:
        raise ValueError("phase dates must be timezone-aware")
    return value.astimezone(UTC).replace(tzinfo=None)


def _check(data: EditionData, calendar: Mapping[PhaseKind, PhaseWindow], *, edition: Edition | None) -> None:
    """Refuse, before anything changes, an edition that breaks a business rule."""
    problems: dict[str, list[Any]] = {}
    if not data.name.strip():
        problems["name"] = [_l("Give the edition a name.")]
    if data.envelope_cents < 0:
        problems["envelope"] = [_l("The envelope cannot be negative.")]
    if data.population is not None and data.population <= 0:
        problems["population"] = [_l("The population must be a positive number.")]
    if data.investment_budget_cents is not None and data.investment_budget_cents <= 0:
        problems["investment_budget"] = [_l("The investment budget must be more than zero.")]
    district_ids = [share.district_id for share in data.districts]
    known = set(db.session.scalars(select(District.id).where(District.id.in_(district_ids))))
    if len(set(district_ids)) != len(district_ids) or known != set(district_ids):
        problems.setdefault("districts", []).append(_l("Some of the chosen districts do not exist."))
    total = sum(share.envelope_cents or 0 for share in data.districts)
    if total > data.envelope_cents:
        problems.setdefault("districts", []).append(
            _l(
                "The district envelopes add up to %(total)s, "
                "more than the edition's envelope of %(envelope)s.",
                total=format_euros(total),
                envelope=format_euros(data.envelope_cents),
            )
        )
    for kind, code in calendar_problems(calendar.values()):
        if code == "ends_before_start":
            key, message = f"calendar.{kind.value}.ends_at", _l("The phase must end after it starts.")
        else:
            key, message = (
                f"calendar.{kind.value}.starts_at",
                _l("This phase starts before the previous phase of the calendar."),
            )
        problems.setdefault(key, []).append(message)
    if any(len(name) > THEME_MAX_LENGTH for name in _clean_themes(data.themes)):
        problems["themes"] = [_l("Each theme must fit in %(max)d characters.", max=THEME_MAX_LENGTH)]
    if edition is not None:
        for key, messages in _still_used(edition, data).items():
            problems.setdefault(key, []).extend(messages)
    if problems:
        raise EditionInvalid(problems)


def _still_used(edition: Edition, data: EditionData) -> dict[str, list[Any]]:
    """Refuse to drop a theme or district that proposals of the edition still point to."""
    problems: dict[str, list[Any]] = {}
    kept_themes = {name.casefold() for name in _clean_themes(data.themes)}
    dropped_themes = [t for t in edition.themes if t.name.casefold() not in kept_themes]
    kept_districts = {share.district_id for share in data.districts}
    dropped_districts = [d for d in edition.districts if d.district_id not in kept_districts]
    for theme in dropped_themes:
        if edition_hooks().uses(edition, theme_id=theme.id):
            problems.setdefault("themes", []).append(
                _l("Proposals use the theme “%(name)s”: it cannot be removed.", name=theme.name)
            )
    for share in dropped_districts:
        if edition_hooks().uses(edition, district_id=share.district_id):
            problems.setdefault("districts", []).append(
                _l("Proposals are located in %(name)s: it must keep taking part.", name=share.district.name)
            )
    return problems


def _apply(edition: Edition, data: EditionData, calendar: Mapping[PhaseKind, PhaseWindow]) -> None:
    edition.name = data.name.strip()
    edition.year = data.year
    edition.description = data.description.strip()
    edition.rules_text = data.rules_text.strip()
    edition.envelope_cents = data.envelope_cents
    edition.population = data.population
    edition.investment_budget_cents = data.investment_budget_cents
    edition.mode = data.mode
    edition.published = data.published
    edition.contact_retention_months = data.contact_retention_months
    _apply_districts(edition, data.districts)
    _apply_themes(edition, data.themes)
    _apply_calendar(edition, calendar)


def _apply_districts(edition: Edition, shares: tuple[DistrictShare, ...]) -> None:
    wanted = {share.district_id: share.envelope_cents for share in shares}
    for row in list(edition.districts):
        if row.district_id not in wanted:
            edition.districts.remove(row)
    existing = {row.district_id: row for row in edition.districts}
    for district_id, envelope_cents in wanted.items():
        if district_id in existing:
            existing[district_id].envelope_cents = envelope_cents
        else:
            edition.districts.append(EditionDistrict(district_id=district_id, envelope_cents=envelope_cents))


def _clean_themes(names: tuple[str, ...]) -> list[str]:
    """Strip names and drop blanks and case-insensitive repeats, keeping the first spelling."""
    seen: dict[str, str] = {}
    for name in names:
        cleaned = " ".join(name.split())
        if cleaned and cleaned.casefold() not in seen:
            seen[cleaned.casefold()] = cleaned
    return list(seen.values())


def _apply_themes(edition: Edition, names: tuple[str, ...]) -> None:
    wanted = {name.casefold(): name for name in _clean_themes(names)}
    for theme in list(edition.themes):
        if theme.name.casefold() not in wanted:
            edition.themes.remove(theme)
        else:
            # Same theme, maybe a corrected spelling: keep the row so proposals keep their theme.
            theme.name = wanted.pop(theme.name.casefold())
    for name in wanted.values():
        edition.themes.append(Theme(name=name))


def _apply_calendar(edition: Edition, calendar: Mapping[PhaseKind, PhaseWindow]) -> None:
    for phase in list(edition.phases):
        if phase.kind not in calendar:
            edition.phases.remove(phase)
    existing = {phase.kind: phase for phase in edition.phases}
    for kind, window in calendar.items():
        if kind in existing:
            existing[kind].starts_at, existing[kind].ends_at = window.starts_at, window.ends_at
        else:
            edition.phases.append(Phase(kind=kind, starts_at=window.starts_at, ends_at=window.ends_at))


def slugify(text: str) -> str:
    """Turn a name into a lowercase ASCII address segment ("Budget 2026 é" → "budget-2026-e")."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")
    return slug[:SLUG_MAX_LENGTH].rstrip("-") or "edition"


def _unique_slug(name: str, *, exclude_id: int | None = None) -> str:
    base = slugify(name)
    stmt = select(Edition.slug).where(Edition.slug.startswith(base, autoescape=True))
    if exclude_id is not None:
        stmt = stmt.where(Edition.id != exclude_id)
    taken = set(db.session.scalars(stmt))
    slug, n = base, 1
    while slug in taken:
        n += 1
        suffix = f"-{n}"
        slug = base[: SLUG_MAX_LENGTH - len(suffix)] + suffix
    return slug


def _flush_or_conflict() -> None:
    # Two administrators saving editions with the same name at once race for the slug; the
    # domain-error handler rolls the whole request back.
    try:
        db.session.flush()
    except IntegrityError as exc:
        message = _l("Another edition was saved with the same name meanwhile. Please try again.")
        raise Conflict(message) from exc


def _snapshot(edition: Edition) -> dict[str, Any]:
    """Return the audited shape of an edition (its own settings only: no personal data)."""
    return {
        "name": edition.name,
        "slug": edition.slug,
        "year": edition.year,
        "description": edition.description,
        "rules_text": edition.rules_text,
        "envelope_cents": edition.envelope_cents,
        "population": edition.population,
        "investment_budget_cents": edition.investment_budget_cents,
        "mode": edition.mode.value,
        "published": edition.published,
        "contact_retention_months": edition.contact_retention_months,
        "districts": {str(row.district_id): row.envelope_cents for row in edition.districts},
        "themes": sorted(theme.name for theme in edition.themes),
        "calendar": {
            phase.kind.value: [phase.starts_at.isoformat(), phase.ends_at.isoformat()]
            for phase in sorted(edition.phases, key=lambda p: PHASE_ORDER.index(p.kind))
        },
    }
