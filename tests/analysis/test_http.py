"""The analysis pages through the test client: who sees what, bad amounts, CSRF, the reply, publication."""

from __future__ import annotations

import re

import pytest

from civic.accounts.roles import Role
from civic.analysis import services
from civic.analysis.models import Review
from civic.analysis.rules import ReviewState
from civic.extensions import db
from tests.analysis.factories import NOT_FEASIBLE, WITH_CHANGES, analyst_user, create_review, manager_user
from tests.conftest import csrf_token, log_in
from tests.factories import create_edition, create_proposal, create_user


def _form(review: Review, **changes: str) -> dict[str, str]:
    data = {
        "verdict": "feasible",
        "reason_code": "",
        "public_explanation": "Faisable.",
        "cost_low": "10 000",
        "cost_estimate": "12 000",
        "cost_high": "15 000",
        "action": "save",
    }
    return data | changes


def test_an_analyst_sees_only_their_queue_and_the_manager_sees_everything(client):
    mine = create_review(state="assigned")
    other = create_review(state="assigned")
    log_in(client, mine.analysts[0].user)
    page = client.get("/staff/analysis").get_data(as_text=True)
    assert mine.proposal.title in page and other.proposal.title not in page
    log_in(client, manager_user())
    page = client.get("/staff/analysis").get_data(as_text=True)
    assert mine.proposal.title in page and other.proposal.title in page


def test_the_queue_filters_by_state_and_marks_overdue(client):
    from datetime import timedelta

    from civic.core.time import utcnow

    late = create_review(state="assigned")
    late.due_on = utcnow().date() - timedelta(days=2)
    db.session.commit()
    done = create_review(state="submitted")
    log_in(client, manager_user(locale="en"))
    page = client.get("/staff/analysis?due=overdue").get_data(as_text=True)
    assert late.proposal.title in page and "Overdue" in page and done.proposal.title not in page
    page = client.get("/staff/analysis?state=submitted").get_data(as_text=True)
    assert done.proposal.title in page and late.proposal.title not in page


def test_another_analyst_gets_403_on_a_review_not_assigned_to_them(client):
    review = create_review(state="assigned")
    log_in(client, analyst_user())
    assert client.get(f"/staff/analysis/reviews/{review.id}").status_code == 403
    token = csrf_token(client, "/staff/analysis")
    response = client.post(f"/staff/analysis/reviews/{review.id}/save", data=_form(review, csrf_token=token))
    assert response.status_code == 403


@pytest.mark.parametrize("who", [None, Role.RESIDENT, Role.ANALYST])
def test_residents_and_analysts_cannot_use_the_manager_screens(client, who):
    edition = create_edition(open_phase="analysis")
    if who is not None:
        log_in(client, create_user(roles=(who,)))
    for url in (f"/staff/analysis/editions/{edition.slug}", "/staff/analysis/services"):
        assert client.get(url).status_code in ((302, 401) if who is None else (403,))


@pytest.mark.parametrize(
    "field,value",
    [("cost_estimate", "abc"), ("cost_estimate", "-5"), ("cost_estimate", "1e9999"), ("cost_low", "20 000")],
)
def test_a_bad_amount_is_refused_with_422_and_the_input_kept(client, field, value):
    review = create_review(state="assigned")
    log_in(client, review.analysts[0].user)
    token = csrf_token(client, f"/staff/analysis/reviews/{review.id}")
    response = client.post(
        f"/staff/analysis/reviews/{review.id}/save", data=_form(review, csrf_token=token, **{field: value})
    )
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert f'value="{value}"' in page and "aria-invalid" in page
    db.session.expire_all()
    assert db.session.get(Review, review.id).cost_estimate_cents is None


def test_amounts_are_read_as_people_type_euros(client):
    review = create_review(state="assigned")
    log_in(client, review.analysts[0].user)
    token = csrf_token(client, f"/staff/analysis/reviews/{review.id}")
    data = _form(review, csrf_token=token, cost_low="9 500,50", cost_estimate="12 000 €", cost_high="15000")
    assert client.post(f"/staff/analysis/reviews/{review.id}/save", data=data).status_code == 303
    db.session.expire_all()
    saved = db.session.get(Review, review.id)
    assert (saved.cost_low_cents, saved.cost_estimate_cents, saved.cost_high_cents) == (
        950_050,
        1_200_000,
        1_500_000,
    )
    assert saved.state is ReviewState.IN_PROGRESS


def test_a_post_without_csrf_token_is_refused(client):
    review = create_review(state="assigned")
    log_in(client, review.analysts[0].user)
    assert client.post(f"/staff/analysis/reviews/{review.id}/save", data=_form(review)).status_code == 400


def test_submitting_through_the_form_mails_the_holder(client, outbox):
    review = create_review(state="assigned")
    log_in(client, review.analysts[0].user)
    token = csrf_token(client, f"/staff/analysis/reviews/{review.id}")
    response = client.post(
        f"/staff/analysis/reviews/{review.id}/save", data=_form(review, csrf_token=token, action="submit")
    )
    assert response.status_code == 303
    assert [m.template for m in outbox] == ["analysis_reply_requested"]


def test_the_holder_sees_the_draft_and_replies_others_see_nothing(client):
    review = create_review(state="submitted", data=WITH_CHANGES)
    url = f"/proposals/{review.proposal_id}"
    for who in (None, create_user(), analyst_user()):
        if who is not None:
            log_in(client, who)
        page = client.get(url).get_data(as_text=True)
        if who is not None and Role.ANALYST in who.roles:
            assert WITH_CHANGES.proposed_changes in page  # analysis staff see the draft
        else:
            assert WITH_CHANGES.proposed_changes not in page
    holder = review.proposal.author
    log_in(client, holder)
    page = client.get(url).get_data(as_text=True)
    assert WITH_CHANGES.proposed_changes in page and "accepts_changes" in page
    token = csrf_token(client, url)
    response = client.post(
        f"{url}/analysis/reply",
        data={"csrf_token": token, "body": "D'accord pour le square.", "accepts_changes": "y"},
    )
    assert response.status_code == 303
    db.session.expire_all()
    answer = db.session.get(Review, review.id).current_reply()
    assert answer.accepts_changes and answer.body == "D'accord pour le square."


def test_someone_else_cannot_reply(client):
    review = create_review(state="submitted")
    log_in(client, create_user())
    token = csrf_token(client, "/")
    response = client.post(
        f"/proposals/{review.proposal_id}/analysis/reply", data={"csrf_token": token, "body": "x"}
    )
    assert response.status_code == 404


def _public_texts(client, review: Review) -> str:
    edition = review.proposal.edition
    pages = [
        client.get(f"/proposals/{review.proposal_id}"),
        client.get(f"/editions/{edition.slug}/proposals"),
        client.get(f"/editions/{edition.slug}/proposals", headers={"HX-Request": "true"}),
        client.get(f"/editions/{edition.slug}"),
    ]
    return "\n".join(p.get_data(as_text=True) for p in pages)


@pytest.mark.parametrize("state", ["in_progress", "submitted", "validated"])
def test_nothing_of_an_unpublished_verdict_is_public(client, state):
    review = create_review(
        state=state, data=NOT_FEASIBLE, reply="Nous contestons." if state != "in_progress" else None
    )
    text = _public_texts(client, review)
    for secret in (
        NOT_FEASIBLE.public_explanation,
        "Not a municipal competence",
        "Pas une compétence",
        "Nous contestons",
    ):
        assert secret not in text
    assert "status-not_feasible" not in text  # no "not feasible" badge anywhere
    if state != "in_progress":
        assert "Analyse technique en cours" in text or "Technical analysis in progress" in text


def test_a_published_verdict_is_on_the_timeline_with_its_cost_and_the_answer(client):
    review = create_review(state="published", reply="Merci pour l'analyse.")
    log_in(client, create_user(locale="en"))
    page = client.get(f"/proposals/{review.proposal_id}").get_data(as_text=True)
    assert "Technical analysis: Feasible" in page
    assert "€12,000" in page or "12,000" in page
    assert "Merci pour l&#39;analyse." in page and "Duration: 6 months" in page


def test_a_private_note_never_leaves_the_staff_pages(client):
    secret = "NOTE-SECRETE-7f3a le chef de service hésite"
    review = create_review(state="validated", reply="Merci")
    services.add_note(actor=review.analysts[0].user, review=review, body=secret)
    db.session.commit()
    log_in(client, review.analysts[0].user)
    assert secret in client.get(f"/staff/analysis/reviews/{review.id}").get_data(as_text=True)
    staff_export = client.get("/account/export").get_data(as_text=True)
    assert secret not in staff_export
    log_in(client, review.proposal.author)
    holder_pages = [
        client.get(f"/proposals/{review.proposal_id}"),
        client.get("/account/export"),
        client.get("/account/export.zip"),
    ]
    assert all(secret.encode() not in p.get_data() for p in holder_pages)
    services.publish(actor=manager_user(), reviews=[db.session.get(Review, review.id)])
    db.session.commit()
    client.get("/logout")
    with client.session_transaction() as session:
        session.clear()
    assert secret not in _public_texts(client, review)


def test_the_manager_publishes_a_batch_after_a_confirmation_and_each_holder_gets_one_email(client, outbox):
    manager = manager_user()
    reviews = [create_review(state="validated", manager=manager, reply="Merci") for _ in range(2)]
    edition = reviews[0].proposal.edition
    for review in reviews[1:]:
        review.proposal.edition_id = edition.id
        review.edition_id = edition.id
    db.session.commit()
    log_in(client, manager)
    url = f"/staff/analysis/editions/{edition.slug}/publish"
    token = csrf_token(client, url)
    ids = [str(r.id) for r in reviews]
    confirm = client.post(url, data={"csrf_token": token, "review_ids": ids})
    assert confirm.status_code == 200 and 'name="confirmed" value="yes"' in confirm.get_data(as_text=True)
    assert outbox == [] and db.session.get(Review, reviews[0].id).state is ReviewState.VALIDATED
    done = client.post(url, data={"csrf_token": token, "review_ids": ids, "confirmed": "yes"})
    assert done.status_code == 303
    assert sorted(m.to for m in outbox) == sorted(r.proposal.author.email for r in reviews)
    assert {m.template for m in outbox} == {"analysis_verdict"}


def test_a_forbidden_status_move_posted_by_hand_is_refused_with_409(client):
    proposal = create_proposal()
    log_in(client, manager_user())
    url = f"/staff/analysis/proposals/{proposal.id}/status"
    page = client.get(url).get_data(as_text=True)
    offered = set(re.findall(r'name="status" id="status-[a-z_]+" value="([a-z_]+)"', page))
    assert offered == {"withdrawn", "preselected", "not_preselected", "feasible", "not_feasible", "on_ballot"}
    token = csrf_token(client, url)
    assert client.post(url, data={"csrf_token": token, "status": "delivered"}).status_code == 409
    assert (
        client.post(url, data={"csrf_token": token, "status": "merged", "public_reason": "x"}).status_code
        == 409
    )
    refused = client.post(url, data={"csrf_token": token, "status": "not_feasible"})
    assert refused.status_code == 422
    assert client.post(url, data={"csrf_token": token, "status": "preselected"}).status_code == 303
    db.session.expire_all()
    assert db.session.get(type(proposal), proposal.id).status.value == "preselected"


def test_the_status_screen_is_for_the_manager_and_admins_only(client):
    proposal = create_proposal()
    log_in(client, analyst_user())
    assert client.get(f"/staff/analysis/proposals/{proposal.id}/status").status_code == 403
    log_in(client, create_user(roles=(Role.ADMIN,)))
    assert client.get(f"/staff/analysis/proposals/{proposal.id}/status").status_code == 200


def test_a_merged_proposal_redirects_to_the_one_it_joined_and_says_why(client):
    edition = create_edition(open_phase="analysis")
    source, target = create_proposal(edition=edition, title="Jardin A"), create_proposal(edition=edition)
    log_in(client, manager_user(locale="en"))
    url = f"/staff/analysis/proposals/{source.id}/merge"
    token = csrf_token(client, url)
    data = {"csrf_token": token, "target_id": str(target.id), "reason": "Same garden, same street."}
    assert client.post(url, data=data).status_code == 200  # the confirmation page
    assert client.post(url, data=data | {"confirmed": "yes"}).status_code == 303
    response = client.get(f"/proposals/{source.id}")
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/proposals/{target.id}")
    page = client.get(f"/proposals/{target.id}").get_data(as_text=True)
    assert "Same garden, same street." in page and "Jardin A" in page


def test_the_reply_window_setting_is_kept_per_edition(client):
    edition = create_edition(open_phase="analysis")
    log_in(client, manager_user())
    url = f"/staff/analysis/editions/{edition.slug}"
    token = csrf_token(client, url)
    assert client.post(f"{url}/settings", data={"csrf_token": token, "reply_days": "0"}).status_code == 422
    assert client.post(f"{url}/settings", data={"csrf_token": token, "reply_days": "15"}).status_code == 303
    assert services.settings_for(edition).reply_days == 15


def test_opening_the_analysis_and_assigning_through_the_pages(client):
    edition = create_edition(open_phase="analysis")
    proposal = create_proposal(edition=edition)
    analyst = analyst_user()
    manager = manager_user()
    service = services.create_service(actor=manager, name="Espaces verts")
    db.session.commit()
    log_in(client, manager)
    url = f"/staff/analysis/editions/{edition.slug}"
    token = csrf_token(client, url)
    assert client.post(f"{url}/open", data={"csrf_token": token}).status_code == 303
    review = services.review_of(proposal)
    response = client.post(
        f"/staff/analysis/reviews/{review.id}/assign",
        data={
            "csrf_token": token,
            "service_id": str(service.id),
            "analyst_ids": [str(analyst.id)],
            "due_on": "2026-12-20",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    review = db.session.get(Review, review.id)
    assert review.state is ReviewState.ASSIGNED and review.analyst_ids() == {analyst.id}
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Analyse technique en cours" in page or "Technical analysis in progress" in page


def test_a_review_can_be_assigned_without_a_service(client):
    review = create_review(state="to_assign")
    analyst = analyst_user()
    log_in(client, manager_user())
    url = f"/staff/analysis/reviews/{review.id}"
    token = csrf_token(client, url)
    data = {"csrf_token": token, "service_id": "", "analyst_ids": [str(analyst.id)], "due_on": ""}
    assert client.post(f"{url}/assign", data=data).status_code == 303
    nobody = client.post(f"{url}/assign", data=data | {"analyst_ids": []})
    assert nobody.status_code == 422


def test_merging_into_a_proposal_of_another_edition_by_hand_is_refused(client):
    source = create_proposal(edition=create_edition(open_phase="analysis"))
    other = create_proposal(edition=create_edition(open_phase="analysis"))
    log_in(client, manager_user())
    url = f"/staff/analysis/proposals/{source.id}/merge"
    token = csrf_token(client, url)
    data = {"csrf_token": token, "target_id": str(other.id), "reason": "Doublon", "confirmed": "yes"}
    assert client.post(url, data=data).status_code == 422
    db.session.expire_all()
    assert db.session.get(type(source), source.id).merged_into_id is None
