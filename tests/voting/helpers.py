"""Helpers for the voting tests: run Civic's CLI against the test app, compare pabulib ballots, seed a
ballot box in its vote and a voter on its roll."""

from __future__ import annotations

from collections import Counter
from datetime import date

from click.testing import Result
from flask import Flask

from civic.accounts.roles import Role
from civic.eligibility import services as roll_services
from civic.extensions import db
from civic.tally.pabulib import PabulibFile
from civic.voting import ballot as services
from civic.voting.ballot_rules import BallotScope, Settings
from tests.factories import create_district, create_edition, create_user
from tests.voting.test_ballot_building import feasible


def civic(app: Flask, *args: str) -> Result:
    """Invoke ``flask civic ARGS`` on the test app."""
    return app.test_cli_runner().invoke(args=["civic", *args])


def ballot_multiset(pb: PabulibFile) -> Counter[tuple[object, ...]]:
    """Return the ballots as cast (repeats included) with their other cells, as a multiset."""
    return Counter((voter.vote, voter.points, voter.extra) for voter in pb.voters)


# Projects of the ballot boxes the journeys fill in: title and cost in cents (envelope 400 € by default).
PROJECTS = (("Jardin", 300_00), ("Bancs", 200_00), ("Fontaine", 100_00))


def ballot_box(app: Flask, *, projects=PROJECTS, envelope_cents: int = 400_00, **settings):
    """An edition in its vote with one town-wide ballot of ``projects``, in the format of ``settings``.

    Returns the edition, its ballot box (pool) and the box's project ids by title.
    """
    nord = create_district(name="Nord")
    edition = create_edition(districts=[nord], open_phase="vote")
    edition.envelope_cents = envelope_cents
    db.session.commit()
    for title, cost in projects:
        feasible(edition, nord, title=title, cost=cost)
    admin = create_user(roles=(Role.ADMIN,))
    values = {"scope": BallotScope.EDITION, **settings}
    services.save_settings(actor=admin, edition=edition, settings=Settings(**values))
    (pool,) = services.build_all_ballots(actor=admin, edition=edition)
    db.session.commit()
    return edition, pool, {vpp.proposal.title: vpp.id for vpp in pool.projects}


def voter_on_roll(edition, *, locale: str = "en", identifier: str = "CNI-778899"):
    """A resident checked in person at the front desk and linked to the voter roll of ``edition``."""
    voter = create_user(locale=locale)
    desk = create_user(roles=(Role.FRONT_DESK,))
    born = date(1990, 2, 2)
    roll_services.add_in_person(
        actor=desk, edition=edition, identifier=identifier, birth_date=born, district_id=None
    )
    roll_services.link_with_identifier(actor=voter, edition=edition, identifier=identifier, birth_date=born)
    db.session.commit()
    return voter
