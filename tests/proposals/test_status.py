"""Status changes build the public timeline; "not retained" needs a reason; holders are told."""

from __future__ import annotations

import pytest
from flask import current_app

from civic.core.errors import ValidationFailed
from civic.extensions import db
from civic.proposals.models import ProposalStatus
from civic.proposals.services import change_status
from tests.factories import create_coauthor_invitation, create_proposal, create_user


def test_not_retained_needs_a_public_reason(app):
    proposal = create_proposal()
    with current_app.test_request_context(), pytest.raises(ValidationFailed):
        change_status(actor=None, proposal=proposal, status=ProposalStatus.NOT_FEASIBLE, public_reason="  ")
    db.session.rollback()


def test_status_change_is_public_dated_and_mailed_to_every_holder_in_their_language(app, client, outbox):
    author = create_user(locale="fr")
    proposal = create_proposal(author=author, title="Fontaine du port")
    friend = create_user(locale="en")
    invitation = create_coauthor_invitation(proposal=proposal, user=friend)
    from civic.core.time import utcnow

    invitation.accepted_at = utcnow()
    db.session.commit()
    reason = "Le terrain appartient au département : la commune ne peut pas y construire."
    analyst = create_user()
    # Test code runs in the twin app's context (see conftest): use its request context and outbox.
    with current_app.test_request_context():
        change_status(actor=analyst, proposal=proposal, status=ProposalStatus.NOT_FEASIBLE, public_reason=reason)
        from civic.core.mail import outbox as sent

        assert list(sent()) == []  # e-mails leave once the transaction commits
        db.session.commit()
        mails = list(sent())
    assert sorted((m.to, m.locale) for m in mails) == sorted([(author.email, "fr"), (friend.email, "en")])
    assert all(reason in m.body for m in mails)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert reason in page and 'aria-current="step"' in page
