"""Public pages cached for anonymous visitors: fresh after any change, never personal, CSRF per visitor."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
import time_machine

from civic.core.content_version import current_version
from civic.extensions import db
from civic.web.page_cache import CSRF_PLACEHOLDER, page_cache
from tests.conftest import log_in
from tests.factories import create_comment, create_proposal, create_user

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture
def cached(app):
    """The cache on, and the clock held at the start of this minute: a copy is kept for the current minute
    only, so two visits a few milliseconds apart on either side of a minute's end would be two misses."""
    app.config["PAGE_CACHE"] = True
    with time_machine.travel(datetime.now(UTC).replace(second=1, microsecond=0), tick=False):
        yield app


def _proposal():
    proposal = create_proposal(title="Jardin partagé des Lilas")
    db.session.commit()
    return proposal


def test_a_second_anonymous_visit_is_served_from_the_cache(cached, client):
    proposal = _proposal()
    first = client.get(f"/proposals/{proposal.id}")
    second = client.get(f"/proposals/{proposal.id}")
    with cached.app_context():
        cache = page_cache()
        assert (cache.misses, cache.hits) == (1, 1)
    assert first.status_code == second.status_code == 200
    assert "Jardin partagé des Lilas" in second.get_data(as_text=True)


def test_a_new_comment_written_anywhere_makes_the_copy_stale(cached, client):
    proposal = _proposal()
    client.get(f"/proposals/{proposal.id}")
    before = current_version()
    create_comment(proposal=proposal, body="Excellente idée pour le quartier")
    assert current_version() > before
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Excellente idée pour le quartier" in page


def test_a_rolled_back_change_keeps_the_version(cached):
    proposal = _proposal()
    before = current_version()
    proposal.title = "Jamais enregistré"
    db.session.flush()
    db.session.rollback()
    assert current_version() == before


def test_each_visitor_gets_their_own_csrf_token_from_a_cached_page(cached, app):
    proposal = _proposal()
    one, two = app.test_client(), app.test_client()
    page_one = one.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    page_two = two.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert CSRF_PLACEHOLDER not in page_two
    token_one, token_two = TOKEN.search(page_one).group(1), TOKEN.search(page_two).group(1)
    assert token_one != token_two
    # The token in the cached copy really is the second visitor's: the language switch accepts it.
    answer = two.post("/language", data={"lang": "en", "csrf_token": token_two, "next": "/"})
    assert answer.status_code == 303


def test_logged_in_visitors_are_never_served_a_cached_page(cached, client):
    proposal = _proposal()
    client.get(f"/proposals/{proposal.id}")
    person = create_user(display_name="Maëlle Connectée")
    log_in(client, person)
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Maëlle Connectée" in page
    with cached.app_context():
        assert page_cache().hits == 0


def test_languages_are_cached_apart(cached, client):
    proposal = _proposal()
    french = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    english = client.get(f"/proposals/{proposal.id}", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert 'lang="fr"' in french and 'lang="en"' in english


def test_the_clock_alone_refreshes_a_page_within_a_minute(cached, client):
    proposal = _proposal()
    with time_machine.travel("2026-03-10 10:00:05", tick=False):
        client.get(f"/proposals/{proposal.id}")
        client.get(f"/proposals/{proposal.id}")
    with time_machine.travel("2026-03-10 10:01:05", tick=False):
        client.get(f"/proposals/{proposal.id}")
    with cached.app_context():
        assert (page_cache().hits, page_cache().misses) == (1, 2)


def test_a_page_with_a_flash_message_is_not_stored(cached, client):
    proposal = _proposal()
    with client.session_transaction() as session:
        session["_flashes"] = [("info", "Message pour une seule personne")]
    page = client.get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Message pour une seule personne" in page
    other = client.application.test_client().get(f"/proposals/{proposal.id}").get_data(as_text=True)
    assert "Message pour une seule personne" not in other


def test_new_visitors_share_the_cached_list_but_random_order_stays_per_visitor(cached, app):
    proposal = _proposal()
    url = f"/editions/{proposal.edition.slug}/proposals"
    for _ in range(3):
        assert app.test_client().get(url).status_code == 200
    with app.app_context():
        assert page_cache().hits == 2
    for _ in range(2):
        app.test_client().get(url + "?sort=random")
    with app.app_context():
        assert page_cache().hits == 2  # each visitor has their own seed, hence their own order


def test_the_home_page_is_cached_too(cached, app):
    app.test_client().get("/")
    app.test_client().get("/")
    with app.app_context():
        assert page_cache().hits == 1


def test_a_cast_leaves_the_cache_alone_and_the_mixer_s_batch_does_not(cached, client, login_as):
    from civic.voting import mixer
    from tests.conftest import csrf_token
    from tests.voting.test_casting import _on_roll
    from tests.voting.test_filling import _ballot

    edition, pool, ids, _ = _ballot(cached)
    user = login_as()
    _on_roll(edition, user)
    token = csrf_token(client, f"/editions/{edition.slug}/vote/{pool.id}")
    client.post(f"/editions/{edition.slug}/vote/{pool.id}", data={"csrf_token": token, "project": [ids["Jardin"]]})
    before = current_version()
    cast = client.post(f"/editions/{edition.slug}/vote/cast", data={"csrf_token": token})
    assert cast.status_code == 303
    assert current_version() == before  # participation and pool only: no cached page shows them
    mixer.mix(edition=edition, final=True)
    db.session.commit()
    assert current_version() > before  # a sealed batch is public content
