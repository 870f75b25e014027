"""Use cases of an appel à communs, as the web and the CLI call them: who may, then the ledger, then audit and mail.

``rounds`` and ``needs`` move money and time on the ledger; this module checks who is asking, words the
ledger's refusals for people (``labels.Refused``), records staff actions in the audit log and tells a
project's followers, after the commit, when one of its needs is covered or when it is funded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, select

from civic.accounts.models import User
from civic.accounts.permissions import can_write
from civic.commons import campaigns, ledger, needs, rounds
from civic.commons import delegation as delegations
from civic.commons.labels import Refused
from civic.commons.ledger_rules import BudgetLine, LedgerRefusal, Unit
from civic.commons.models import (
    CampaignState,
    CoBudgetRound,
    CommonsCall,
    CommonsNeed,
    CommonsProject,
    CrowdfundingCampaign,
    Delegation,
    LedgerPending,
    ProjectFollower,
    ProjectState,
    RoundMember,
    themes_of,
)
from civic.commons.permissions import can_fund, can_organise
from civic.core import audit
from civic.core.errors import InvalidInput, PermissionDenied, ValidationFailed
from civic.core.links import external_url
from civic.core.mail import send_mail
from civic.core.money import MoneyError, parse_amount
from civic.core.time import local_today
from civic.extensions import db
from civic.processes.services import slugify

CALL_TEXTS = (
    "title",
    "problem",
    "solution_traits",
    "territory",
    "code_licence",
    "data_licence",
    "content_licence",
    "hardware_licence",
    "community_rules",
    "governance_rules",
    "themes",
    "opens_on",
    "closes_on",
)


@dataclass(frozen=True)
class CallInput:
    title: str
    problem: str
    solution_traits: str
    territory: str
    code_licence: str
    data_licence: str
    content_licence: str
    hardware_licence: str
    community_rules: str
    governance_rules: str
    opens_on: date
    closes_on: date
    member_project_cap: int | None
    allows_delegation: bool = True
    delegate_cap: int | None = None
    match_percent: int | None = None  # matching funds: this % of each contribution (None: no matching)
    match_contribution_cap: int | None = None
    match_member_cap: int | None = None
    match_project_cap: int | None = None
    themes: str = ""  # one per line


@dataclass(frozen=True)
class NeedInput:
    label: str
    unit: Unit
    quantity: int  # minutes for time, a count for items
    skill_level: int | None


@dataclass(frozen=True)
class ProjectInput:
    title: str
    summary: str
    team: str
    ways_of_acting: str
    partners: str
    governance: str
    commons_rules: str
    citizen_involvement: str
    animation: str
    lines: Sequence[BudgetLine]
    needs: Sequence[NeedInput]
    theme: str = ""  # one of the call's themes ("": none)


def _require(allowed: bool) -> None:
    if not allowed:
        raise PermissionDenied(_l("You may not do this."))


def _ledger(action):  # type: ignore[no-untyped-def]
    """Run a ledger action and word its refusal for people."""
    try:
        return action()
    except LedgerRefusal as refusal:
        raise Refused(refusal) from refusal


def _unique_slug(title: str) -> str:
    base = slugify(title)
    taken = set(
        db.session.scalars(select(CommonsCall.slug).where(CommonsCall.slug.startswith(base, autoescape=True)))
    )
    slug, n = base, 1
    while slug in taken:
        n += 1
        slug = f"{base}-{n}"
    return slug


# --- the call -----------------------------------------------------------------------------------


def create_call(*, actor: User, data: CallInput) -> CommonsCall:
    """Launch an appel à communs (a draft until published) with its co-budget round."""
    _require(can_organise(actor.roles))
    if data.closes_on < data.opens_on:
        raise InvalidInput({"closes_on": [_l("The call must close on or after the day it opens.")]})
    matching = None
    if data.match_percent:
        matching = rounds.Matching(
            num=data.match_percent,
            den=100,
            per_contribution=data.match_contribution_cap,
            per_member=data.match_member_cap,
            per_project=data.match_project_cap,
        )
    round_ = rounds.create_round(
        title=data.title,
        actor_id=actor.id,
        member_project_cap=data.member_project_cap,
        matching=matching,
        allows_delegation=data.allows_delegation,
        delegate_cap=data.delegate_cap,
    )
    fields = {name: getattr(data, name) for name in CALL_TEXTS} | {
        "themes": "\n".join(themes_of(data.themes))
    }
    call = CommonsCall(slug=_unique_slug(data.title), round_id=round_.id, created_by_id=actor.id, **fields)
    db.session.add(call)
    db.session.flush()
    audit.record(
        actor_id=actor.id,
        action="commons.call_created",
        target_type="commons_call",
        target_id=call.id,
        after={"title": call.title, "opens_on": str(call.opens_on), "closes_on": str(call.closes_on)},
    )
    return call


def publish_call(*, actor: User, call: CommonsCall) -> None:
    """Make a draft call public."""
    _require(can_organise(actor.roles))
    call.published = True
    audit.record(
        actor_id=actor.id, action="commons.call_published", target_type="commons_call", target_id=call.id
    )
    db.session.flush()


def round_of(call: CommonsCall) -> CoBudgetRound:
    return call.cobudget_round  # loaded with the call


def is_open_for_projects(call: CommonsCall, on: date) -> bool:
    """A published call takes new projects from its opening day to its closing day, both included."""
    return call.published and call.opens_on <= on <= call.closes_on


# --- projects -----------------------------------------------------------------------------------


def start_project(
    *, actor: User, call: CommonsCall, data: ProjectInput, key: str | None = None
) -> CommonsProject:
    """A resident starts a project of the call with its budget lines and non-money needs; they follow it.

    ``key`` is the form's idempotency key: the same form posted twice (a double click) starts one project,
    and the second post returns it.
    """
    _require(can_write(actor))
    if not is_open_for_projects(call, local_today()):
        raise ValidationFailed(_l("This call does not take new projects now."))
    if key is not None:
        ledger.take_head()  # the project opens ledger accounts: one start at a time, so the key check holds
        started = db.session.scalar(select(CommonsProject).where(CommonsProject.creation_key == key))
        if started is not None:
            return started
    if data.theme and data.theme not in call.theme_list:
        raise InvalidInput({"theme": [_l("Choose one of the call's themes.")]})
    if not any(line.maximum > 0 for line in data.lines) and not data.needs:
        raise InvalidInput(
            {"lines": [_l("Say what the project needs: at least one budget line or one other need.")]}
        )
    lines = list(data.lines)
    if not any(line.maximum > 0 for line in lines):
        # A project that asks only for time or a venue still has a funding account (of at most one cent).
        lines = [BudgetLine("", 0, 1)]
    project = _ledger(
        lambda: rounds.add_project(round_of(call), title=data.title, holder_id=actor.id, lines=lines)
    )
    for name in (
        "summary",
        "team",
        "ways_of_acting",
        "partners",
        "governance",
        "commons_rules",
        "citizen_involvement",
        "animation",
    ):
        setattr(project, name, getattr(data, name))
    project.creation_key = key
    project.theme = data.theme or None
    for need in data.needs:
        needs.add_need(
            project, label=need.label, unit=need.unit, quantity=need.quantity, skill_level=need.skill_level
        )
    db.session.add(ProjectFollower(project_id=project.id, user_id=actor.id))
    db.session.flush()
    return project


def follow(*, user: User, project: CommonsProject, on: bool) -> None:
    """Follow a project (an e-mail when a need is covered or when it is funded), or stop following it."""
    exists = db.session.get(ProjectFollower, (project.id, user.id)) is not None
    if on and not exists:
        db.session.add(ProjectFollower(project_id=project.id, user_id=user.id))
    elif not on and exists:
        db.session.execute(
            delete(ProjectFollower).where(
                ProjectFollower.project_id == project.id, ProjectFollower.user_id == user.id
            )
        )
    db.session.flush()


def is_following(user: User | None, project: CommonsProject) -> bool:
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return db.session.get(ProjectFollower, (project.id, user.id)) is not None


def _tell_followers(call: CommonsCall, project: CommonsProject, template: str, **context: object) -> None:
    followers: Iterable[User] = db.session.scalars(
        select(User)
        .join(ProjectFollower, ProjectFollower.user_id == User.id)
        .where(ProjectFollower.project_id == project.id, User.email.is_not(None), User.deleted_at.is_(None))
        .order_by(User.id)
    )
    link = external_url("commons.project_page", call_slug=call.slug, commons_project_id=project.id)
    for follower in followers:
        send_mail(
            to=follower.email or "",
            template=template,
            locale=follower.locale,
            project=project,
            call=call,
            link=link,
            **context,
        )


def cancel_project(*, actor: User, call: CommonsCall, project: CommonsProject) -> int:
    """The organiser cancels a project: every contribution goes back where it came from. Returns how many."""
    _require(can_organise(actor.roles))
    refunded = _ledger(lambda: rounds.cancel_project(project, actor_id=actor.id))
    delegations.sweep_revoked(round_of(call))
    audit.record(
        actor_id=actor.id,
        action="commons.project_cancelled",
        target_type="commons_project",
        target_id=project.id,
        after={"refunded": refunded},
    )
    return int(refunded)


# --- the round ----------------------------------------------------------------------------------


def join(*, actor: User, call: CommonsCall) -> RoundMember:
    """Join the call's co-budget round (the organiser then allocates part of the pool to members)."""
    _require(can_write(actor))
    round_ = round_of(call)
    if not call.published:
        raise ValidationFailed(_l("This call is not published yet."))
    _ledger(lambda: rounds.require_open(round_))
    return rounds.join(round_, actor.id)


def member_of(call: CommonsCall, user: User | None) -> RoundMember | None:
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    return db.session.get(RoundMember, (call.round_id, user.id))


def fund(
    *, actor: User, call: CommonsCall, amount: int, funder_name: str, key: str | None, matching: bool = False
) -> None:
    """Record money put into the pool (or the matching pool); ``funder_name`` is shown publicly ("" for an
    anonymous funder)."""
    _require(can_fund(actor.roles))
    round_ = round_of(call)
    name = funder_name.strip()[:200]
    journal = _ledger(
        lambda: rounds.fund(round_, amount, actor_id=actor.id, key=key, memo=name, matching=matching)
    )
    audit.record(
        actor_id=actor.id,
        action="commons.round_funded",
        target_type="cobudget_round",
        target_id=round_.id,
        after={"amount": amount, "funder": journal.memo or None},
    )
    db.session.flush()


def allocate(
    *, actor: User, call: CommonsCall, allocations: Sequence[tuple[User, int]], key: str | None
) -> int:
    """Give each listed member their amount from the pool, all or none. Returns the total allocated."""
    _require(can_organise(actor.roles))
    round_ = round_of(call)
    total = 0
    for index, (member, amount) in enumerate(allocations):
        line_key = None if key is None else f"{key}:{index}"
        _ledger(
            lambda m=member, a=amount, k=line_key: rounds.allocate(round_, m.id, a, actor_id=actor.id, key=k)
        )
        total += amount
    audit.record(
        actor_id=actor.id,
        action="commons.allocated",
        target_type="cobudget_round",
        target_id=round_.id,
        after={"members": len(allocations), "total": total},
    )
    return total


def members(call: CommonsCall) -> list[User]:
    return list(
        db.session.scalars(
            select(User)
            .join(RoundMember, RoundMember.user_id == User.id)
            .where(RoundMember.round_id == call.round_id)
            .order_by(User.id)
        )
    )


def contribute(
    *,
    actor: User,
    call: CommonsCall,
    project: CommonsProject,
    amount: int,
    key: str | None,
    delegation_id: int | None = None,
) -> bool:
    """A member gives part of their allocation (or of a delegation made to them) to a project. Returns whether
    this made the project funded."""
    _require(can_write(actor))
    was = project.state
    delegation = None
    if delegation_id is not None:
        delegation = db.session.get(Delegation, delegation_id)
        if delegation is None:
            raise Refused(LedgerRefusal(rounds.NOT_YOUR_DELEGATION))
    _ledger(
        lambda: rounds.contribute(round_of(call), project, actor.id, amount, key=key, delegation=delegation)
    )
    funded = was is ProjectState.OPEN and project.state is ProjectState.FUNDED
    if funded:
        _tell_followers(call, project, "commons_funded")
    return funded


def close_round(*, actor: User, call: CommonsCall) -> dict[str, int]:
    """Close the round: projects at their minimum are funded (followers told), the others give the money back."""
    _require(can_organise(actor.roles))
    open_before = set(
        db.session.scalars(
            select(CommonsProject.id).where(
                CommonsProject.round_id == call.round_id, CommonsProject.state == ProjectState.OPEN
            )
        )
    )
    outcome = _ledger(lambda: rounds.close_round(round_of(call), actor_id=actor.id))
    delegations.sweep_revoked(round_of(call))
    for project in db.session.scalars(select(CommonsProject).where(CommonsProject.id.in_(open_before))):
        if project.state is ProjectState.FUNDED:
            _tell_followers(call, project, "commons_funded")
    audit.record(
        actor_id=actor.id,
        action="commons.round_closed",
        target_type="cobudget_round",
        target_id=call.round_id,
        after=outcome,
    )
    return dict(outcome)


# --- time, skills, venues -----------------------------------------------------------------------


def pledge(
    *, actor: User, call: CommonsCall, need: CommonsNeed, quantity: int, key: str | None = None
) -> LedgerPending:
    """A member pledges part of a need; when nothing is lacking any more, followers are told (once: a
    double-clicked form, ``key`` seen before, pledges nothing more and tells no one again)."""
    _require(can_write(actor))
    if not call.published:
        raise ValidationFailed(_l("This call is not published yet."))
    pending, new = _ledger(lambda: needs.pledge_once(need, actor.id, quantity, key=key))
    if new and needs.state_of(need).lacking == 0:
        project = db.session.get(CommonsProject, need.project_id)
        assert project is not None
        _tell_followers(call, project, "commons_need_covered", need=need)
    return pending


def deliver(*, actor: User, pending_id: int, quantity: int | None) -> None:
    """The holder confirms what a pledge delivered (fully or partly)."""
    _ledger(lambda: needs.deliver(pending_id, actor_id=actor.id, quantity=quantity))


def void_pledge(*, actor: User, pending_id: int) -> None:
    """The member who pledged, or the holder, voids a pledge."""
    _ledger(lambda: needs.void(pending_id, actor_id=actor.id))


def read_allocations(
    raw: bytes, max_bytes: int, find_user: Callable[[str], User | None], locale: str
) -> tuple[list[tuple[User, int]], list[str]]:
    """Read "e-mail; amount" lines (comma, semicolon or tab separated); return the rows, or every problem by line."""
    if len(raw) > max_bytes:
        return [], [str(_l("The file is too large (at most 1 MB)."))]
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("cp1252", errors="replace")
    rows: list[tuple[User, int]] = []
    problems: list[str] = []
    seen: set[int] = set()
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        # An address holds no comma, so with no ";" or tab the first comma separates (the amount may have one).
        separator = next((sep for sep in (";", "\t") if sep in line), ",")
        cells = [cell.strip() for cell in line.split(separator, 1)]
        if len(cells) != 2:
            problems.append(str(_l("Line %(n)d: give an e-mail address and an amount.", n=number)))
            continue
        email, amount_text = cells
        try:
            amount = parse_amount(amount_text, locale)
        except MoneyError:
            if number == 1:
                continue  # a header line
            problems.append(
                str(_l("Line %(n)d: “%(text)s” is not an amount.", n=number, text=amount_text[:40]))
            )
            continue
        user = find_user(email)
        if user is None:
            problems.append(
                str(_l("Line %(n)d: no account has the address %(email)s.", n=number, email=email[:254]))
            )
        elif user.id in seen:
            problems.append(str(_l("Line %(n)d: %(email)s is listed twice.", n=number, email=email[:254])))
        elif amount <= 0:
            problems.append(str(_l("Line %(n)d: give an amount above zero.", n=number)))
        else:
            seen.add(user.id)
            rows.append((user, amount))
    if not rows and not problems:
        problems.append(str(_l("The file has no lines.")))
    return rows, problems


# --- delegation ---------------------------------------------------------------------------------


def delegate(
    *,
    actor: User,
    call: CommonsCall,
    delegate_id: int,
    amount: int,
    parent_id: int | None,
    project_id: int | None,
    key: str | None,
    theme: str | None = None,
) -> Delegation:
    """A member hands part of their allocation (or of a delegation made to them) to another member: for the
    whole round, for one of the call's themes, or for one project."""
    _require(can_write(actor))
    round_ = round_of(call)
    parent = db.session.get(Delegation, parent_id) if parent_id is not None else None
    if parent_id is not None and (parent is None or parent.round_id != round_.id):
        raise Refused(LedgerRefusal(rounds.NOT_YOUR_DELEGATION))
    project = db.session.get(CommonsProject, project_id) if project_id is not None else None
    if project is not None and project.round_id != round_.id:
        raise Refused(LedgerRefusal(rounds.OUT_OF_SCOPE))
    if theme is not None and theme not in call.theme_list:
        raise Refused(LedgerRefusal(rounds.OUT_OF_SCOPE))
    return _ledger(
        lambda: delegations.delegate(
            round_,
            truster_id=actor.id,
            delegate_id=delegate_id,
            amount=amount,
            parent=parent,
            project=project,
            theme=theme,
            key=key,
        )
    )


def revoke(*, actor: User, call: CommonsCall, delegation_id: int) -> int:
    """The truster takes back what is left of a delegation."""
    delegation = db.session.get(Delegation, delegation_id)
    if delegation is None or delegation.round_id != call.round_id:
        raise Refused(LedgerRefusal(rounds.NOT_YOUR_DELEGATION))
    _ledger(lambda: rounds.require_open(round_of(call)))
    return int(_ledger(lambda: delegations.revoke(delegation, actor_id=actor.id)))


# --- crowdfunding and cooperative calls ---------------------------------------------------------


def start_campaign(
    *, actor: User, call: CommonsCall, project: CommonsProject, target: int, closes_on: date
) -> CrowdfundingCampaign:
    """The holder (or an organiser) opens an all-or-nothing crowdfunding campaign, 20 to 90 days long."""
    _require(actor.id == project.holder_id or can_organise(actor.roles))
    campaign = _ledger(
        lambda: campaigns.start(
            project, target=target, opens_on=local_today(), closes_on=closes_on, actor_id=actor.id
        )
    )
    audit.record(
        actor_id=actor.id,
        action="commons.campaign_started",
        target_type="commons_project",
        target_id=project.id,
        after={"target": target, "closes_on": str(closes_on)},
    )
    return campaign


def back_campaign(
    *,
    actor: User,
    call: CommonsCall,
    campaign: CrowdfundingCampaign,
    amount: int,
    backer: str,
    key: str | None,
) -> None:
    """An organiser records a backer's payment as received (Civic takes no payment itself)."""
    _require(can_organise(actor.roles))
    _ledger(
        lambda: campaigns.back(campaign, amount, backer=backer, actor_id=actor.id, on=local_today(), key=key)
    )
    audit.record(
        actor_id=actor.id,
        action="commons.campaign_backed",
        target_type="commons_campaign",
        target_id=campaign.id,
        after={"amount": amount, "backer": backer or None},
    )


def close_campaign(*, actor: User, call: CommonsCall, campaign: CrowdfundingCampaign) -> CampaignState:
    """An organiser closes a campaign once its deadline has passed or its target is reached."""
    _require(can_organise(actor.roles))
    if local_today() <= campaign.closes_on and campaigns.raised(campaign) < campaign.target:
        raise ValidationFailed(
            _l("A campaign is all or nothing: it closes at its deadline, or once its target is reached.")
        )
    state = _ledger(lambda: campaigns.close(campaign, actor_id=actor.id))
    audit.record(
        actor_id=actor.id,
        action="commons.campaign_closed",
        target_type="commons_campaign",
        target_id=campaign.id,
        after={"state": state.value},
    )
    return state


def preselect(*, actor: User, call: CommonsCall, project: CommonsProject, seed: int) -> None:
    """Pre-select a candidate of a cooperative call, with seed money from the round's pool."""
    _require(can_organise(actor.roles))
    _ledger(lambda: campaigns.preselect(round_of(call), project, seed, actor_id=actor.id))
    audit.record(
        actor_id=actor.id,
        action="commons.preselected",
        target_type="commons_project",
        target_id=project.id,
        after={"seed": seed},
    )


def decide(*, actor: User, call: CommonsCall, project: CommonsProject, selected: bool) -> int:
    """The final selection: a pre-selected project is selected, or not (and gives back what it holds)."""
    _require(can_organise(actor.roles))
    refunded = _ledger(
        lambda: campaigns.decide(round_of(call), project, selected=selected, actor_id=actor.id)
    )
    delegations.sweep_revoked(round_of(call))
    audit.record(
        actor_id=actor.id,
        action="commons.selected" if selected else "commons.not_selected",
        target_type="commons_project",
        target_id=project.id,
        after={"refunded": refunded},
    )
    return int(refunded)
