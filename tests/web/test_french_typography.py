"""French typography: non-breaking spaces before « : ; ! ? », "1er" for the first of the month, elision,
decimal commas, plurals, and one word for one thing across the French catalogue."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from babel.messages.pofile import read_po

from civic.accounts.roles import Role
from civic.processes.phases import PhaseKind
from civic.web.templating import french_first_of_month
from tests.factories import create_edition, create_proposal, create_user
from tests.processes.helpers import set_calendar

CATALOG = Path(__file__).resolve().parents[2] / "translations" / "fr" / "LC_MESSAGES" / "messages.po"
# Parts of a message where a colon or question mark is not French punctuation.
NOT_PROSE = re.compile(r"\S+://\S+|<[^>]+>|%\([a-z_]+\)[sd]|\{[^}]*\}|\d{1,2}:\d{2}")
# « : ; ! ? » used as punctuation (followed by a space, the end, or closing marks) without a
# non-breaking space (U+00A0) or a narrow one (U+202F) before it. An ASCII space is wrong too.
MISSING_NBSP = re.compile(r"(?<![\u00a0\u202f])[:;!?](?=\s|$|[»)\"'.,<%])")
FRENCH_MONTHS = "janvier|février|mars|avril|mai|juin|juillet|août|septembre|octobre|novembre|décembre"
FIRST_WITHOUT_ER = re.compile(rf"(?<![\d,.])1 (?:{FRENCH_MONTHS})\b")


def _french_messages() -> list[tuple[object, str]]:
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh)
    pairs = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple | list) else [message.string]
        pairs.extend((message.id, s) for s in strings if s)
    return pairs


def test_the_french_catalog_puts_a_non_breaking_space_before_double_punctuation():
    wrong = [(mid, text) for mid, text in _french_messages() if MISSING_NBSP.search(NOT_PROSE.sub("x", text))]
    assert not wrong, "\n".join(f"{mid!r} → {text!r}" for mid, text in wrong[:20])


def test_the_scan_catches_ascii_spaces_and_missing_spaces():
    for bad in ["Motif : spam", "Merci !", "Où?", "Pourquoi ; parce que"]:
        assert MISSING_NBSP.search(NOT_PROSE.sub("x", bad)), bad
    for good in ["Motif\u00a0: spam", "Merci\u202f!", "https://civic.example.org/a?b=1", "à 10:00"]:
        assert not MISSING_NBSP.search(NOT_PROSE.sub("x", good)), good


def test_the_french_catalog_says_projet_and_deposer_for_the_resident_s_project():
    words = [(mid, text) for mid, text in _french_messages() if re.search(r"\b[Pp]ropositions?\b", text)]
    assert not words, words[:10]
    assert not [(m, t) for m, t in _french_messages() if re.search(r"\bProposer un projet\b", t)]


def test_the_first_of_the_month_is_written_1er():
    assert french_first_of_month("1 octobre 2026, 10:00") == "1er octobre 2026, 10:00"
    assert french_first_of_month("du 1 mars au 21 mai") == "du 1er mars au 21 mai"
    assert french_first_of_month("11 octobre, 21 mai, 31 déc.") == "11 octobre, 21 mai, 31 déc."


def test_french_pages_write_1er_for_the_first_day_and_decimal_commas(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    edition = create_edition(name="BP 2026")
    # 1 October 08:00 UTC is 10:00 in Paris; 1 November 09:00 UTC is 10:00 too (winter time).
    set_calendar(
        edition,
        {
            PhaseKind.SUBMISSION: (datetime(2026, 10, 1, 8), datetime(2026, 11, 1, 9)),
            PhaseKind.VOTE: (datetime(2026, 12, 1, 9), datetime(2026, 12, 21, 9)),
        },
    )
    pages = [
        client.get(path).get_data(as_text=True) for path in ("/", "/editions", f"/editions/{edition.slug}")
    ]
    edition_page = pages[2]
    assert "1er octobre 2026" in edition_page and "1er novembre 2026" in edition_page
    assert "1er décembre 2026" in edition_page
    for page in pages:
        assert not FIRST_WITHOUT_ER.search(page), FIRST_WITHOUT_ER.search(page)
    # 100 000 € for 22 000 inhabitants: 4,55 € each, with a decimal comma.
    assert "4,55\u00a0€" in edition_page and "4.55" not in edition_page


def test_english_pages_keep_plain_day_numbers(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    edition = create_edition(name="BP 2026")
    set_calendar(edition, {PhaseKind.SUBMISSION: (datetime(2026, 10, 1, 8), datetime(2026, 11, 1, 9))})
    page = client.get(f"/editions/{edition.slug}").get_data(as_text=True)
    assert "1 October 2026" in page and "1er" not in page


def test_a_name_starting_with_a_vowel_elides_de(client, login_as):
    login_as(Role.ADMIN, locale="fr")
    elodie = create_user(display_name="Élodie Marchand")
    marc = create_user(display_name="Marc Le Goff")
    assert "Rôles d’Élodie Marchand" in client.get(f"/admin/users/{elodie.id}").get_data(as_text=True)
    assert "Rôles de Marc Le Goff" in client.get(f"/admin/users/{marc.id}").get_data(as_text=True)


def test_counts_agree_in_number_in_french(client):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "fr"
    edition = create_edition()
    create_proposal(edition=edition)
    one = client.get(f"/editions/{edition.slug}/proposals").get_data(as_text=True)
    assert "1 projet<" in one and "0 commentaire<" in one
    create_proposal(edition=edition)
    two = client.get(f"/editions/{edition.slug}/proposals").get_data(as_text=True)
    assert "2 projets<" in two
