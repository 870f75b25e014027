"""The audit log as a person reads it: labels in their language, local times, filters, links, CSV.

``ACTION_LABELS`` maps each action code to its label; a code without one is shown as is, so a
new action is never hidden. ``TARGET_LINKS`` maps a target type to the page that shows it.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from flask import current_app, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import joinedload
from werkzeug.routing import BuildError
from wtforms import DateField, Form, SelectField, StringField
from wtforms.validators import Length, Optional, ValidationError

from civic.accounts.models import User
from civic.core.audit import AuditEntry
from civic.extensions import db

ACTION_LABELS: dict[str, Any] = {
    "account.register": _l("Account created"),
    "account.confirm_email": _l("E-mail address confirmed"),
    "account.reset_password": _l("Password reset"),
    "account.delete": _l("Account deleted"),
    "account.change_password": _l("Password changed"),
    "account.end_sessions": _l("Other sessions ended"),
    "account.create_admin": _l("Administrator created from the command line"),
    "role.grant": _l("Role granted"),
    "role.revoke": _l("Role revoked"),
    "edition.create": _l("Edition created"),
    "edition.update": _l("Edition changed"),
    "edition.purge_contacts": _l("Front-desk contacts purged"),
    "proposal.submit_in_person": _l("Proposal recorded at the front desk"),
    "proposal.status": _l("Proposal status changed"),
    "proposal.front_desk_correct": _l("Proposal corrected at the front desk"),
    "proposal.front_desk_withdraw": _l("Proposal withdrawn at the front desk"),
    "moderation.report": _l("Content reported"),
    "moderation.hide": _l("Content hidden by a moderator"),
    "moderation.auto_hide": _l("Content hidden after several reports"),
    "moderation.dismiss": _l("Report dismissed"),
    "moderation.restore": _l("Content restored by a moderator"),
    "moderation.block": _l("Person blocked"),
    "moderation.unblock": _l("Person unblocked"),
    "voting.import_pb": _l("Vote imported from a pabulib file"),
    "tally.run": _l("Count started"),
    "tally.cancel": _l("Count cancelled"),
    "tally.interrupted": _l("Count interrupted (the counting service stopped)"),
    "results.publish": _l("Results published"),
    "results.withdraw": _l("Published results withdrawn"),
    "town.update": _l("Town settings changed"),
    "town_page.update": _l("Public page edited"),
    "district.create": _l("District created"),
    "district.update": _l("District changed"),
    "district.delete": _l("District deleted"),
    "theme.create": _l("Theme created"),
    "theme.update": _l("Theme renamed"),
    "theme.delete": _l("Theme deleted"),
    "audit.export": _l("Audit log exported"),
    "analysis.open": _l("Technical review opened"),
    "analysis.open_edition": _l("Technical analysis opened for an edition"),
    "analysis.assign": _l("Technical review assigned"),
    "analysis.save": _l("Technical review saved"),
    "analysis.submit": _l("Draft verdict sent to the holders"),
    "analysis.reply": _l("Holders answered a draft verdict"),
    "analysis.note": _l("Private note added to a review"),
    "analysis.validate": _l("Verdict validated"),
    "analysis.send_back": _l("Review sent back to the analysts"),
    "analysis.publish": _l("Verdict published"),
    "analysis.merge": _l("Duplicate proposal merged"),
    "analysis.settings": _l("Right-of-reply settings changed"),
    "analysis.service_create": _l("Municipal service added"),
    "analysis.service_rename": _l("Municipal service renamed"),
    "preselection.rule_saved": _l("Support rule saved"),
    "preselection.rule_change_refused": _l("Support rule change refused (rules frozen)"),
    "preselection.support_in_person": _l("Support recorded at the front desk"),
    "eligibility.census_imported": _l("Census list imported into the voter roll"),
    "eligibility.access_codes_generated": _l("Access code letters generated"),
    "eligibility.in_person_added": _l("Person added to the voter roll at the front desk"),
    "eligibility.account_linked": _l("Account linked to the voter roll"),
    "eligibility.minimum_age_set": _l("Minimum voting age set"),
    "eligibility.minimum_age_refused": _l("Minimum voting age change refused (people have voted)"),
    "preselection.qualification_run": _l("Pre-selection qualification computed"),
    "preselection.override": _l("Qualification result overridden"),
    "preselection.session_created": _l("Pre-selection day created"),
    "preselection.minutes": _l("Pre-selection day minutes saved"),
    "preselection.attachment": _l("Attachment added to a pre-selection day"),
    "voting.ballot_settings": _l("Ballot settings changed"),
    "voting.build_ballot": _l("Ballot built"),
    "voting.city_project": _l("City project put on the ballot"),
    "voting.seal": _l("Vote sealed (ballot tags and their key destroyed, counts reconciled)"),
    "voting.paper_sheet_typed": _l("Paper tally sheet typed"),
    "voting.paper_sheet_corrected": _l("Paper tally sheet entry corrected"),
    "voting.paper_sheet_accepted": _l("Paper tally sheet accepted (two matching entries)"),
    "voting.minutes_remarks": _l("Polling-place minutes remarks saved"),
    "voting.kiosk_ticket_replaced": _l("Lost kiosk ticket replaced (the person is not recorded)"),
    "commons.call_created": _l("Call for commons launched (draft)"),
    "commons.call_published": _l("Call for commons published"),
    "commons.round_funded": _l("Money received recorded in a co-budget pool"),
    "commons.allocated": _l("Co-budget pool allocated to members"),
    "commons.round_closed": _l("Co-budget round closed"),
    "commons.project_cancelled": _l("Commons project cancelled, contributions given back"),
    "commons.campaign_started": _l("Crowdfunding campaign started"),
    "commons.campaign_backed": _l("Crowdfunding payment recorded"),
    "commons.campaign_closed": _l("Crowdfunding campaign closed"),
    "commons.preselected": _l("Commons project pre-selected"),
    "commons.selected": _l("Commons project selected"),
    "commons.not_selected": _l("Commons project not selected"),
}
TARGET_LABELS: dict[str, Any] = {
    "user": _l("Person"),
    "edition": _l("Edition"),
    "proposal": _l("Proposal"),
    "comment": _l("Comment"),
    "vote_pool": _l("Ballot box"),
    "town": _l("Town"),
    "town_page": _l("Public page"),
    "district": _l("District"),
    "theme": _l("Theme"),
    "audit": _l("Audit log"),
    "analysis_review": _l("Technical review"),
    "municipal_service": _l("Municipal service"),
    "preselection_session": _l("Pre-selection day"),
    "tally_sheet": _l("Paper tally sheet"),
}


def _by_id(endpoint: str, argument: str) -> Callable[[str], str | None]:
    def link(target_id: str) -> str | None:
        if not target_id.isdigit():
            return None
        return url_for(endpoint, **{argument: int(target_id)})

    return link


def _town_page(target_id: str) -> str | None:
    kind = target_id.split(".", 1)[0]
    return url_for(f"town.{kind}")


TARGET_LINKS: dict[str, Callable[[str], str | None]] = {
    "user": _by_id("admin.user_detail", "user_id"),
    "edition": _by_id("admin.edit_edition", "edition_id"),
    "proposal": _by_id("proposals.proposal_detail", "proposal_id"),
    "district": _by_id("admin.edit_district", "district_id"),
    "theme": _by_id("admin.edit_theme", "theme_id"),
    "town": lambda _target_id: url_for("admin.town_settings"),
    "town_page": _town_page,
    "analysis_review": _by_id("analysis.review_detail", "review_id"),
}
PER_PAGE = 50
MAX_PAGE = 100_000
EXPORT_MAX_ROWS = 50_000
# A spreadsheet runs a cell starting with one of these as a formula (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def register_action_label(code: str, label: Any) -> None:
    """Give an action code its label (for domains added later)."""
    ACTION_LABELS[code] = label


def action_label(code: str) -> str:
    """Return the label of an action in the reader's language, or the raw code if it has none."""
    label = ACTION_LABELS.get(code)
    return str(label) if label is not None else code


def target_label(target_type: str) -> str:
    label = TARGET_LABELS.get(target_type)
    return str(label) if label is not None else target_type


def target_url(target_type: str, target_id: str | None) -> str | None:
    """Return the address of the page showing an entry's target, if such a page exists."""
    link = TARGET_LINKS.get(target_type)
    if link is None or target_id is None:
        return None
    try:
        return link(target_id)
    except BuildError:
        return None


def town_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])


def _sane_date(form: Form, field: DateField) -> None:
    if field.data is not None and not 2000 <= field.data.year <= 2100:
        raise ValidationError(_l("Choose a date between 2000 and 2100."))


class AuditFilterForm(Form):
    """Filters of the audit log, read from the query string (a GET form: no CSRF token needed)."""

    actor = StringField(
        _l("Who"),
        validators=[Optional(), Length(max=100)],
        description=_l("Part of a name or e-mail address."),
    )
    action = SelectField(_l("Action"), validators=[Optional()])
    target_type = SelectField(_l("Target"), validators=[Optional()])
    target_id = StringField(_l("Target number"), validators=[Optional(), Length(max=80)])
    date_from = DateField(
        _l("Start date"), validators=[Optional(), _sane_date], description=_l("Paris time, included.")
    )
    date_to = DateField(
        _l("End date"), validators=[Optional(), _sane_date], description=_l("Paris time, included.")
    )

    def fill_choices(self) -> None:
        """Offer every labelled code and every code found in the log (sorted by label)."""
        actions = set(ACTION_LABELS) | set(db.session.scalars(select(AuditEntry.action).distinct()))
        targets = set(TARGET_LABELS) | set(db.session.scalars(select(AuditEntry.target_type).distinct()))
        self.action.choices = [
            ("", _("All actions")),
            *sorted(((code, action_label(code)) for code in actions), key=lambda c: c[1].casefold()),
        ]
        self.target_type.choices = [
            ("", _("All targets")),
            *sorted(((code, target_label(code)) for code in targets), key=lambda c: c[1].casefold()),
        ]

    def validate_date_to(self, field: DateField) -> None:
        if field.data and self.date_from.data and field.data < self.date_from.data:
            raise ValidationError(_l("The end date must not be before the start date."))

    def filters(self) -> AuditFilters:
        return AuditFilters(
            actor=(self.actor.data or "").strip(),
            action=self.action.data or "",
            target_type=self.target_type.data or "",
            target_id=(self.target_id.data or "").strip(),
            date_from=self.date_from.data,
            date_to=self.date_to.data,
        )


@dataclass(frozen=True)
class AuditFilters:
    actor: str = ""
    action: str = ""
    target_type: str = ""
    target_id: str = ""
    date_from: date | None = None
    date_to: date | None = None

    def query_args(self) -> dict[str, str]:
        """Return the filters in use, as query-string arguments (for pagination and the export link)."""
        values = {
            "actor": self.actor,
            "action": self.action,
            "target_type": self.target_type,
            "target_id": self.target_id,
            "date_from": self.date_from.isoformat() if self.date_from else "",
            "date_to": self.date_to.isoformat() if self.date_to else "",
        }
        return {key: value for key, value in values.items() if value}


def _utc(day: date) -> datetime:
    """Return the naive UTC instant of a town-time midnight."""
    return datetime.combine(day, time(), tzinfo=town_zone()).astimezone(ZoneInfo("UTC")).replace(tzinfo=None)


def filtered(filters: AuditFilters) -> Select[tuple[AuditEntry]]:
    """Return the entries matching the filters, newest first, with their actors."""
    stmt = select(AuditEntry).options(joinedload(AuditEntry.actor))
    if filters.actor:
        needle = filters.actor.lower()
        stmt = stmt.join(User, AuditEntry.actor_id == User.id).where(
            or_(
                func.lower(User.email).contains(needle, autoescape=True),
                func.lower(User.display_name).contains(needle, autoescape=True),
            )
        )
    if filters.action:
        stmt = stmt.where(AuditEntry.action == filters.action)
    if filters.target_type:
        stmt = stmt.where(AuditEntry.target_type == filters.target_type)
    if filters.target_id:
        stmt = stmt.where(AuditEntry.target_id == filters.target_id)
    if filters.date_from:
        stmt = stmt.where(AuditEntry.at >= _utc(filters.date_from))
    if filters.date_to:
        stmt = stmt.where(AuditEntry.at < _utc(filters.date_to + timedelta(days=1)))
    return stmt.order_by(AuditEntry.at.desc(), AuditEntry.id.desc())


def actor_name(entry: AuditEntry) -> str:
    if entry.actor is None:
        return _("system") if entry.actor_id is None else _("deleted account")
    return entry.actor.display_name or _("deleted account")


def local_time(value: datetime) -> str:
    """Return a stored (naive UTC) instant as town time, "2026-07-01 14:00:00"."""
    return value.replace(tzinfo=ZoneInfo("UTC")).astimezone(town_zone()).strftime("%Y-%m-%d %H:%M:%S")


def safe_cell(value: object) -> object:
    """Neutralise a text a spreadsheet would run as a formula (a leading quote shows it as text)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _json(value: object) -> str:
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def export_csv(entries: Iterable[AuditEntry]) -> tuple[str, int]:
    """Return the entries as CSV for spreadsheets (comma-separated, UTF-8 with a BOM for Excel) and their number."""
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Entry number"),
            _("When (Paris time)"),
            _("Who (account number)"),
            _("Who"),
            _("Action code"),
            _("Action"),
            _("Target"),
            _("Target number"),
            _("Before"),
            _("After"),
        ]
    )
    count = 0
    for entry in entries:
        row = [
            entry.id,
            local_time(entry.at),
            entry.actor_id if entry.actor_id is not None else "",
            actor_name(entry),
            entry.action,
            action_label(entry.action),
            entry.target_type,
            entry.target_id or "",
            _json(entry.before),
            _json(entry.after),
        ]
        writer.writerow([safe_cell(cell) for cell in row])
        count += 1
    return out.getvalue(), count
