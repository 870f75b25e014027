"""Every user-facing string is translated in French and present in the English catalog."""

from __future__ import annotations

import re
from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

ROOT = Path(__file__).resolve().parent.parent
KEYWORDS = {"_": None, "gettext": None, "ngettext": (1, 2), "lazy_gettext": None, "_l": None}
METHOD_MAP = [("civic/**.py", "python"), ("templates/**.html", "jinja2"), ("templates/**.txt", "jinja2")]
# Babel's default directory filter skips folders starting with "_" (templates/_macros/): keep them.
IGNORED_DIRS = {"node_modules", "__pycache__"}


def _keep_directory(path: str) -> bool:
    name = Path(path).name
    return not name.startswith(".") and name not in IGNORED_DIRS


def _extracted() -> list[tuple[str, str]]:
    """Return (file, msgid) for every string extraction finds, as `make i18n-extract` does."""
    found = []
    for filename, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map=METHOD_MAP, keywords=KEYWORDS, directory_filter=_keep_directory
    ):
        found.append((filename, message[0] if isinstance(message, tuple) else message))
    return found


def _source_ids() -> set[str]:
    return {msgid for _file, msgid in _extracted()}


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


def test_extraction_reaches_every_file_that_translates():
    """A template folder that extraction skips (as Babel skips `_macros/`) would leave its strings English."""
    call = re.compile(r"""(?:\b_|gettext|_l|ngettext)\(\s*["']""")
    expected = set()
    for pattern in ("civic/**/*.py", "templates/**/*.html", "templates/**/*.txt"):
        for path in ROOT.glob(pattern):
            if call.search(path.read_text(encoding="utf-8")):
                expected.add(path.relative_to(ROOT).as_posix())
    extracted = {filename.replace("\\", "/") for filename, _msgid in _extracted()}
    assert any(name.startswith("templates/_macros/") for name in expected)
    assert expected <= extracted, sorted(expected - extracted)
