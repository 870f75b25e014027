"""Supporting over HTTP: htmx fragment and plain form, 409 over the cap, CSRF, staff forms' 422, pages."""

from __future__ import annotations

import json

from sqlalchemy import event, func, select

from civic.accounts.roles import Role
from civic.extensions import db
from civic.preselection.models import Support, SupportRule
from tests.conftest import csrf_token
from tests.factories import create_user
from tests.preselection.helpers import preselection_edition, proposals, resident, support_all

HX = {"HX-Request": "true"}


def _supports(proposal_id: int) -> int:
    db.session.expire_all()
    return int(db.session.scalar(select(func.count()).where(Support.proposal_id == proposal_id)))


def _login_resident(client, login_as, district, **kwargs):
    user = login_as(**kwargs)
    user.district_id = district.id
    db.session.commit()
    return user


def test_htmx_support_returns_the_panel_with_the_new_count_and_what_is_left(client, login_as):
    edition, (north, _south) = preselection_edition(per_person_cap=5)
    _login_resident(client, login_as, north, locale="en")
    (proposal,) = proposals(edition, 1, north)
    token = csrf_token(client, f"/proposals/{proposal.id}")
    response = client.post(f"/proposals/{proposal.id}/support", data={"csrf_token": token}, headers=HX)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'id="proposal-{proposal.id}-support"' in page
    assert "1 support" in page and "You have 4 of 5 supports left." in page
    assert "HX-Request" in response.headers.get("Vary", "")
    assert _supports(proposal.id) == 1


def test_a_support_post_reads_and_writes_a_bounded_number_of_statements(client, login_as, app):
    """The hot path of the pre-selection (bench/supports.py): the session and roles, the proposal with its
    edition and calendar, the edition's rules, the person's lock, their supports, the insert, the new
    count and the content version. Re-reading after the commit what was just computed breaks the bound."""
    edition, (north, _south) = preselection_edition(per_person_cap=5)
    _login_resident(client, login_as, north, locale="en")
    first, second = proposals(edition, 2, north)
    token = csrf_token(client, f"/proposals/{first.id}")
    client.post(f"/proposals/{first.id}/support", data={"csrf_token": token}, headers=HX)  # warm
    statements: list[str] = []

    def listener(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    event.listen(db.engine, "before_cursor_execute", listener)
    try:
        response = client.post(f"/proposals/{second.id}/support", data={"csrf_token": token}, headers=HX)
    finally:
        event.remove(db.engine, "before_cursor_execute", listener)
    assert response.status_code == 200 and "You have 3 of 5 supports left." in response.get_data(as_text=True)
    assert len(statements) <= 8, "\n".join(statements)


def test_plain_form_support_redirects_back_and_withdrawal_is_confirmed_on_a_page(client, login_as):
    edition, (north, _south) = preselection_edition()
    _login_resident(client, login_as, north, locale="en")
    (proposal,) = proposals(edition, 1, north)
    token = csrf_token(client, f"/proposals/{proposal.id}")
    response = client.post(f"/proposals/{proposal.id}/support", data={"csrf_token": token})
    assert response.status_code == 303 and response.headers["Location"].startswith(
        f"/proposals/{proposal.id}"
    )
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "You support this project." in page and "Withdraw my support" in page
    confirm = client.get(f"/proposals/{proposal.id}/support/withdraw")
    assert confirm.status_code == 200 and "Withdraw your support for this project?" in confirm.get_data(
        as_text=True
    )
    response = client.post(f"/proposals/{proposal.id}/support/withdraw", data={"csrf_token": token})
    assert response.status_code == 303
    assert _supports(proposal.id) == 0


def test_over_the_cap_is_a_409_with_a_clear_message_in_both_shapes(client, login_as):
    edition, (north, _south) = preselection_edition(per_person_cap=1)
    _login_resident(client, login_as, north, locale="en")
    first, second = proposals(edition, 2, north)
    token = csrf_token(client, f"/proposals/{first.id}")
    assert client.post(f"/proposals/{first.id}/support", data={"csrf_token": token}).status_code == 303
    plain = client.post(f"/proposals/{second.id}/support", data={"csrf_token": token})
    assert plain.status_code == 409
    assert "All 1 supports have been used" in plain.get_data(as_text=True)
    fragment = client.post(f"/proposals/{second.id}/support", data={"csrf_token": token}, headers=HX)
    assert fragment.status_code == 409
    assert f'id="proposal-{second.id}-support"' in fragment.get_data(as_text=True)
    assert _supports(second.id) == 0


def test_a_support_without_csrf_token_is_refused(client, login_as):
    edition, (north, _south) = preselection_edition()
    _login_resident(client, login_as, north)
    (proposal,) = proposals(edition, 1, north)
    assert client.post(f"/proposals/{proposal.id}/support", data={}).status_code == 400
    assert _supports(proposal.id) == 0


def test_anonymous_visitors_see_the_count_and_a_login_link(client):
    edition, (north, _south) = preselection_edition()
    (proposal,) = proposals(edition, 1, north)
    support_all(resident(north), [proposal])
    page = client.get(f"/proposals/{proposal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "1 support" in page and "Log in to support this project" in page
    assert client.post(f"/proposals/{proposal.id}/support").status_code in (302, 400, 401)


def test_outside_the_phase_the_panel_shows_the_count_only(client, login_as):
    edition, (north, _south) = preselection_edition(open_phase="analysis")
    _login_resident(client, login_as, north, locale="en")
    (proposal,) = proposals(edition, 1, north)
    db.session.add(
        Support(proposal_id=proposal.id, edition_id=edition.id, district_id=north.id, supporter_key="u:0")
    )
    db.session.commit()
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "1 support" in page and "Support this project" not in page


def test_edition_preselection_page_lists_projects_with_what_is_left(client, login_as):
    edition, (north, _south) = preselection_edition(per_person_cap=3)
    _login_resident(client, login_as, north, locale="en")
    items = proposals(edition, 2, north)
    page = client.get(f"/editions/{edition.slug}/preselection").get_data(as_text=True)
    assert "You have 3 of 3 supports left." in page
    assert all(p.title in page for p in items)
    edition_page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert f"/editions/{edition.slug}/preselection" in edition_page


def test_card_facts_show_supports_on_the_list(client):
    edition, (north, _south) = preselection_edition()
    (proposal,) = proposals(edition, 1, north)
    support_all(resident(north), [proposal])
    page = client.get(f"/editions/{edition.slug}/proposals", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "1 support" in page


def test_rules_form_refuses_bad_input_with_422_and_keeps_it(client, login_as):
    edition, (_north, _south) = preselection_edition()
    login_as(Role.ADMIN, locale="en")
    token = csrf_token(client, f"/staff/editions/{edition.slug}/preselection/rules")
    data = {
        "csrf_token": token,
        "per_person_cap": "4",
        "mode": "online",
        "threshold_kind": "absolute",
        "threshold": "douze",
        "guaranteed_minimum": "0",
        "withdrawal": "always",
        "tie_rule": "random_seed",
        "random_seed": "",
    }
    response = client.post(f"/staff/editions/{edition.slug}/preselection/rules", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'value="douze"' in page and "Type a positive number" in page
    fragment = client.post(
        f"/staff/editions/{edition.slug}/preselection/rules", data=data | {"threshold": "12"}, headers=HX
    )
    assert fragment.status_code == 422 and "Give the public seed" in fragment.get_data(as_text=True)
    assert 'id="rules-form"' in fragment.get_data(as_text=True)
    saved = client.post(
        f"/staff/editions/{edition.slug}/preselection/rules",
        data=data | {"threshold": "12", "random_seed": "tirage du 1er mars"},
    )
    assert saved.status_code == 303
    db.session.expire_all()
    rule = db.session.scalar(select(SupportRule).where(SupportRule.edition_id == edition.id))
    assert (rule.per_person_cap, rule.threshold_value, rule.random_seed) == (4, 12, "tirage du 1er mars")


def test_a_rule_change_after_the_first_support_is_a_409(client, login_as):
    edition, (north, _south) = preselection_edition()
    support_all(resident(north), proposals(edition, 1, north))
    login_as(Role.ADMIN, locale="en")
    token = csrf_token(client, f"/staff/editions/{edition.slug}/preselection/rules")
    data = {
        "csrf_token": token,
        "per_person_cap": "9",
        "mode": "online",
        "threshold_kind": "none",
        "withdrawal": "always",
        "tie_rule": "all_tied",
    }
    response = client.post(f"/staff/editions/{edition.slug}/preselection/rules", data=data)
    assert response.status_code == 409 and "frozen at the first support" in response.get_data(as_text=True)


def test_residents_cannot_open_the_staff_screens(client, login_as):
    edition, _districts = preselection_edition()
    login_as()
    assert client.get(f"/staff/editions/{edition.slug}/preselection/rules").status_code == 403
    assert client.get(f"/front-desk/editions/{edition.slug}/supports").status_code == 403


def test_front_desk_form_records_a_support_and_keeps_input_on_error(client, login_as):
    edition, (north, _south) = preselection_edition()
    login_as(Role.FRONT_DESK, locale="en")
    (proposal,) = proposals(edition, 1, north)
    url = f"/front-desk/editions/{edition.slug}/supports"
    token = csrf_token(client, url)
    bad = client.post(
        url, data={"csrf_token": token, "reference": proposal.reference, "name": "Jeanne Martin"}
    )
    assert bad.status_code == 422 and 'value="Jeanne Martin"' in bad.get_data(as_text=True)
    good = client.post(
        url,
        data={
            "csrf_token": token,
            "reference": proposal.reference,
            "name": "Jeanne Martin",
            "birth_date": "1962-05-04",
            "district_id": str(north.id),
        },
    )
    assert good.status_code == 303
    assert _supports(proposal.id) == 1
    twice = client.post(
        url,
        data={
            "csrf_token": token,
            "reference": proposal.reference,
            "name": "JEANNE MARTIN",
            "birth_date": "1962-05-04",
            "district_id": str(north.id),
        },
    )
    assert twice.status_code == 409 and "already supports" in twice.get_data(as_text=True)
    unknown = client.post(
        url, data={"csrf_token": token, "reference": "BP0000-99999", "email": "x@example.org"}
    )
    assert unknown.status_code == 422


def test_supporting_is_rate_limited(client, login_as, app):
    app.config["SUPPORT_RATE_LIMIT"] = "2 per minute"
    edition, (north, _south) = preselection_edition(per_person_cap=5)
    _login_resident(client, login_as, north)
    items = proposals(edition, 3, north)
    token = csrf_token(client, f"/proposals/{items[0].id}")
    statuses = [
        client.post(f"/proposals/{p.id}/support", data={"csrf_token": token}).status_code for p in items
    ]
    assert statuses == [303, 303, 429]


def test_other_people_keep_their_own_cap(client):
    edition, (north, _south) = preselection_edition(per_person_cap=1)
    (proposal,) = proposals(edition, 1, north)
    support_all(resident(north), [proposal])
    support_all(create_user(), [proposal])
    assert _supports(proposal.id) == 2


def test_staff_see_links_to_their_screens_on_the_preselection_page(client, login_as):
    edition, _districts = preselection_edition()
    login_as(Role.FRONT_DESK, locale="en")
    page = client.get(f"/editions/{edition.slug}/preselection").get_data(as_text=True)
    assert f"/front-desk/editions/{edition.slug}/supports" in page
    assert f"/staff/editions/{edition.slug}/preselection/rules" not in page


def test_a_persons_supports_are_in_their_data_export(client, login_as):
    edition, (north, _south) = preselection_edition()
    user = _login_resident(client, login_as, north)
    (proposal,) = proposals(edition, 1, north)
    support_all(user, [proposal])
    data = json.loads(client.get("/account/export").get_data(as_text=True))
    assert [s["proposal"] for s in data["supports"]] == [proposal.reference]


def test_a_district_rule_overrides_the_threshold_and_keeps_the_editions_person_settings(client, login_as):
    edition, (north, _south) = preselection_edition(per_person_cap=3)
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/preselection/rules/{north.id}"
    page = client.get(url).get_data(as_text=True)
    assert "the per-person settings are the edition" in page
    token = csrf_token(client, url)
    data = {
        "csrf_token": token,
        "per_person_cap": "3",
        "mode": "online",
        "eligible_only": "y",
        "threshold_kind": "top_n",
        "threshold": "4",
        "guaranteed_minimum": "1",
        "withdrawal": "never",
        "tie_rule": "cheaper_first",
    }
    assert client.post(url, data=data).status_code == 303
    db.session.expire_all()
    rule = db.session.scalar(
        select(SupportRule).where(SupportRule.edition_id == edition.id, SupportRule.district_id == north.id)
    )
    assert (rule.threshold_value, rule.guaranteed_minimum, rule.withdrawal.value) == (4, 1, "never")
