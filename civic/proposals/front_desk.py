"""Front-desk use cases after the submission: receipts, corrections, withdrawals and the GDPR purge of
the private contacts of residents without account. Keyword-only, explicit actor, flushed, audited."""

from __future__ import annotations

import calendar
from dataclasses import dataclass
from datetime import datetime

import segno
from flask import current_app, url_for
from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, PermissionDenied
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import Edition, Phase
from civic.proposals.models import Channel, InPersonContact, Proposal, ProposalStatus, StatusChange
from civic.proposals.permissions import can_submit_in_person
from civic.proposals.services import (
    EDITABLE_STATUSES,
    ContactInput,
    ProposalInput,
    _snapshot,
    _validate,
)

# --- receipt ---------------------------------------------------------------------------------------


def proposal_address(proposal: Proposal) -> str:
    """Return the proposal's absolute public address, from the configured base URL when there is one."""
    base = current_app.config.get("BASE_URL")
    if base:
        return str(base).rstrip("/") + url_for("proposals.proposal_detail", proposal_id=proposal.id)
    return url_for("proposals.proposal_detail", proposal_id=proposal.id, _external=True)


def qr_svg(data: str, *, label: str) -> Markup:
    """Return an inline SVG QR code of ``data``, announced to screen readers as ``label``."""
    svg = segno.make(data, error="m").svg_inline(scale=4, svgclass="qr-code", omitsize=False)
    # segno's output is markup it built itself; only the label comes from us, escaped.
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1))  # noqa: S704


# --- corrections and withdrawals -----------------------------------------------------------------


def _ensure_front_desk(actor: User, proposal: Proposal) -> None:
    if not can_submit_in_person(actor.roles):
        raise PermissionDenied(_l("Only front-desk staff can do this."))
    if proposal.channel is not Channel.IN_PERSON:
        raise PermissionDenied(_l("Only proposals recorded at the town hall can be changed here."))
    if proposal.status not in EDITABLE_STATUSES:
        raise Conflict(_l("This proposal can no longer be changed."))


def correct_in_person(
    *, actor: User, proposal: Proposal, data: ProposalInput, contact: ContactInput | None
) -> None:
    """Correct what staff entered for a resident (text and private contact); kept as a version, audited."""
    _ensure_front_desk(actor, proposal)
    _validate(proposal.edition, data)
    before = {"title": proposal.title, "version": proposal.version_count}
    proposal.title = data.title.strip()
    proposal.summary = data.summary.strip()
    proposal.description = data.description.strip()
    proposal.district_id = data.district_id
    proposal.theme_id = data.theme_id
    proposal.estimated_cost_cents = data.estimated_cost_cents
    proposal.address = (data.address or "").strip() or None
    proposal.latitude, proposal.longitude = data.latitude, data.longitude
    proposal.version_count += 1
    proposal.versions.append(_snapshot(proposal, number=proposal.version_count, editor_id=actor.id))
    contact_changed = False
    if contact is not None and proposal.contact_purged_at is None:
        name, value = contact.name.strip(), contact.contact.strip()
        current = proposal.private_contact
        if current is None:
            proposal.private_contact = InPersonContact(name=name, contact=value)
            contact_changed = True
        elif (current.name, current.contact) != (name, value):
            current.name, current.contact = name, value
            contact_changed = True
    db.session.flush()
    # The audit log names no person: it says that the contact changed, not what it says.
    audit.record(
        actor_id=actor.id,
        action="proposal.front_desk_correct",
        target_type="proposal",
        target_id=proposal.id,
        before=before,
        after={
            "title": proposal.title,
            "version": proposal.version_count,
            "contact_changed": contact_changed,
        },
    )


def withdraw_in_person(*, actor: User, proposal: Proposal) -> None:
    """Withdraw, at the resident's request, a proposal staff recorded for them (stays visible as withdrawn)."""
    _ensure_front_desk(actor, proposal)
    before = proposal.status.value
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.status_changes.append(StatusChange(status=ProposalStatus.WITHDRAWN, actor_id=actor.id))
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="proposal.front_desk_withdraw",
        target_type="proposal",
        target_id=proposal.id,
        before={"status": before},
        after={"status": ProposalStatus.WITHDRAWN.value},
    )


# --- GDPR purge of private contacts -----------------------------------------------------------------


def add_months(moment: datetime, months: int) -> datetime:
    """Return ``moment`` plus ``months`` calendar months (the day clamped to the month's length)."""
    index = moment.month - 1 + months
    year, month = moment.year + index // 12, index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class ContactPurge:
    """One edition's private contacts and when they are deleted (None: no calendar, never automatically)."""

    edition: Edition
    contacts: int
    calendar_ends_at: datetime | None
    purge_at: datetime | None

    def is_due(self, now: datetime) -> bool:
        return self.purge_at is not None and self.purge_at <= now


def purge_schedule() -> list[ContactPurge]:
    """Return, per edition holding private contacts, how many there are and when they will be purged."""
    counts = db.session.execute(
        select(Proposal.edition_id, func.count(InPersonContact.id))
        .join(InPersonContact, InPersonContact.proposal_id == Proposal.id)
        .group_by(Proposal.edition_id)
    ).all()
    if not counts:
        return []
    ends = dict(
        db.session.execute(
            select(Phase.edition_id, func.max(Phase.ends_at))
            .where(Phase.edition_id.in_([row[0] for row in counts]))
            .group_by(Phase.edition_id)
        ).all()
    )
    editions = {
        e.id: e
        for e in db.session.scalars(
            select(Edition).where(Edition.id.in_(ends.keys() | {r[0] for r in counts}))
        )
    }
    schedule = []
    for edition_id, number in counts:
        edition = editions[edition_id]
        end = ends.get(edition_id)
        purge_at = add_months(end, edition.contact_retention_months) if end is not None else None
        schedule.append(
            ContactPurge(edition=edition, contacts=number, calendar_ends_at=end, purge_at=purge_at)
        )
    return sorted(schedule, key=lambda p: (p.purge_at is None, p.purge_at or datetime.max, p.edition.name))


def purge_due_contacts(
    *, actor: User | None, now: datetime | None = None, dry_run: bool = False
) -> list[ContactPurge]:
    """Delete the private contacts whose edition's retention is over; return what was (or would be) purged.

    ``actor`` is None when the scheduled command runs it; a person doing it must be front-desk staff.
    """
    if actor is not None and not can_submit_in_person(actor.roles):
        raise PermissionDenied(_l("Only front-desk staff can do this."))
    moment = now or utcnow()
    due = [entry for entry in purge_schedule() if entry.is_due(moment)]
    if dry_run:
        return due
    for entry in due:
        proposals = db.session.scalars(
            select(Proposal)
            .join(InPersonContact, InPersonContact.proposal_id == Proposal.id)
            .where(Proposal.edition_id == entry.edition.id)
            .options(joinedload(Proposal.private_contact))
        ).all()
        for proposal in proposals:
            proposal.private_contact = None
            proposal.contact_purged_at = moment
        db.session.flush()
        audit.record(
            actor_id=actor.id if actor is not None else None,
            action="edition.purge_contacts",
            target_type="edition",
            target_id=entry.edition.id,
            after={"deleted": len(proposals), "retention_months": entry.edition.contact_retention_months},
        )
    return due
