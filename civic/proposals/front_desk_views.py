"""Front desk, after the submission: correct or withdraw what staff entered for a resident, and the
screen of the private contacts waiting for their GDPR purge."""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user

from civic.core.time import utcnow
from civic.extensions import db
from civic.proposals import front_desk
from civic.proposals.forms import ConfirmForm, FrontDeskProposalForm
from civic.proposals.models import Proposal
from civic.proposals.permissions import can_submit_in_person
from civic.proposals.views import _proposal, _readable_or_404, bp
from civic.web.decorators import permission_required
from civic.web.rendering import render


def _correction_form(proposal: Proposal) -> FrontDeskProposalForm:
    if request.method != "GET":
        form = FrontDeskProposalForm()
    else:
        contact = proposal.private_contact
        form = FrontDeskProposalForm(
            obj=proposal,
            contact_name=contact.name if contact else "",
            contact=contact.contact if contact else "",
        )
        if proposal.estimated_cost_cents is not None:
            form.estimated_cost.data = f"{proposal.estimated_cost_cents / 100:.2f}".replace(".", ",")
    form.fill_choices(proposal.edition)
    if proposal.contact_purged_at is not None:
        # Nothing to correct any more: the contact was deleted.
        del form.contact_name, form.contact
    return form


@bp.route("/front-desk/proposals/<int:proposal_id>/correct", methods=["GET", "POST"])
@permission_required(can_submit_in_person)
def front_desk_correct(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    _readable_or_404(proposal)
    form = _correction_form(proposal)
    if form.validate_on_submit():
        contact = form.contact_input() if proposal.contact_purged_at is None else None
        front_desk.correct_in_person(
            actor=current_user, proposal=proposal, data=form.to_input(), contact=contact
        )
        db.session.commit()
        flash(_("The proposal %(ref)s has been corrected.", ref=proposal.reference), "success")
        return redirect(url_for("proposals.receipt", proposal_id=proposal.id), 303)  # type: ignore[return-value]
    return render(
        "proposals/front_desk_correct.html",
        form=form,
        proposal=proposal,
        edition=proposal.edition,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/front-desk/proposals/<int:proposal_id>/withdraw", methods=["GET", "POST"])
@permission_required(can_submit_in_person)
def front_desk_withdraw(proposal_id: int) -> Response:
    proposal = _proposal(proposal_id)
    _readable_or_404(proposal)
    form = ConfirmForm()
    if form.validate_on_submit():
        front_desk.withdraw_in_person(actor=current_user, proposal=proposal)
        db.session.commit()
        flash(_("The proposal %(ref)s has been withdrawn.", ref=proposal.reference), "success")
        return redirect(url_for("proposals.front_desk", q=proposal.reference), 303)  # type: ignore[return-value]
    return render(
        "proposals/front_desk_withdraw.html",
        form=form,
        proposal=proposal,
        status=422 if form.is_submitted() else 200,
    )


@bp.get("/front-desk/contacts")
@permission_required(can_submit_in_person)
def front_desk_contacts() -> Response:
    return render("proposals/front_desk_contacts.html", schedule=front_desk.purge_schedule(), now=utcnow())
