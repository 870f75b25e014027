"""What a cast reads about its vote, kept per server process while the site's content does not change.

Every cast needs the same things about its edition: the calendar (is the vote open now?), who may see
it, the ballot settings, the ballot boxes with their projects and costs, and the districts. During a vote
these do not change: from the first ballot the rules, boxes, projects and costs are frozen
(``civic.voting.ballot._ensure_not_frozen``), and the calendar changes only when staff edit it. Reading
them again and turning the rows into ORM objects cost about a fifth of every cast.

So they are read once per process into plain frozen values (``VoteContext``, ``Box``, ``BoxProject``),
stored under the site's content version (``civic.core.content_version``). A cast reads that counter (one
cheap statement) and uses its copy only if the counter has not moved; any committed write to an edition,
its calendar, districts, settings, boxes or projects, in any process, moves it, and the next cast reads
everything again. The vote's own writes (participations, the pool, the tags) leave the counter alone, so
casting does not throw the copy away. Whether the vote is open is still decided by the clock at each
cast, and the person's standing (roll, participation) is always read from the database.

The values carry the attribute names the ballot code reads on ORM objects (``pool.projects``,
``project.external_id``, ``pool.district.name``, ``edition.calendar``…), so the same casting, basket and
mixer functions take either.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass

from flask import current_app
from flask_login import current_user
from sqlalchemy import select

from civic.core.content_version import current_version
from civic.extensions import db
from civic.processes.models import Edition
from civic.processes.permissions import can_view_edition
from civic.processes.phases import PhaseWindow
from civic.processes.queries import edition_by_slug
from civic.proposals.models import Proposal
from civic.voting.ballot import public_pools, settings_of
from civic.voting.ballot_rules import Settings
from civic.voting.models import VotePool, VoteType

# Editions kept per process (a town runs a few at a time; the least recently used goes first).
MAX_KEPT = 32


@dataclass(frozen=True)
class ProposalTitle:
    """The title of a project's proposal: the only thing of it a ballot's error messages show."""

    title: str


@dataclass(frozen=True)
class BoxProject:
    """A project on a ballot box, as the casting reads it."""

    id: int
    pool_id: int
    external_id: str
    cost_cents: int
    proposal: ProposalTitle


@dataclass(frozen=True)
class BoxDistrict:
    """The district of a box (its name is where the voter is told their ballot went)."""

    id: int
    name: str


@dataclass(frozen=True)
class Box:
    """A ballot box, as the casting reads it."""

    id: int
    district_id: int | None
    district: BoxDistrict | None
    budget_cents: int
    vote_type: VoteType
    projects: tuple[BoxProject, ...]


@dataclass(frozen=True)
class EditionDistrictRef:
    """A district taking part in the edition (where a voter may vote is worked out from these)."""

    district_id: int


@dataclass(frozen=True)
class VoteContext:
    """An edition as a cast reads it: who may see it, its calendar, districts, settings and ballot boxes."""

    id: int
    slug: str
    published: bool
    is_city_list: bool
    calendar: tuple[PhaseWindow, ...]
    districts: tuple[EditionDistrictRef, ...]
    settings: Settings | None
    boxes: tuple[Box, ...]


class _Kept:
    """A small thread-safe LRU of contexts by (edition slug), each with the content version it was read at."""

    def __init__(self) -> None:
        self._items: OrderedDict[str, tuple[int, VoteContext | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, slug: str, version: int) -> tuple[bool, VoteContext | None]:
        with self._lock:
            item = self._items.get(slug)
            if item is None or item[0] != version:
                return False, None
            self._items.move_to_end(slug)
            return True, item[1]

    def put(self, slug: str, version: int, context: VoteContext | None) -> None:
        with self._lock:
            self._items[slug] = (version, context)
            self._items.move_to_end(slug)
            while len(self._items) > MAX_KEPT:
                self._items.popitem(last=False)


def _kept() -> _Kept:
    kept = current_app.extensions.get("civic_vote_contexts")
    if kept is None:
        kept = current_app.extensions.setdefault("civic_vote_contexts", _Kept())
    return kept  # type: ignore[no-any-return]


def _box(pool: VotePool, titles: dict[int, str]) -> Box:
    district = BoxDistrict(pool.district.id, pool.district.name) if pool.district is not None else None
    projects = tuple(
        BoxProject(p.id, p.pool_id, p.external_id, p.cost_cents, ProposalTitle(titles.get(p.proposal_id, "")))
        for p in pool.projects
    )
    return Box(pool.id, pool.district_id, district, pool.budget_cents, pool.vote_type, projects)


def read_context(edition: Edition) -> VoteContext:
    """Read an edition's vote context from the database (what ``vote_context`` keeps)."""
    row = settings_of(edition)
    pools = public_pools(edition)
    # The titles in one query (loading each project's proposal would cost one query per project).
    wanted = [p.proposal_id for pool in pools for p in pool.projects]
    titles = {
        row.id: row.title
        for row in db.session.execute(select(Proposal.id, Proposal.title).where(Proposal.id.in_(wanted)))
    }
    return VoteContext(
        id=edition.id,
        slug=edition.slug,
        published=edition.published,
        is_city_list=edition.is_city_list,
        calendar=tuple(edition.calendar),
        districts=tuple(EditionDistrictRef(d.district_id) for d in edition.districts),
        settings=row.rules() if row is not None else None,
        boxes=tuple(_box(pool, titles) for pool in pools),
    )


def vote_context(slug: str) -> VoteContext | None:
    """Return the edition's vote context if the visitor may see the edition (None: no such edition for them).

    The copy kept by this process is used only while the site's content version has not moved.
    """
    version = current_version()
    kept = _kept()
    found, context = kept.get(slug, version)
    if not found:
        edition = edition_by_slug(slug)
        context = read_context(edition) if edition is not None else None
        kept.put(slug, version, context)
    roles = current_user.roles if current_user.is_authenticated else frozenset()
    if context is None or not can_view_edition(roles, published=context.published):
        return None
    return context
