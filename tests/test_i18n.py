"""Every user-facing string is translated in French and present in the English catalog."""

from __future__ import annotations

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}


def _source_ids() -> set[str]:
    ids = set()
    method_map = [("civic/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=method_map, keywords=KEYWORDS
    ):
        ids.add(message[0] if isinstance(message, tuple) else message)
    return ids


def _catalog(lang: str):
    with open(ROOT / "translations" / lang / "LC_MESSAGES" / "messages.po", "rb") as fh:
        return read_po(fh)


def test_every_source_string_is_translated_in_french():
    catalog = _catalog("fr")
    missing = []
    for msgid in _source_ids():
        message = catalog.get(msgid)
        strings = (
            message.string
            if message and isinstance(message.string, tuple)
            else (message.string if message else "",)
        )
        if message is None or not all(strings) or message.fuzzy:
            missing.append(msgid)
    assert not missing, f"untranslated in fr (run `make i18n-update` and translate): {sorted(missing)}"


def test_english_catalog_covers_every_source_string():
    catalog = _catalog("en")
    missing = [msgid for msgid in _source_ids() if catalog.get(msgid) is None]
    assert not missing, f"missing from the en catalog (run `make i18n-update`): {sorted(missing)}"


def test_french_translations_keep_their_placeholders():
    import re

    placeholder = re.compile(r"%\(\w+\)[sd]")
    for message in _catalog("fr"):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        assert set(placeholder.findall(ids[0])) == set(placeholder.findall(strings[0])), message.id
