"""Proposals: list, page, submission, editing, co-authors, images, comments, front desk."""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, flash, redirect, request, send_from_directory, session, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy import select

from civic.accounts.roles import Role
from civic.core.errors import PermissionDenied
from civic.core.time import utcnow
from civic.extensions import db, htmx, limiter
from civic.moderation.permissions import can_moderate
from civic.processes.models import Edition
from civic.processes.phases import Action, allowed_actions
from civic.processes.views import visible_edition_or_404
from civic.proposals import front_desk as desk
from civic.proposals import queries, services
from civic.proposals.forms import (
    CoAuthorForm,
    CommentEditForm,
    CommentForm,
    ConfirmForm,
    FrontDeskProposalForm,
    ProposalForm,
)
from civic.proposals.images import upload_folder
from civic.proposals.labels import ORDERED_PUBLIC_STATUSES, status_label
from civic.proposals.models import CoAuthor, Comment, Proposal, ProposalImage, ProposalStatus
from civic.proposals.permissions import (
    can_edit_comment,
    can_read_hidden,
    can_see_private_contact,
    can_submit_in_person,
)
from civic.web.decorators import permission_required
from civic.web.limits import account_key, configured, succeeded
from civic.web.rendering import render

bp = Blueprint("proposals", __name__)


# Globals (not context): macros imported by other templates see them too.
bp.add_app_template_global(status_label, "status_label")
bp.add_app_template_global(ORDERED_PUBLIC_STATUSES, "public_statuses")
bp.add_app_template_global(Action, "Action")


# --- lookups -------------------------------------------------------------------------------------


def _proposal(proposal_id: int) -> Proposal:
    proposal = queries.proposal_for_page(proposal_id)
    if proposal is None or not (proposal.edition.published or _is_admin()):
        abort(404)
    if proposal.status is ProposalStatus.DRAFT and not _is_holder(proposal):
        abort(404)
    return proposal


def _readable_or_404(proposal: Proposal) -> None:
    """Refuse a hidden proposal to everyone but its authors and the moderators."""
    if proposal.is_hidden and not can_read_hidden(
        is_holder=_is_holder(proposal), is_moderator=_is_moderator()
    ):
        abort(404)


def _is_moderator() -> bool:
    return current_user.is_authenticated and can_moderate(current_user.roles)


def _is_admin() -> bool:
    return current_user.is_authenticated and Role.ADMIN in current_user.roles


def _is_holder(proposal: Proposal) -> bool:
    return current_user.is_authenticated and current_user.id in proposal.holder_ids()


def _visitor_seed() -> int:
    # "Random" order is stable for one visitor so that paging does not reshuffle.
    if "list_seed" not in session:
        session["list_seed"] = secrets.randbelow(1_000_000)
    return int(session["list_seed"])


def _attach_images(proposal: Proposal, form: ProposalForm) -> None:
    for upload, alt in form.uploads():
        services.add_image(
            actor=current_user,
            proposal=proposal,
            stream=upload.stream,
            filename=upload.filename,
            alt_text=alt,
        )


# --- browsing ------------------------------------------------------------------------------------


@bp.get("/editions/<edition_slug>/proposals")
def proposal_list(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    filters = queries.filters_from_args(request.args)
    page = queries.proposal_page(edition.id, filters, seed=_visitor_seed())
    return render(
        "proposals/list.html",
        fragment="proposals/_list.html",
        edition=edition,
        page=page,
        filters=filters,
        actions=allowed_actions(edition.calendar, utcnow(), city_list=edition.is_city_list),
    )


@bp.get("/proposals/<int:proposal_id>")
def proposal_detail(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    return render("proposals/detail.html", **_detail_context(proposal))


def _detail_context(proposal: Proposal, comment_form: CommentForm | None = None) -> dict[str, object]:
    actions = allowed_actions(proposal.edition.calendar, utcnow(), city_list=proposal.edition.is_city_list)
    staff_view = current_user.is_authenticated and can_see_private_contact(current_user.roles)
    return {
        "proposal": proposal,
        "edition": proposal.edition,
        "actions": actions,
        "Action": Action,
        "comments": queries.comment_thread(proposal.id),
        "comment_form": comment_form or CommentForm(),
        "is_holder": _is_holder(proposal),
        "is_moderator": _is_moderator(),
        "may_read_hidden": can_read_hidden(is_holder=_is_holder(proposal), is_moderator=_is_moderator()),
        "still_editable": proposal.status in services.EDITABLE_STATUSES,
        "coauthor_form": CoAuthorForm(),
        "confirm_form": ConfirmForm(),
        "private_contact": proposal.private_contact if staff_view else None,
        "contact_purged_at": proposal.contact_purged_at if staff_view else None,
        "now": utcnow(),
        "can_edit_comment": can_edit_comment,
    }


@bp.get("/proposals/<int:proposal_id>/history")
def proposal_history(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    _readable_or_404(proposal)
    return render("proposals/history.html", proposal=proposal, versions=list(reversed(proposal.versions)))


@bp.get("/proposals/<int:proposal_id>/images/<int:image_id>")
def proposal_image(proposal_id: int, image_id: int) -> Response:
    proposal = _proposal(proposal_id)
    image = db.session.get(ProposalImage, image_id)
    _readable_or_404(proposal)
    if image is None or image.proposal_id != proposal.id:
        abort(404)
    response = send_from_directory(
        upload_folder(), image.stored_name, mimetype=image.content_type, max_age=3600
    )
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Content-Disposition"] = "inline"
    return response


# --- submission and editing ----------------------------------------------------------------------


@bp.route("/editions/<edition_slug>/proposals/new", methods=["GET", "POST"])
@login_required
@limiter.limit(
    configured("PROPOSAL_WRITE_RATE_LIMIT"), methods=["POST"], key_func=account_key, deduct_when=succeeded
)
def new_proposal(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = ProposalForm()
    form.fill_choices(edition)
    if form.validate_on_submit():
        proposal = services.submit_proposal(
            actor=current_user, edition=edition, data=form.to_input(), as_draft="save_draft" in request.form
        )
        _attach_images(proposal, form)
        db.session.commit()
        flash(
            _("Your proposal has been saved as a draft.")
            if proposal.status is ProposalStatus.DRAFT
            else _("Thank you! Your proposal %(ref)s has been submitted.", ref=proposal.reference),
            "success",
        )
        return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]
    return render(
        "proposals/form.html",
        form=form,
        edition=edition,
        proposal=None,
        open_now=Action.SUBMIT_PROPOSAL
        in allowed_actions(edition.calendar, utcnow(), city_list=edition.is_city_list),
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/proposals/<int:proposal_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(
    configured("PROPOSAL_WRITE_RATE_LIMIT"), methods=["POST"], key_func=account_key, deduct_when=succeeded
)
def edit_proposal(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    if not _is_holder(proposal):
        abort(403)
    if proposal.is_hidden:
        raise PermissionDenied(_("This proposal is hidden by the moderators: it cannot be changed."))
    form = ProposalForm(obj=proposal if request.method == "GET" else None)
    form.fill_choices(proposal.edition)
    if request.method == "GET" and proposal.estimated_cost_cents is not None:
        form.estimated_cost.data = f"{proposal.estimated_cost_cents / 100:.2f}".replace(".", ",")
    if form.validate_on_submit():
        services.edit_proposal(actor=current_user, proposal=proposal, data=form.to_input())
        _attach_images(proposal, form)
        db.session.commit()
        flash(_("Your changes have been saved. The previous version stays in the history."), "success")
        return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]
    return render(
        "proposals/form.html",
        form=form,
        edition=proposal.edition,
        proposal=proposal,
        open_now=True,
        confirm_form=ConfirmForm(),
        status=422 if form.is_submitted() else 200,
    )


@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def publish_draft(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    services.publish_draft(actor=current_user, proposal=proposal)
    db.session.commit()
    flash(_("Thank you! Your proposal %(ref)s has been submitted.", ref=proposal.reference), "success")
    return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]


@bp.post("/proposals/<int:proposal_id>/withdraw")
@login_required
def withdraw(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    services.withdraw_proposal(actor=current_user, proposal=proposal)
    db.session.commit()
    flash(_("Your proposal has been withdrawn."), "success")
    return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]


@bp.post("/proposals/<int:proposal_id>/images/<int:image_id>/delete")
@login_required
def remove_image(proposal_id: int, image_id: int) -> Response:
    proposal = _proposal(proposal_id)
    image = db.session.get(ProposalImage, image_id)
    if image is None or image.proposal_id != proposal.id:
        abort(404)
    services.remove_image(actor=current_user, proposal=proposal, image=image)
    db.session.commit()
    flash(_("The image has been removed."), "success")
    return redirect(url_for("proposals.edit_proposal", proposal_id=proposal.id), 303)  # type: ignore[return-value]


# --- co-authors ----------------------------------------------------------------------------------


@bp.post("/proposals/<int:proposal_id>/coauthors")
@login_required
def invite_coauthor(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    form = CoAuthorForm()
    if not form.validate_on_submit():
        abort(422)
    services.invite_coauthor(actor=current_user, proposal=proposal, email=form.email.data)
    db.session.commit()
    flash(_("The invitation has been sent. The person appears as co-author once they accept."), "success")
    return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]


@bp.get("/account/invitations")
@login_required
def my_invitations() -> Response:
    return render(
        "proposals/invitations.html",
        invitations=queries.pending_invitations(current_user.id),
        proposals=queries.proposals_of(current_user.id),
        confirm_form=ConfirmForm(),
    )


@bp.post("/coauthors/<int:coauthor_id>/<any(accept, decline):answer>")
@login_required
def answer_invitation(coauthor_id: int, answer: str) -> Response:
    invitation = db.session.get(CoAuthor, coauthor_id)
    if invitation is None or not ConfirmForm().validate_on_submit():
        abort(404 if invitation is None else 422)
    services.answer_invitation(actor=current_user, invitation=invitation, accept=answer == "accept")
    db.session.commit()
    flash(_("You are now a co-author.") if answer == "accept" else _("Invitation declined."), "success")
    return redirect(url_for("proposals.my_invitations"), 303)  # type: ignore[return-value]


# --- comments ------------------------------------------------------------------------------------


@bp.post("/proposals/<int:proposal_id>/comments")
@login_required
def post_comment(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    form = CommentForm()
    if form.validate_on_submit():
        parent = (
            db.session.get(Comment, int(form.parent_id.data))
            if (form.parent_id.data or "").isdigit()
            else None
        )
        services.post_comment(actor=current_user, proposal=proposal, body=form.body.data, parent=parent)
        db.session.commit()
        flash(_("Your comment has been published."), "success")
        if not htmx:
            return redirect(
                url_for("proposals.proposal_detail", proposal_id=proposal.id, _anchor="comments"), 303
            )  # type: ignore[return-value]
        form = CommentForm(formdata=None)
    context = _detail_context(proposal, comment_form=form)
    status = 422 if form.errors else 200
    return render("proposals/detail.html", fragment="proposals/_comments.html", status=status, **context)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
def edit_comment(comment_id: int) -> Response:
    comment = db.session.get(Comment, comment_id)
    if comment is None:
        abort(404)
    proposal = _proposal(comment.proposal_id)
    if comment.is_hidden or proposal.is_hidden:
        abort(404)
    if comment.author_id != current_user.id:
        abort(403)
    form = CommentEditForm(obj=comment if request.method == "GET" else None)
    if form.validate_on_submit():
        services.edit_comment(actor=current_user, comment=comment, body=form.body.data)
        db.session.commit()
        if not htmx:
            return redirect(
                url_for(
                    "proposals.proposal_detail", proposal_id=proposal.id, _anchor=f"comment-{comment.id}"
                ),
                303,
            )  # type: ignore[return-value]
        return render(
            "proposals/detail.html",
            fragment="proposals/_comment.html",
            comment=comment,
            **_detail_context(proposal),
        )
    return render(
        "proposals/comment_edit.html",
        fragment="proposals/_comment_edit.html",
        comment=comment,
        proposal=proposal,
        form=form,
        status=422 if form.is_submitted() else 200,
    )


# --- front desk ----------------------------------------------------------------------------------


@bp.get("/front-desk")
@permission_required(can_submit_in_person)
def front_desk() -> Response:
    editions = db.session.scalars(
        select(Edition).where(Edition.published.is_(True)).order_by(Edition.year.desc())
    )
    query = request.args.get("q", "").strip()[:100]
    return render(
        "proposals/front_desk.html",
        fragment="proposals/_front_desk_results.html",
        editions=list(editions),
        now=utcnow(),
        Action=Action,
        allowed_actions=allowed_actions,
        query=query,
        results=queries.front_desk_proposals(query),
    )


@bp.route("/front-desk/editions/<edition_slug>/proposals/new", methods=["GET", "POST"])
@permission_required(can_submit_in_person)
def front_desk_new(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = FrontDeskProposalForm()
    form.fill_choices(edition)
    if form.validate_on_submit():
        proposal = services.submit_in_person(
            actor=current_user, edition=edition, data=form.to_input(), contact=form.contact_input()
        )
        db.session.commit()
        return redirect(url_for("proposals.receipt", proposal_id=proposal.id), 303)  # type: ignore[return-value]
    return render(
        "proposals/front_desk_form.html",
        form=form,
        edition=edition,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/front-desk/proposals/<int:proposal_id>/receipt")
@permission_required(can_submit_in_person)
def receipt(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    _readable_or_404(proposal)
    address = desk.proposal_address(proposal)
    qr_label = _("QR code of the address of proposal %(ref)s", ref=proposal.reference)
    return render(
        "proposals/receipt.html", proposal=proposal, address=address, qr=desk.qr_svg(address, label=qr_label)
    )


# Corrections, withdrawals and the contacts screen of the front desk (same blueprint).
from civic.proposals import front_desk_views  # noqa: E402, F401
