"""Read models for proposal pages: filtered lists, one proposal with everything its page shows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import BigInteger, Integer, Select, and_, bindparam, cast, func, select, union
from sqlalchemy.orm import joinedload, selectinload

from civic.extensions import db
from civic.processes.hooks import EditionCounts
from civic.processes.models import Edition
from civic.proposals.models import PUBLIC_STATUSES, Channel, CoAuthor, Comment, Proposal, ProposalStatus
from civic.proposals.search import has_fts, search_filter
from civic.web.params import page_arg, query_int

PER_PAGE = 20
SORTS = ("recent", "random", "title")
PUBLIC_STATUS_VALUES = frozenset(s.value for s in PUBLIC_STATUSES)
# "Random" order: a hash of (id + the visitor's seed) modulo a prime, stable for one visitor.
_PRIME = 1_000_003
# Knuth's multiplicative hash constant scatters neighbouring ids across the whole range.
_MULTIPLIER = 2_654_435_761


@dataclass(frozen=True)
class ListFilters:
    district_id: int | None = None
    theme_id: int | None = None
    status: ProposalStatus | None = None
    query: str = ""
    sort: str = "recent"
    page: int = 1


def proposal_page(edition_id: int, filters: ListFilters, *, seed: int) -> Pagination:
    """Return one page of an edition's public proposals matching the filters."""
    stmt = (
        select(Proposal)
        .where(
            Proposal.edition_id == edition_id,
            Proposal.status != ProposalStatus.DRAFT,
            # Hidden proposals leave the list and its search; moderators find them in their queue.
            Proposal.hidden_at.is_(None),
        )
        .options(joinedload(Proposal.district), joinedload(Proposal.theme), selectinload(Proposal.images))
    )
    if filters.district_id:
        stmt = stmt.where(Proposal.district_id == filters.district_id)
    if filters.theme_id:
        stmt = stmt.where(Proposal.theme_id == filters.theme_id)
    if filters.status:
        stmt = stmt.where(Proposal.status == filters.status)
    if filters.query:
        clause = search_filter(filters.query, use_fts=has_fts(db.session.connection()))
        if clause is not None:
            stmt = stmt.where(clause)
    if filters.sort == "random":
        stmt = stmt.order_by((cast(Proposal.id + seed, BigInteger) * _MULTIPLIER) % _PRIME, Proposal.id)
    elif filters.sort == "title":
        stmt = stmt.order_by(Proposal.title, Proposal.id)
    else:
        stmt = stmt.order_by(Proposal.submitted_at.desc(), Proposal.id.desc())
    return db.paginate(stmt, page=filters.page, per_page=PER_PAGE, error_out=False, max_per_page=PER_PAGE)


def proposal_for_page(proposal_id: int) -> Proposal | None:
    """Load a proposal with what its page shows (edition, district, theme, timeline, images, co-authors)."""
    return db.session.scalar(
        select(Proposal)
        .where(Proposal.id == proposal_id)
        .options(
            joinedload(Proposal.edition),
            joinedload(Proposal.district),
            joinedload(Proposal.theme),
            joinedload(Proposal.author),
            selectinload(Proposal.status_changes),
            selectinload(Proposal.images),
            selectinload(Proposal.coauthors).joinedload(CoAuthor.user),
        )
    )


def comment_thread(proposal_id: int, *, limit: int = 200) -> list[Comment]:
    """Return top-level comments (oldest first) with their replies loaded."""
    return list(
        db.session.scalars(
            select(Comment)
            .where(Comment.proposal_id == proposal_id, Comment.parent_id.is_(None))
            .options(joinedload(Comment.author), selectinload(Comment.replies).joinedload(Comment.author))
            .order_by(Comment.created_at, Comment.id)
            .limit(limit)
        )
    )


def pending_invitations(user_id: int, *, confirmed_email: str | None = None) -> list[CoAuthor]:
    """Return co-author invitations waiting for this person's answer (also those sent to their address)."""
    addressed = CoAuthor.user_id == user_id
    if confirmed_email:
        addressed = addressed | (CoAuthor.user_id.is_(None) & (CoAuthor.invited_email == confirmed_email))
    return list(
        db.session.scalars(
            select(CoAuthor)
            .join(CoAuthor.proposal)
            .join(Proposal.edition)
            .where(
                addressed,
                CoAuthor.accepted_at.is_(None),
                # Nothing of an unpublished edition shows, nor what moderators hid.
                Edition.published.is_(True),
                Proposal.hidden_at.is_(None),
            )
            .options(joinedload(CoAuthor.proposal))
            .order_by(CoAuthor.id)
        )
    )


def filters_from_args(args: Mapping[str, str]) -> ListFilters:
    """Read list filters from query parameters, ignoring anything malformed."""

    status_value = args.get("status", "")
    status = ProposalStatus(status_value) if status_value in PUBLIC_STATUS_VALUES else None
    sort = args.get("sort", "recent")
    return ListFilters(
        district_id=query_int(args, "district", minimum=1),
        theme_id=query_int(args, "theme", minimum=1),
        status=status,
        query=args.get("q", "").strip()[:100],
        sort=sort if sort in SORTS else "recent",
        page=page_arg(args),
    )


def proposals_of(user_id: int) -> list[Proposal]:
    """Return the proposals a person authors or co-authors, drafts included, newest first."""
    coauthored = select(CoAuthor.proposal_id).where(
        CoAuthor.user_id == user_id, CoAuthor.accepted_at.is_not(None)
    )
    return list(
        db.session.scalars(
            select(Proposal)
            .join(Proposal.edition)
            .where((Proposal.author_id == user_id) | Proposal.id.in_(coauthored), Edition.published.is_(True))
            .options(joinedload(Proposal.edition))
            .order_by(Proposal.created_at.desc())
        )
    )


def front_desk_proposals(query: str, *, limit: int = 50) -> list[Proposal]:
    """Return the public, visible proposals of published editions matching a reference or words (newest first);
    without a query, the latest ones recorded at the town hall."""
    stmt = (
        select(Proposal)
        .join(Proposal.edition)
        # Hidden proposals are the moderators' business: their queue shows them, the desk does not.
        .where(
            Edition.published.is_(True), Proposal.status != ProposalStatus.DRAFT, Proposal.hidden_at.is_(None)
        )
        .options(joinedload(Proposal.edition))
        .order_by(Proposal.submitted_at.desc(), Proposal.id.desc())
        .limit(limit)
    )
    query = query.strip()[:100]
    if query:
        clause = search_filter(query, use_fts=has_fts(db.session.connection()))
        if clause is None:
            return []
        stmt = stmt.where(clause)
    else:
        # Recorded by staff, not imported from a past election (those carry the same channel).
        stmt = stmt.where(Proposal.channel == Channel.IN_PERSON, Proposal.recorded_by_id.is_not(None))
    return list(db.session.scalars(stmt))


@cache
def _edition_counts_statement() -> Select[Any]:
    # Built once: constructing this union of subqueries costs more than running it on a small edition.
    edition_id = bindparam("edition_id", type_=Integer)
    public = and_(
        Proposal.edition_id == edition_id,
        Proposal.status != ProposalStatus.DRAFT,
        Proposal.hidden_at.is_(None),
    )
    # A comment under a hidden proposal is hidden with it, so only public proposals' comments count.
    visible_comments = and_(public, Comment.hidden_at.is_(None))
    authors = union(
        select(Proposal.author_id.label("author_id")).where(public),
        select(Comment.author_id.label("author_id")).join(Comment.proposal).where(visible_comments),
    ).subquery()
    # One round trip for the three figures (the edition page is read far more often than written).
    return select(
        select(func.count(Proposal.id)).where(public).scalar_subquery(),
        select(func.count(Comment.id)).join(Comment.proposal).where(visible_comments).scalar_subquery(),
        select(func.count()).select_from(authors).where(authors.c.author_id.is_not(None)).scalar_subquery(),
    )


def edition_counts(edition: Edition) -> EditionCounts:
    """Count public proposals, visible comments on them, and the distinct people who wrote either."""
    row = db.session.execute(_edition_counts_statement(), {"edition_id": edition.id}).one()
    return EditionCounts(proposals=row[0] or 0, comments=row[1] or 0, contributors=row[2] or 0)


def proposals_using(edition: Edition, *, theme_id: int | None = None, district_id: int | None = None) -> int:
    """Count the edition's proposals (drafts included) located in a district or filed under a theme."""
    stmt = select(func.count(Proposal.id)).where(Proposal.edition_id == edition.id)
    if theme_id is not None:
        stmt = stmt.where(Proposal.theme_id == theme_id)
    if district_id is not None:
        stmt = stmt.where(Proposal.district_id == district_id)
    return db.session.scalar(stmt) or 0
