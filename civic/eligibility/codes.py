"""Access codes: generated per person, printed once on a letter, usable once; only their HMAC is stored.

A code is 12 characters from an alphabet without look-alikes (no 0/O, 1/I/L), grouped ``XXXX-XXXX-XXXX``
(31^12 ≈ 2^59 codes, and linking is rate-limited). The codes exist in clear only in the PDF of letters
returned by the generation: lose it, and new codes must be generated.

A person reached by a code has no identifier: their key is derived from the code. Letters go to people
who are not on the census list; a person holding both a code and a census entry would have two entries
(the town hall sends codes only to people it could not put on the census list).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import insert

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import NotFound, PermissionDenied, ValidationFailed
from civic.core.town import town_identity
from civic.eligibility import keys
from civic.eligibility.models import AccessCode, RollSource, VoterRollEntry
from civic.eligibility.permissions import can_manage_roll
from civic.eligibility.services import normalise_code, today, vote_day, vote_window
from civic.extensions import db
from civic.processes.models import Edition

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 12
MAX_CODES = 1_000
FONT_DIR = "/usr/share/fonts/truetype/dejavu"


@dataclass(frozen=True)
class Letter:
    code: str
    district_name: str | None


def new_code() -> str:
    """Return a fresh random code, grouped by four."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    return "-".join(raw[i : i + 4] for i in range(0, LENGTH, 4))


def generate_codes(*, actor: User, edition: Edition, count: int, district_id: int | None) -> list[Letter]:
    """Create ``count`` roll entries reached by access codes; return the letters (the only clear copy)."""
    if not can_manage_roll(actor.roles):
        raise PermissionDenied(_l("Only administrators can generate access codes."))
    if not 1 <= count <= MAX_CODES:
        raise ValidationFailed(_l("Generate between 1 and %(n)d codes at a time.", n=MAX_CODES))
    names = {d.district_id: d.district.name for d in edition.districts}
    if district_id is not None and district_id not in names:
        raise NotFound(_l("This district does not take part in the edition."))
    added_on = today()
    codes = [new_code() for _ in range(count)]
    entries, rows = [], []
    for code in codes:
        plain = normalise_code(code)
        person = keys.code_person_key(plain)
        entries.append(
            {
                "edition_id": edition.id,
                "person_key": person,
                "district_id": district_id,
                "weight": 1,
                "source": RollSource.ACCESS_CODE.value,
                "check_key": None,
                "added_on": added_on,
            }
        )
        rows.append(
            {
                "edition_id": edition.id,
                "code_hash": keys.code_hash(plain),
                "person_key": person,
                "district_id": district_id,
            }
        )
    db.session.execute(insert(VoterRollEntry.__table__), entries)
    db.session.execute(insert(AccessCode.__table__), rows)
    audit.record(
        actor_id=actor.id,
        action="eligibility.access_codes_generated",
        target_type="edition",
        target_id=edition.id,
        after={"count": count, "district_id": district_id},
    )
    db.session.flush()
    return [
        Letter(code=code, district_name=names.get(district_id) if district_id else None) for code in codes
    ]


def _dates(edition: Edition) -> tuple[datetime, date] | None:
    window = vote_window(edition)
    day = vote_day(edition)
    return None if window is None or day is None else (window.starts_at, day)


def letters_pdf(edition: Edition, letters: list[Letter]) -> bytes:
    """Return the letters as one PDF, one page per person: town, code, voting address and dates."""
    from fpdf import FPDF

    town = town_identity()
    base = (current_app.config.get("BASE_URL") or "").rstrip("/")
    address = base + url_for("eligibility.status", edition_slug=edition.slug)
    dates = _dates(edition)
    pdf = FPDF(format="A4")
    pdf.set_title(_("Your access code to vote"))
    pdf.set_author(town.name)
    pdf.add_font("DejaVu", "", f"{FONT_DIR}/DejaVuSans.ttf")
    pdf.add_font("DejaVu", "B", f"{FONT_DIR}/DejaVuSans-Bold.ttf")
    pdf.set_auto_page_break(False)
    width = pdf.w - 2 * pdf.l_margin
    for letter in letters:
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 16)
        pdf.cell(width, 10, town.name, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 12)
        pdf.cell(width, 8, edition.name, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(12)
        pdf.set_font("DejaVu", "B", 14)
        pdf.cell(width, 10, _("Your access code to vote"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(
            width,
            6,
            _(
                "This code is personal and can be used only once. It lets you vote in the participatory "
                "budget without being on the census list."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        if letter.district_name:
            pdf.multi_cell(
                width, 6, _("District: %(name)s", name=letter.district_name), new_x="LMARGIN", new_y="NEXT"
            )
        pdf.ln(8)
        # The code in a core font (plain ASCII): the most legible shapes for letters and digits.
        pdf.set_font("Courier", "B", 28)
        pdf.cell(width, 16, letter.code, border=1, align="C", new_x="LMARGIN", new_y="NEXT")
        pdf.ln(8)
        pdf.set_font("DejaVu", "", 11)
        steps = [
            _("1. Go to %(address)s", address=address),
            _("2. Log in, or create an account."),
            _("3. Type the code above: your account is then on the voter roll."),
        ]
        if dates is not None:
            steps.append(
                _(
                    "The vote is open from %(start)s to %(end)s.",
                    start=format_date(dates[0], "long"),
                    end=format_date(dates[1], "long"),
                )
            )
        steps.append(
            _("No internet access? Come to the town hall with this letter: staff will help you vote.")
        )
        for step in steps:
            pdf.multi_cell(width, 7, step, new_x="LMARGIN", new_y="NEXT")
    return bytes(pdf.output())
