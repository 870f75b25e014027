"""The public board page (HTML and JSON) and "check my ballot", over HTTP."""

from __future__ import annotations

from civic.extensions import db
from civic.voting import board, mixer
from civic.voting.ballot_rules import BallotFormat
from tests.factories import create_vote_pool
from tests.voting.helpers import ballot_box


def _cast(pool, *external_ids):
    by_id = {p.external_id: p for p in pool.projects}
    return mixer.put_in_pool(pool=pool, choices=[(by_id[e], None) for e in external_ids])


def _sealed_board():
    pool = create_vote_pool()
    sealed = [_cast(pool, "a", "c") for _ in range(2)]
    mixer.mix(edition=pool.edition, final=True)
    waiting = _cast(pool, "b")
    db.session.commit()
    return pool, sealed, waiting


def test_the_board_lists_sealed_batches_and_checks_them(client):
    pool, sealed, _waiting = _sealed_board()
    page = client.get(f"/editions/{pool.edition.slug}/board", headers={"Accept-Language": "en"})
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Accept" in page.headers["Vary"]
    assert "Batch 1" in html and "The chain and every signature check out." in html
    assert board.shown_tracker(sealed[0].tracker) in html
    assert "1 ballot waiting for the next batch" in html


def test_the_board_as_json_is_enough_to_check_it_offline(client):
    pool, sealed, _waiting = _sealed_board()
    answer = client.get(f"/editions/{pool.edition.slug}/board", headers={"Accept": "application/json"})
    data = answer.get_json()
    assert answer.mimetype == "application/json" and data["checks"] is True and data["waiting"] == 1
    batches = [
        board.SealedBatch(b["number"], tuple(b["trackers"]), b["previous"], b["hash"], b["signature"])
        for b in data["batches"]
    ]
    assert board.chain_problems(data["public_key"], batches) == []
    assert sorted(data["batches"][0]["trackers"]) == sorted(s.tracker for s in sealed)
    # A plain link can ask for the same data too.
    linked = client.get(f"/editions/{pool.edition.slug}/board?format=json")
    assert linked.mimetype == "application/json" and linked.get_json() == data


def test_check_my_ballot_finds_sealed_and_waiting_ballots_and_says_when_none(client):
    pool, sealed, waiting = _sealed_board()
    url = f"/editions/{pool.edition.slug}/board/check"
    en = {"Accept-Language": "en"}
    typed = board.shown_tracker(sealed[0].tracker).lower().replace("-", " ")
    html = client.get(url, query_string={"tracker": typed}, headers=en).get_data(as_text=True)
    assert "Your ballot is in the box" in html and "sealed in batch 1" in html
    assert "Aire de jeux" in html and "Composteur" in html and "Bancs" not in html
    html = client.get(url, query_string={"tracker": waiting.tracker}, headers=en).get_data(as_text=True)
    assert "Your ballot was recorded" in html
    missing = client.get(url, query_string={"tracker": "AAAA-AAAA-AAAA-AAAA"}, headers=en)
    assert missing.status_code == 404 and "No ballot has this tracker" in missing.get_data(as_text=True)
    # What cannot be a tracker (too long, too short, letters outside base32) is said so, and nothing is looked up.
    for malformed in ("x" * 5000, "ABCD-EFGH", "ABCD-EFGH-2345-6789"):
        answer = client.get(url, query_string={"tracker": malformed}, headers=en)
        html = answer.get_data(as_text=True)
        assert answer.status_code == 422 and "This is not a tracker: a tracker has 16 characters" in html
        assert 'aria-invalid="true"' in html and "No ballot has this tracker" not in html
    assert client.get(url, headers=en).status_code == 200


def test_a_tracker_of_another_edition_is_not_found_here(client):
    _pool, sealed, _waiting = _sealed_board()
    other = create_vote_pool()
    url = f"/editions/{other.edition.slug}/board/check"
    answer = client.get(url, query_string={"tracker": sealed[0].tracker}, headers={"Accept-Language": "en"})
    assert answer.status_code == 404


def test_an_edition_without_a_board_says_so(client):
    pool = create_vote_pool()
    html = client.get(f"/editions/{pool.edition.slug}/board", headers={"Accept-Language": "en"}).get_data(
        as_text=True
    )
    assert "No batch has been sealed yet" in html


def test_check_my_ballot_lists_a_ranking_in_its_order_and_ticked_projects_unnumbered(client, app):
    edition, pool, _ids = ballot_box(app, ballot_format=BallotFormat.RANKING, ranking_length=3)
    by_title = {vpp.proposal.title: vpp for vpp in pool.projects}
    cast = mixer.put_in_pool(pool=pool, choices=[(by_title["Fontaine"], None), (by_title["Jardin"], None)])
    mixer.mix(edition=edition, final=True)
    db.session.commit()
    html = client.get(
        f"/editions/{edition.slug}/board/check",
        query_string={"tracker": cast.tracker},
        headers={"Accept-Language": "en"},
    ).get_data(as_text=True)
    listed = html[html.index('<ol class="ballot-content">') :]
    assert listed.index("Fontaine") < listed.index("Jardin") and "Bancs" not in listed
    imported, sealed, _waiting = _sealed_board()
    html = client.get(
        f"/editions/{imported.edition.slug}/board/check", query_string={"tracker": sealed[0].tracker}
    ).get_data(as_text=True)
    assert '<ul class="ballot-content">' in html and '<ol class="ballot-content">' not in html
