"""Fill the English catalog: English is the source language, so each msgstr is its msgid.

Run by `make i18n-update` after `pybabel update`; French translations are written by hand.
"""

from __future__ import annotations

from pathlib import Path

from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / "translations" / "en" / "LC_MESSAGES" / "messages.po"


def main() -> None:
    """Copy every msgid into its msgstr in the English catalog."""
    with CATALOG.open("rb") as fh:
        catalog = read_po(fh, locale="en")
    for message in catalog:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
    with CATALOG.open("wb") as fh:
        write_po(fh, catalog, width=110)


if __name__ == "__main__":
    main()
