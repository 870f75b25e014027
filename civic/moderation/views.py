"""Reporting content and the moderators' queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_babel import format_date, format_time
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.core.errors import PermissionDenied
from civic.core.time import utcnow
from civic.extensions import db, htmx, limiter
from civic.moderation import queries, services
from civic.moderation.forms import (
    REASON_LABELS,
    STATE_LABELS,
    TARGET_LABELS,
    BlockForm,
    HideForm,
    QueueFilterForm,
    ReportForm,
    RestoreForm,
)
from civic.moderation.models import Report, ReportReason, ReportTarget
from civic.moderation.permissions import block_notice, can_block, can_moderate, can_write, is_blocked
from civic.proposals.models import Comment
from civic.web.decorators import permission_required
from civic.web.errors import error_response
from civic.web.rendering import render
from civic.web.views import safe_next

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
# Template helpers this package owns (civic.web imports no domain package: each blueprint registers its own).
bp.add_app_template_global(can_moderate, "can_moderate")
# For any page to tell a blocked person why they cannot write: {% set notice = block_notice(current_user, now) %}.
bp.add_app_template_global(block_notice, "block_notice")


def _account_key() -> str:
    """Count rate limits per account (several residents may share a town-hall address)."""
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{get_remote_address()}"


def _too_many_reports(_limit: object) -> Response:
    return error_response(
        429, _("You have sent many reports in a short time. Please wait a while before sending another one.")
    )


@bp.route("/report", methods=["GET", "POST"])
@login_required
@limiter.limit(
    lambda: str(current_app.config["REPORT_RATE_LIMIT"]),
    methods=["POST"],
    key_func=_account_key,
    on_breach=_too_many_reports,
)
def report() -> Response:
    form = ReportForm(
        target_type=request.args.get("target_type"),
        target_id=request.args.get("target_id", type=int),
    )
    target = queries.reportable_target(form.target_type.data, form.target_id.data)
    if target is None:
        abort(404)
    if not can_write(current_user):
        raise PermissionDenied(_cannot_write_message())
    target_type = ReportTarget(form.target_type.data)
    # Always a GET page: the fragment the report link was rendered in may answer POST only.
    back_url = target_page(target)
    if form.validate_on_submit():
        services.report_content(
            actor=current_user,
            target_type=target_type,
            target_id=target.id,
            reason=ReportReason(form.reason.data),
            text=form.text.data or "",
        )
        db.session.commit()
        flash(_("Thank you, moderators will review it."), "success")
        return redirect(back_url, 303)  # type: ignore[return-value]
    already = queries.has_reported(user_id=current_user.id, target_type=target_type, target_id=target.id)
    return render(
        "moderation/report.html",
        form=form,
        target=target,
        already=already,
        back_url=back_url,
        status=422 if form.is_submitted() else 200,
    )


def _cannot_write_message() -> str:
    """Say why this person cannot write: the block's reason and end, when a block is the cause."""
    notice = block_notice(current_user, utcnow())
    if notice is None:
        return _("Your account cannot report content.")
    if notice.until is not None:
        message = _(
            "Your account is blocked until %(date)s: you can read every page but not write.",
            date=f"{format_date(notice.until, 'long')}, {format_time(notice.until, 'short')}",
        )
    else:
        message = _("Your account is blocked: you can read every page but not write.")
    if notice.reason:
        message += " " + _("Reason: %(reason)s", reason=notice.reason)
    return message


def target_page(target: queries.Target) -> str:
    """Return the public page showing ``target``, at its anchor."""
    if isinstance(target, Comment):
        return url_for(
            "proposals.proposal_detail", proposal_id=target.proposal_id, _anchor=f"comment-{target.id}"
        )
    return url_for("proposals.proposal_detail", proposal_id=target.id)


@bp.get("")
@permission_required(can_moderate)
def queue() -> Response:
    filter_form = QueueFilterForm(request.args)
    filter_form.fill_editions(queries.editions(published_only=_published_only()))
    filters = queries.QueueFilters(*filter_form.selected(), published_only=_published_only())
    page = queries.queue_page(filters, page=request.args.get("page", 1, type=int))
    return render(
        "moderation/queue.html",
        fragment="moderation/_queue.html",
        filter_form=filter_form,
        filters=filters,
        page=page,
        next_url=request.full_path.rstrip("?"),
        **_labels(),
    )


@bp.get("/reports/<int:report_id>")
@permission_required(can_moderate)
def item(report_id: int) -> Response:
    report = _report_or_404(report_id)
    return _item_page(report, next_url=request.full_path.rstrip("?"))


@bp.post("/reports/<int:report_id>/hide")
@permission_required(can_moderate)
def hide(report_id: int) -> Response:
    report = _report_or_404(report_id)
    form = HideForm()
    if not form.validate_on_submit():
        return _item_page(report, next_url=_back(), hide_form=form, status=422)
    if form.confirmed.data != "yes":
        return _confirm_page(
            report, action="hide", form=form, reason_label=REASON_LABELS[ReportReason(form.reason.data)]
        )
    services.hide_content(actor=current_user, report=report, reason=ReportReason(form.reason.data))
    db.session.commit()
    flash(_("The content is hidden and its authors have been told why."), "success")
    return _decided(report, next_url=_back())


@bp.post("/reports/<int:report_id>/dismiss")
@permission_required(can_moderate)
def dismiss(report_id: int) -> Response:
    report = _report_or_404(report_id)
    services.dismiss_reports(actor=current_user, report=report, reason=request.form.get("reason", ""))
    db.session.commit()
    flash(_("The reports are dismissed; the content is visible."), "success")
    return _decided(report, next_url=_back())


@bp.route("/reports/<int:report_id>/restore", methods=["GET", "POST"])
@permission_required(can_moderate)
def restore(report_id: int) -> Response:
    report = _report_or_404(report_id)
    form = RestoreForm(next=request.args.get("next"))
    if form.validate_on_submit():
        services.restore_content(actor=current_user, report=report, reason=form.reason.data)
        db.session.commit()
        flash(_("The content is visible again and its authors have been told why."), "success")
        return redirect(safe_next(form.next.data, url_for("moderation.queue")), 303)  # type: ignore[return-value]
    return _confirm_page(report, action="restore", form=form, status=422 if form.is_submitted() else 200)


@bp.route("/users/<int:user_id>/block", methods=["GET", "POST"])
@permission_required(can_moderate)
def block(user_id: int) -> Response:
    user = _live_user(user_id)
    if not can_block(
        current_user.roles, actor_id=current_user.id, target_id=user.id, target_roles=user.roles
    ):
        abort(403)
    form = BlockForm(next=request.args.get("next"))
    if form.validate_on_submit():
        services.block_user(actor=current_user, user=user, reason=form.reason.data, until=form.until_utc())
        db.session.commit()
        flash(_("%(name)s can no longer write anything.", name=user.display_name), "success")
        return redirect(safe_next(form.next.data, url_for("moderation.queue")), 303)  # type: ignore[return-value]
    return render(
        "moderation/block.html",
        form=form,
        user=user,
        notice=block_notice(user, utcnow()),
        back_url=safe_next(form.next.data, url_for("moderation.queue")),
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/users/<int:user_id>/unblock")
@permission_required(can_moderate)
def unblock(user_id: int) -> Response:
    user = _live_user(user_id)
    services.unblock_user(actor=current_user, user=user)
    db.session.commit()
    flash(_("%(name)s can write again.", name=user.display_name), "success")
    return redirect(_back(), 303)  # type: ignore[return-value]


def _confirm_page(
    report: Report, *, action: str, form: object, status: int = 200, **context: Any
) -> Response:
    """Ask before a destructive decision: a page without JavaScript, the item's fragment for HTMX."""
    return render(
        "moderation/confirm.html",
        fragment="moderation/_confirm.html",
        item=queries.queue_item(report),
        action=action,
        form=form,
        next_url=_back()
        if request.method == "POST"
        else safe_next(request.args.get("next"), url_for("moderation.queue")),
        status=status,
        **context,
        **_labels(),
    )


def _published_only() -> bool:
    return Role.ADMIN not in current_user.roles


def _report_or_404(report_id: int) -> Report:
    """Return a report whose content the moderator may see (editions in preparation: admins only)."""
    report = db.get_or_404(Report, report_id)
    if not queries.report_is_visible(report, published_only=_published_only()):
        abort(404)
    return report


def _labels() -> dict[str, Any]:
    return {
        "reason_labels": REASON_LABELS,
        "state_labels": STATE_LABELS,
        "target_labels": TARGET_LABELS,
        "can_block": can_block,
        "is_blocked": is_blocked,
        "now": utcnow(),
    }


def _back() -> str:
    """Return to the queue page the decision was taken from (filters and page kept)."""
    return safe_next(request.form.get("next"), url_for("moderation.queue"))


def _item_page(
    report: Report, *, next_url: str, hide_form: HideForm | None = None, status: int = 200
) -> Response:
    return render(
        "moderation/item.html",
        fragment="moderation/_queue_item.html",
        item=queries.queue_item(report),
        next_url=next_url,
        hide_form=hide_form,
        status=status,
        **_labels(),
    )


def _decided(report: Report, *, next_url: str) -> Response:
    """Answer a decision: the updated queue entry for HTMX, else back to the queue."""
    if htmx:
        return _item_page(report, next_url=next_url)
    return redirect(next_url, 303)  # type: ignore[return-value]


def _live_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404)
    return user
