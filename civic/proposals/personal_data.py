"""The proposals' part of a person's data export: proposals, versions, co-authorships, images, comments."""

from __future__ import annotations

from sqlalchemy import or_, select

from civic.accounts.models import User
from civic.accounts.personal_data import Rows, iso, section
from civic.extensions import db
from civic.proposals.models import CoAuthor, Comment, Proposal, ProposalImage, ProposalVersion


@section("proposals")
def _proposals(user: User) -> Rows:
    proposals = db.session.scalars(
        select(Proposal).where(Proposal.author_id == user.id).order_by(Proposal.id)
    )
    return [
        {
            "id": p.id,
            "reference": p.reference,
            "edition": p.edition.name,
            "status": p.status.value,
            "title": p.title,
            "summary": p.summary,
            "description": p.description,
            "district": p.district.name if p.district else None,
            "estimated_cost_cents": p.estimated_cost_cents,
            "address": p.address,
            "latitude": p.latitude,
            "longitude": p.longitude,
            "created_at": iso(p.created_at),
            "submitted_at": iso(p.submitted_at),
            "hidden_at": iso(p.hidden_at),
        }
        for p in proposals
    ]


@section("proposal_versions")
def _versions(user: User) -> Rows:
    versions = db.session.scalars(
        select(ProposalVersion)
        .join(Proposal)
        .where(or_(ProposalVersion.edited_by_id == user.id, Proposal.author_id == user.id))
        .order_by(ProposalVersion.proposal_id, ProposalVersion.number)
    )
    return [
        {
            "proposal_id": v.proposal_id,
            "number": v.number,
            "edited_by_you": v.edited_by_id == user.id,
            "title": v.title,
            "summary": v.summary,
            "description": v.description,
            "estimated_cost_cents": v.estimated_cost_cents,
            "created_at": iso(v.created_at),
        }
        for v in versions
    ]


@section("coauthorships")
def _coauthorships(user: User) -> Rows:
    rows = db.session.scalars(select(CoAuthor).where(CoAuthor.user_id == user.id).order_by(CoAuthor.id))
    return [
        {
            "proposal_id": c.proposal_id,
            "proposal_title": c.proposal.title,
            "invited_at": iso(c.invited_at),
            "accepted_at": iso(c.accepted_at),
        }
        for c in rows
    ]


@section("images")
def _images(user: User) -> Rows:
    images = db.session.scalars(
        select(ProposalImage)
        .join(Proposal)
        .where(Proposal.author_id == user.id)
        .order_by(ProposalImage.proposal_id, ProposalImage.position)
    )
    return [
        {
            "proposal_id": i.proposal_id,
            "position": i.position,
            "original_name": i.original_name,
            "stored_name": i.stored_name,
            "content_type": i.content_type,
            "width": i.width,
            "height": i.height,
            "alt_text": i.alt_text,
        }
        for i in images
    ]


@section("comments")
def _comments(user: User) -> Rows:
    comments = db.session.scalars(select(Comment).where(Comment.author_id == user.id).order_by(Comment.id))
    return [
        {
            "id": c.id,
            "proposal_id": c.proposal_id,
            "reply_to": c.parent_id,
            "body": c.body,
            "created_at": iso(c.created_at),
            "edited_at": iso(c.edited_at),
            "hidden_at": iso(c.hidden_at),
        }
        for c in comments
    ]
