"""Analysis use cases on the real database: opening, assigning, submitting, replying, validating, publishing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from civic.accounts.models import User
from civic.analysis import services
from civic.analysis.models import Review
from civic.analysis.rules import ReviewState
from civic.core.errors import Conflict, InvalidInput, PermissionDenied
from civic.core.time import utcnow
from civic.extensions import db
from civic.proposals.hooks import cost_ranges
from civic.proposals.models import CoAuthor, ProposalStatus
from tests.analysis.factories import (
    NOT_FEASIBLE,
    WITH_CHANGES,
    analyst_user,
    create_review,
    manager_user,
)
from tests.factories import create_comment, create_edition, create_proposal, create_user


def test_opening_the_analysis_creates_one_review_per_proposal_in_the_running(app):
    edition = create_edition(open_phase="analysis")
    running = [create_proposal(edition=edition) for _ in range(3)]
    create_proposal(edition=edition, status="withdrawn")
    create_proposal(edition=edition, status="draft")
    manager = manager_user()
    assert services.open_analysis(actor=manager, edition=edition) == 3
    assert services.open_analysis(actor=manager, edition=edition) == 0  # idempotent
    db.session.commit()
    reviewed = set(db.session.scalars(select(Review.proposal_id)))
    assert reviewed == {p.id for p in running}


def test_only_the_manager_or_an_admin_opens_and_assigns(app):
    proposal = create_proposal(edition=create_edition(open_phase="analysis"))
    with pytest.raises(PermissionDenied):
        services.open_review(actor=analyst_user(), proposal=proposal)
    from civic.accounts.roles import Role

    admin = create_user(roles=(Role.ADMIN,))
    review = services.open_review(actor=admin, proposal=proposal)
    assert review.state is ReviewState.TO_ASSIGN


def test_an_analyst_works_only_on_their_own_reviews(app):
    review = create_review(state="assigned")
    with pytest.raises(PermissionDenied):
        services.save_review(actor=analyst_user(), review=review, data=NOT_FEASIBLE)


def test_not_feasible_needs_a_coded_reason_and_a_public_explanation(app):
    review = create_review(state="assigned")
    analyst = review.analysts[0].user
    with pytest.raises(InvalidInput) as refused:
        services.save_review(
            actor=analyst, review=review, data=services.ReviewInput(verdict=NOT_FEASIBLE.verdict)
        )
    assert set(refused.value.problems) == {"reason_code", "public_explanation"}


def test_submitting_mails_the_holders_once_the_transaction_commits(app, sent):
    review = create_review(state="in_progress")
    assert sent == []
    services.submit_review(actor=review.analysts[0].user, review=review)
    assert sent == []  # not before the commit
    db.session.commit()
    assert [m.template for m in sent] == ["analysis_reply_requested"]
    assert sent[0].to == review.proposal.author.email


def test_validation_waits_for_the_holders_while_the_window_is_open(app):
    review = create_review(state="submitted")
    with pytest.raises(Conflict):
        services.validate(actor=manager_user(), review=review)
    later = utcnow() + timedelta(days=30)
    services.validate(actor=manager_user(), review=review, now=later)
    assert review.state is ReviewState.VALIDATED


def test_feasible_with_changes_is_validated_only_with_the_holders_agreement(app):
    refused = create_review(state="submitted", data=WITH_CHANGES, reply="Nous préférons la place du marché.")
    with pytest.raises(Conflict):
        services.validate(actor=manager_user(), review=refused, now=utcnow() + timedelta(days=30))
    accepted = create_review(state="submitted", data=WITH_CHANGES, accepts=True)
    services.validate(actor=manager_user(), review=accepted)
    assert accepted.state is ReviewState.VALIDATED
    # Silence until the window closes counts as agreement.
    silent = create_review(state="submitted", data=WITH_CHANGES, submitted_days_ago=11)
    services.validate(actor=manager_user(), review=silent)
    assert silent.state is ReviewState.VALIDATED


def test_only_a_holder_replies_and_only_while_the_window_is_open(app):
    review = create_review(state="submitted")
    with pytest.raises(PermissionDenied):
        services.reply(
            actor=create_user(), review=review, body="Je ne suis pas l'auteur.", accepts_changes=False
        )
    holder = review.proposal.author
    with pytest.raises(Conflict):
        services.reply(
            actor=holder,
            review=review,
            body="Trop tard",
            accepts_changes=False,
            now=utcnow() + timedelta(days=30),
        )
    answer = services.reply(actor=holder, review=review, body="Merci", accepts_changes=False)
    assert answer.round == review.round == 1


def test_each_holder_gets_exactly_one_email_per_published_verdict_in_their_language(app, sent):
    author = create_user(locale="en")
    coauthor = create_user(locale="fr")
    proposal = create_proposal(edition=create_edition(open_phase="analysis"), author=author)
    db.session.add(
        CoAuthor(
            proposal_id=proposal.id, user_id=coauthor.id, invited_email=coauthor.email, accepted_at=utcnow()
        )
    )
    db.session.commit()
    review = create_review(proposal=proposal, state="validated", data=NOT_FEASIBLE, reply="Dommage.")
    sent.clear()
    services.publish(actor=manager_user(), reviews=[review])
    db.session.commit()
    assert sorted((m.to, m.template, m.locale) for m in sent) == sorted(
        [(author.email, "analysis_verdict", "en"), (coauthor.email, "analysis_verdict", "fr")]
    )
    english = next(m for m in sent if m.locale == "en")
    assert "Not feasible" in english.subject and "Not a municipal competence" in english.body
    assert review.proposal.status is ProposalStatus.NOT_FEASIBLE
    assert review.proposal.status_changes[-1].public_reason == NOT_FEASIBLE.public_explanation


def test_a_batch_publishes_many_verdicts_and_the_cost_range_travels(app, sent):
    manager = manager_user()
    reviews = [create_review(state="validated", manager=manager, reply="Merci") for _ in range(3)]
    unpublished = create_review(state="submitted")
    assert cost_ranges([r.proposal for r in reviews]) == {}
    assert services.publish(actor=manager, reviews=reviews) == 3
    db.session.commit()
    assert {r.proposal.status for r in reviews} == {ProposalStatus.FEASIBLE}
    ranges = cost_ranges([r.proposal for r in reviews] + [unpublished.proposal])
    assert set(ranges) == {r.proposal_id for r in reviews}
    assert ranges[reviews[0].proposal_id].estimate_cents == 12_000_00
    assert ranges[reviews[0].proposal_id].low_cents == 10_000_00


def test_publishing_a_review_that_is_not_validated_is_refused(app):
    review = create_review(state="submitted")
    with pytest.raises(Conflict):
        services.publish(actor=manager_user(), reviews=[review])


def test_a_merge_carries_authors_comments_and_lineage_over(app, sent):
    edition = create_edition(open_phase="analysis")
    source, target = create_proposal(edition=edition), create_proposal(edition=edition)
    comment = create_comment(proposal=source)
    seen = []
    from civic.proposals.hooks import proposal_hooks

    proposal_hooks().merge_listeners.append(lambda a, b: seen.append((a.id, b.id)))
    services.merge(actor=manager_user(), source=source, target=target, reason="Même jardin, même rue.")
    db.session.commit()
    assert source.status is ProposalStatus.MERGED and source.merged_into_id == target.id
    assert source.author_id in target.holder_ids()
    assert db.session.get(type(comment), comment.id).proposal_id == target.id
    assert services.merged_into(target) == [source]
    assert seen == [(source.id, target.id)]


@pytest.mark.parametrize("case", ["itself", "merged", "other_edition"])
def test_a_merge_into_itself_a_merged_one_or_another_edition_is_refused(app, case):
    edition = create_edition(open_phase="analysis")
    source = create_proposal(edition=edition)
    target = {
        "itself": lambda: source,
        "merged": lambda: create_proposal(edition=edition, status="merged"),
        "other_edition": lambda: create_proposal(edition=create_edition(open_phase="analysis")),
    }[case]()
    with pytest.raises(Conflict):
        services.merge(actor=manager_user(), source=source, target=target, reason="Doublon")


def test_a_manual_status_move_follows_the_transitions(app):
    proposal = create_proposal()
    manager = manager_user()
    with pytest.raises(Conflict):
        services.move_status(actor=manager, proposal=proposal, status="selected", public_reason="")
    services.move_status(actor=manager, proposal=proposal, status="preselected", public_reason="")
    assert proposal.status is ProposalStatus.PRESELECTED
    with pytest.raises(PermissionDenied):
        services.move_status(actor=analyst_user(), proposal=proposal, status="feasible", public_reason="")


def test_deleting_a_user_keeps_reviews(app):
    review = create_review(state="in_progress")
    assert db.session.get(User, review.analysts[0].user_id) is not None
