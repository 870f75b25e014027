"""Read models for the report page and the moderators' queue (reports grouped by content)."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from flask_sqlalchemy.pagination import Pagination
from sqlalchemy import and_, exists, func, or_, select
from sqlalchemy.orm import selectinload

from civic.accounts.models import User
from civic.extensions import db
from civic.moderation.models import Report, ReportReason, ReportState, ReportTarget
from civic.processes.models import Edition
from civic.proposals.models import PUBLIC_STATUSES, Comment, Proposal

PER_PAGE = 20
# What ``hidden_reason`` holds while automatically hidden content waits for a moderator.
PENDING_REVIEW = "pending_review"

Target = Proposal | Comment
TargetKey = tuple[ReportTarget, int]


@dataclass(frozen=True)
class QueueFilters:
    edition_id: int | None = None
    reason: ReportReason | None = None
    state: ReportState = ReportState.OPEN
    # Editions in preparation are for administrators only, in the queue too.
    published_only: bool = True


@dataclass
class QueueItem:
    """One reported piece of content with the reports shown for it (newest first)."""

    target_type: ReportTarget
    target_id: int
    target: Target | None
    edition: Edition | None
    reports: list[Report]
    open_count: int
    decision: Report | None = field(default=None)

    @property
    def key(self) -> str:
        return f"{self.target_type.value}-{self.target_id}"

    @property
    def report_id(self) -> int:
        """Return the report that decision URLs name (a decision covers every open report of the content)."""
        return self.reports[0].id

    @property
    def author(self) -> User | None:
        return self.target.author if self.target is not None else None

    @property
    def proposal(self) -> Proposal | None:
        if isinstance(self.target, Comment):
            return self.target.proposal
        return self.target

    @property
    def reason_counts(self) -> list[tuple[ReportReason, int]]:
        return Counter(r.reason for r in self.reports).most_common()

    @property
    def top_reason(self) -> ReportReason:
        return self.reason_counts[0][0]

    @property
    def first_reported_at(self) -> datetime:
        return min(r.created_at for r in self.reports)

    @property
    def last_reported_at(self) -> datetime:
        return max(r.created_at for r in self.reports)

    @property
    def auto_hidden(self) -> bool:
        return self.target is not None and self.target.hidden_reason == PENDING_REVIEW


@dataclass
class QueuePage:
    items: list[QueueItem]
    pagination: Pagination


def reportable_target(target_type: str | None, target_id: int | None) -> Target | None:
    """Return the public proposal or comment a person may report, if it exists."""
    if target_type not in {t.value for t in ReportTarget} or not target_id or not 0 < target_id < 2**63:
        return None
    if target_type == ReportTarget.PROPOSAL:
        target: Target | None = db.session.get(Proposal, target_id)
    else:
        target = db.session.get(Comment, target_id)
    proposal = target.proposal if isinstance(target, Comment) else target
    if proposal is None or proposal.status not in PUBLIC_STATUSES or not proposal.edition.published:
        return None
    if isinstance(target, Comment) and (
        proposal.is_hidden or (target.parent is not None and target.parent.is_hidden)
    ):
        # A comment under hidden content is hidden with it: its page would show what is hidden.
        return None
    return target


def has_reported(*, user_id: int, target_type: ReportTarget, target_id: int) -> bool:
    """Tell whether this person already reported this content."""
    return bool(
        db.session.scalar(
            select(
                exists().where(
                    Report.target_type == target_type,
                    Report.target_id == target_id,
                    Report.reporter_id == user_id,
                )
            )
        )
    )


def open_reports(target_type: ReportTarget, target_id: int) -> list[Report]:
    """Return the open reports of one piece of content, oldest first."""
    return list(
        db.session.scalars(
            select(Report)
            .where(
                Report.target_type == target_type,
                Report.target_id == target_id,
                Report.state == ReportState.OPEN,
            )
            .order_by(Report.created_at, Report.id)
        )
    )


def editions(*, published_only: bool = True) -> list[tuple[int, str]]:
    """Return (id, name) of the editions, newest first, for the queue's filter."""
    stmt = select(Edition.id, Edition.name).order_by(Edition.year.desc(), Edition.name)
    if published_only:
        stmt = stmt.where(Edition.published.is_(True))
    return [(row.id, row.name) for row in db.session.execute(stmt)]


def report_is_visible(report: Report, *, published_only: bool) -> bool:
    """Tell whether a report's content belongs to an edition the moderator may see."""
    if not published_only or report.edition_id is None:
        return True
    edition = db.session.get(Edition, report.edition_id)
    return edition is not None and edition.published


def queue_page(filters: QueueFilters, *, page: int) -> QueuePage:
    """Return one page of reported content matching the filters, longest waiting first when open."""
    latest_id = func.max(Report.id)
    stmt = (
        select(latest_id).where(Report.state == filters.state).group_by(Report.target_type, Report.target_id)
    )
    if filters.edition_id is not None:
        stmt = stmt.where(Report.edition_id == filters.edition_id)
    if filters.published_only:
        published = select(Edition.id).where(Edition.published.is_(True))
        stmt = stmt.where(or_(Report.edition_id.is_(None), Report.edition_id.in_(published)))
    if filters.reason is not None:
        stmt = stmt.where(Report.reason == filters.reason)
    if filters.state is ReportState.OPEN:
        stmt = stmt.order_by(func.min(Report.created_at), latest_id)
    else:
        stmt = stmt.order_by(func.max(Report.decided_at).desc(), latest_id.desc())
    pagination = db.paginate(stmt, page=page, per_page=PER_PAGE, error_out=False)
    latest = {r.id: r for r in db.session.scalars(select(Report).where(Report.id.in_(pagination.items)))}
    keys = [(latest[i].target_type, latest[i].target_id) for i in pagination.items]
    return QueuePage(items=_items(keys, state=filters.state), pagination=pagination)


def queue_item(report: Report) -> QueueItem:
    """Return the queue entry of the content a report is about, with all its reports."""
    return _items([(report.target_type, report.target_id)], state=None)[0]


def _items(keys: list[TargetKey], *, state: ReportState | None) -> list[QueueItem]:
    comment_ids = [i for kind, i in keys if kind is ReportTarget.COMMENT]
    proposal_ids = [i for kind, i in keys if kind is ReportTarget.PROPOSAL]
    reports = db.session.scalars(
        select(Report)
        .where(
            or_(
                and_(Report.target_type == ReportTarget.COMMENT, Report.target_id.in_(comment_ids)),
                and_(Report.target_type == ReportTarget.PROPOSAL, Report.target_id.in_(proposal_ids)),
            )
        )
        .options(selectinload(Report.decided_by))
        .order_by(Report.created_at.desc(), Report.id.desc())
    ).all()
    author = selectinload(Proposal.author).selectinload(User.role_grants)
    targets: dict[TargetKey, Target] = {
        (ReportTarget.PROPOSAL, p.id): p
        for p in db.session.scalars(select(Proposal).where(Proposal.id.in_(proposal_ids)).options(author))
    }
    comment_options = (
        selectinload(Comment.author).selectinload(User.role_grants),
        selectinload(Comment.proposal),
    )
    targets |= {
        (ReportTarget.COMMENT, c.id): c
        for c in db.session.scalars(
            select(Comment).where(Comment.id.in_(comment_ids)).options(*comment_options)
        )
    }
    editions = {
        e.id: e
        for e in db.session.scalars(select(Edition).where(Edition.id.in_({r.edition_id for r in reports})))
    }
    by_target: dict[TargetKey, list[Report]] = defaultdict(list)
    for report in reports:
        by_target[(report.target_type, report.target_id)].append(report)
    items = []
    for key in keys:
        every = by_target[key]
        decided = [r for r in every if r.decided_at is not None]
        items.append(
            QueueItem(
                target_type=key[0],
                target_id=key[1],
                target=targets.get(key),
                edition=editions.get(every[0].edition_id) if every[0].edition_id else None,
                reports=[r for r in every if state is None or r.state is state],
                open_count=sum(r.state is ReportState.OPEN for r in every),
                decision=max(decided, key=lambda r: (r.decided_at, r.id)) if decided else None,
            )
        )
    return items
