"""Reporting content and the moderators' queue."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user, login_required

from civic.accounts.models import User
from civic.extensions import db, htmx
from civic.moderation import queries, services
from civic.moderation.forms import (
    REASON_LABELS,
    STATE_LABELS,
    TARGET_LABELS,
    HideForm,
    QueueFilterForm,
    ReportForm,
)
from civic.moderation.models import Report, ReportReason, ReportTarget
from civic.moderation.permissions import can_block, can_moderate, can_write
from civic.web.decorators import permission_required
from civic.web.rendering import render
from civic.web.views import safe_next

bp = Blueprint("moderation", __name__, url_prefix="/moderation")
# Template helpers this package owns (civic.web imports no domain package: each blueprint registers its own).
bp.add_app_template_global(can_moderate, "can_moderate")


@bp.route("/report", methods=["GET", "POST"])
@login_required
def report() -> Response:
    form = ReportForm(
        target_type=request.args.get("target_type"),
        target_id=request.args.get("target_id", type=int),
        next=request.args.get("next"),
    )
    target = queries.reportable_target(form.target_type.data, form.target_id.data)
    if target is None:
        abort(404)
    if not can_write(current_user):
        abort(403)
    target_type = ReportTarget(form.target_type.data)
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
        return redirect(safe_next(form.next.data, url_for("web.index")), 303)  # type: ignore[return-value]
    already = queries.has_reported(user_id=current_user.id, target_type=target_type, target_id=target.id)
    return render(
        "moderation/report.html",
        form=form,
        target=target,
        already=already,
        back_url=safe_next(form.next.data, url_for("web.index")),
        status=422 if form.is_submitted() else 200,
    )


@bp.get("")
@permission_required(can_moderate)
def queue() -> Response:
    filter_form = QueueFilterForm(request.args)
    filter_form.fill_editions(queries.editions())
    filters = queries.QueueFilters(*filter_form.selected())
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
    report = db.get_or_404(Report, report_id)
    return _item_page(report, next_url=request.full_path.rstrip("?"))


@bp.post("/reports/<int:report_id>/hide")
@permission_required(can_moderate)
def hide(report_id: int) -> Response:
    report = db.get_or_404(Report, report_id)
    form = HideForm()
    if not form.validate_on_submit():
        return _item_page(report, next_url=_back(), hide_form=form, status=422)
    services.hide_content(actor=current_user, report=report, reason=ReportReason(form.reason.data))
    db.session.commit()
    flash(_("The content is hidden and its authors have been told why."), "success")
    return _decided(report, next_url=_back())


@bp.post("/reports/<int:report_id>/dismiss")
@permission_required(can_moderate)
def dismiss(report_id: int) -> Response:
    report = db.get_or_404(Report, report_id)
    services.dismiss_reports(actor=current_user, report=report)
    db.session.commit()
    flash(_("The reports are dismissed; the content is visible."), "success")
    return _decided(report, next_url=_back())


@bp.post("/users/<int:user_id>/block")
@permission_required(can_moderate)
def block(user_id: int) -> Response:
    user = _live_user(user_id)
    services.block_user(actor=current_user, user=user)
    db.session.commit()
    flash(_("%(name)s can no longer write anything.", name=user.display_name), "success")
    return redirect(_back(), 303)  # type: ignore[return-value]


@bp.post("/users/<int:user_id>/unblock")
@permission_required(can_moderate)
def unblock(user_id: int) -> Response:
    user = _live_user(user_id)
    services.unblock_user(actor=current_user, user=user)
    db.session.commit()
    flash(_("%(name)s can write again.", name=user.display_name), "success")
    return redirect(_back(), 303)  # type: ignore[return-value]


def _labels() -> dict[str, Any]:
    return {
        "reason_labels": REASON_LABELS,
        "state_labels": STATE_LABELS,
        "target_labels": TARGET_LABELS,
        "can_block": can_block,
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
