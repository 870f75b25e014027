"""Command line: ``flask civic …`` inside the Flask CLI, or the ``civic`` console script."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup, FlaskGroup
from sqlalchemy import select

civic_cli = AppGroup("civic", help="Civic administration commands.")

DEMO_PASSWORD = "civic-demo-2026"  # noqa: S105 - public demo accounts, printed by `make run`
DEMO_TOWN = "Saint-Aubin-des-Communs"
DEMO_DISTRICTS = ["Centre-bourg", "Les Tilleuls", "Port-Neuf", "La Garenne", "Kervenec"]
DEMO_STAFF = [
    ("admin@demo.civic.example.org", "Aline Admin", ("admin", "resident")),
    ("accueil@demo.civic.example.org", "Fabrice Accueil", ("front_desk", "resident")),
    ("analyste@demo.civic.example.org", "Anouk Analyste", ("analyst", "resident")),
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
    from civic.demo import seed_editions

    seed_editions(districts)
    db.session.commit()
    click.echo(f"Demo town {DEMO_TOWN} is ready.")


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
