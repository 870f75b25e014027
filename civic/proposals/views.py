"""Proposals: list, page, submission, editing, co-authors, images, comments, front desk."""

from __future__ import annotations

import secrets
from collections.abc import Callable

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    request,
    send_from_directory,
    session,
    url_for,
)
from flask.blueprints import BlueprintSetupState
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_limiter.util import get_remote_address
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from sqlalchemy import select

from civic.accounts.permissions import can_moderate, can_write
from civic.accounts.roles import Role
from civic.core.errors import PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.extensions import db, htmx, limiter
from civic.processes.hooks import edition_hooks
from civic.processes.models import Edition
from civic.processes.phases import Action, allowed_actions
from civic.processes.views import visible_edition_or_404
from civic.proposals import front_desk as desk
from civic.proposals import hooks, queries, services
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
from civic.web.page_cache import cached_for_anonymous
from civic.web.params import query_int
from civic.web.rendering import render

bp = Blueprint("proposals", __name__)
# Template helpers this package owns (civic.web imports no domain package: each blueprint registers its own).
bp.add_app_template_global(can_submit_in_person, "can_submit_in_person")


@bp.record_once
def _register_edition_hooks(state: BlueprintSetupState) -> None:
    # Editions (a lower layer) learn their proposal counts and what uses a theme or district from here.
    hooks = edition_hooks(state.app)
    hooks.counts = queries.edition_counts
    hooks.uses = queries.proposals_using


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


def _random_order_seed() -> int | None:
    """What the cached list depends on beyond its address: the visitor's seed, for the random order only."""
    return _visitor_seed() if request.args.get("sort") == "random" else None


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
@cached_for_anonymous(vary=_random_order_seed)
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
        facts=hooks.card_facts(page.items),
        costs=hooks.cost_ranges(page.items),
    )


@bp.get("/proposals/<int:proposal_id>")
@cached_for_anonymous()
def proposal_detail(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    if proposal.status is ProposalStatus.MERGED and proposal.merged_into_id is not None:
        reason = proposal.status_changes[-1].public_reason if proposal.status_changes else ""
        flash(_("“%(title)s” was merged into this proposal. Reason: %(reason)s", title=proposal.title, reason=reason))
        target = url_for("proposals.proposal_detail", proposal_id=proposal.merged_into_id)
        return redirect(target, 303)  # type: ignore[return-value]
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
        "timeline_entries": hooks.timeline(proposal),
        "panels_actions": hooks.panels_for(proposal, "actions"),
        "panels_facts": hooks.panels_for(proposal, "facts"),
        **_writer_context(),
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


def _account_key() -> str:
    # Limits follow the person, not the address: a town hall's shared network is not one writer.
    return f"user:{current_user.id}" if current_user.is_authenticated else f"ip:{get_remote_address()}"


def _limit(config_key: str) -> Callable[[], str]:
    return lambda: str(current_app.config[config_key])


def _redirect(url: str) -> Response:
    """Redirect a plain form post (303), or tell htmx to load the page (HX-Redirect)."""
    if htmx:
        response = Response(status=204)
        response.headers["HX-Redirect"] = url
        return response
    return redirect(url, 303)  # type: ignore[return-value]


def _writer_context() -> dict[str, object]:
    """Say whether the person may write and, if not, why (shown instead of the forms)."""
    return {"may_write": can_write(current_user)}


def _form_page(
    form: ProposalForm, *, edition: Edition, proposal: Proposal | None, status: int, **extra: object
) -> Response:
    return render(
        "proposals/form.html",
        fragment="proposals/_form.html",
        form=form,
        edition=edition,
        proposal=proposal,
        open_now=Action.SUBMIT_PROPOSAL
        in allowed_actions(edition.calendar, utcnow(), city_list=edition.is_city_list)
        if proposal is None
        else True,
        confirm_form=ConfirmForm(),
        cost_warning=services.cost_warning(
            edition, district_id=form.district_id.data, cost_cents=form.estimated_cost.data
        ),
        status=status,
        **_writer_context(),
        **extra,
    )


def _submitted_status(form: FlaskForm) -> int:
    if not form.is_submitted():
        return 200
    return 422 if can_write(current_user) else 403


def _flash_cost_warning(proposal: Proposal) -> None:
    warning = services.cost_warning(
        proposal.edition, district_id=proposal.district_id, cost_cents=proposal.estimated_cost_cents
    )
    if warning:
        flash(str(warning), "warning")


@bp.route("/editions/<edition_slug>/proposals/new", methods=["GET", "POST"])
@login_required
@limiter.limit(
    configured("PROPOSAL_WRITE_RATE_LIMIT"), methods=["POST"], key_func=account_key, deduct_when=succeeded
)
def new_proposal(edition_slug: str) -> Response:
    edition = visible_edition_or_404(edition_slug)
    form = ProposalForm()
    form.fill_choices(edition)
    if can_write(current_user) and form.validate_on_submit():
        try:
            proposal = services.submit_proposal(
                actor=current_user,
                edition=edition,
                data=form.to_input(),
                as_draft="save_draft" in request.form,
            )
            _attach_images(proposal, form)
            db.session.commit()
        except ValidationFailed as refusal:
            db.session.rollback()
            return _form_page(form, edition=edition, proposal=None, status=422, problem=refusal.message)
        flash(
            _("Your proposal has been saved as a draft.")
            if proposal.status is ProposalStatus.DRAFT
            else _("Thank you! Your proposal %(ref)s has been submitted.", ref=proposal.reference),
            "success",
        )
        _flash_cost_warning(proposal)
        return _redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id))
    return _form_page(form, edition=edition, proposal=None, status=_submitted_status(form))


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
    if request.method == "GET":
        form.estimated_cost.data = proposal.estimated_cost_cents
    if can_write(current_user) and form.validate_on_submit():
        try:
            services.edit_proposal(
                actor=current_user,
                proposal=proposal,
                data=form.to_input(),
                expected_version=form.started_from(),
            )
            _attach_images(proposal, form)
            db.session.commit()
        except services.EditConflict as conflict:
            db.session.rollback()
            proposal = _proposal(proposal_id)
            form.started_from_current(proposal.version_count)
            return _form_page(
                form, edition=proposal.edition, proposal=proposal, status=409, problem=conflict.message
            )
        except ValidationFailed as refusal:
            db.session.rollback()
            proposal = _proposal(proposal_id)
            return _form_page(
                form, edition=proposal.edition, proposal=proposal, status=422, problem=refusal.message
            )
        flash(_("Your changes have been saved. The previous version stays in the history."), "success")
        _flash_cost_warning(proposal)
        return _redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id))
    return _form_page(form, edition=proposal.edition, proposal=proposal, status=_submitted_status(form))


@bp.post("/proposals/<int:proposal_id>/submit")
@login_required
def publish_draft(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    services.publish_draft(actor=current_user, proposal=proposal)
    db.session.commit()
    flash(_("Thank you! Your proposal %(ref)s has been submitted.", ref=proposal.reference), "success")
    return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]


def _confirm_page(*, title: str, question: str, button: str, back: str, status: int = 200) -> Response:
    """Ask "are you sure?" on a page of its own: it works without JavaScript (GET asks, POST acts)."""
    return render(
        "proposals/confirm.html",
        title=title,
        question=question,
        button=button,
        back=back,
        confirm_form=ConfirmForm(),
        status=status,
    )


def _holder_proposal(proposal_id: int) -> Proposal:
    proposal = _proposal(proposal_id)
    if not _is_holder(proposal):
        abort(403)
    return proposal


@bp.route("/proposals/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@login_required
def withdraw(proposal_id: int) -> Response:
    proposal = _holder_proposal(proposal_id)
    if request.method == "POST":
        services.withdraw_proposal(actor=current_user, proposal=proposal)
        db.session.commit()
        flash(_("Your proposal has been withdrawn."), "success")
        return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]
    return _confirm_page(
        title=_("Withdraw the proposal “%(title)s”?", title=proposal.title),
        question=_(
            "A withdrawn proposal stays public, marked as withdrawn, and cannot be submitted again. "
            "It will not go to the vote."
        ),
        button=_("Yes, withdraw the proposal"),
        back=url_for("proposals.proposal_detail", proposal_id=proposal.id),
    )


@bp.route("/proposals/<int:proposal_id>/delete", methods=["GET", "POST"])
@login_required
def discard_draft(proposal_id: int) -> Response:
    proposal = _holder_proposal(proposal_id)
    if request.method == "POST":
        services.discard_draft(actor=current_user, proposal=proposal)
        db.session.commit()
        flash(_("Your draft has been deleted."), "success")
        return redirect(url_for("proposals.my_invitations"), 303)  # type: ignore[return-value]
    return _confirm_page(
        title=_("Delete the draft “%(title)s”?", title=proposal.title),
        question=_("The draft and its images will be deleted for good. Nobody else has seen it."),
        button=_("Yes, delete the draft"),
        back=url_for("proposals.proposal_detail", proposal_id=proposal.id),
    )


@bp.route("/proposals/<int:proposal_id>/images/<int:image_id>/delete", methods=["GET", "POST"])
@login_required
def remove_image(proposal_id: int, image_id: int) -> Response:
    proposal = _holder_proposal(proposal_id)
    image = db.session.get(ProposalImage, image_id)
    if image is None or image.proposal_id != proposal.id:
        abort(404)
    if request.method == "POST":
        services.remove_image(actor=current_user, proposal=proposal, image=image)
        db.session.commit()
        flash(_("The image has been removed."), "success")
        return redirect(url_for("proposals.edit_proposal", proposal_id=proposal.id), 303)  # type: ignore[return-value]
    return _confirm_page(
        title=_("Remove the image “%(name)s”?", name=image.original_name),
        question=_("The image will be deleted from the proposal for good."),
        button=_("Yes, remove the image"),
        back=url_for("proposals.edit_proposal", proposal_id=proposal.id),
    )


# --- co-authors ----------------------------------------------------------------------------------


@bp.post("/proposals/<int:proposal_id>/coauthors")
@login_required
@limiter.limit(_limit("COAUTHOR_INVITE_RATE_LIMIT"), key_func=_account_key)
def invite_coauthor(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    form = CoAuthorForm()
    if can_write(current_user) and form.validate_on_submit():
        services.invite_coauthor(actor=current_user, proposal=proposal, email=form.email.data)
        db.session.commit()
        flash(_("The invitation has been sent. The person appears as co-author once they accept."), "success")
        return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]
    context = _detail_context(proposal)
    context["coauthor_form"] = form
    return render("proposals/detail.html", status=_submitted_status(form), **context)


@bp.route("/proposals/<int:proposal_id>/coauthors/<int:coauthor_id>/remove", methods=["GET", "POST"])
@login_required
def remove_coauthor(proposal_id: int, coauthor_id: int) -> Response:
    proposal = _holder_proposal(proposal_id)
    invitation = db.session.get(CoAuthor, coauthor_id)
    if invitation is None or invitation.proposal_id != proposal.id:
        abort(404)
    if request.method == "POST":
        services.remove_coauthor(actor=current_user, proposal=proposal, invitation=invitation)
        db.session.commit()
        flash(_("Done: the co-authors list has been updated."), "success")
        return redirect(url_for("proposals.proposal_detail", proposal_id=proposal.id), 303)  # type: ignore[return-value]
    if invitation.accepted_at is None:
        title = _("Cancel the invitation sent to %(address)s?", address=invitation.invited_email)
        question = _("The invitation will no longer work. You can invite this person again later.")
        button = _("Yes, cancel the invitation")
    else:
        name = invitation.user.display_name if invitation.user else _("a deleted account")
        title = _("Remove %(name)s from the co-authors?", name=name)
        question = _("This person will no longer be able to edit or withdraw the proposal.")
        button = _("Yes, remove this co-author")
    back = url_for("proposals.proposal_detail", proposal_id=proposal.id)
    return _confirm_page(title=title, question=question, button=button, back=back)


@bp.get("/account/invitations")
@login_required
def my_invitations() -> Response:
    return render(
        "proposals/invitations.html",
        invitations=queries.pending_invitations(
            current_user.id, confirmed_email=current_user.email if current_user.is_confirmed else None
        ),
        proposals=queries.proposals_of(current_user.id),
        confirm_form=ConfirmForm(),
        **_writer_context(),
    )


@bp.post("/coauthors/<int:coauthor_id>/<any(accept, decline):answer>")
@login_required
def answer_invitation(coauthor_id: int, answer: str) -> Response:
    invitation = db.session.get(CoAuthor, coauthor_id)
    if invitation is None:
        abort(404)
    services.answer_invitation(actor=current_user, invitation=invitation, accept=answer == "accept")
    db.session.commit()
    flash(_("You are now a co-author.") if answer == "accept" else _("Invitation declined."), "success")
    return redirect(url_for("proposals.my_invitations"), 303)  # type: ignore[return-value]


# --- comments ------------------------------------------------------------------------------------


def _comment_parent(form: CommentForm) -> Comment | None:
    parent_id = query_int({"id": form.parent_id.data}, "id", minimum=1)
    return db.session.get(Comment, parent_id) if parent_id else None


@bp.post("/proposals/<int:proposal_id>/comments")
@login_required
@limiter.limit(_limit("COMMENT_RATE_LIMIT"), key_func=_account_key)
def post_comment(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    form = CommentForm()
    if can_write(current_user) and form.validate_on_submit():
        services.post_comment(
            actor=current_user, proposal=proposal, body=form.body.data, parent=_comment_parent(form)
        )
        db.session.commit()
        flash(_("Your comment has been published."), "success")
        if not htmx:
            return redirect(
                url_for("proposals.proposal_detail", proposal_id=proposal.id, _anchor="comments"), 303
            )  # type: ignore[return-value]
        form = CommentForm(formdata=None)
    context = _detail_context(proposal, comment_form=form)
    status = _submitted_status(form) if form.errors or not can_write(current_user) else 200
    return render("proposals/detail.html", fragment="proposals/_comments.html", status=status, **context)


@bp.route("/comments/<int:comment_id>/edit", methods=["GET", "POST"])
@login_required
@limiter.limit(_limit("COMMENT_EDIT_RATE_LIMIT"), methods=["POST"], key_func=_account_key)
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
    if can_write(current_user) and form.validate_on_submit():
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
        status=_submitted_status(form),
        **_writer_context(),
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
