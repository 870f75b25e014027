"""Read models of editions: the lists, the edition page and its counts. No writes."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import cache

from babel import numbers
from flask_babel import format_currency, get_locale
from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import joinedload, selectinload

from civic.core.money import cents_to_euros
from civic.extensions import db
from civic.processes.hooks import EditionCounts, edition_hooks
from civic.processes.models import District, Edition, EditionDistrict
from civic.processes.phases import (
    PHASE_ORDER,
    Action,
    PhaseKind,
    PhaseWindow,
    allowed_actions,
    current_phases,
    next_phase,
)
from civic.web.cache import per_reader


@dataclass(frozen=True)
class References:
    """French references an edition's figures are compared with (see PRODUCT.md §1)."""

    mean_euros_per_inhabitant: float = 11.83
    usual_share_low: float = 0.02
    usual_share_high: float = 0.05


REFERENCES = References()


@per_reader
def format_euros(cents: int) -> str:
    """Format cents as euros in the reader's language, without decimals for whole amounts."""
    amount = cents_to_euros(cents)
    locale = get_locale()
    if cents % 100 or locale is None:
        return str(format_currency(amount, "EUR"))
    pattern = locale.currency_formats["standard"].pattern.replace(".00", "")
    return str(format_currency(amount, "EUR", format=pattern, currency_digits=False))


@per_reader
def format_share(fraction: float) -> str:
    """Format a fraction as a percentage with at most one decimal ("2,5 %")."""
    locale = get_locale() or "fr"
    return numbers.format_percent(round(fraction, 3), locale=locale, decimal_quantization=False)


def compare(value: float, low: float, high: float) -> str:
    """Place a value against a reference range: ``below``, ``within`` or ``above``."""
    if value < low:
        return "below"
    return "above" if value > high else "within"


WITH_EVERYTHING = (
    selectinload(Edition.phases),
    selectinload(Edition.themes),
    # Each share's district comes in the same query as the shares (many-to-one: no row multiplication).
    selectinload(Edition.districts).joinedload(EditionDistrict.district),
)


def town_districts() -> list[District]:
    """Return the town's districts by name."""
    return list(db.session.scalars(select(District).order_by(District.name)))


def all_editions() -> list[Edition]:
    """Return every edition, newest first (back office)."""
    stmt = (
        select(Edition).options(selectinload(Edition.phases)).order_by(Edition.year.desc(), Edition.id.desc())
    )
    return list(db.session.scalars(stmt))


def edition_by_id(edition_id: int) -> Edition | None:
    """Return an edition with its districts, themes and calendar."""
    return db.session.scalar(select(Edition).where(Edition.id == edition_id).options(*WITH_EVERYTHING))


def edition_by_slug(slug: str, *, with_everything: bool = True, with_calendar: bool = False) -> Edition | None:
    """Return an edition by its address, with its districts, themes and calendar (unless told not to).

    ``with_calendar`` (with ``with_everything=False``) loads the calendar alone, in the same query.
    """
    if with_calendar and not with_everything:
        return db.session.scalars(_edition_by_slug_statement(False, True), {"slug": slug}).unique().first()
    return db.session.scalar(_edition_by_slug_statement(with_everything, False), {"slug": slug})


@cache
def _edition_by_slug_statement(with_everything: bool, with_calendar: bool) -> Select[tuple[Edition]]:
    # Built once: most public pages start with this lookup, and building it costs more than running it.
    stmt = select(Edition).where(Edition.slug == bindparam("slug"))
    if with_calendar:
        return stmt.options(joinedload(Edition.phases))
    return stmt.options(*WITH_EVERYTHING) if with_everything else stmt


def is_over(edition: Edition, now: datetime) -> bool:
    """Tell whether every phase of a (dated) calendar has ended."""
    return bool(edition.phases) and max(phase.ends_at for phase in edition.phases) <= now


class CalendarState(enum.StrEnum):
    UPCOMING = "upcoming"
    IN_PROGRESS = "in_progress"
    FINISHED = "finished"


def calendar_state(edition: Edition, now: datetime) -> CalendarState:
    """Place an edition by its calendar: nothing started yet, under way, or every phase over."""
    if is_over(edition, now):
        return CalendarState.FINISHED
    if edition.phases and min(phase.starts_at for phase in edition.phases) <= now:
        return CalendarState.IN_PROGRESS
    return CalendarState.UPCOMING


@dataclass(frozen=True)
class EditionListing:
    upcoming: list[Edition]
    in_progress: list[Edition]
    finished: list[Edition]
    phases_now: dict[int, list[PhaseKind]]
    deadlines: dict[int, datetime]
    starts: dict[int, datetime]

    @property
    def empty(self) -> bool:
        return not (self.upcoming or self.in_progress or self.finished)

    @property
    def featured(self) -> Edition | None:
        """The edition the home page leads with: under way, else the next to come, else the latest."""
        for group in (self.in_progress, self.upcoming, self.finished):
            if group:
                return group[0]
        return None


def published_editions(*, now: datetime) -> EditionListing:
    """Return published editions grouped as upcoming, in progress and finished by their calendar."""
    stmt = (
        select(Edition)
        .where(Edition.published.is_(True))
        .options(selectinload(Edition.phases))
        .order_by(Edition.year.desc(), Edition.id.desc())
    )
    editions = list(db.session.scalars(stmt))
    groups: dict[CalendarState, list[Edition]] = {state: [] for state in CalendarState}
    for edition in editions:
        groups[calendar_state(edition, now)].append(edition)
    # Upcoming editions: the soonest first.
    groups[CalendarState.UPCOMING].sort(
        key=lambda e: min((p.starts_at for p in e.phases), default=datetime.max)
    )
    return EditionListing(
        upcoming=groups[CalendarState.UPCOMING],
        in_progress=groups[CalendarState.IN_PROGRESS],
        finished=groups[CalendarState.FINISHED],
        phases_now={e.id: current_phases(e.calendar, now) for e in editions},
        deadlines={e.id: d for e in editions if (d := _current_deadline(e, now)) is not None},
        starts={e.id: min(p.starts_at for p in e.phases) for e in editions if e.phases},
    )


def _current_deadline(edition: Edition, now: datetime) -> datetime | None:
    """Return when the running phase (the first to close, if several overlap) ends."""
    ends = [phase.ends_at for phase in edition.phases if phase.starts_at <= now < phase.ends_at]
    return min(ends) if ends else None


def edition_counts(edition: Edition) -> EditionCounts:
    """Count public proposals, visible comments on them, and the people who wrote either (proposals' hook)."""
    return edition_hooks().counts(edition)


class StepState(enum.StrEnum):
    DONE = "done"
    CURRENT = "current"
    UPCOMING = "upcoming"
    UNSCHEDULED = "unscheduled"


@dataclass(frozen=True)
class TimelineStep:
    kind: PhaseKind
    state: StepState
    starts_at: datetime | None = None
    ends_at: datetime | None = None


def timeline(calendar: Iterable[PhaseWindow], now: datetime) -> list[TimelineStep]:
    """Return every phase kind in order with its dates and whether it is done, running or to come."""
    windows = {window.kind: window for window in calendar}
    steps = []
    for kind in PHASE_ORDER:
        window = windows.get(kind)
        if window is None:
            steps.append(TimelineStep(kind, StepState.UNSCHEDULED))
            continue
        if window.contains(now):
            state = StepState.CURRENT
        elif window.ends_at <= now:
            state = StepState.DONE
        else:
            state = StepState.UPCOMING
        steps.append(TimelineStep(kind, state, window.starts_at, window.ends_at))
    return steps


@dataclass(frozen=True)
class EditionPage:
    edition: Edition
    counts: EditionCounts
    timeline: list[TimelineStep]
    current: list[PhaseKind]
    actions: list[Action]
    next_phase: PhaseWindow | None
    over: bool
    per_inhabitant_vs_mean: str | None
    share_vs_usual: str | None


def edition_page(edition: Edition, *, now: datetime) -> EditionPage:
    """Gather what the public page of an edition shows at ``now``."""
    calendar = edition.calendar
    actions = allowed_actions(calendar, now, city_list=edition.is_city_list)
    return EditionPage(
        edition=edition,
        counts=edition_counts(edition),
        timeline=timeline(calendar, now),
        current=current_phases(calendar, now),
        actions=[action for action in Action if action in actions],
        next_phase=next_phase(calendar, now),
        over=is_over(edition, now),
        per_inhabitant_vs_mean=_vs_mean(edition.euros_per_inhabitant),
        share_vs_usual=_vs_usual(edition.share_of_investment_budget),
    )


def _vs_mean(per_inhabitant: float | None) -> str | None:
    if per_inhabitant is None:
        return None
    # Compare what is shown: amounts rounded to the cent.
    mean = REFERENCES.mean_euros_per_inhabitant
    return compare(round(per_inhabitant, 2), mean, mean)


def _vs_usual(share: float | None) -> str | None:
    if share is None:
        return None
    return compare(round(share, 3), REFERENCES.usual_share_low, REFERENCES.usual_share_high)
