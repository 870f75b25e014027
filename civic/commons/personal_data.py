"""The commons part of a person's data export: projects they hold, the ledger entries they made or that were
made on their behalf, their pledges, delegations and the projects they follow."""

from __future__ import annotations

from sqlalchemy import or_, select

from civic.accounts.models import User
from civic.accounts.personal_data import Rows, iso, section
from civic.commons.models import (
    CommonsProject,
    Delegation,
    LedgerJournal,
    LedgerPending,
    ProjectFollower,
)
from civic.extensions import db


@section("commons_projects")
def _projects(user: User) -> Rows:
    projects = db.session.scalars(select(CommonsProject).where(CommonsProject.holder_id == user.id))
    return [
        {
            "id": p.id,
            "title": p.title,
            "summary": p.summary,
            "state": p.state.value,
            "created_at": iso(p.created_at),
        }
        for p in projects
    ]


@section("commons_ledger_entries")
def _entries(user: User) -> Rows:
    journals = db.session.scalars(
        select(LedgerJournal)
        .where(or_(LedgerJournal.actor_id == user.id, LedgerJournal.on_behalf_of_id == user.id))
        .order_by(LedgerJournal.id)
    )
    return [
        {
            "journal": j.id,
            "kind": j.kind,
            "by_you": j.actor_id == user.id,
            "on_your_behalf": j.on_behalf_of_id == user.id,
            "reverses": j.reverses_id,
            "memo": j.memo,
            "created_at": iso(j.created_at),
        }
        for j in journals
    ]


@section("commons_pledges")
def _pledges(user: User) -> Rows:
    pledges = db.session.scalars(
        select(LedgerPending).where(LedgerPending.actor_id == user.id).order_by(LedgerPending.id)
    )
    return [
        {
            "id": p.id,
            "kind": p.kind,
            "amount": p.amount,
            "state": p.state.value,
            "delivered": p.posted_amount,
            "created_at": iso(p.created_at),
        }
        for p in pledges
    ]


@section("commons_delegations")
def _delegations(user: User) -> Rows:
    rows = db.session.scalars(
        select(Delegation)
        .where(
            or_(
                Delegation.truster_id == user.id,
                Delegation.delegate_id == user.id,
                Delegation.origin_id == user.id,
            )
        )
        .order_by(Delegation.id)
    )
    return [
        {
            "id": d.id,
            "round": d.round_id,
            "from_member": d.truster_id,
            "to_member": d.delegate_id,
            "origin_member": d.origin_id,
            "project": d.project_id,
            "depth": d.depth,
            "created_at": iso(d.created_at),
            "revoked_at": iso(d.revoked_at),
        }
        for d in rows
    ]


@section("commons_followed_projects")
def _followed(user: User) -> Rows:
    ids = db.session.scalars(select(ProjectFollower.project_id).where(ProjectFollower.user_id == user.id))
    return [{"project": project_id} for project_id in ids]
