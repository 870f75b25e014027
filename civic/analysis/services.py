"""Technical analysis use cases: keyword-only, explicit actor, checked, flushed, audited.

E-mails are queued with ``civic.core.mail.send_mail``, which sends them only once the caller commits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.analysis import rules
from civic.analysis.models import (
    DEFAULT_REPLY_DAYS,
    MAX_REPLY_DAYS,
    AnalysisSettings,
    MunicipalService,
    Review,
    ReviewAnalyst,
    ReviewNote,
    ReviewReply,
)
from civic.analysis.permissions import can_reply, can_work_on, is_manager
from civic.analysis.rules import Move, ReasonCode, ReviewState, Verdict
from civic.core import audit
from civic.core.errors import Conflict, InvalidInput, PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import Edition
from civic.proposals import hooks
from civic.proposals.models import CoAuthor, Comment, Proposal, ProposalStatus
from civic.proposals.services import change_status, ensure_can_write, notify_holders
from civic.proposals.statuses import IN_THE_RUNNING, can_move, needs_public_reason

# Proposals a review is opened for: still in the running and not yet on a ballot.
ANALYSABLE = IN_THE_RUNNING - {ProposalStatus.ON_BALLOT}
SERVICE_NAME_MAX = 120
TEXT_MAX = 5000


@dataclass(frozen=True)
class ReviewInput:
    verdict: Verdict | None = None
    reason_code: ReasonCode | None = None
    public_explanation: str = ""
    cost_low_cents: int | None = None
    cost_estimate_cents: int | None = None
    cost_high_cents: int | None = None
    first_year_cost_cents: int | None = None
    running_cost_cents: int | None = None
    duration_months: int | None = None
    cost_explanation: str = ""
    proposed_changes: str = ""


# --- checks ---------------------------------------------------------------------------------------


def _ensure_manager(actor: User) -> None:
    if not is_manager(actor.roles):
        raise PermissionDenied(_l("Only the analysis manager or an administrator can do this."))


def _ensure_analyst_of(actor: User, review: Review) -> None:
    if not can_work_on(actor.roles, user_id=actor.id, analyst_ids=review.analyst_ids()):
        raise PermissionDenied(_l("This review is not assigned to you."))


def _move(review: Review, move: Move) -> ReviewState:
    target = rules.next_state(review.state, move)
    if target is None:
        raise Conflict(_l("This review cannot do that in its current state."))
    return target


def _audit(actor: User, action: str, review: Review, **after: object) -> None:
    audit.record(
        actor_id=actor.id,
        action=f"analysis.{action}",
        target_type="analysis_review",
        target_id=review.id,
        after={"proposal": review.proposal_id, "state": review.state.value, **after},
    )


# --- services and settings ------------------------------------------------------------------------


def create_service(*, actor: User, name: str) -> MunicipalService:
    """Add a municipal service (names are unique)."""
    _ensure_manager(actor)
    name = " ".join(name.split())
    if not name or len(name) > SERVICE_NAME_MAX:
        raise InvalidInput({"name": [_l("Give the service a name (120 characters at most).")]})
    if db.session.scalar(
        select(MunicipalService.id).where(func.lower(MunicipalService.name) == name.lower())
    ):
        raise InvalidInput({"name": [_l("A service already has this name.")]})
    service = MunicipalService(name=name)
    db.session.add(service)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="analysis.service_create",
        target_type="municipal_service",
        target_id=service.id,
        after={"name": name},
    )
    return service


def rename_service(*, actor: User, service: MunicipalService, name: str) -> None:
    _ensure_manager(actor)
    name = " ".join(name.split())
    if not name or len(name) > SERVICE_NAME_MAX:
        raise InvalidInput({"name": [_l("Give the service a name (120 characters at most).")]})
    clash = db.session.scalar(
        select(MunicipalService.id).where(
            func.lower(MunicipalService.name) == name.lower(), MunicipalService.id != service.id
        )
    )
    if clash:
        raise InvalidInput({"name": [_l("A service already has this name.")]})
    before = service.name
    service.name = name
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="analysis.service_rename",
        target_type="municipal_service",
        target_id=service.id,
        before={"name": before},
        after={"name": name},
    )


def settings_for(edition: Edition) -> AnalysisSettings:
    """Return the edition's analysis settings (defaults when none were saved)."""
    settings = db.session.get(AnalysisSettings, edition.id)
    return settings or AnalysisSettings(edition_id=edition.id, reply_days=DEFAULT_REPLY_DAYS)


def set_reply_days(*, actor: User, edition: Edition, reply_days: int) -> AnalysisSettings:
    """Set how many days the holders have to answer a draft verdict."""
    _ensure_manager(actor)
    if not 1 <= reply_days <= MAX_REPLY_DAYS:
        raise InvalidInput(
            {"reply_days": [_l("Give a number of days between 1 and %(max)d.", max=MAX_REPLY_DAYS)]}
        )
    settings = db.session.get(AnalysisSettings, edition.id)
    before = settings.reply_days if settings else None
    if settings is None:
        settings = AnalysisSettings(edition_id=edition.id, reply_days=reply_days)
        db.session.add(settings)
    settings.reply_days = reply_days
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="analysis.settings",
        target_type="edition",
        target_id=edition.id,
        before={"reply_days": before},
        after={"reply_days": reply_days},
    )
    return settings


# --- opening and assigning ------------------------------------------------------------------------


def review_of(proposal: Proposal) -> Review | None:
    return db.session.scalar(select(Review).where(Review.proposal_id == proposal.id))


def open_review(*, actor: User, proposal: Proposal) -> Review:
    """Open the review of one proposal (to assign)."""
    _ensure_manager(actor)
    if proposal.status not in ANALYSABLE:
        raise Conflict(_l("Only a proposal still in the running can be analysed."))
    if review_of(proposal) is not None:
        raise Conflict(_l("This proposal already has a review."))
    review = Review(proposal_id=proposal.id, edition_id=proposal.edition_id, state=ReviewState.TO_ASSIGN)
    db.session.add(review)
    db.session.flush()
    _audit(actor, "open", review)
    return review


def open_analysis(*, actor: User, edition: Edition) -> int:
    """Open a review for every proposal of the edition still in the running that has none; return how many."""
    _ensure_manager(actor)
    reviewed = select(Review.proposal_id).where(Review.edition_id == edition.id)
    proposals = db.session.scalars(
        select(Proposal)
        .where(
            Proposal.edition_id == edition.id,
            Proposal.status.in_(list(ANALYSABLE)),
            Proposal.id.not_in(reviewed),
        )
        .order_by(Proposal.id)
    ).all()
    for proposal in proposals:
        db.session.add(Review(proposal_id=proposal.id, edition_id=edition.id, state=ReviewState.TO_ASSIGN))
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="analysis.open_edition",
        target_type="edition",
        target_id=edition.id,
        after={"reviews_opened": len(proposals)},
    )
    return len(proposals)


def assign(
    *,
    actor: User,
    review: Review,
    service: MunicipalService | None,
    analysts: list[User],
    due_on: date | None,
) -> None:
    """Give a review to a service and one or more analysts, with a due date."""
    _ensure_manager(actor)
    target = _move(review, Move.ASSIGN)
    if not analysts:
        raise InvalidInput({"analyst_ids": [_l("Choose at least one analyst.")]})
    if any(
        a.deleted_at is not None or not (Role.ANALYST in a.roles or is_manager(a.roles)) for a in analysts
    ):
        raise InvalidInput({"analyst_ids": [_l("Choose people who hold the analyst role.")]})
    wanted = {a.id for a in analysts}
    review.analysts[:] = [a for a in review.analysts if a.user_id in wanted]
    for user_id in sorted(wanted - review.analyst_ids()):
        review.analysts.append(ReviewAnalyst(user_id=user_id))
    review.service_id = service.id if service else None
    review.due_on = due_on
    review.state = target
    review.assigned_at = review.assigned_at or utcnow()
    db.session.flush()
    _audit(
        actor,
        "assign",
        review,
        service=review.service_id,
        analysts=sorted(wanted),
        due_on=due_on.isoformat() if due_on else None,
    )


# --- the analyst's work ---------------------------------------------------------------------------


def _check_input(data: ReviewInput, *, complete: bool) -> None:
    problems: dict[str, list[object]] = {}
    for problem in rules.cost_problems(data.cost_low_cents, data.cost_estimate_cents, data.cost_high_cents):
        if problem is rules.CostProblem.LOW_ABOVE_ESTIMATE:
            problems.setdefault("cost_low", []).append(_l("The minimum cannot be above the estimate."))
        elif problem is rules.CostProblem.ESTIMATE_ABOVE_HIGH:
            problems.setdefault("cost_high", []).append(
                _l("The maximum cannot be below the estimate or the minimum.")
            )
        else:
            problems.setdefault("cost_estimate", []).append(_l("The amount cannot be negative."))
    if data.verdict is Verdict.NOT_FEASIBLE:
        if data.reason_code is None:
            problems.setdefault("reason_code", []).append(_l("Say why the proposal is not feasible."))
        if not data.public_explanation.strip():
            problems.setdefault("public_explanation", []).append(
                _l("Explain publicly why the proposal is not feasible.")
            )
    if complete:
        if data.verdict is None:
            problems.setdefault("verdict", []).append(_l("Choose a verdict before submitting."))
        if data.verdict in (Verdict.FEASIBLE, Verdict.FEASIBLE_WITH_CHANGES):
            if data.cost_estimate_cents is None:
                problems.setdefault("cost_estimate", []).append(_l("Give the estimated cost."))
            if not data.public_explanation.strip():
                problems.setdefault("public_explanation", []).append(_l("Explain the verdict publicly."))
        if data.verdict is Verdict.FEASIBLE_WITH_CHANGES and not data.proposed_changes.strip():
            problems.setdefault("proposed_changes", []).append(
                _l("Describe the changes the holders are asked to accept.")
            )
    if problems:
        raise InvalidInput(problems)


def save_review(*, actor: User, review: Review, data: ReviewInput) -> None:
    """Save the analyst's draft (the first save starts the work)."""
    _ensure_analyst_of(actor, review)
    target = _move(review, Move.START if review.state is ReviewState.ASSIGNED else Move.SAVE)
    _check_input(data, complete=False)
    review.verdict = data.verdict
    review.reason_code = data.reason_code if data.verdict is Verdict.NOT_FEASIBLE else None
    review.public_explanation = data.public_explanation.strip()
    review.cost_low_cents = data.cost_low_cents
    review.cost_estimate_cents = data.cost_estimate_cents
    review.cost_high_cents = data.cost_high_cents
    # A range typed with only an estimate is that single amount.
    if review.cost_estimate_cents is not None:
        if review.cost_low_cents is None:
            review.cost_low_cents = review.cost_estimate_cents
        if review.cost_high_cents is None:
            review.cost_high_cents = review.cost_estimate_cents
    review.first_year_cost_cents = data.first_year_cost_cents
    review.running_cost_cents = data.running_cost_cents
    review.duration_months = data.duration_months
    review.cost_explanation = data.cost_explanation.strip()
    review.proposed_changes = data.proposed_changes.strip()
    review.state = target
    db.session.flush()
    _audit(actor, "save", review, verdict=data.verdict.value if data.verdict else None)


def submit_review(*, actor: User, review: Review, now: datetime | None = None) -> None:
    """Send the draft verdict to the holders for their reply; they are e-mailed."""
    _ensure_analyst_of(actor, review)
    target = _move(review, Move.SUBMIT)
    _check_input(_input_of(review), complete=True)
    now = now or utcnow()
    review.state = target
    review.round += 1
    review.submitted_at = now
    db.session.flush()
    _audit(actor, "submit", review, round=review.round)
    days = settings_for(review.edition).reply_days
    window = rules.reply_window(now, days, now)
    notify_holders(
        review.proposal, template="analysis_reply_requested", review=review, closes_at=window.closes_at
    )


def _input_of(review: Review) -> ReviewInput:
    return ReviewInput(
        verdict=review.verdict,
        reason_code=review.reason_code,
        public_explanation=review.public_explanation,
        cost_low_cents=review.cost_low_cents,
        cost_estimate_cents=review.cost_estimate_cents,
        cost_high_cents=review.cost_high_cents,
        proposed_changes=review.proposed_changes,
    )


def add_note(*, actor: User, review: Review, body: str) -> ReviewNote:
    """Add a private note between staff on a review."""
    _ensure_analyst_of(actor, review)
    body = body.strip()
    if not body or len(body) > TEXT_MAX:
        raise InvalidInput({"body": [_l("Write the note (5000 characters at most).")]})
    note = ReviewNote(review_id=review.id, author_id=actor.id, body=body)
    db.session.add(note)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="analysis.note",
        target_type="analysis_review",
        target_id=review.id,
        after={"note": note.id},
    )
    return note


# --- the holders' reply ---------------------------------------------------------------------------


def reply_state(review: Review, now: datetime | None = None) -> rules.ReplyWindow | None:
    """Return the current reply window of a submitted review (None before any submission)."""
    if review.submitted_at is None:
        return None
    return rules.reply_window(review.submitted_at, settings_for(review.edition).reply_days, now or utcnow())


def reply(
    *, actor: User, review: Review, body: str, accepts_changes: bool, now: datetime | None = None
) -> ReviewReply:
    """Record (or replace, while the window is open) the holders' answer to the draft verdict."""
    ensure_can_write(actor)
    if not can_reply(user_id=actor.id, holder_ids=review.proposal.holder_ids()):
        raise PermissionDenied(_l("Only the authors of this proposal can answer its analysis."))
    window = reply_state(review, now)
    if review.state is not ReviewState.SUBMITTED or window is None or not window.open:
        raise Conflict(_l("The time to answer this analysis is over."))
    body = body.strip()
    if len(body) > TEXT_MAX:
        raise InvalidInput({"body": [_l("Your answer is too long (5000 characters at most).")]})
    accepts = accepts_changes and review.verdict is Verdict.FEASIBLE_WITH_CHANGES
    if not body and not accepts:
        raise InvalidInput({"body": [_l("Write your answer, or accept the proposed changes.")]})
    answer = review.current_reply()
    if answer is None:
        answer = ReviewReply(review_id=review.id, round=review.round)
        review.replies.append(answer)
    answer.author_id = actor.id
    answer.body = body
    answer.accepts_changes = accepts
    answer.updated_at = now or utcnow()
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="analysis.reply",
        target_type="analysis_review",
        target_id=review.id,
        after={"round": review.round, "accepts_changes": accepts},
    )
    return answer


def validation_blocker(review: Review, now: datetime | None = None) -> rules.Blocker | None:
    """Return what keeps this submitted review from being validated (None: it may be)."""
    window = reply_state(review, now)
    answer = review.current_reply()
    assert review.verdict is not None
    return rules.validation_blocker(
        review.verdict,
        answered=answer is not None,
        accepted=bool(answer and answer.accepts_changes),
        window_open=bool(window and window.open),
        has_holders=bool(review.proposal.holder_ids()),
    )


BLOCKER_MESSAGES = {
    rules.Blocker.WINDOW_OPEN: _l(
        "The holders can still answer: validate once they have, or once their time to answer is over."
    ),
    rules.Blocker.CHANGES_REFUSED: _l(
        "The holders did not accept the proposed changes: send the review back to the analyst."
    ),
}


# --- the manager's decisions ----------------------------------------------------------------------


def validate(*, actor: User, review: Review, now: datetime | None = None) -> None:
    _ensure_manager(actor)
    target = _move(review, Move.VALIDATE)
    blocker = validation_blocker(review, now)
    if blocker is not None:
        raise Conflict(BLOCKER_MESSAGES[blocker])
    review.state = target
    review.validated_at = now or utcnow()
    review.validated_by_id = actor.id
    db.session.flush()
    _audit(actor, "validate", review)


def send_back(*, actor: User, review: Review, reason: str = "") -> None:
    """Ask the analysts for another pass (a submitted or validated review goes back in progress)."""
    _ensure_manager(actor)
    target = _move(review, Move.SEND_BACK)
    review.state = target
    review.validated_at = None
    review.validated_by_id = None
    db.session.flush()
    _audit(actor, "send_back", review, reason=reason.strip()[:500])


def chosen_reviews(candidates: list[Review], raw_ids: list[str]) -> list[Review]:
    """The publishable reviews whose ids the manager ticked; anything else in the form is ignored."""
    wanted = {int(v) for v in raw_ids if v.isdigit() and len(v) < 10}
    return [r for r in candidates if r.id in wanted]


def publish(*, actor: User, reviews: list[Review], now: datetime | None = None) -> int:
    """Publish validated verdicts together: each proposal's status changes, each holder gets one e-mail."""
    _ensure_manager(actor)
    if not reviews:
        raise ValidationFailed(_l("Choose at least one validated review to publish."))
    now = now or utcnow()
    for review in reviews:
        target = _move(review, Move.PUBLISH)
        assert review.verdict is not None
        proposal = review.proposal
        status = ProposalStatus(rules.verdict_status(review.verdict))
        if proposal.status is not status:
            # The verdict's own e-mail (below) replaces the status e-mail: one message per verdict.
            change_status(
                actor=actor,
                proposal=proposal,
                status=status,
                public_reason=review.public_explanation if status is ProposalStatus.NOT_FEASIBLE else "",
                notify=False,
            )
        review.state = target
        review.published_at = now
        review.published_by_id = actor.id
        db.session.flush()
        _audit(actor, "publish", review, verdict=review.verdict.value)
        notify_holders(proposal, template="analysis_verdict", review=review)
    return len(reviews)


# --- merging duplicates ---------------------------------------------------------------------------


def merge(*, actor: User, source: Proposal, target: Proposal, reason: str) -> None:
    """Merge the duplicate ``source`` into ``target``: status, authors, comments, lineage, listeners."""
    _ensure_manager(actor)
    if source.id == target.id:
        raise Conflict(_l("A proposal cannot be merged into itself."))
    if source.edition_id != target.edition_id:
        raise Conflict(_l("Only proposals of the same edition can be merged."))
    if target.status is ProposalStatus.MERGED or target.status not in IN_THE_RUNNING:
        raise Conflict(_l("A proposal can only be merged into one that is still in the running."))
    if not reason.strip():
        raise InvalidInput({"reason": [_l("Say publicly why these proposals are merged.")]})
    change_status(actor=actor, proposal=source, status=ProposalStatus.MERGED, public_reason=reason)
    source.merged_into_id = target.id
    # The authors of the duplicate become co-authors of the proposal it joins.
    holders = target.holder_ids()
    for user_id in sorted(source.holder_ids() - holders):
        user = db.session.get(User, user_id)
        if user is None:
            continue
        existing = next(
            (c for c in target.coauthors if c.user_id == user_id or c.invited_email == user.email), None
        )
        if existing is None:
            target.coauthors.append(
                CoAuthor(user_id=user_id, invited_email=user.email or f"user-{user_id}", accepted_at=utcnow())
            )
        else:
            existing.user_id = user_id
            existing.accepted_at = existing.accepted_at or utcnow()
    # Its comments carry over (the duplicate's page now redirects to the target).
    moved = db.session.scalars(select(Comment).where(Comment.proposal_id == source.id)).all()
    for comment in moved:
        comment.proposal_id = target.id
    target.comment_count = (target.comment_count or 0) + (source.comment_count or 0)
    source.comment_count = 0
    db.session.flush()
    hooks.proposals_merged(source, target)
    audit.record(
        actor_id=actor.id,
        action="analysis.merge",
        target_type="proposal",
        target_id=source.id,
        after={"into": target.id, "comments": len(moved), "reason": reason.strip()},
    )


def merged_into(proposal: Proposal) -> list[Proposal]:
    """Return the proposals merged into ``proposal`` (its public lineage)."""
    return list(
        db.session.scalars(
            select(Proposal).where(Proposal.merged_into_id == proposal.id).order_by(Proposal.id)
        )
    )


# --- moving a proposal by hand --------------------------------------------------------------------


def move_status(*, actor: User, proposal: Proposal, status: str, public_reason: str) -> None:
    """Move a proposal along the allowed transitions (a merge goes through ``merge``, which needs a target)."""
    _ensure_manager(actor)
    try:
        target = ProposalStatus(status)
    except ValueError as exc:
        raise InvalidInput({"status": [_l("Choose one of the statuses offered.")]}) from exc
    if target is ProposalStatus.MERGED:
        raise Conflict(_l("To merge a proposal, use the merge page: it needs the proposal it joins."))
    if can_move(proposal.status, target) and needs_public_reason(target) and not public_reason.strip():
        raise InvalidInput(
            {"public_reason": [_l("Give the public reason why this proposal is not retained.")]}
        )
    change_status(actor=actor, proposal=proposal, status=target, public_reason=public_reason)
