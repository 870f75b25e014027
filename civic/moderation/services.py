"""Moderation use cases. Keyword-only, explicit actor, flush not commit, audited."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.core.mail import send_mail
from civic.core.time import utcnow
from civic.extensions import db
from civic.moderation import queries
from civic.moderation.forms import REASON_LABELS
from civic.moderation.models import Report, ReportReason, ReportState, ReportTarget
from civic.moderation.permissions import can_block, can_moderate, can_write, is_blocked
from civic.moderation.queries import PENDING_REVIEW, Target
from civic.proposals.models import Comment, Proposal

DEFAULT_AUTO_HIDE_REPORTS = 3


def report_content(
    *, actor: User, target_type: ReportTarget, target_id: int, reason: ReportReason, text: str
) -> Report:
    """Record one person's report of a proposal or comment; hide it once enough people reported it."""
    if not can_write(actor):
        raise PermissionDenied(_l("Your account cannot report content."))
    text = text.strip()
    if reason is ReportReason.OTHER and not text:
        raise ValidationFailed(_l('Please explain the problem when you choose "Other reason".'))
    target = queries.reportable_target(target_type, target_id)
    if target is None:
        raise NotFound(_l("This content does not exist or is not public."))
    if target.is_hidden:
        raise Conflict(_l("This content is already hidden."))
    if queries.has_reported(user_id=actor.id, target_type=target_type, target_id=target_id):
        raise Conflict(_l("You have already reported this content. The moderators will review it."))
    report = Report(
        target_type=target_type,
        target_id=target_id,
        edition_id=_proposal_of(target).edition_id,
        reporter_id=actor.id,
        reason=reason,
        text=text,
    )
    try:
        # The unique constraint settles two simultaneous reports by the same person.
        with db.session.begin_nested():
            db.session.add(report)
    except IntegrityError as exc:
        raise Conflict(_l("You have already reported this content. The moderators will review it.")) from exc
    audit.record(
        actor_id=actor.id,
        action="moderation.report",
        target_type=target_type.value,
        target_id=target_id,
        after={"report_id": report.id, "reason": reason.value},
    )
    _auto_hide_if_reported_enough(target_type=target_type, target=target)
    db.session.flush()
    return report


def hide_content(*, actor: User, report: Report, reason: ReportReason) -> None:
    """Uphold every open report of the reported content and hide it with a public reason."""
    _ensure_moderator(actor)
    target = _reported_target(report)
    if target is None:
        raise NotFound(_l("This content no longer exists."))
    reports = _open_reports_or_conflict(report)
    before = {"hidden_reason": target.hidden_reason, "open_reports": len(reports)}
    _close(reports, state=ReportState.UPHELD, actor=actor)
    target.hidden_at = target.hidden_at or utcnow()
    target.hidden_reason = reason.value
    audit.record(
        actor_id=actor.id,
        action="moderation.hide",
        target_type=report.target_type.value,
        target_id=report.target_id,
        before=before,
        after={"hidden_reason": reason.value, "upheld_reports": len(reports)},
    )
    if before["hidden_reason"] != reason.value:
        _notify_holders(target, template="moderation_hidden", reason=reason)
    db.session.flush()


def dismiss_reports(*, actor: User, report: Report, reason: str = "") -> None:
    """Dismiss every open report of the reported content; content hidden pending review is shown again,
    which needs a reason for its authors."""
    _ensure_moderator(actor)
    reports = _open_reports_or_conflict(report)
    target = _reported_target(report)
    before_reason = target.hidden_reason if target is not None else None
    restored = target is not None and before_reason == PENDING_REVIEW
    reason = reason.strip()
    if restored and not reason:
        raise ValidationFailed(_l("Give the reason why the content is shown again."))
    _close(reports, state=ReportState.DISMISSED, actor=actor)
    if target is not None and restored:
        target.hidden_at = None
        target.hidden_reason = None
        _notify_holders(target, template="moderation_restored", restore_reason=reason)
    after: dict[str, object] = {
        "hidden_reason": None if restored else before_reason,
        "dismissed_reports": len(reports),
    }
    if restored:
        after["reason"] = reason
    audit.record(
        actor_id=actor.id,
        action="moderation.dismiss",
        target_type=report.target_type.value,
        target_id=report.target_id,
        before={"hidden_reason": before_reason, "open_reports": len(reports)},
        after=after,
    )
    db.session.flush()


def restore_content(*, actor: User, report: Report, reason: str) -> None:
    """Show hidden content again with a reason given to its authors; open reports of it are dismissed."""
    _ensure_moderator(actor)
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_l("Give the reason why the content is shown again."))
    target = _reported_target(report)
    if target is None:
        raise NotFound(_l("This content no longer exists."))
    before_reason = target.hidden_reason
    model = type(target)
    # Conditional: two moderators restoring at once restore (and notify) once.
    shown = db.session.execute(
        update(model)
        .where(model.id == target.id, model.hidden_at.is_not(None))
        .values(hidden_at=None, hidden_reason=None)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(target, ["hidden_at", "hidden_reason"])
    if shown.rowcount != 1:  # type: ignore[attr-defined]
        raise Conflict(_l("This content is not hidden."))
    reports = queries.open_reports(report.target_type, report.target_id)
    _close(reports, state=ReportState.DISMISSED, actor=actor)
    audit.record(
        actor_id=actor.id,
        action="moderation.restore",
        target_type=report.target_type.value,
        target_id=report.target_id,
        before={"hidden_reason": before_reason, "open_reports": len(reports)},
        after={"hidden_reason": None, "reason": reason},
    )
    _notify_holders(target, template="moderation_restored", restore_reason=reason)
    db.session.flush()


def block_user(
    *, actor: User, user: User, reason: str, until: datetime | None = None, now: datetime | None = None
) -> None:
    """Stop an account from writing (it can still read and log in), until ``until`` if given; tell them why."""
    _check_may_block(actor, user)
    moment = now or utcnow()
    reason = reason.strip()
    if not reason:
        raise ValidationFailed(_l("Give the reason for the block: the person will read it."))
    if until is not None and until <= moment:
        raise ValidationFailed(_l("The end of the block must be in the future."))
    if is_blocked(user, moment) and (user.blocked_reason, user.blocked_until) == (reason, until):
        return
    before = {"blocked": is_blocked(user, moment)}
    user.blocked_at = moment
    user.blocked_until = until
    user.blocked_reason = reason
    audit.record(
        actor_id=actor.id,
        action="moderation.block",
        target_type="user",
        target_id=user.id,
        before=before,
        after={"blocked": True, "reason": reason, "until": until.isoformat() if until else None},
    )
    db.session.flush()
    if user.email:
        send_mail(
            to=user.email,
            template="moderation_blocked",
            locale=user.locale,
            name=user.display_name,
            reason=reason,
            until=until,
        )


def unblock_user(*, actor: User, user: User) -> None:
    """Let a blocked account write again (audited)."""
    _check_may_block(actor, user)
    if user.blocked_at is None:
        return
    before = {"blocked": is_blocked(user, utcnow()), "reason": user.blocked_reason}
    user.blocked_at = None
    user.blocked_until = None
    user.blocked_reason = None
    audit.record(
        actor_id=actor.id,
        action="moderation.unblock",
        target_type="user",
        target_id=user.id,
        before=before,
        after={"blocked": False},
    )
    db.session.flush()


def _ensure_moderator(actor: User) -> None:
    """Refuse people who do not moderate, and moderators who are blocked themselves (a block stops every write)."""
    if not can_moderate(actor.roles):
        raise PermissionDenied(_l("Only moderators decide on reports."))
    if not can_write(actor):
        raise PermissionDenied(_l("Your account is blocked: you cannot take moderation decisions."))


def _check_may_block(actor: User, user: User) -> None:
    if not can_write(actor):
        raise PermissionDenied(_l("Your account is blocked: you cannot take moderation decisions."))
    if not can_block(actor.roles, actor_id=actor.id, target_id=user.id, target_roles=user.roles):
        raise PermissionDenied(_l("You may not block or unblock this account."))
    if user.deleted_at is not None:
        raise Conflict(_l("This account has been deleted."))


def _auto_hide_if_reported_enough(*, target_type: ReportTarget, target: Target) -> None:
    threshold = current_app.config.get("MODERATION_AUTO_HIDE_REPORTS", DEFAULT_AUTO_HIDE_REPORTS)
    # Reports are unique per person, so each open report is a distinct reporter.
    count = len(queries.open_reports(target_type, target.id))
    if count < threshold or target.is_hidden:
        return
    # Two reports reaching the threshold at once: only the request whose UPDATE changes the row hides it.
    if not _hide_once(target, reason=PENDING_REVIEW):
        return
    audit.record(
        actor_id=None,
        action="moderation.auto_hide",
        target_type=target_type.value,
        target_id=target.id,
        before={"hidden_reason": None},
        after={"hidden_reason": PENDING_REVIEW, "open_reports": count},
    )
    _notify_holders(target, template="moderation_hidden", reason=None)


def _hide_once(target: Target, *, reason: str) -> bool:
    """Hide ``target`` unless it is already hidden in the database; tell whether this call hid it."""
    model = type(target)
    result = db.session.execute(
        update(model)
        .where(model.id == target.id, model.hidden_at.is_(None))
        .values(hidden_at=utcnow(), hidden_reason=reason)
        .execution_options(synchronize_session=False)
    )
    db.session.refresh(target, ["hidden_at", "hidden_reason"])
    return bool(result.rowcount == 1)  # type: ignore[attr-defined]


def _open_reports_or_conflict(report: Report) -> list[Report]:
    reports = queries.open_reports(report.target_type, report.target_id)
    if not reports:
        raise Conflict(_l("These reports have already been decided."))
    return reports


def _close(reports: list[Report], *, state: ReportState, actor: User) -> None:
    """Decide open reports; a moderator deciding the same reports at the same moment gets a conflict."""
    if not reports:
        return
    closed = db.session.execute(
        update(Report)
        .where(Report.id.in_([r.id for r in reports]), Report.state == ReportState.OPEN)
        .values(state=state, decided_by_id=actor.id, decided_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if closed.rowcount != len(reports):  # type: ignore[attr-defined]
        raise Conflict(_l("These reports have already been decided."))
    for report in reports:
        db.session.expire(report)


def _reported_target(report: Report) -> Target | None:
    if report.target_type is ReportTarget.COMMENT:
        return db.session.get(Comment, report.target_id)
    return db.session.get(Proposal, report.target_id)


def _proposal_of(target: Target) -> Proposal:
    return target.proposal if isinstance(target, Comment) else target


def _notify_holders(
    target: Target, *, template: str, reason: ReportReason | None = None, restore_reason: str | None = None
) -> None:
    """E-mail the author (and accepted co-authors of a proposal) in their own language."""
    if isinstance(target, Comment):
        holder_ids = {target.author_id} if target.author_id is not None else set()
    else:
        holder_ids = target.holder_ids()
    recipients = db.session.scalars(select(User).where(User.id.in_(holder_ids), User.deleted_at.is_(None)))
    proposal = _proposal_of(target)
    for user in recipients:
        if not user.email:
            continue
        send_mail(
            to=user.email,
            template=template,
            locale=user.locale,
            name=user.display_name,
            kind="comment" if isinstance(target, Comment) else "proposal",
            title=proposal.title,
            excerpt=target.body if isinstance(target, Comment) else proposal.summary,
            reason_label=REASON_LABELS[reason] if reason is not None else None,
            restore_reason=restore_reason,
        )
