"""Command line: ``flask civic …`` inside the Flask CLI, or the ``civic`` console script."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable
from typing import NoReturn, TypeVar

import click
from flask import Flask, has_app_context
from flask.cli import AppGroup, FlaskGroup, ScriptInfo
from sqlalchemy import select

from civic.tally.api import rule_names
from civic.tally.outcome import Outcome
from civic.tally.rules import Progress

T = TypeVar("T")

civic_cli = AppGroup("civic", help="Civic administration commands.")

DEMO_PASSWORD = "civic-demo-2026"  # noqa: S105 - public demo accounts, printed by `make run`
DEMO_TOWN = "Saint-Aubin-des-Communs"
DEMO_DISTRICTS = ["Centre-bourg", "Les Tilleuls", "Port-Neuf", "La Garenne", "Kervenec"]
DEMO_STAFF = [
    ("admin@demo.civic.example.org", "Aline Admin", ("admin", "resident")),
    ("accueil@demo.civic.example.org", "Fabrice Accueil", ("front_desk", "resident")),
    ("bureau@demo.civic.example.org", "Gaëlle Bureau", ("front_desk", "resident")),
    ("analyste@demo.civic.example.org", "Anouk Analyste", ("analyst", "resident")),
    ("analyses@demo.civic.example.org", "Mathis Analyses", ("analysis_manager", "resident")),
    ("moderation@demo.civic.example.org", "Morgane Modération", ("moderator", "resident")),
    ("animation@demo.civic.example.org", "Félix Animation", ("facilitator", "resident")),
    ("communs@demo.civic.example.org", "Odile Communs", ("organiser", "resident")),
    ("financeur@demo.civic.example.org", "Fondation du Littoral", ("funder",)),
]
DEMO_RESIDENTS = [
    ("camille@demo.civic.example.org", "Camille Le Goff", "Centre-bourg"),
    ("yann@demo.civic.example.org", "Yann Prigent", "Les Tilleuls"),
    ("nadia@demo.civic.example.org", "Nadia Benali", "Port-Neuf"),
    ("louis@demo.civic.example.org", "Louis Martin", "La Garenne"),
    ("ines@demo.civic.example.org", "Inès Moreau", "Kervenec"),
]


def demo_logins() -> list[tuple[str, str]]:
    """Return the demo accounts as (e-mail, roles) pairs, for printing."""
    staff = [(email, ", ".join(roles)) for email, _name, roles in DEMO_STAFF]
    return staff + [(email, "resident") for email, _name, _district in DEMO_RESIDENTS]


@civic_cli.command("seed-demo")
def seed_demo() -> None:
    """Create (idempotently) the demo town: districts, staff for every role, residents."""
    from flask import current_app

    if current_app.config["ENVIRONMENT"] == "production":
        _fail(
            "seed-demo creates public demo accounts with a published password: refused when CIVIC_ENV=production. "
            "Use `civic create-admin EMAIL` to set up a real town."
        )
    from civic.accounts.models import User
    from civic.accounts.roles import Role
    from civic.accounts.services import create_user, find_live_user_by_email
    from civic.extensions import db
    from civic.processes.models import District

    districts: dict[str, District] = {}
    for name in DEMO_DISTRICTS:
        district = db.session.scalar(select(District).where(District.name == name))
        if district is None:
            district = District(name=name, slug=_slug(name))
            db.session.add(district)
        districts[name] = district
    db.session.flush()

    for email, name, roles in DEMO_STAFF:
        if find_live_user_by_email(email) is None:
            create_user(
                email=email,
                display_name=name,
                password=DEMO_PASSWORD,
                confirmed=True,
                roles=tuple(Role(r) for r in roles),
            )
    for email, name, district_name in DEMO_RESIDENTS:
        user: User | None = find_live_user_by_email(email)
        if user is None:
            user = create_user(email=email, display_name=name, password=DEMO_PASSWORD, confirmed=True)
            user.district = districts[district_name]
    db.session.flush()
    from civic.demo import seed_editions, seed_real_elections

    seed_editions(districts)
    from civic.preselection.demo import seed_preselection

    seed_preselection(districts)
    from civic.analysis.demo import seed_analysis_demo

    seed_analysis_demo(districts)
    from civic.voting.demo import seed_vote_demo

    seed_vote_demo(districts, password=DEMO_PASSWORD)
    from civic.results.demo import seed_closed_vote_demo

    seed_closed_vote_demo(districts, password=DEMO_PASSWORD)
    from civic.commons.demo import seed_commons_demo

    seed_commons_demo()
    _name_demo_town()
    db.session.commit()
    seed_real_elections(find_live_user_by_email(DEMO_STAFF[0][0]))
    click.echo(f"Demo town {DEMO_TOWN} is ready.")


def _name_demo_town() -> None:
    """Give the demo its town's name (the header, titles and e-mails show it), unless an admin set one."""
    from civic.core.town import TownSettings, forget_town_identity
    from civic.extensions import db

    if db.session.get(TownSettings, 1) is None:
        db.session.add(TownSettings(id=1, name=DEMO_TOWN))
        forget_town_identity()


@civic_cli.command("create-admin")
@click.argument("email")
@click.option("--name", "display_name", help="Display name of a new account (default: the part before @).")
@click.option(
    "--password-stdin", is_flag=True, help="Read the password from the first line of standard input."
)
def create_admin(email: str, display_name: str | None, password_stdin: bool) -> None:
    """Create a confirmed administrator account EMAIL, or make the existing account EMAIL an administrator."""
    from email_validator import EmailNotValidError, validate_email

    from civic.accounts.passwords import password_problems
    from civic.accounts.services import bootstrap_admin, find_live_user_by_email
    from civic.core.errors import DomainError
    from civic.extensions import db

    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        _fail(f"{email!r} is not a valid e-mail address ({exc})")
    display_name = (display_name or email.split("@")[0]).strip()[:80]
    password = None
    if find_live_user_by_email(email) is None:
        if password_stdin:
            password = sys.stdin.readline().rstrip("\r\n")
        else:
            password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        if password == DEMO_PASSWORD:
            _fail("this is the public demo password: choose another one")
        problems = password_problems(password, user_inputs=[email, display_name])
        if "too_short" in problems:
            _fail("the password is too short: use at least 12 characters")
        if problems:
            _fail("the password is too common or too easy to guess: a few unrelated words work well")
    try:
        user, created = bootstrap_admin(email=email, display_name=display_name, password=password)
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        _fail(exc.message)
    if created:
        click.echo(f"Created the administrator account {user.email}.")
    else:
        click.echo(f"{user.email} is an administrator.")


@civic_cli.command("demo-logins")
def print_demo_logins() -> None:
    """Print the demo accounts and their shared password."""
    click.echo(f"Demo accounts (password for all: {DEMO_PASSWORD}):")
    for email, roles in demo_logins():
        click.echo(f"  {email:<40} {roles}")


def _slug(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return "-".join("".join(c if c.isalnum() else " " for c in ascii_name.lower()).split())


def _fail(message: object) -> NoReturn:
    """Print a one-line error on stderr and leave with exit code 2."""
    click.echo(f"Error: {message}", err=True)
    click.get_current_context().exit(2)


@civic_cli.command("import-pb")
@click.argument("path", metavar="FILE", type=click.Path(dir_okay=False))
@click.option(
    "--edition", "edition_ref", help="Add the pool to this edition (slug or name), or name the new one."
)
@click.option("--district", "district_name", help="Make it the pool of this district (created if needed).")
def import_pb(path: str, edition_ref: str | None, district_name: str | None) -> None:
    """Import a pabulib .pb file: an edition, its proposals, a vote pool and the ballots."""
    from pathlib import Path

    from civic.core.errors import DomainError
    from civic.extensions import db
    from civic.tally import pabulib
    from civic.tally.errors import PabulibError
    from civic.voting.pabulib_io import import_pabulib

    started = time.perf_counter()
    try:
        pb = pabulib.read(path)
        pool = import_pabulib(
            pb, source_name=Path(path).name, edition_ref=edition_ref, district_name=district_name
        )
        db.session.commit()
    except (PabulibError, DomainError) as exc:
        db.session.rollback()
        _fail(exc)
    except BaseException:
        db.session.rollback()
        raise
    for warning in pb.warnings:
        click.echo(f"Warning: {warning}", err=True)
    click.echo(
        f"Imported {len(pb.projects)} projects and {len(pb.voters)} ballots into edition "
        f"{pool.edition.slug!r}{f' (district {district_name!r})' if district_name else ''} "
        f"in {time.perf_counter() - started:.1f} s."
    )


@civic_cli.command("export-pb")
@click.argument("edition_ref", metavar="EDITION")
@click.option("--district", help="Export this district's pool (name or slug).")
def export_pb(edition_ref: str, district: str | None) -> None:
    """Write an edition's vote pool to stdout as a pabulib file, with random voter ids."""
    from civic.core.errors import DomainError
    from civic.tally import pabulib
    from civic.voting.pabulib_io import export_pabulib
    from civic.voting.services import find_pool

    try:
        pool = find_pool(edition_ref=edition_ref, district=district)
    except DomainError as exc:
        _fail(exc)
    click.echo(pabulib.write_string(export_pabulib(pool)), nl=False)


@civic_cli.command("seal-vote")
@click.argument("edition_ref", metavar="EDITION")
def seal_vote(edition_ref: str) -> None:
    """Seal an edition's vote now that it has ended and queue its counts (the worker does it every minute)."""
    from civic.core.errors import DomainError
    from civic.results.closing import close_vote
    from civic.voting.services import find_edition

    try:
        edition = find_edition(edition_ref)
        assert edition is not None
        seal = close_vote(edition)
    except DomainError as exc:
        _fail(exc)
    counts = seal.counts
    click.echo(
        f"Sealed the vote of {edition.slug!r}: {counts['online_ballots']} online, {counts['in_person_ballots']} "
        f"kiosk and {counts['paper_ballots']} paper ballots counted, {counts['superseded']} superseded; "
        + (
            "the counts match the participations."
            if counts["reconciled"]
            else f"PROBLEMS: {counts['problems']}"
        )
    )


ledger_cli = AppGroup("ledger", help="The co-budget's ledger.")
civic_cli.add_command(ledger_cli)


@ledger_cli.command("check")
def ledger_check() -> None:
    """Verify every invariant of the ledger; print the first broken one and exit 1, or say that all hold."""
    from civic.commons import ledger

    started = time.perf_counter()
    found = ledger.problems()
    if found:
        click.echo(
            f"The ledger is broken: {found[0]}" + (f" (and {len(found) - 1} more)" if len(found) > 1 else "")
        )
        raise SystemExit(1)
    journals = ledger.journal_count()
    click.echo(f"The ledger holds: {journals} journals checked in {time.perf_counter() - started:.2f} s.")


@ledger_cli.command("export-beancount")
@click.argument("round_ref", metavar="[ROUND_ID]", required=False)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write to this file (default: standard output).")
def ledger_export_beancount(round_ref: str | None, output: str | None) -> None:
    """Write the ledger's books as Beancount text: one round's (its id, or its call's slug), or the whole ledger.

    Check them with `bean-check FILE`.
    """
    from civic.commons.beancount import export
    from civic.commons.models import CoBudgetRound, CommonsCall
    from civic.extensions import db

    round_ = None
    if round_ref is not None:
        if round_ref.isdigit() and len(round_ref) < 12:
            round_ = db.session.get(CoBudgetRound, int(round_ref))
        else:
            call = db.session.scalar(select(CommonsCall).where(CommonsCall.slug == round_ref))
            round_ = db.session.get(CoBudgetRound, call.round_id) if call else None
        if round_ is None:
            _fail(f"no co-budget round {round_ref!r} (give a round id or a call's slug)")
    text = export(round_)
    if output:
        with open(output, "w", encoding="utf-8") as file:
            file.write(text)
    else:
        click.echo(text, nl=False)


@civic_cli.command("tally", with_appcontext=False)
@click.argument("path", metavar="[FILE]", required=False, type=click.Path(dir_okay=False))
@click.option("--edition", "edition_ref", help="Count this edition's pool (slug or name) from the database.")
@click.option("--district", help="With --edition: count this district's pool (name or slug).")
@click.option("--rule", required=True, metavar="RULE", help=f"One of: {', '.join(rule_names())}.")
@click.option("--json", "as_json", is_flag=True, help="Print the outcome and its explanation as JSON.")
def tally(path: str | None, edition_ref: str | None, district: str | None, rule: str, as_json: bool) -> None:
    """Count a pabulib FILE, or an edition's ballots (--edition), and print the selected project ids."""
    from civic.core.errors import DomainError
    from civic.tally import api
    from civic.tally.cli import print_outcome, terminal_progress
    from civic.tally.errors import TallyError

    if (path is None) == (edition_ref is None):
        _fail("give either a pabulib FILE or --edition EDITION")
    if district is not None and edition_ref is None:
        _fail("--district goes with --edition")
    progress = terminal_progress()
    try:
        if path is not None:
            # The file form reads the file only: no app, no database.
            outcome = api.count_file(path, rule, progress=progress)
        else:
            assert edition_ref is not None
            outcome = _with_app(lambda: _count_edition(edition_ref, district, rule, progress))
    except (TallyError, DomainError) as exc:
        _fail(exc)
    finally:
        if progress is not None:
            click.echo("\r\x1b[K", err=True, nl=False)
    # The printer of `civic tally FILE` (civic.tally.cli, which counts files without Flask): same output.
    print_outcome(outcome, as_json=as_json)


@civic_cli.command("purge-contacts")
@click.option("--dry-run", is_flag=True, help="List what is due without deleting anything.")
def purge_contacts(dry_run: bool) -> None:
    """Delete front-desk residents' private contacts whose edition's retention is over (GDPR); audited."""
    from civic.extensions import db
    from civic.proposals.front_desk import purge_due_contacts

    due = purge_due_contacts(actor=None, dry_run=dry_run)
    if not dry_run:
        db.session.commit()
    verb = "Would purge" if dry_run else "Purged"
    for entry in due:
        due_on = f"{entry.purge_at:%Y-%m-%d}"
        click.echo(f"{verb} {entry.contacts} contact(s) of edition {entry.edition.slug!r} (due {due_on}).")
    if not due:
        click.echo("Nothing to purge.")


@civic_cli.command("worker")
@click.option("--workers", "-w", default=1, show_default=True, help="Tasks run at the same time.")
@click.option(
    "--worker-type",
    "-k",
    type=click.Choice(["thread", "process"]),
    default="thread",
    show_default=True,
    help="Run tasks in threads, or in processes (counts use a CPU each).",
)
def worker(workers: int, worker_type: str) -> None:
    """Run the background tasks (counts): Ctrl+C stops after the running ones, SIGTERM at once."""
    import logging

    from flask import current_app

    from civic.core.queue import run_worker, shown_queue_url

    if current_app.config.get("QUEUE_IMMEDIATE"):
        _fail("QUEUE_IMMEDIATE is set: tasks run where they are queued, no worker takes any")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    click.echo(f"Civic worker: tasks from {shown_queue_url(current_app)}", err=True)
    run_worker(current_app._get_current_object(), workers=workers, worker_type=worker_type)  # type: ignore[attr-defined]


def _count_edition(edition_ref: str, district: str | None, rule: str, progress: Progress | None) -> Outcome:
    from civic.tally.api import get_rule
    from civic.voting.services import count_pool, find_pool

    get_rule(rule)  # an unknown rule fails before the ballots are read
    return count_pool(find_pool(edition_ref=edition_ref, district=district), rule, progress=progress)


def _with_app(action: Callable[[], T]) -> T:
    """Run ``action`` in an application context, creating the app only when none is active."""
    if has_app_context():
        return action()
    app = click.get_current_context().ensure_object(ScriptInfo).load_app()
    with app.app_context():
        return action()


def register_cli(app: Flask) -> None:
    """Attach the ``civic`` command group to the Flask CLI."""
    app.cli.add_command(civic_cli)


def main() -> None:
    """Run the ``civic`` console script: Civic's commands plus Flask's (run, db, shell)."""
    from civic import create_app

    group = FlaskGroup(create_app=create_app, help="Civic command line.")
    for name, command in civic_cli.commands.items():
        group.add_command(command, name)
    group.main()
