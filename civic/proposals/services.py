"""Proposal and comment use cases: keyword-only, explicit actor, phase-gated, flushed, audited."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO

from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from civic.accounts.models import User
from civic.accounts.permissions import can_write
from civic.accounts.services import find_live_user_by_email, normalise_email
from civic.core import audit
from civic.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from civic.core.links import external_url
from civic.core.mail import send_mail
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.models import Edition
from civic.processes.phases import Action, is_allowed
from civic.processes.queries import format_euros
from civic.proposals import images as image_store
from civic.proposals.labels import status_label
from civic.proposals.models import (
    Channel,
    CoAuthor,
    Comment,
    InPersonContact,
    Proposal,
    ProposalImage,
    ProposalStatus,
    ProposalVersion,
    StatusChange,
)
from civic.proposals.permissions import (
    can_edit_comment,
    can_edit_proposal,
    can_see_private_contact,
    can_submit_in_person,
)
from civic.proposals.statuses import can_move, needs_public_reason

MAX_IMAGES = 3
MAX_COAUTHORS = 5
EDITABLE_STATUSES = frozenset({ProposalStatus.DRAFT, ProposalStatus.SUBMITTED})


@dataclass(frozen=True)
class ProposalInput:
    title: str
    summary: str
    description: str
    district_id: int | None = None
    theme_id: int | None = None
    estimated_cost_cents: int | None = None
    address: str | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class ContactInput:
    name: str
    contact: str


def ensure_can_write(user: User) -> None:
    """Refuse blocked and deleted accounts (they may read, not write)."""
    if not can_write(user):
        raise PermissionDenied(_l("Your account is blocked: you can read but not post."))


def ensure_phase(edition: Edition, action: Action, *, now: datetime | None = None) -> None:
    """Raise unless the edition's calendar opens ``action`` now."""
    if not is_allowed(edition.calendar, now or utcnow(), action, city_list=edition.is_city_list):
        messages = {
            Action.SUBMIT_PROPOSAL: _l(
                "Submissions are closed for this edition: see its calendar for the dates."
            ),
            Action.EDIT_PROPOSAL: _l("Proposals can only be changed while submissions are open."),
            Action.WITHDRAW_PROPOSAL: _l("Proposals can only be withdrawn while submissions are open."),
            Action.COMMENT: _l("Comments are closed for this edition."),
        }
        raise PhaseClosed(messages.get(action, _l("This is not possible at this stage of the edition.")))


class PhaseClosed(PermissionDenied):
    """The edition's calendar does not open this action now."""


def cost_warning(edition: Edition, *, district_id: object, cost_cents: int | None) -> object | None:
    """Return a (non-blocking) warning when a cost exceeds the district's sub-envelope or the envelope."""
    if cost_cents is None:
        return None
    share = next((d for d in edition.districts if d.district_id == district_id), None)
    if share is not None and share.envelope_cents is not None and cost_cents > share.envelope_cents:
        return _l(
            "The estimated cost is above the envelope of %(district)s (%(envelope)s): the proposal can be "
            "submitted, but it could not be funded as it stands.",
            district=share.district.name,
            envelope=format_euros(share.envelope_cents),
        )
    if cost_cents > edition.envelope_cents:
        return _l(
            "The estimated cost is above the edition's whole envelope (%(envelope)s): the proposal can be "
            "submitted, but it could not be funded as it stands.",
            envelope=format_euros(edition.envelope_cents),
        )
    return None


def _validate(edition: Edition, data: ProposalInput) -> None:
    district_ids = {d.district_id for d in edition.districts}
    if data.district_id is not None and data.district_id not in district_ids:
        raise ValidationFailed(_l("Choose one of this edition's districts."))
    theme_ids = {t.id for t in edition.themes}
    if data.theme_id is not None and data.theme_id not in theme_ids:
        raise ValidationFailed(_l("Choose one of this edition's themes."))
    if (data.latitude is None) != (data.longitude is None):
        raise ValidationFailed(_l("Give both latitude and longitude, or neither."))


def _new_proposal(
    edition: Edition, data: ProposalInput, *, author_id: int | None, channel: Channel
) -> Proposal:
    proposal = Proposal(
        edition_id=edition.id,
        reference=f"pending-{secrets.token_hex(8)}",  # replaced by the public reference once the id is known
        author_id=author_id,
        channel=channel,
        status=ProposalStatus.DRAFT,
        title=data.title.strip(),
        summary=data.summary.strip(),
        description=data.description.strip(),
        district_id=data.district_id,
        theme_id=data.theme_id,
        estimated_cost_cents=data.estimated_cost_cents,
        address=(data.address or "").strip() or None,
        latitude=data.latitude,
        longitude=data.longitude,
    )
    proposal.versions.append(_snapshot(proposal, number=1, editor_id=author_id))
    db.session.add(proposal)
    db.session.flush()
    # The reference is public (receipts, signage): edition year + a number unique across editions.
    proposal.reference = f"BP{edition.year}-{proposal.id:05d}"
    return proposal


def _snapshot(proposal: Proposal, *, number: int, editor_id: int | None) -> ProposalVersion:
    return ProposalVersion(
        number=number,
        title=proposal.title,
        summary=proposal.summary,
        description=proposal.description,
        estimated_cost_cents=proposal.estimated_cost_cents,
        edited_by_id=editor_id,
    )


def _mark_submitted(proposal: Proposal, *, actor_id: int | None) -> None:
    proposal.status = ProposalStatus.SUBMITTED
    proposal.submitted_at = utcnow()
    proposal.status_changes.append(StatusChange(status=ProposalStatus.SUBMITTED, actor_id=actor_id))


def submit_proposal(
    *, actor: User, edition: Edition, data: ProposalInput, as_draft: bool = False, now: datetime | None = None
) -> Proposal:
    """Create a resident's proposal online (or a draft) while submissions are open."""
    ensure_can_write(actor)
    ensure_phase(edition, Action.SUBMIT_PROPOSAL, now=now)
    _validate(edition, data)
    proposal = _new_proposal(edition, data, author_id=actor.id, channel=Channel.ONLINE)
    if not as_draft:
        _mark_submitted(proposal, actor_id=actor.id)
    db.session.flush()
    return proposal


def submit_in_person(
    *, actor: User, edition: Edition, data: ProposalInput, contact: ContactInput, now: datetime | None = None
) -> Proposal:
    """Record a proposal brought to the town hall by a resident without account (channel: in person)."""
    if not can_submit_in_person(actor.roles):
        raise PermissionDenied(_l("Only front-desk staff can record in-person proposals."))
    if not is_allowed(edition.calendar, now or utcnow(), Action.SUBMIT_PROPOSAL):
        raise PhaseClosed(_l("Submissions are closed for this edition: see its calendar for the dates."))
    proposal = record_city_proposal(actor=actor, edition=edition, data=data)
    proposal.private_contact = InPersonContact(name=contact.name.strip(), contact=contact.contact.strip())
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="proposal.submit_in_person",
        target_type="proposal",
        target_id=proposal.id,
        after={"reference": proposal.reference, "edition": edition.id},
    )
    return proposal


def record_city_proposal(*, actor: User, edition: Edition, data: ProposalInput) -> Proposal:
    """Enter a proposal without an author account, recorded by ``actor`` and submitted at once.

    The city's own projects (the ballot builder) and the front desk's walk-ins go through here; the callers
    check who may do it and when, this checks the fields.
    """
    _validate(edition, data)
    proposal = _new_proposal(edition, data, author_id=None, channel=Channel.IN_PERSON)
    proposal.recorded_by_id = actor.id
    _mark_submitted(proposal, actor_id=actor.id)
    db.session.flush()
    return proposal


def _ensure_holder(actor: User, proposal: Proposal) -> None:
    ensure_can_write(actor)
    if not can_edit_proposal(user_id=actor.id, holder_ids=proposal.holder_ids()):
        raise PermissionDenied(_l("Only the authors of this proposal can change it."))


class EditConflict(Conflict):
    """Someone saved the proposal since the editor opened the form."""


def _edit_conflict() -> EditConflict:
    return EditConflict(
        _l(
            "Someone else saved this proposal while you were editing it. Your text is kept below: "
            "compare it with the current version (see the history), then save again."
        )
    )


def edit_proposal(
    *,
    actor: User,
    proposal: Proposal,
    data: ProposalInput,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> None:
    """Change a proposal's text while submissions are open; every edit is kept as a numbered version.

    ``expected_version`` is the version the editor started from: a newer one means someone else saved
    meanwhile. Two simultaneous saves are told apart by a compare-and-set of ``version_count`` and, as a
    last resort, by the unique (proposal, number) constraint of the versions: never two versions 2.
    """
    _ensure_holder(actor, proposal)
    ensure_phase(proposal.edition, Action.EDIT_PROPOSAL, now=now)
    if proposal.status not in EDITABLE_STATUSES:
        raise Conflict(_l("This proposal can no longer be changed."))
    _validate(proposal.edition, data)
    started_from = proposal.version_count if expected_version is None else expected_version
    if started_from != proposal.version_count:
        raise _edit_conflict()
    claimed = db.session.execute(
        update(Proposal)
        .where(Proposal.id == proposal.id, Proposal.version_count == started_from)
        .values(version_count=started_from + 1)
        .execution_options(synchronize_session=False)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        raise _edit_conflict()
    proposal.version_count = started_from + 1
    proposal.title = data.title.strip()
    proposal.summary = data.summary.strip()
    proposal.description = data.description.strip()
    proposal.district_id = data.district_id
    proposal.theme_id = data.theme_id
    proposal.estimated_cost_cents = data.estimated_cost_cents
    proposal.address = (data.address or "").strip() or None
    proposal.latitude, proposal.longitude = data.latitude, data.longitude
    proposal.versions.append(_snapshot(proposal, number=proposal.version_count, editor_id=actor.id))
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise _edit_conflict() from exc


def publish_draft(*, actor: User, proposal: Proposal, now: datetime | None = None) -> None:
    """Submit a draft."""
    _ensure_holder(actor, proposal)
    ensure_phase(proposal.edition, Action.SUBMIT_PROPOSAL, now=now)
    if proposal.status is not ProposalStatus.DRAFT:
        raise Conflict(_l("This proposal has already been submitted."))
    _mark_submitted(proposal, actor_id=actor.id)
    db.session.flush()


def withdraw_proposal(*, actor: User, proposal: Proposal, now: datetime | None = None) -> None:
    """Withdraw a submitted proposal while submissions are open (it stays public, marked withdrawn).

    A draft was never public: it is deleted (``discard_draft``), never withdrawn, because a withdrawn
    proposal is shown to everyone.
    """
    _ensure_holder(actor, proposal)
    if proposal.status is ProposalStatus.DRAFT:
        raise Conflict(_l("A draft is not withdrawn: delete it instead (it was never public)."))
    ensure_phase(proposal.edition, Action.WITHDRAW_PROPOSAL, now=now)
    if proposal.status not in EDITABLE_STATUSES:
        raise Conflict(_l("This proposal can no longer be withdrawn."))
    proposal.status = ProposalStatus.WITHDRAWN
    proposal.status_changes.append(StatusChange(status=ProposalStatus.WITHDRAWN, actor_id=actor.id))
    db.session.flush()


def discard_draft(*, actor: User, proposal: Proposal) -> None:
    """Delete a private draft and its images (allowed at any time: it was never public)."""
    _ensure_holder(actor, proposal)
    if proposal.status is not ProposalStatus.DRAFT:
        raise Conflict(_l("Only a draft can be deleted; a submitted proposal can be withdrawn."))
    for image in proposal.images:
        image_store.delete_stored(image.stored_name, session=db.session)  # type: ignore[arg-type]
    db.session.delete(proposal)
    db.session.flush()


def change_status(
    *,
    actor: User | None,
    proposal: Proposal,
    status: ProposalStatus,
    public_reason: str = "",
    notify: bool = True,
) -> None:
    """Move a proposal along an allowed transition; "not retained" needs a public reason; holders are told.

    ``notify=False`` leaves the e-mail to the caller (a published verdict sends its own, richer one).
    """
    if not can_move(proposal.status, status):
        raise Conflict(
            _l(
                "A proposal cannot go from “%(current)s” to “%(target)s”.",
                current=status_label(proposal.status),
                target=status_label(status),
            )
        )
    if needs_public_reason(status) and not public_reason.strip():
        raise ValidationFailed(_l("Give the public reason why this proposal is not retained."))
    before = proposal.status.value
    proposal.status = status
    proposal.status_changes.append(
        StatusChange(
            status=status, public_reason=public_reason.strip() or None, actor_id=actor.id if actor else None
        )
    )
    db.session.flush()
    audit.record(
        actor_id=actor.id if actor else None,
        action="proposal.status",
        target_type="proposal",
        target_id=proposal.id,
        before={"status": before},
        after={"status": status.value},
    )
    if notify:
        notify_holders(proposal, template="proposal_status", status=status, reason=public_reason.strip())


def record_count_status(
    *, actor: User | None, proposal: Proposal, status: ProposalStatus, public_reason: str
) -> bool:
    """Put a published (or withdrawn) count's verdict on a proposal's public timeline; audited.

    A new step is written only when the status or its reason differs from the last one (earlier steps
    stay); the holders are e-mailed, each in their own language, when the status itself changes.
    """
    last = proposal.status_changes[-1] if proposal.status_changes else None
    reason = public_reason.strip() or None
    if proposal.status is status and last is not None and last.status is status and last.public_reason == reason:
        return False
    before = proposal.status
    proposal.status = status
    proposal.status_changes.append(
        StatusChange(status=status, public_reason=reason, actor_id=actor.id if actor else None)
    )
    db.session.flush()
    audit.record(
        actor_id=actor.id if actor else None,
        action="proposal.status",
        target_type="proposal",
        target_id=proposal.id,
        before={"status": before.value},
        after={"status": status.value, "source": "count"},
    )
    if before is not status:
        notify_holders(proposal, template="proposal_status", status=status, reason=reason or "")
    return True


def notify_holders(proposal: Proposal, *, template: str, **context: object) -> None:
    """E-mail the author and accepted co-authors, each in their own language."""
    for user_id in sorted(proposal.holder_ids()):
        user = db.session.get(User, user_id)
        if user is None or not user.email or user.deleted_at is not None:
            continue
        send_mail(
            to=user.email,
            template=template,
            locale=user.locale,
            name=user.display_name,
            proposal=proposal,
            url=external_url("proposals.proposal_detail", proposal_id=proposal.id),
            **context,
        )


def invite_coauthor(*, actor: User, proposal: Proposal, email: str) -> CoAuthor:
    """Invite someone to co-author by e-mail; they accept once logged in with that address.

    An address without an account gets an invitation to create one: the answer to the inviter is the
    same either way (no account enumeration). Two simultaneous invitations of one address hit the
    unique (proposal, address) constraint: the second is told the person is already invited.
    """
    _ensure_holder(actor, proposal)
    address = normalise_email(email)
    invitee = find_live_user_by_email(address)
    if address == normalise_email(actor.email or "") or (
        invitee is not None and invitee.id in proposal.holder_ids()
    ):
        raise ValidationFailed(_l("This person already holds the proposal."))
    if any(c.invited_email == address or (invitee and c.user_id == invitee.id) for c in proposal.coauthors):
        raise Conflict(_l("This person has already been invited."))
    if len(proposal.coauthors) >= MAX_COAUTHORS:
        raise ValidationFailed(_l("A proposal can have at most 5 co-authors."))
    invitation = CoAuthor(
        proposal_id=proposal.id, user_id=invitee.id if invitee else None, invited_email=address
    )
    db.session.add(invitation)
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("This person has already been invited.")) from exc
    if invitee is not None and invitee.email:
        send_mail(
            to=invitee.email,
            template="coauthor_invitation",
            locale=invitee.locale,
            name=invitee.display_name,
            inviter=actor.display_name,
            proposal=proposal,
            url=external_url("proposals.my_invitations"),
        )
    else:
        send_mail(
            to=address,
            template="coauthor_invitation_new",
            locale=actor.locale,
            inviter=actor.display_name,
            proposal=proposal,
            url=external_url("accounts.register"),
        )
    return invitation


def invitation_is_for(invitation: CoAuthor, user: User) -> bool:
    """Tell whether an invitation is addressed to ``user`` (by account, or by their confirmed address)."""
    if invitation.user_id is not None:
        return invitation.user_id == user.id
    return bool(user.email) and user.is_confirmed and invitation.invited_email == user.email


def answer_invitation(*, actor: User, invitation: CoAuthor, accept: bool) -> None:
    """Accept or decline a co-author invitation addressed to ``actor`` (claiming one sent to their address)."""
    if not invitation_is_for(invitation, actor):
        raise NotFound(_l("This invitation does not exist."))
    ensure_can_write(actor)
    if not accept:
        db.session.delete(invitation)
        db.session.flush()
        return
    if actor.id in invitation.proposal.holder_ids():
        raise Conflict(_l("You already hold this proposal."))
    invitation.user_id = actor.id
    invitation.accepted_at = utcnow()
    try:
        db.session.flush()
    except IntegrityError as exc:
        raise Conflict(_l("You already hold this proposal.")) from exc


def remove_coauthor(*, actor: User, proposal: Proposal, invitation: CoAuthor) -> None:
    """Cancel an invitation (any holder), remove a co-author (the author) or leave (the co-author)."""
    ensure_can_write(actor)
    if invitation.proposal_id != proposal.id:
        raise NotFound(_l("This invitation does not exist."))
    if invitation.accepted_at is None:
        allowed = actor.id in proposal.holder_ids()
    else:
        allowed = actor.id in {proposal.author_id, invitation.user_id}
    if not allowed:
        raise PermissionDenied(_l("Only the author can remove a co-author."))
    db.session.delete(invitation)
    db.session.flush()


def add_image(
    *, actor: User, proposal: Proposal, stream: BinaryIO, filename: str, alt_text: str
) -> ProposalImage:
    """Attach one of at most three images, checked and re-encoded."""
    _ensure_holder(actor, proposal)
    if proposal.status not in EDITABLE_STATUSES:
        raise Conflict(_l("This proposal can no longer be changed."))
    used = {image.position for image in proposal.images}
    free = [p for p in range(MAX_IMAGES) if p not in used]
    if not free:
        raise ValidationFailed(_l("A proposal can have at most 3 images."))
    stored = image_store.store_image(stream, session=db.session)  # type: ignore[arg-type]
    image = ProposalImage(
        position=free[0],
        stored_name=stored.stored_name,
        original_name=(filename or "image")[:200],
        content_type=stored.content_type,
        width=stored.width,
        height=stored.height,
        alt_text=alt_text.strip()[:300],
    )
    proposal.images.append(image)
    db.session.flush()
    return image


def remove_image(*, actor: User, proposal: Proposal, image: ProposalImage) -> None:
    """Remove an image from a proposal."""
    _ensure_holder(actor, proposal)
    proposal.images.remove(image)
    db.session.flush()
    image_store.delete_stored(image.stored_name, session=db.session)  # type: ignore[arg-type]


def post_comment(
    *, actor: User, proposal: Proposal, body: str, parent: Comment | None = None, now: datetime | None = None
) -> Comment:
    """Comment on a proposal, or reply to a top-level comment (one level deep)."""
    ensure_can_write(actor)
    ensure_phase(proposal.edition, Action.COMMENT, now=now)
    if proposal.status is ProposalStatus.DRAFT or proposal.is_hidden:
        raise NotFound(_l("This proposal does not exist."))
    if parent is not None and (parent.proposal_id != proposal.id or parent.parent_id is not None):
        raise ValidationFailed(_l("You can only reply to a top-level comment."))
    if parent is not None and parent.is_hidden:
        raise NotFound(_l("This comment is hidden: it cannot be answered."))
    comment = Comment(
        proposal_id=proposal.id,
        author_id=actor.id,
        body=body.strip(),
        parent_id=parent.id if parent else None,
    )
    db.session.add(comment)
    proposal.comment_count = Proposal.comment_count + 1
    db.session.flush()
    return comment


def edit_comment(*, actor: User, comment: Comment, body: str, now: datetime | None = None) -> None:
    """Change one's own comment within 15 minutes of posting it."""
    ensure_can_write(actor)
    moment = now or utcnow()
    if not can_edit_comment(
        user_id=actor.id, author_id=comment.author_id, created_at=comment.created_at, now=moment
    ):
        raise PermissionDenied(_l("Comments can only be edited by their author, within 15 minutes."))
    ensure_phase(comment.proposal.edition, Action.COMMENT, now=now)
    comment.body = body.strip()
    comment.edited_at = moment
    db.session.flush()


def private_contact_for(*, actor: User, proposal: Proposal) -> InPersonContact | None:
    """Return the in-person resident's contact, for staff only."""
    if not can_see_private_contact(actor.roles):
        raise PermissionDenied(_l("Only front-desk staff can see this."))
    return proposal.private_contact


def purge_personal_data(*, actor: User, edition: Edition) -> int:
    """Delete the names and contacts of in-person submitters of an edition; return how many."""
    if not can_submit_in_person(actor.roles):
        raise PermissionDenied(_l("Only front-desk staff can do this."))
    contacts = db.session.scalars(
        select(InPersonContact).join(Proposal).where(Proposal.edition_id == edition.id)
    ).all()
    moment = utcnow()
    for contact in contacts:
        contact.proposal.contact_purged_at = moment
        db.session.delete(contact)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="edition.purge_contacts",
        target_type="edition",
        target_id=edition.id,
        after={"deleted": len(contacts)},
    )
    return len(contacts)
