"""The proposal list: live filters (HTMX and plain GET), full-text search, stable random order."""

from __future__ import annotations

from tests.factories import create_district, create_edition, create_proposal


def _titles(body: str, candidates: list[str]) -> set[str]:
    return {t for t in candidates if t in body}


def test_filter_by_district_with_and_without_htmx(client):
    north, south = create_district(name="Nord"), create_district(name="Sud")
    edition = create_edition(districts=[north, south])
    create_proposal(edition=edition, title="Projet du nord", district=north)
    create_proposal(edition=edition, title="Projet du sud", district=south)
    url = f"/editions/{edition.slug}/proposals?district={north.id}"
    page = client.get(url)
    assert _titles(page.get_data(as_text=True), ["Projet du nord", "Projet du sud"]) == {"Projet du nord"}
    fragment = client.get(url, headers={"HX-Request": "true"})
    body = fragment.get_data(as_text=True)
    assert "<html" not in body and 'id="proposal-list"' in body
    assert _titles(body, ["Projet du nord", "Projet du sud"]) == {"Projet du nord"}
    assert "HX-Request" in fragment.headers["Vary"]


def test_text_search_ignores_accents_and_case(client):
    edition = create_edition()
    create_proposal(edition=edition, title="Jardin partagé des Tilleuls")
    create_proposal(edition=edition, title="Éclairage du chemin de l'école")
    body = client.get(f"/editions/{edition.slug}/proposals?q=ECLAIRAGE").get_data(as_text=True)
    assert _titles(body, ["Jardin partagé des Tilleuls", "Éclairage du chemin de l&#39;école"]) == {
        "Éclairage du chemin de l&#39;école"
    }
    body = client.get(f"/editions/{edition.slug}/proposals?q=jard").get_data(as_text=True)
    assert "Jardin partagé des Tilleuls" in body


def test_search_operators_are_treated_as_text(client):
    edition = create_edition()
    create_proposal(edition=edition, title="Projet normal")
    for query in ['"', "NEAR(", "a OR b", "*", "'; DROP TABLE proposal; --", "title:x"]:
        assert client.get(f"/editions/{edition.slug}/proposals", query_string={"q": query}).status_code == 200


def test_random_order_is_stable_for_a_visitor(client):
    edition = create_edition()
    for i in range(30):
        create_proposal(edition=edition, title=f"Projet numéro {i:02d}")
    import re

    def order() -> list[str]:
        body = client.get(f"/editions/{edition.slug}/proposals?sort=random").get_data(as_text=True)
        return re.findall(r"Projet numéro (\d\d)", body)

    first = order()
    assert len(first) == 20 and first != sorted(first)
    assert order() == first


def test_malformed_filters_are_ignored_not_errors(client):
    edition = create_edition()
    for qs in ["district=abc", "page=-3", "page=999999999999", "status=nope", "sort=evil", "theme=1e9"]:
        assert client.get(f"/editions/{edition.slug}/proposals?{qs}").status_code == 200
