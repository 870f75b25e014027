"""The census list: read an uploaded CSV, preview what it would change (errors per line), then merge it.

A line is an identifier, a birth date (``YYYY-MM-DD``) or year (``YYYY``), and a district (slug or name);
``;`` or ``,`` separate the columns, English or French headers name them, UTF-8 with or without BOM.
Re-importing merges: the same identifier gives the same person key, so its entry is updated, never doubled.
Only keys are written (person key, birth check key); the file itself waits in the instance folder between
the preview and the confirmation, readable by the server only, and is deleted after.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import secrets
import time
import unicodedata
from dataclasses import dataclass, field
from datetime import date

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, insert, select, update

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import PermissionDenied, ValidationFailed
from civic.eligibility import keys
from civic.eligibility.models import RollSource, VoterRollEntry
from civic.eligibility.permissions import can_manage_roll
from civic.eligibility.rules import Birth, old_enough
from civic.eligibility.services import minimum_age, today, vote_day
from civic.extensions import db
from civic.processes.models import Edition

MAX_LINES = 200_000
SHOWN_ERRORS = 500
BATCH = 5_000
UPLOAD_FOLDER = "roll-uploads"
UPLOAD_LIFETIME_SECONDS = 3600
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
_FULL_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR = re.compile(r"^\d{4}$")

COLUMNS = {
    "identifier": {"identifier", "identifiant", "id", "numero", "census_number", "numero_recensement"},
    "birth": {
        "birth_date",
        "birthdate",
        "date_naissance",
        "date_de_naissance",
        "birth_year",
        "annee_naissance",
        "naissance",
    },
    "district": {"district", "quartier", "district_slug", "district_name"},
}


class CensusFileError(ValidationFailed):
    """The file as a whole cannot be read (empty, too big, not text, not UTF-8, columns missing)."""


@dataclass(frozen=True)
class LineError:
    line: int
    problem: str


@dataclass
class Preview:
    """What importing the file would do: counts, and the errors of each refused line."""

    new: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[LineError] = field(default_factory=list)
    error_count: int = 0
    rows: dict[str, tuple[int | None, str]] = field(default_factory=dict, repr=False)
    changes: dict[str, bool] = field(default_factory=dict, repr=False)

    @property
    def accepted(self) -> int:
        return self.new + self.updated + self.unchanged

    def refuse(self, line: int, problem: object) -> None:
        self.error_count += 1
        if len(self.errors) < SHOWN_ERRORS:
            self.errors.append(LineError(line, str(problem)))


def _plain(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text.strip().casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return re.sub(r"[\s\-]+", "_", plain)


def max_bytes() -> int:
    return int(current_app.config.get("ROLL_UPLOAD_MAX_BYTES", 8 * 1024 * 1024))


def read_text(data: bytes) -> str:
    """Return the file's text, or refuse it as a whole with a message saying what to do."""
    if len(data) > max_bytes():
        raise CensusFileError(
            _l("The file is too large: at most %(mb)d MB.", mb=max_bytes() // (1024 * 1024))
        )
    if not data.strip():
        raise CensusFileError(_l("The file is empty."))
    if b"\x00" in data:
        raise CensusFileError(_l("This is not a text file: export the list as CSV."))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CensusFileError(
            _l("The file is not in UTF-8: in your spreadsheet, save it as “CSV UTF-8”.")
        ) from exc


def _columns(header: list[str]) -> dict[str, int]:
    names = [_plain(name) for name in header]
    found: dict[str, int] = {}
    for column, aliases in COLUMNS.items():
        for index, name in enumerate(names):
            if name in aliases:
                found[column] = index
                break
    missing = [column for column in COLUMNS if column not in found]
    if missing:
        raise CensusFileError(
            _l(
                "The first line must name the columns identifier, birth_date and district "
                "(or identifiant, date_naissance and quartier)."
            )
        )
    return found


def _birth(text: str, today_: date) -> Birth | None:
    text = text.strip()
    try:
        if _FULL_DATE.match(text):
            day = date.fromisoformat(text)
            birth = Birth(year=day.year, day=day)
        elif _YEAR.match(text):
            birth = Birth(year=int(text))
        else:
            return None
    except ValueError:
        return None
    if not 1900 <= birth.year <= today_.year or (birth.day is not None and birth.day > today_):
        return None
    return birth


def preview(edition: Edition, data: bytes) -> Preview:
    """Read the file and compare it with the roll: nothing is written."""
    text = read_text(data)
    first = text.splitlines()[0] if text.splitlines() else ""
    delimiter = ";" if first.count(";") >= first.count(",") and ";" in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise CensusFileError(_l("The file is empty.")) from exc
    columns = _columns(header)
    districts: dict[str, int] = {}
    for share in edition.districts:
        districts[_plain(share.district.slug)] = share.district_id
        districts[_plain(share.district.name)] = share.district_id
    minimum = minimum_age(edition.id)
    day = vote_day(edition)
    if minimum is not None and day is None:
        raise CensusFileError(
            _l("The edition has no vote phase yet: its end date is needed to check the minimum age.")
        )
    result = Preview()
    ring = keys.keyring()
    now = date.today()
    seen: dict[str, int] = {}
    plain_names: dict[str, str] = {}
    width = max(columns.values()) + 1
    try:
        for record in reader:
            line = reader.line_num
            if line > MAX_LINES + 1:
                raise CensusFileError(_l("The file has too many lines: at most %(n)d.", n=MAX_LINES))
            if not any(cell.strip() for cell in record):
                continue
            if len(record) < width:
                result.refuse(line, _l("This line has too few columns."))
                continue
            identifier = record[columns["identifier"]]
            canonical = keys.canonical_identifier(identifier)
            if not canonical:
                result.refuse(line, _l("The identifier is empty."))
                continue
            if len(identifier) > 100:
                result.refuse(line, _l("The identifier is too long (100 characters at most)."))
                continue
            birth = _birth(record[columns["birth"]], now)
            if birth is None:
                result.refuse(
                    line, _l("The birth date is not a date: write 1990-04-25, or only the year 1990.")
                )
                continue
            raw_district = record[columns["district"]]
            if raw_district not in plain_names:
                plain_names[raw_district] = _plain(raw_district)
            district_text = plain_names[raw_district]
            district_id = districts.get(district_text) if district_text else None
            if district_text and district_id is None:
                result.refuse(
                    line, _l("Unknown district: use the slug or the name of a district of the edition.")
                )
                continue
            if not district_text and districts:
                result.refuse(line, _l("The district is missing."))
                continue
            if day is not None and not old_enough(birth, vote_day=day, minimum_age=minimum):
                result.refuse(line, _l("Under the minimum age of %(age)d on the vote day.", age=minimum))
                continue
            key = ring.person(canonical)
            if key in seen:
                result.refuse(line, _l("The same identifier is already on line %(line)d.", line=seen[key]))
                continue
            seen[key] = line
            check = ring.check(canonical, birth_date=birth.day, birth_year=birth.year)
            result.rows[key] = (district_id, check)
    except csv.Error as exc:
        raise CensusFileError(_l("Line %(line)d cannot be read as CSV.", line=reader.line_num)) from exc
    _compare(edition.id, result)
    return result


def _compare(edition_id: int, result: Preview) -> None:
    stored = {
        key: (district_id, check)
        for key, district_id, check in db.session.execute(
            select(VoterRollEntry.person_key, VoterRollEntry.district_id, VoterRollEntry.check_key).where(
                VoterRollEntry.edition_id == edition_id
            )
        )
    }
    for key, values in result.rows.items():
        before = stored.get(key)
        if before is None:
            result.new += 1
            result.changes[key] = True
        elif before != values:
            result.updated += 1
            result.changes[key] = False
        else:
            result.unchanged += 1


def _ensure_may_manage(actor: User) -> None:
    if not can_manage_roll(actor.roles):
        raise PermissionDenied(_l("Only administrators can import the census list."))


def preview_census(*, actor: User, edition: Edition, data: bytes) -> Preview:
    """Return what importing the census file would change, writing nothing."""
    _ensure_may_manage(actor)
    return preview(edition, data)


def import_census(*, actor: User, edition: Edition, data: bytes) -> Preview:
    """Merge the census file into the roll (valid lines only), in batches; audited with counts only."""
    _ensure_may_manage(actor)
    result = preview(edition, data)
    added_on = today()
    table = VoterRollEntry.__table__
    new_rows = [
        {
            "edition_id": edition.id,
            "person_key": key,
            "district_id": result.rows[key][0],
            "check_key": result.rows[key][1],
            "weight": 1,
            "source": RollSource.CENSUS.value,
            "added_on": added_on,
        }
        for key, is_new in result.changes.items()
        if is_new
    ]
    updates = [
        {"e": edition.id, "k": key, "d": result.rows[key][0], "c": result.rows[key][1]}
        for key, is_new in result.changes.items()
        if not is_new
    ]
    for start in range(0, len(new_rows), BATCH):
        db.session.execute(insert(table), new_rows[start : start + BATCH])
    statement = (
        update(table)
        .where(table.c.edition_id == bindparam("e"), table.c.person_key == bindparam("k"))
        .values(district_id=bindparam("d"), check_key=bindparam("c"))
    )
    for start in range(0, len(updates), BATCH):
        db.session.execute(
            statement, updates[start : start + BATCH], execution_options={"synchronize_session": False}
        )
    audit.record(
        actor_id=actor.id,
        action="eligibility.census_imported",
        target_type="edition",
        target_id=edition.id,
        after={
            "new": result.new,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "refused_lines": result.error_count,
        },
    )
    db.session.flush()
    return result


# --- the file between preview and confirmation ----------------------------------------------------


def _folder() -> str:
    return os.path.join(current_app.instance_path, UPLOAD_FOLDER)


def _path(token: str, edition_id: int, actor_id: int) -> str:
    return os.path.join(_folder(), f"{edition_id}-{actor_id}-{token}.csv")


def keep_upload(data: bytes, *, edition_id: int, actor_id: int) -> str:
    """Keep the file until it is confirmed (an hour at most); return the token the confirmation carries."""
    folder = _folder()
    os.makedirs(folder, mode=0o700, exist_ok=True)
    cutoff = time.time() - UPLOAD_LIFETIME_SECONDS
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        if os.path.getmtime(path) < cutoff:
            os.remove(path)
    token = secrets.token_urlsafe(24)
    descriptor = os.open(_path(token, edition_id, actor_id), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    return token


def kept_upload(token: str, *, edition_id: int, actor_id: int) -> bytes | None:
    """Return the kept file of this edition and this person (None: unknown, expired or someone else's)."""
    if not _TOKEN.match(token or ""):
        return None
    path = _path(token, edition_id, actor_id)
    try:
        if os.path.getmtime(path) < time.time() - UPLOAD_LIFETIME_SECONDS:
            os.remove(path)
            return None
        with open(path, "rb") as handle:
            return handle.read()
    except FileNotFoundError:
        return None


def discard_upload(token: str, *, edition_id: int, actor_id: int) -> None:
    """Delete the kept file (after the import)."""
    if _TOKEN.match(token or ""):
        with contextlib.suppress(FileNotFoundError):
            os.remove(_path(token, edition_id, actor_id))
