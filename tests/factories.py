"""Plain factories with keyword defaults; they commit so HTTP requests see the rows."""

from __future__ import annotations

import itertools

from civic.accounts.models import User
from civic.accounts.roles import Role
from civic.accounts.services import create_user as _create_user
from civic.extensions import db
from civic.processes.models import District

DEFAULT_PASSWORD = "correct horse battery staple"
_counter = itertools.count(1)


def create_user(
    *,
    email: str | None = None,
    display_name: str | None = None,
    password: str = DEFAULT_PASSWORD,
    roles: tuple[Role, ...] = (Role.RESIDENT,),
    confirmed: bool = True,
    locale: str = "fr",
) -> User:
    """Insert a confirmed resident (or whatever the keywords say)."""
    n = next(_counter)
    user = _create_user(
        email=email or f"person{n}@example.org",
        display_name=display_name or f"Person {n}",
        password=password,
        roles=roles,
        confirmed=confirmed,
        locale=locale,
    )
    db.session.commit()
    return user


def create_district(*, name: str | None = None) -> District:
    """Insert a district."""
    n = next(_counter)
    district = District(name=name or f"District {n}", slug=f"district-{n}")
    db.session.add(district)
    db.session.commit()
    return district


def create_edition(
    *,
    name: str | None = None,
    year: int = 2026,
    envelope_cents: int = 100_000_00,
    population: int | None = 22_000,
    investment_budget_cents: int | None = 4_000_000_00,
    open_phase: str | None = "submission",
    published: bool = True,
    districts: list[District] | None = None,
    mode: str = "residents_submit",
):
    """Insert an edition whose ``open_phase`` is running now (others laid out before/after it)."""
    from datetime import timedelta

    from civic.core.time import utcnow
    from civic.processes.models import Edition, EditionDistrict, EditionMode, Phase, Theme
    from civic.processes.phases import PHASE_ORDER, PhaseKind

    n = next(_counter)
    edition = Edition(
        slug=f"edition-{n}",
        name=name or f"Budget participatif {year} #{n}",
        year=year,
        description="Une édition de test.",
        rules_text="Règlement de test.",
        envelope_cents=envelope_cents,
        population=population,
        investment_budget_cents=investment_budget_cents,
        mode=EditionMode(mode),
        published=published,
    )
    now = utcnow()
    # Each phase lasts 30 days; the open one started a day ago.
    index = PHASE_ORDER.index(PhaseKind(open_phase)) if open_phase else len(PHASE_ORDER) + 1
    for i, kind in enumerate(PHASE_ORDER):
        start = now - timedelta(days=1) + timedelta(days=30 * (i - index))
        edition.phases.append(Phase(kind=kind, starts_at=start, ends_at=start + timedelta(days=30)))
    for district in districts or []:
        edition.districts.append(EditionDistrict(district=district))
    edition.themes.append(Theme(name="Nature en ville"))
    edition.themes.append(Theme(name="Mobilités"))
    db.session.add(edition)
    db.session.commit()
    return edition


def create_proposal(
    *,
    edition=None,
    author: User | None = None,
    title: str | None = None,
    summary: str = "Un résumé du projet.",
    description: str = "Une **description** du projet.",
    status: str = "submitted",
    district: District | None = None,
    channel: str = "online",
):
    """Insert a proposal (submitted by default) with its first version and status step."""
    from civic.core.time import utcnow
    from civic.proposals.models import Channel, Proposal, ProposalStatus, ProposalVersion, StatusChange

    n = next(_counter)
    edition = edition or create_edition()
    if author is None and channel == "online":
        author = create_user()
    proposal = Proposal(
        edition_id=edition.id,
        reference=f"T-{n:06d}",
        author_id=author.id if author else None,
        channel=Channel(channel),
        status=ProposalStatus(status),
        title=title or f"Projet {n}",
        summary=summary,
        description=description,
        district_id=district.id if district else None,
        submitted_at=None if status == "draft" else utcnow(),
    )
    proposal.versions.append(
        ProposalVersion(number=1, title=proposal.title, summary=summary, description=description)
    )
    if status != "draft":
        proposal.status_changes.append(StatusChange(status=ProposalStatus.SUBMITTED))
    db.session.add(proposal)
    db.session.commit()
    return proposal


def create_comment(*, proposal=None, author: User | None = None, body: str = "Bonne idée !", parent=None):
    """Insert a comment (a reply when ``parent`` is given)."""
    from civic.proposals.models import Comment

    proposal = proposal or create_proposal()
    author = author or create_user()
    comment = Comment(
        proposal_id=proposal.id, author_id=author.id, body=body, parent_id=parent.id if parent else None
    )
    db.session.add(comment)
    proposal.comment_count += 1
    db.session.commit()
    return comment


def create_report(*, target=None, reporter: User | None = None, reason: str = "spam", text: str = ""):
    """Insert an open report of a comment (or of the proposal/comment given as ``target``)."""
    from civic.moderation.models import Report, ReportReason, ReportTarget
    from civic.proposals.models import Comment

    target = target or create_comment()
    reporter = reporter or create_user()
    is_comment = isinstance(target, Comment)
    proposal = target.proposal if is_comment else target
    report = Report(
        target_type=ReportTarget.COMMENT if is_comment else ReportTarget.PROPOSAL,
        target_id=target.id,
        edition_id=proposal.edition_id,
        reporter_id=reporter.id,
        reason=ReportReason(reason),
        text=text,
    )
    db.session.add(report)
    db.session.commit()
    return report


def create_coauthor_invitation(*, proposal=None, user: User | None = None):
    """Invite ``user`` to co-author ``proposal`` (not yet accepted)."""
    from civic.proposals.models import CoAuthor

    proposal = proposal or create_proposal()
    user = user or create_user()
    invitation = CoAuthor(proposal_id=proposal.id, user_id=user.id, invited_email=user.email)
    db.session.add(invitation)
    db.session.commit()
    return invitation


TINY_PB = """META
key;value
description;Tiny test election
country;France
unit;Testville
instance;2026
num_projects;3
num_votes;3
budget;100
vote_type;approval
rule;greedy
currency;EUR
PROJECTS
project_id;cost;name
a;60;Aire de jeux
b;50;Bancs
c;40;Composteur
VOTES
voter_id;vote
1;a,b
2;a,c
3;c
"""


def create_vote_pool(*, text: str = TINY_PB, name: str | None = None):
    """Import a tiny pabulib election as a new edition with one ballot box."""
    from civic.tally.pabulib import read_string
    from civic.voting.pabulib_io import import_pabulib

    n = next(_counter)
    pool = import_pabulib(
        read_string(text), source_name=name or f"tiny-{n}.pb", edition_ref=name or f"Tiny vote {n}"
    )
    db.session.commit()
    return pool


def create_tally_run(*, pool=None, rule: str = "greedy"):
    """Count a pool synchronously and return the finished run."""
    from civic.accounts.roles import Role
    from civic.results.models import TallyRun
    from civic.results.services import execute_run, start_run

    pool = pool or create_vote_pool()
    run = start_run(actor=create_user(roles=(Role.ANALYST,)), pool=pool, rule=rule)
    db.session.commit()
    execute_run(run.id)
    return db.session.get(TallyRun, run.id)


def create_tally_sheet(*, pool=None, place: str = "Mairie annexe", officer: User | None = None):
    """A paper tally sheet of a pool's box with one officer's entry (one blank ballot), still waiting for the second."""
    from civic.accounts.roles import Role
    from civic.voting.models import SheetState, TallySheet, TallySheetEntry

    pool = pool or create_vote_pool()
    officer = officer or create_user(roles=(Role.FRONT_DESK,))
    sheet = TallySheet(edition_id=pool.edition_id, pool=pool, place=place, number=1, state=SheetState.TYPING)
    sheet.entries.append(TallySheetEntry(position=1, officer_id=officer.id, ballots=[], blank=1))
    db.session.add(sheet)
    db.session.commit()
    return sheet


def create_commons_call(*, title: str = "Se déplacer autrement", published: bool = True, text: str = ""):
    """A published appel à communs, open from yesterday for a month, with one project that needs time, a
    pending pledge and a crowdfunding campaign with one payment (every URL argument of the commons pages has
    something to point at)."""
    from datetime import date, timedelta

    from civic.commons import needs, services
    from civic.commons.ledger_rules import BudgetLine, Unit

    organiser = create_user(roles=(Role.ORGANISER,))
    today = date.today()
    data = services.CallInput(
        title=title,
        problem=text or "Le problème",
        solution_traits=text,
        territory=text,
        code_licence="EUPL-1.2",
        data_licence="",
        content_licence="",
        hardware_licence="",
        community_rules=text,
        governance_rules=text,
        opens_on=today - timedelta(days=1),
        closes_on=today + timedelta(days=30),
        member_project_cap=None,
    )
    call = services.create_call(actor=organiser, data=data)
    call.published = True
    holder = create_user(display_name="Porteur " + text if text else None)
    project = services.start_project(
        actor=holder,
        call=call,
        data=services.ProjectInput(
            title=(text or "Atelier") + " projet",
            summary=text or "Résumé",
            team=text,
            ways_of_acting=text,
            partners=text,
            governance=text,
            commons_rules=text,
            citizen_involvement=text,
            animation=text,
            lines=[BudgetLine("outils", 100_00, 200_00)],
            needs=[
                services.NeedInput(label=(text or "design"), unit=Unit.MINUTES, quantity=600, skill_level=2)
            ],
        ),
    )
    need = needs.add_need(project, label="salle " + text, unit=Unit.ITEMS, quantity=2)
    pledge = needs.pledge(need, holder.id, 1)
    from civic.commons import campaigns, rounds
    from civic.commons import delegation as delegations

    campaign = campaigns.start(
        project, target=500_00, opens_on=today, closes_on=today + timedelta(days=30), actor_id=holder.id
    )
    campaigns.back(
        campaign, 20_00, backer=("Mécène " + text) if text else "", actor_id=organiser.id, on=today
    )
    member = create_user(display_name="Membre " + text if text else None)
    round_ = services.round_of(call)
    rounds.fund(round_, 100_00, actor_id=organiser.id, memo="Ville " + text)
    for person in (holder, member):
        rounds.join(round_, person.id)
        rounds.allocate(round_, person.id, 10_00, actor_id=organiser.id)
    delegation = delegations.delegate(round_, truster_id=member.id, delegate_id=holder.id, amount=5_00)
    call.published = published
    db.session.commit()
    return call, project, need, pledge, campaign, delegation
