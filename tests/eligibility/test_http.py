"""The roll's pages through HTTP: the resident's page and link forms, the staff screens, CSRF, limits."""

from __future__ import annotations

import gc
import io
import warnings
from datetime import date

import pytest
from sqlalchemy import func, select

from civic.accounts.roles import Role
from civic.eligibility import keys, services
from civic.eligibility.hooks import eligibility_hooks
from civic.eligibility.models import AccessCode, RollLink, VoterRollEntry
from civic.extensions import db
from tests.conftest import csrf_token, log_in
from tests.eligibility.helpers import admin_user, csv_file, import_lines, roll_edition
from tests.eligibility.test_codes import pdf_pages
from tests.factories import create_user


@pytest.fixture
def big_upload():
    """Collect the test client's on-disk request body (Werkzeug's test builder leaves it open)."""
    yield
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ResourceWarning)
        gc.collect()


def _page(edition):
    return f"/editions/{edition.slug}/vote/eligibility"


def _links():
    return db.session.scalar(select(func.count()).select_from(RollLink))


def test_anonymous_visitors_are_told_how_to_become_able_to_vote(client):
    edition, _districts = roll_edition()
    body = client.get(_page(edition)).get_data(as_text=True)
    assert "town hall" in body and "Log in" in body


def test_linking_through_the_form_then_the_page_says_you_can_vote_in_your_district(client, login_as):
    edition, (north, _south) = roll_edition()
    import_lines(admin_user(), edition, [f"A1;1980-01-02;{north.slug}"])
    login_as(Role.RESIDENT, locale="en")
    token = csrf_token(client, _page(edition))
    response = client.post(
        _page(edition) + "/identifier",
        data={"csrf_token": token, "census-identifier": "A1", "census-birth_date": "1980-01-02"},
    )
    assert response.status_code == 303
    body = client.get(_page(edition)).get_data(as_text=True)
    assert "you can vote" in body and north.name in body


def test_a_refused_link_is_a_422_that_keeps_the_input_and_writes_nothing(client, login_as):
    edition, (north, _south) = roll_edition()
    import_lines(admin_user(), edition, [f"A1;1980-01-02;{north.slug}"])
    login_as(Role.RESIDENT, locale="en")
    token = csrf_token(client, _page(edition))
    response = client.post(
        _page(edition) + "/identifier",
        data={"csrf_token": token, "census-identifier": "A1-typo", "census-birth_date": "1980-01-02"},
    )
    assert response.status_code == 422
    body = response.get_data(as_text=True)
    assert 'value="A1-typo"' in body and "not on the voter roll" in body
    assert _links() == 0


def test_nonsense_dates_are_a_422_not_a_500(client, login_as):
    edition, _districts = roll_edition()
    login_as(Role.RESIDENT, locale="en")
    token = csrf_token(client, _page(edition))
    response = client.post(
        _page(edition) + "/identifier",
        data={"csrf_token": token, "census-identifier": "A1", "census-birth_date": "99999-99-99"},
    )
    assert response.status_code == 422


def test_the_page_follows_the_districts_per_voter_rule(client, login_as, app):
    edition, (north, _south) = roll_edition()
    import_lines(admin_user(), edition, [f"A1;1980-01-02;{north.slug}"])
    eligibility_hooks(app).districts_rule = lambda edition: "own_plus_one"
    person = login_as(Role.RESIDENT, locale="en")
    services.link_with_identifier(actor=person, edition=edition, identifier="A1", birth_date=date(1980, 1, 2))
    db.session.commit()
    body = client.get(_page(edition)).get_data(as_text=True)
    assert "one other district of your choice" in body


def test_the_roll_size_is_public_only_once_the_vote_has_opened(client):
    before, (north, _south) = roll_edition(open_phase="analysis")
    during, (east, _west) = roll_edition(open_phase="vote")
    admin = admin_user()
    import_lines(admin, before, [f"A{i};1980;{north.slug}" for i in range(3)])
    import_lines(admin, during, [f"A{i};1980;{east.slug}" for i in range(4)])
    client.get("/")
    assert "may vote in this edition" not in client.get(_page(before)).get_data(as_text=True)
    body = client.get(_page(during), headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "4" in body and ("4 people" in body or "4 personnes" in body)


def test_a_link_post_without_csrf_is_refused(client, login_as):
    edition, (north, _south) = roll_edition()
    import_lines(admin_user(), edition, [f"A1;1980-01-02;{north.slug}"])
    login_as()
    response = client.post(
        _page(edition) + "/identifier", data={"census-identifier": "A1", "census-birth_date": "1980-01-02"}
    )
    assert response.status_code == 400
    assert _links() == 0


def test_link_attempts_are_rate_limited_per_account(client, login_as):
    edition, _districts = roll_edition()
    login_as()
    token = csrf_token(client, _page(edition))
    statuses = [
        client.post(
            _page(edition) + "/code", data={"csrf_token": token, "code-code": "AAAA-BBBB-CCCC"}
        ).status_code
        for _ in range(11)
    ]
    assert statuses[:10] == [422] * 10 and statuses[10] == 429


@pytest.mark.parametrize(
    "path",
    [
        "/staff/editions/{slug}/roll",
        "/staff/editions/{slug}/roll/census",
        "/staff/editions/{slug}/roll/codes",
        "/front-desk/editions/{slug}/roll",
    ],
)
def test_residents_cannot_open_staff_screens(client, login_as, path):
    edition, _districts = roll_edition()
    login_as()
    assert client.get(path.format(slug=edition.slug)).status_code == 403


def test_front_desk_staff_open_the_front_desk_but_not_the_census(client, login_as):
    edition, _districts = roll_edition()
    login_as(Role.FRONT_DESK)
    assert client.get(f"/front-desk/editions/{edition.slug}/roll").status_code == 200
    assert client.get(f"/staff/editions/{edition.slug}/roll/census").status_code == 403


def test_census_upload_previews_then_confirms(client, login_as):
    edition, (north, _south) = roll_edition()
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/roll/census"
    token = csrf_token(client, url)
    data = csv_file([f"A1;1980-01-02;{north.slug}", "A2;1980;nowhere"])
    preview = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(data), "census.csv")},
        content_type="multipart/form-data",
    )
    assert preview.status_code == 200
    body = preview.get_data(as_text=True)
    assert "New people: 1" in body and "Unknown district" in body
    assert db.session.scalar(select(func.count()).select_from(VoterRollEntry)) == 0
    upload_token = body.split('name="token" type="hidden" value="')[1].split('"')[0]
    done = client.post(url + "/confirm", data={"csrf_token": token, "token": upload_token})
    assert done.status_code == 303
    assert db.session.get(VoterRollEntry, (edition.id, keys.person_key("A1"))) is not None
    again = client.post(url + "/confirm", data={"csrf_token": token, "token": upload_token})
    assert again.status_code == 303 and again.headers["Location"].endswith("/roll/census")


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"\x00\x01\x02binary",
        "identifier;birth_date;district\nA;1980;é\n".encode("utf-16"),
        b"identifier;birth_date;district\n" + b"x" * (9 * 1024 * 1024),
    ],
)
def test_bad_census_files_are_a_422_with_a_message(client, login_as, big_upload, content):
    edition, _districts = roll_edition()
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/roll/census"
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={"csrf_token": token, "file": (io.BytesIO(content), "x.csv")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    assert "field-error" in response.get_data(as_text=True)


def test_access_code_letters_download_once_uncached(client, login_as):
    edition, (north, _south) = roll_edition()
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/roll/codes"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "count": "2", "district_id": str(north.id)})
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert response.headers["Cache-Control"] == "no-store"
    assert pdf_pages(response.data) == 2
    assert db.session.scalar(select(func.count()).select_from(AccessCode)) == 2


@pytest.mark.parametrize("count", ["0", "-3", "99999999999999999999", "abc", ""])
def test_nonsense_code_counts_are_a_422_that_keeps_the_input(client, login_as, count):
    edition, _districts = roll_edition()
    login_as(Role.ADMIN, locale="en")
    url = f"/staff/editions/{edition.slug}/roll/codes"
    token = csrf_token(client, url)
    response = client.post(url, data={"csrf_token": token, "count": count, "district_id": ""})
    assert response.status_code == 422
    assert f'value="{count}"' in response.get_data(as_text=True) or count == ""


def test_front_desk_form_adds_a_person(client, login_as):
    edition, (north, _south) = roll_edition()
    login_as(Role.FRONT_DESK, locale="en")
    url = f"/front-desk/editions/{edition.slug}/roll"
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "identifier": "ID 123",
            "birth_date": "1980-01-02",
            "district_id": str(north.id),
        },
    )
    assert response.status_code == 303
    assert db.session.get(VoterRollEntry, (edition.id, keys.person_key("id123"))).district_id == north.id


def test_staff_summary_counts_sources_per_district(client, login_as):
    edition, (north, _south) = roll_edition()
    import_lines(admin_user(), edition, [f"A1;1980;{north.slug}", f"A2;1980;{north.slug}"])
    login_as(Role.ADMIN, locale="en")
    body = client.get(f"/staff/editions/{edition.slug}/roll").get_data(as_text=True)
    assert north.name in body and "<td>2</td>" in body


def test_htmx_link_swaps_the_fragment_saying_you_can_vote(client, login_as):
    edition, (north, _south) = roll_edition()
    import_lines(admin_user(), edition, [f"A1;1980-01-02;{north.slug}"])
    login_as(Role.RESIDENT, locale="en")
    token = csrf_token(client, _page(edition))
    response = client.post(
        _page(edition) + "/identifier",
        data={"csrf_token": token, "census-identifier": "A1", "census-birth_date": "1980-01-02"},
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and body.lstrip().startswith('<div id="roll-link">')
    assert "you can vote" in body and "<html" not in body


def test_htmx_front_desk_answers_a_fresh_form_and_the_message(client, login_as):
    edition, (north, _south) = roll_edition()
    login_as(Role.FRONT_DESK, locale="en")
    url = f"/front-desk/editions/{edition.slug}/roll"
    token = csrf_token(client, url)
    response = client.post(
        url,
        data={
            "csrf_token": token,
            "identifier": "ID 9",
            "birth_date": "1980-01-02",
            "district_id": str(north.id),
        },
        headers={"HX-Request": "true"},
    )
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'id="roll-front-desk"' in body
    assert "added to the voter roll" in body and 'value="ID 9"' not in body


def test_link_attempts_are_rate_limited_per_address_across_accounts(app):
    edition, _districts = roll_edition()
    statuses = []
    for round_ in range(2):
        client = app.test_client()
        log_in(client, create_user())
        token = csrf_token(client, _page(edition))
        for _ in range(6 if round_ == 0 else 5):
            statuses.append(
                client.post(
                    _page(edition) + "/code", data={"csrf_token": token, "code-code": "AAAA-BBBB-CCCC"}
                ).status_code
            )
    assert statuses[:10] == [422] * 10 and statuses[10] == 429


def test_the_page_reads_the_ballots_districts_per_voter_setting(client, login_as):
    from civic.voting.ballot_rules import BallotFormat, BallotScope, DistrictsPerVoter
    from civic.voting.models import BallotSettings

    edition, (north, _south) = roll_edition()
    import_lines(admin_user(), edition, [f"A1;1980-01-02;{north.slug}"])
    db.session.add(
        BallotSettings(
            edition_id=edition.id,
            ballot_format=BallotFormat.APPROVAL,
            counting_rule="greedy",
            scope=BallotScope.PER_DISTRICT,
            districts_per_voter=DistrictsPerVoter.ALL,
        )
    )
    person = login_as(Role.RESIDENT, locale="en")
    services.link_with_identifier(actor=person, edition=edition, identifier="A1", birth_date=date(1980, 1, 2))
    db.session.commit()
    assert "ballots of every district" in client.get(_page(edition)).get_data(as_text=True)
