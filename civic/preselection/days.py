"""Pre-selection days: sessions, decisions per proposal, minutes and attachments (PDF or images).

Attachments are checked (a PDF by its signature and end marker, an image decoded and re-encoded as for
proposal images), limited in size, and stored under instance/uploads/preselection/ with a random name.
Files follow the transaction: one written by a request that fails is removed again.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from io import BytesIO
from pathlib import Path
from typing import BinaryIO

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy.orm import Session

from civic.accounts.models import User
from civic.core import audit
from civic.core.errors import Conflict, PermissionDenied, ValidationFailed
from civic.extensions import db
from civic.preselection.models import DayDecision, PreselectionSession, SessionAttachment
from civic.preselection.permissions import can_manage_preselection
from civic.preselection.rules import SupportMode
from civic.preselection.services import default_rule
from civic.processes.models import Edition
from civic.proposals import images
from civic.proposals.models import Proposal, ProposalStatus
from civic.proposals.services import change_status

MAX_PDF_BYTES = 10 * 1024 * 1024
MAX_ATTACHMENTS = 10


@dataclass(frozen=True)
class SessionInput:
    held_at: datetime
    place: str
    jury_size: int
    minutes: str = ""


def attachment_folder() -> Path:
    """Return (and create) the folder of pre-selection day attachments."""
    folder = Path(current_app.instance_path) / "uploads" / "preselection"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _ensure_admin(actor: User) -> None:
    if not can_manage_preselection(actor.roles):
        raise PermissionDenied(_l("Only administrators can record pre-selection days."))


def create_session(*, actor: User, edition: Edition, data: SessionInput) -> PreselectionSession:
    """Record a pre-selection day (editions whose rule chooses one)."""
    _ensure_admin(actor)
    if default_rule(edition).mode is not SupportMode.PRESELECTION_DAY:
        raise Conflict(_l("This edition collects supports online: it has no pre-selection day."))
    session = PreselectionSession(
        edition_id=edition.id,
        held_at=data.held_at,
        place=data.place.strip(),
        jury_size=data.jury_size,
        minutes=data.minutes.strip(),
    )
    db.session.add(session)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="preselection.session_created",
        target_type="preselection_session",
        target_id=session.id,
        after={"edition": edition.id, "jury_size": data.jury_size},
    )
    return session


def update_minutes(*, actor: User, session: PreselectionSession, minutes: str) -> None:
    """Replace the minutes (Markdown) of a pre-selection day."""
    _ensure_admin(actor)
    session.minutes = minutes.strip()
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="preselection.minutes",
        target_type="preselection_session",
        target_id=session.id,
    )


def record_decision(
    *, actor: User, session: PreselectionSession, proposal: Proposal, retained: bool, public_reason: str
) -> DayDecision:
    """Record the day's decision on a proposal and move it to pre-selected or not (public reason)."""
    _ensure_admin(actor)
    if proposal.edition_id != session.edition_id:
        raise ValidationFailed(_l("This proposal belongs to another edition."))
    if proposal.status is not ProposalStatus.SUBMITTED:
        raise Conflict(_l("A decision has already been taken on this proposal."))
    reason = public_reason.strip()
    if not retained and not reason:
        raise ValidationFailed(_l("Give the public reason why this proposal is not retained."))
    decision = DayDecision(
        session_id=session.id,
        proposal_id=proposal.id,
        retained=retained,
        public_reason=reason,
        actor_id=actor.id,
    )
    db.session.add(decision)
    db.session.flush()
    change_status(
        actor=actor,
        proposal=proposal,
        status=ProposalStatus.PRESELECTED if retained else ProposalStatus.NOT_PRESELECTED,
        public_reason=reason,
    )
    return decision


def _check_pdf(data: bytes) -> None:
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationFailed(_l("This file is not a PDF nor a JPEG, PNG or WebP image."))


def add_attachment(
    *, actor: User, session: PreselectionSession, stream: BinaryIO, filename: str, title: str
) -> SessionAttachment:
    """Attach a PDF (10 MB at most) or an image (5 MB, re-encoded without its metadata) to a day."""
    _ensure_admin(actor)
    if len(session.attachments) >= MAX_ATTACHMENTS:
        raise ValidationFailed(_l("A pre-selection day can have at most 10 attachments."))
    data = stream.read(MAX_PDF_BYTES + 1)
    if len(data) > MAX_PDF_BYTES:
        raise ValidationFailed(_l("This file is larger than 10 MB: choose a smaller one."))
    if data.startswith(b"%PDF-"):
        _check_pdf(data)
        stored_name, content_type, payload = f"{secrets.token_hex(16)}.pdf", "application/pdf", data
    else:
        if not data.startswith((b"\xff\xd8", b"\x89PNG")) and not (
            data[:4] == b"RIFF" and data[8:12] == b"WEBP"
        ):
            raise ValidationFailed(_l("This file is not a PDF nor a JPEG, PNG or WebP image."))
        picture, _format = images.check_image(BytesIO(data))
        picture.thumbnail((images.MAX_SIDE, images.MAX_SIDE))
        picture = picture.convert("RGB")
        picture.info.clear()
        buffer = BytesIO()
        picture.save(buffer, format="JPEG", optimize=True)
        stored_name, content_type, payload = f"{secrets.token_hex(16)}.jpg", "image/jpeg", buffer.getvalue()
    path = attachment_folder() / stored_name
    _tie_to_transaction(db.session(), path)
    path.write_bytes(payload)
    attachment = SessionAttachment(
        session_id=session.id,
        stored_name=stored_name,
        original_name=(filename or "document")[:200],
        content_type=content_type,
        size_bytes=len(payload),
        title=title.strip()[:200],
    )
    session.attachments.append(attachment)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="preselection.attachment",
        target_type="preselection_session",
        target_id=session.id,
        after={"attachment_id": attachment.id, "content_type": content_type},
    )
    return attachment


def _tie_to_transaction(session: Session, path: Path) -> None:
    # The proposal images' listeners remove files written by a transaction that does not commit.
    session.info.setdefault(images._WRITTEN, []).append(path)
