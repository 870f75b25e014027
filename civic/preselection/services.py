"""Pre-selection use cases: rules, supports (online and at the front desk), withdrawal, merges.

Keyword-only, explicit ``actor``, phase-gated, flushed and audited; qualification and pre-selection days
are in ``civic.preselection.qualification`` and ``civic.preselection.days``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import case, delete, event, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.core import audit
from civic.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied, ValidationFailed
from civic.core.time import utcnow
from civic.extensions import db
from civic.preselection.models import Support, SupporterLock, SupportRule
from civic.preselection.permissions import can_manage_preselection, can_record_in_person, is_eligible
from civic.preselection.rules import (
    DistrictFigures,
    MissingFigure,
    SupportMode,
    ThresholdKind,
    TieRule,
    WithdrawalPolicy,
    needed_supports,
)
from civic.processes.models import Edition
from civic.processes.phases import Action, is_allowed
from civic.proposals.models import Channel, Proposal
from civic.proposals.services import PhaseClosed, ensure_can_write
from civic.proposals.statuses import IN_THE_RUNNING

RULE_FIELDS = (
    "per_person_cap",
    "max_districts",
    "threshold_kind",
    "threshold_value",
    "guaranteed_minimum",
    "withdrawal",
    "tie_rule",
    "random_seed",
    "eligible_only",
    "mode",
)


@dataclass(frozen=True)
class RuleInput:
    per_person_cap: int = 5
    max_districts: int | None = None
    threshold_kind: ThresholdKind = ThresholdKind.NONE
    threshold_value: int = 0
    guaranteed_minimum: int = 0
    withdrawal: WithdrawalPolicy = WithdrawalPolicy.ALWAYS
    tie_rule: TieRule = TieRule.ALL_TIED
    random_seed: str = ""
    eligible_only: bool = True
    mode: SupportMode = SupportMode.ONLINE


class RulesFrozen(Conflict):
    """The edition has supports: its rules can no longer change."""


class CapReached(Conflict):
    """The person has used all their supports."""


# --- rules ----------------------------------------------------------------------------------------


_RULES_CACHE = "civic_preselection_rules"


@event.listens_for(Session, "after_commit")
@event.listens_for(Session, "after_soft_rollback")
def _forget_rules(session: Session, *_args: object) -> None:
    session.info.pop(_RULES_CACHE, None)


def _stored_rule(edition_id: int, district_id: int | None) -> SupportRule | None:
    # One query per transaction loads all the edition's rules: a support reads them several times.
    cache = db.session.info.setdefault(_RULES_CACHE, {})
    if edition_id not in cache:
        rules = db.session.scalars(select(SupportRule).where(SupportRule.edition_id == edition_id))
        # The objects themselves are kept: the session's identity map holds its objects weakly.
        cache[edition_id] = {rule.district_id: rule for rule in rules}
    return cache[edition_id].get(district_id)  # type: ignore[no-any-return]


def default_rule(edition: Edition) -> SupportRule:
    """Return the edition-wide rule (an unsaved one with the defaults when none was set)."""
    stored = _stored_rule(edition.id, None)
    if stored is not None:
        return stored
    defaults = RuleInput()
    return SupportRule(
        edition_id=edition.id, district_id=None, **{f: getattr(defaults, f) for f in RULE_FIELDS}
    )


def rule_for(edition: Edition, district_id: int | None) -> SupportRule:
    """Return the rule that governs a district's proposals (its own row, else the edition's default)."""
    if district_id is not None:
        stored = _stored_rule(edition.id, district_id)
        if stored is not None:
            return stored
    return default_rule(edition)


def rule_as_dict(rule: SupportRule) -> dict[str, object]:
    """Return a rule's settings as plain JSON values (audit entries, qualification snapshots)."""
    values: dict[str, object] = {}
    for name in RULE_FIELDS:
        value = getattr(rule, name)
        values[name] = value.value if hasattr(value, "value") else value
    return values


def is_frozen(edition: Edition) -> bool:
    """Tell whether the edition's rules are frozen (it has received its first support)."""
    return db.session.scalar(select(Support.id).where(Support.edition_id == edition.id).limit(1)) is not None


def _check_rule(edition: Edition, district_id: int | None, data: RuleInput) -> None:
    problems: dict[str, list[object]] = {}
    counted = (ThresholdKind.ABSOLUTE, ThresholdKind.TOP_N, ThresholdKind.ENVELOPE_MULTIPLE)
    shares = (ThresholdKind.POPULATION_SHARE, ThresholdKind.PARTICIPANT_SHARE)
    if data.threshold_kind in counted and data.threshold_value < 1:
        problems["threshold"] = [_l("Give a number of at least 1 for this kind of threshold.")]
    if data.threshold_kind in shares and not 1 <= data.threshold_value <= 10_000:
        problems["threshold"] = [_l("Give a percentage between 0.01 and 100.")]
    if data.threshold_kind is ThresholdKind.POPULATION_SHARE:
        share = next((d for d in edition.districts if d.district_id == district_id), None)
        population = share.district.population if share else edition.population
        if population is None:
            problems.setdefault("threshold_kind", []).append(
                _l(
                    "A share of the population needs the population (of the district, or of the town): set it first."
                )
            )
    if data.tie_rule is TieRule.RANDOM_SEED and not data.random_seed.strip():
        problems["random_seed"] = [_l("Give the public seed the tie-break will use.")]
    if problems:
        raise InvalidInput(problems)


def save_rule(*, actor: User, edition: Edition, district_id: int | None, data: RuleInput) -> SupportRule:
    """Create or change the edition's default rule or a district's rule, unless supports have begun.

    A refused change is audited (the entry survives: the view commits it before answering 409).
    """
    if not can_manage_preselection(actor.roles):
        raise PermissionDenied(_l("Only administrators can change the support rules."))
    if district_id is not None and district_id not in {d.district_id for d in edition.districts}:
        raise NotFound(_l("This district does not take part in the edition."))
    rule = _stored_rule(edition.id, district_id)
    before = rule_as_dict(rule) if rule is not None else None
    if is_frozen(edition):
        audit.record(
            actor_id=actor.id,
            action="preselection.rule_change_refused",
            target_type="edition",
            target_id=edition.id,
            before=before,
            after={"district_id": district_id, "reason": "frozen"},
        )
        db.session.flush()
        raise RulesFrozen(
            _l("Supports have begun: the rules were frozen at the first support and can no longer change.")
        )
    _check_rule(edition, district_id, data)
    if rule is None:
        rule = SupportRule(edition_id=edition.id, district_id=district_id)
        db.session.add(rule)
        db.session.info.pop(_RULES_CACHE, None)
    for name in RULE_FIELDS:
        setattr(rule, name, getattr(data, name))
    rule.random_seed = data.random_seed.strip()
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="preselection.rule_saved",
        target_type="edition",
        target_id=edition.id,
        before=before,
        after={"district_id": district_id, **rule_as_dict(rule)},
    )
    return rule


# --- who supports ---------------------------------------------------------------------------------


def account_key(user_id: int) -> str:
    """Return the supporter key of an account."""
    return f"u:{user_id}"


def _normalise(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()
    return " ".join(re.sub(r"[^a-z0-9]+", " ", plain).split())


def walk_in_key(*, name: str, birth_date: date) -> str:
    """Return the supporter key of a walk-in without an account: a keyed HMAC of name and birth date.

    Why this identification: a person who comes to the town hall may have no account and no e-mail, yet
    must support each proposal once at most, wherever they come back. Front-desk staff first look the
    person up by e-mail (an existing account: the support is the account's, so online and in person
    count once). Otherwise the person is named by their full name (normalised: accents, case, hyphens and
    spacing do not matter) and birth date, checked on an identity document, and only an HMAC-SHA256 of
    them, keyed with the app's secret, is stored: the support table holds no plain personal data, the same
    person always gets the same key (the unique constraint and the cap apply), and without the secret the
    key cannot be tested against a list of names. Limits: two people with the same name and birth date
    would share a key (rare; the front desk can refuse); rotating SECRET_KEY starts new keys; a person
    who has an account but does not give its address at the desk could support twice until the voter
    roll (a later issue) gives everyone one identity.
    """
    secret = str(current_app.config["SECRET_KEY"]).encode()
    message = f"{_normalise(name)}|{birth_date.isoformat()}".encode()
    return "w:" + hmac.new(secret, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Person:
    """Who a support is for: a supporter key, the account (if any) and the district checked for them."""

    key: str
    user_id: int | None
    district_id: int | None
    is_resident: bool = True


def person_for(user: User) -> Person:
    """Return the supporter an account stands for."""
    return Person(
        key=account_key(user.id),
        user_id=user.id,
        district_id=user.district_id,
        is_resident=Role.RESIDENT in user.roles,
    )


# --- supports -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SupportState:
    """What the support panel shows one person about one proposal."""

    count: int
    open: bool
    supported: bool
    used: int
    cap: int
    may_support: bool
    may_withdraw: bool
    refusal: object | None = None

    @property
    def left(self) -> int:
        return max(0, self.cap - self.used)


def support_count(proposal_id: int) -> int:
    """Return how many supports a proposal has."""
    return int(db.session.scalar(select(func.count()).where(Support.proposal_id == proposal_id)) or 0)


def support_counts(proposal_ids: list[int]) -> dict[int, int]:
    """Return the supports of several proposals, by id (missing: none)."""
    if not proposal_ids:
        return {}
    rows = db.session.execute(
        select(Support.proposal_id, func.count())
        .where(Support.proposal_id.in_(proposal_ids))
        .group_by(Support.proposal_id)
    )
    return {int(pid): int(n) for pid, n in rows}


def used_supports(edition_id: int, key: str) -> int:
    """Return how many supports a person gave in an edition."""
    return int(
        db.session.scalar(
            select(func.count()).where(Support.edition_id == edition_id, Support.supporter_key == key)
        )
        or 0
    )


def supports_open(edition: Edition, *, now: datetime | None = None) -> bool:
    """Tell whether the edition takes supports online now (phase open and the rule's mode is online)."""
    if not is_allowed(edition.calendar, now or utcnow(), Action.SUPPORT, city_list=edition.is_city_list):
        return False
    return default_rule(edition).mode is SupportMode.ONLINE


def _refusal(edition: Edition, proposal: Proposal, person: Person, *, now: datetime) -> object | None:
    """Return why this person may not support this proposal now (None: they may)."""
    if not is_allowed(edition.calendar, now, Action.SUPPORT, city_list=edition.is_city_list):
        return _l("Supports are only collected during the pre-selection phase.")
    rule = default_rule(edition)
    if rule.mode is not SupportMode.ONLINE:
        return _l("This edition holds a pre-selection day instead of collecting supports.")
    if proposal.status not in IN_THE_RUNNING or proposal.is_hidden:
        return _l("This proposal can no longer be supported.")
    if rule.eligible_only and not (
        person.is_resident
        and is_eligible(
            eligible_only=True,
            person_district_id=person.district_id,
            proposal_district_id=proposal.district_id,
        )
    ):
        return _l("Only residents of the proposal's district can support it.")
    return None


def _lock_person(edition_id: int, key: str) -> None:
    """Take the person's lock row for this edition (created on first use) before counting anything."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    table = SupporterLock.__table__
    db.session.execute(
        insert(table)
        .values(edition_id=edition_id, supporter_key=key, changes=1)
        .on_conflict_do_update(
            index_elements=["edition_id", "supporter_key"], set_={"changes": table.c.changes + 1}
        )
    )


def _standing(edition_id: int, key: str, proposal_id: int) -> tuple[int, bool]:
    """Return, in one query, how many supports the person gave in the edition and whether one is for this proposal."""
    used, here = db.session.execute(
        select(func.count(), func.coalesce(func.max(case((Support.proposal_id == proposal_id, 1), else_=0)), 0))
        .where(Support.edition_id == edition_id, Support.supporter_key == key)
    ).one()
    return int(used), bool(here)


def _add_support(
    *, proposal: Proposal, person: Person, channel: Channel, recorded_by: User | None, now: datetime | None
) -> tuple[Support, int]:
    """Add the support, under the person's lock; return it and how many supports the person now gives."""
    edition = proposal.edition
    moment = now or utcnow()
    refusal = _refusal(edition, proposal, person, now=moment)
    if refusal is not None:
        if not is_allowed(edition.calendar, moment, Action.SUPPORT, city_list=edition.is_city_list):
            raise PhaseClosed(refusal)
        raise PermissionDenied(refusal)
    rule = default_rule(edition)
    # Written first, so that the person's supports are counted under the lock (see SupporterLock).
    _lock_person(edition.id, person.key)
    used, already = _standing(edition.id, person.key, proposal.id)
    if already:
        raise Conflict(_l("This person already supports this proposal."))
    if used >= rule.per_person_cap:
        raise CapReached(
            _l(
                "All %(cap)d supports have been used: withdraw one to support another proposal.",
                cap=rule.per_person_cap,
            )
        )
    if rule.max_districts is not None and proposal.district_id is not None:
        districts = set(
            db.session.scalars(
                select(Support.district_id).where(
                    Support.edition_id == edition.id,
                    Support.supporter_key == person.key,
                    Support.district_id.is_not(None),
                )
            )
        )
        if len(districts | {proposal.district_id}) > rule.max_districts:
            raise Conflict(
                _l("A person may support projects in %(n)d district(s) at most.", n=rule.max_districts)
            )
    support = Support(
        proposal_id=proposal.id,
        edition_id=edition.id,
        district_id=proposal.district_id,
        supporter_key=person.key,
        user_id=person.user_id,
        channel=channel,
        recorded_by_id=recorded_by.id if recorded_by else None,
        created_at=moment,
    )
    db.session.add(support)
    try:
        db.session.flush()
    except IntegrityError as exc:  # the constraint settles what the lock did not see
        raise Conflict(_l("This person already supports this proposal.")) from exc
    return support, used + 1


def support(*, actor: User, proposal: Proposal, now: datetime | None = None) -> SupportState:
    """Support a proposal online, within the person's cap, while the pre-selection phase is open.

    Returns what the person now sees of the proposal's supports (the panel's state), from what the checks
    already read: only the proposal's new count is queried.
    """
    ensure_can_write(actor)
    _created, used = _add_support(
        proposal=proposal, person=person_for(actor), channel=Channel.ONLINE, recorded_by=None, now=now
    )
    return _state_after(proposal, supported=True, used=used, count=support_count(proposal.id))


@dataclass(frozen=True)
class WalkIn:
    """A person at the front desk: their account's e-mail, or their name and birth date, and their district."""

    email: str = ""
    name: str = ""
    birth_date: date | None = None
    district_id: int | None = None


def walk_in_person(walk_in: WalkIn) -> Person:
    """Identify a walk-in: by their existing account when they give its address, else by a keyed HMAC."""
    from civic.accounts.services import find_live_user_by_email

    if walk_in.email.strip():
        user = find_live_user_by_email(walk_in.email)
        if user is None:
            raise ValidationFailed(
                _l("No account has this address: leave it empty and give the name instead.")
            )
        # The district comes from the account; staff checked who the person is at the desk.
        return Person(key=account_key(user.id), user_id=user.id, district_id=user.district_id)
    if not walk_in.name.strip() or walk_in.birth_date is None:
        raise ValidationFailed(_l("Give the person's account address, or their full name and birth date."))
    return Person(
        key=walk_in_key(name=walk_in.name, birth_date=walk_in.birth_date),
        user_id=None,
        district_id=walk_in.district_id,
    )


def record_in_person(
    *, actor: User, proposal: Proposal, walk_in: WalkIn, now: datetime | None = None
) -> Support:
    """Record the support of a person who came to the town hall (channel: in person); audited."""
    if not can_record_in_person(actor.roles):
        raise PermissionDenied(_l("Only front-desk staff can record supports in person."))
    person = walk_in_person(walk_in)
    created, _used = _add_support(
        proposal=proposal, person=person, channel=Channel.IN_PERSON, recorded_by=actor, now=now
    )
    audit.record(
        actor_id=actor.id,
        action="preselection.support_in_person",
        target_type="proposal",
        target_id=proposal.id,
        after={"support_id": created.id, "account": person.user_id is not None},
    )
    return created


def _withdrawal_refusal(proposal: Proposal, *, count: int) -> object | None:
    rule = rule_for(proposal.edition, proposal.district_id)
    policy = rule.withdrawal
    if policy is WithdrawalPolicy.NEVER:
        return _l("Supports cannot be withdrawn in this edition.")
    if policy is WithdrawalPolicy.UNTIL_THRESHOLD:
        try:
            needed = needed_supports(_rule_values(rule), _figures(proposal))
        except MissingFigure:
            needed = None
        # Rank-based kinds (top N, envelope) have no number to reach: withdrawal stays possible.
        if needed is not None and count >= needed:
            return _l("This proposal has reached its threshold: its supports can no longer be withdrawn.")
    return None


def _rule_values(rule: SupportRule):
    from civic.preselection.rules import Rule

    return Rule(
        threshold_kind=rule.threshold_kind,
        threshold_value=rule.threshold_value,
        guaranteed_minimum=rule.guaranteed_minimum,
        tie_rule=rule.tie_rule,
        random_seed=rule.random_seed,
    )


def _figures(proposal: Proposal) -> DistrictFigures:
    from civic.preselection.queries import district_figures

    return district_figures(proposal.edition, proposal.district_id)


def withdraw_support(*, actor: User, proposal: Proposal, now: datetime | None = None) -> SupportState:
    """Withdraw one's support, where the rule allows it, while the phase is open.

    Returns what the person now sees of the proposal's supports (the panel's state).
    """
    ensure_can_write(actor)
    edition = proposal.edition
    moment = now or utcnow()
    if not is_allowed(edition.calendar, moment, Action.SUPPORT, city_list=edition.is_city_list):
        raise PhaseClosed(_l("Supports are only collected during the pre-selection phase."))
    person = person_for(actor)
    _lock_person(edition.id, person.key)
    used, supported = _standing(edition.id, person.key, proposal.id)
    if not supported:
        raise Conflict(_l("You do not support this proposal."))
    count = support_count(proposal.id)
    refusal = _withdrawal_refusal(proposal, count=count)
    if refusal is not None:
        raise Conflict(refusal)
    db.session.execute(
        delete(Support).where(Support.proposal_id == proposal.id, Support.supporter_key == person.key)
    )
    return _state_after(
        proposal,
        supported=False,
        used=used - 1,
        count=count - 1,
        refusal=_refusal(edition, proposal, person, now=moment),
    )


def _state_after(
    proposal: Proposal, *, supported: bool, used: int, count: int, refusal: object | None = None
) -> SupportState:
    """Return the panel's state right after a support or a withdrawal (so the phase is open)."""
    cap = default_rule(proposal.edition).per_person_cap
    return SupportState(
        count=count,
        open=True,
        supported=supported,
        used=used,
        cap=cap,
        may_support=not supported and refusal is None and used < cap,
        may_withdraw=supported and _withdrawal_refusal(proposal, count=count) is None,
        refusal=refusal,
    )


def support_state(proposal: Proposal, user: User | None, *, now: datetime | None = None) -> SupportState:
    """Return what one person (or an anonymous visitor) sees of a proposal's supports."""
    edition = proposal.edition
    moment = now or utcnow()
    count = support_count(proposal.id)
    open_now = supports_open(edition, now=moment)
    cap = default_rule(edition).per_person_cap
    if user is None or not user.is_authenticated:
        return SupportState(
            count=count,
            open=open_now,
            supported=False,
            used=0,
            cap=cap,
            may_support=False,
            may_withdraw=False,
        )
    person = person_for(user)
    supported = (
        db.session.scalar(
            select(Support.id).where(Support.proposal_id == proposal.id, Support.supporter_key == person.key)
        )
        is not None
    )
    used = used_supports(edition.id, person.key)
    refusal = _refusal(edition, proposal, person, now=moment) if open_now else None
    may_withdraw = supported and open_now and _withdrawal_refusal(proposal, count=count) is None
    return SupportState(
        count=count,
        open=open_now,
        supported=supported,
        used=used,
        cap=cap,
        may_support=open_now and not supported and refusal is None and used < cap,
        may_withdraw=may_withdraw,
        refusal=refusal,
    )


# --- merges ---------------------------------------------------------------------------------------


def carry_supports_over(source: Proposal, target: Proposal) -> None:
    """Move a merged duplicate's supports to its target, one per person (same transaction as the merge)."""
    target_keys = set(
        db.session.scalars(select(Support.supporter_key).where(Support.proposal_id == target.id))
    )
    moved = db.session.scalars(select(Support).where(Support.proposal_id == source.id)).all()
    duplicates = [s.id for s in moved if s.supporter_key in target_keys]
    if duplicates:
        db.session.execute(
            delete(Support).where(Support.id.in_(duplicates)).execution_options(synchronize_session="fetch")
        )
    db.session.execute(
        update(Support)
        .where(Support.proposal_id == source.id)
        .values(proposal_id=target.id, district_id=target.district_id, edition_id=target.edition_id)
        .execution_options(synchronize_session="fetch")
    )
    db.session.flush()
