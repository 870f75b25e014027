"""`civic export-pb` on a ballot built in Civic (no votes yet): a valid .pb, read back by Civic and pabutools."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from flask import Flask

from civic.accounts.roles import Role
from civic.extensions import db
from civic.proposals.models import ProposalStatus
from civic.proposals.services import change_status
from civic.tally import pabulib
from civic.voting import ballot as services
from civic.voting.ballot_rules import BallotFormat, Settings
from tests.factories import create_district, create_edition, create_proposal, create_user
from tests.voting.helpers import civic

FORMATS = {
    "approval": Settings(),
    "k_approval": Settings(ballot_format=BallotFormat.K_APPROVAL, min_choices=1, max_choices=2),
    "knapsack": Settings(
        ballot_format=BallotFormat.KNAPSACK, min_spend_percent=10, counting_rule="mes-add1-official"
    ),
    "cumulative": Settings(ballot_format=BallotFormat.CUMULATIVE, total_points=7, max_points_per_project=3),
    "ranking": Settings(ballot_format=BallotFormat.RANKING, ranking_length=2),
}


def built_edition(settings: Settings):
    nord = create_district(name="Nord")
    edition = create_edition(districts=[nord], open_phase="analysis")
    edition.districts[0].envelope_cents = 50_000_50
    for title, cost in (("Jardin partagé", 12_000_00), ("Bancs; publics", 3_000_25), ("Fontaine", 40_000_00)):
        proposal = create_proposal(edition=edition, district=nord, title=title)
        proposal.estimated_cost_cents = cost
        change_status(actor=None, proposal=proposal, status=ProposalStatus.FEASIBLE)
    admin = create_user(roles=(Role.ADMIN,))
    services.save_settings(actor=admin, edition=edition, settings=settings)
    services.build_all_ballots(actor=admin, edition=edition)
    db.session.commit()
    return edition, nord


@pytest.mark.parametrize("name", FORMATS)
def test_built_ballot_exports_as_valid_pabulib(app: Flask, tmp_path: Path, name: str) -> None:
    settings = FORMATS[name]
    edition, _ = built_edition(settings)
    result = civic(app, "export-pb", edition.slug, "--district", "Nord")
    assert result.exit_code == 0, result.output
    out = tmp_path / f"{name}.pb"
    out.write_text(result.output, encoding="utf-8")

    pb = pabulib.read(out)
    assert pb.voters == [] or list(pb.voters) == []
    assert [(p.id, p.cost, p.fields["name"]) for p in pb.projects][1][1:] == (
        pabulib.limited_number("3000.25", limit=10**12),
        "Bancs; publics",
    )
    assert pb.budget == pabulib.limited_number("50000.5", limit=10**12)
    assert pb.meta["num_votes"] == "0" and pb.meta["num_projects"] == "3"
    assert pb.meta["district"] == "Nord" and pb.meta["country"] == "France"
    expected = {
        "approval": "approval",
        "k_approval": "approval",
        "knapsack": "approval",
        "cumulative": "cumulative",
        "ranking": "ordinal",
    }
    assert pb.vote_type == expected[name]
    if name == "cumulative":
        assert (pb.meta["max_points"], pb.meta["max_sum_points"]) == ("3", "7")
    if name == "knapsack":
        assert pb.meta["rule"] == "equalshares/add1"
        assert (pb.meta["min_sum_cost"], pb.meta["max_sum_cost"]) == ("5000.05", "50000.5")
    if name == "k_approval":
        assert (pb.meta["min_length"], pb.meta["max_length"]) == ("1", "2")

    parse = pytest.importorskip("pabutools.election").parse_pabulib
    instance, profile = parse(str(out))
    assert len(instance) == 3 and len(profile) == 0
    assert float(instance.budget_limit) == 50000.5


def test_built_ballot_passes_the_pabulib_checker(
    app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    edition, _ = built_edition(FORMATS["cumulative"])
    out = tmp_path / "built.pb"
    out.write_text(civic(app, "export-pb", edition.slug, "--district", "Nord").output, encoding="utf-8")
    checker = pytest.importorskip("pabulib.checker")
    monkeypatch.setattr(checker.Checker, "verify_selected", lambda self: None)
    with contextlib.redirect_stdout(io.StringIO()):
        report = checker.Checker().process_files([str(out)])
    assert report[out.stem]["results"].get("errors", {}) == {}
