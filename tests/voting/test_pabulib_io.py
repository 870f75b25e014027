"""pabulib import and export: what is stored, round trip, the checker, refused files write nothing."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import func, inspect, select, text

from civic.extensions import db
from civic.processes.models import District, Edition, EditionDistrict
from civic.proposals.models import Channel, Proposal, ProposalStatus
from civic.tally import pabulib
from civic.voting.models import Ballot, BallotChoice, VotePool, VotePoolProject, VoteType
from tests.tally.shared import shared_test_files
from tests.voting.helpers import ballot_multiset, civic

SMALL = """META
key;value
description;Budget des Tilleuls
num_projects;3
num_votes;4
budget;1000.50
vote_type;ordinal
rule;greedy
instance;2025
PROJECTS
project_id;cost;name;selected;category
A1;500.25;"Bancs; et tables";1;nature,culture
B2;400;Fontaine;0;
C3;300;Composteur;;nature
VOTES
voter_id;vote;age;sex
10;A1,B2;34;F
11;B2,A1,B2;;M
12;C3;71;
13;;;
"""


def counts() -> dict[str, int]:
    models = (Edition, District, Proposal, VotePool, VotePoolProject, Ballot, BallotChoice)
    return {m.__tablename__: db.session.scalar(select(func.count()).select_from(m)) for m in models}


def write(tmp_path: Path, text: str, name: str = "small.pb") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_import_stores_edition_proposals_pool_and_ballots(app: Flask, tmp_path: Path) -> None:
    result = civic(app, "import-pb", str(write(tmp_path, SMALL)))
    assert result.exit_code == 0, result.output
    edition = db.session.scalar(select(Edition))
    assert (edition.name, edition.year, edition.envelope_cents, edition.published) == (
        "Budget des Tilleuls (2025)",
        2025,
        100050,
        True,
    )
    pool = db.session.scalar(select(VotePool))
    assert pool.vote_type is VoteType.ORDINAL and pool.rule == "greedy" and pool.budget_cents == 100050
    assert [k for k, _v in pool.meta][:4] == ["description", "num_projects", "num_votes", "budget"]
    assert [(p.external_id, p.cost_cents, p.position) for p in pool.projects] == [
        ("A1", 50025, 0),
        ("B2", 40000, 1),
        ("C3", 30000, 2),
    ]
    assert pool.projects[0].extra == {
        "name": "Bancs; et tables",
        "category": "nature,culture",
        "selected": "1",
    }
    proposals = [p.proposal for p in pool.projects]
    assert [p.title for p in proposals] == ["Bancs; et tables", "Fontaine", "Composteur"]
    assert [p.status for p in proposals] == [
        ProposalStatus.SELECTED,
        ProposalStatus.NOT_SELECTED,
        ProposalStatus.ON_BALLOT,
    ]
    assert [p.reference for p in proposals] == ["PB-A1", "PB-B2", "PB-C3"]
    assert all(p.channel is Channel.IN_PERSON and p.author_id is None for p in proposals)
    assert all(len(p.versions) == 1 and len(p.status_changes) == 1 for p in proposals)
    assert proposals[1].status_changes[0].public_reason
    # Ballots come back in the order of their random ids: find each by its (distinct) extra cells.
    ballots = {repr(b.extra): b for b in db.session.scalars(select(Ballot))}
    assert set(ballots) == {repr(e) for e in ({"age": "34", "sex": "F"}, {"sex": "M"}, {"age": "71"}, None)}
    repeated, empty = ballots[repr({"sex": "M"})], ballots["None"]
    # The repeated B2 counts once, at its first rank.
    assert [(c.project.external_id, c.rank) for c in repeated.choices] == [("B2", 1), ("A1", 2)]
    assert empty.choices == []
    assert repeated.raw == {"vote": ["B2", "A1", "B2"], "points": None}
    assert [b.raw for b in ballots.values() if b is not repeated] == [None, None, None]


def test_ballots_carry_no_voter_identity_no_time_and_no_write_order(app: Flask, tmp_path: Path) -> None:
    inspector = inspect(db.engine)
    for table in ("ballot", "ballot_choice"):
        names = {c["name"] for c in inspector.get_columns(table)}
        words = ("user", "voter", "person", "officer", "address", "created", "time", "_at", "date", "day")
        assert not [n for n in names if any(w in n for w in words) or "ip" in n.split("_")], names
    if db.engine.dialect.name == "sqlite":
        for table in ("ballot", "ballot_choice"):
            sql = db.session.execute(
                text("SELECT sql FROM sqlite_master WHERE name = :t"), {"t": table}
            ).scalar()
            assert "WITHOUT ROWID" in sql, sql
    assert civic(app, "import-pb", str(write(tmp_path, SMALL))).exit_code == 0
    ids = db.session.scalars(select(Ballot.id)).all()
    assert len(ids) == 4 and all(isinstance(i, bytes) and len(i) == 16 for i in ids)
    assert len(set(ids)) == 4


def test_references_stay_unique_across_imports(app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    assert civic(app, "import-pb", str(path)).exit_code == 0
    assert civic(app, "import-pb", str(path)).exit_code == 0
    refs = db.session.scalars(select(Proposal.reference).order_by(Proposal.id)).all()
    assert refs == ["PB-A1", "PB-B2", "PB-C3", "PB-A1-2", "PB-B2-2", "PB-C3-2"]
    slugs = db.session.scalars(select(Edition.slug).order_by(Edition.id)).all()
    assert slugs == ["budget-des-tilleuls-2025", "budget-des-tilleuls-2025-2"]


def test_district_pools_share_an_edition(app: Flask, tmp_path: Path) -> None:
    path = write(tmp_path, SMALL)
    assert civic(app, "import-pb", str(path), "--edition", "BP 2025").exit_code == 0
    result = civic(app, "import-pb", str(path), "--edition", "BP 2025", "--district", "Les Tilleuls")
    assert result.exit_code == 0, result.output
    assert db.session.scalar(select(func.count()).select_from(Edition)) == 1
    edition = db.session.scalar(select(Edition))
    district = db.session.scalar(select(District))
    assert (edition.name, district.name) == ("BP 2025", "Les Tilleuls")
    assert db.session.scalar(select(EditionDistrict.envelope_cents)) == 100050
    pools = db.session.scalars(select(VotePool).order_by(VotePool.id)).all()
    assert [p.district_id for p in pools] == [None, district.id]
    assert all(p.proposal.district_id == district.id for p in pools[1].projects)

    again = civic(app, "import-pb", str(path), "--edition", "bp-2025", "--district", "Les Tilleuls")
    assert again.exit_code == 2
    assert again.output.strip().count("\n") == 0 and "already has a vote pool" in again.output
    out = civic(app, "export-pb", "bp-2025", "--district", "les-tilleuls")
    assert out.exit_code == 0 and pabulib.read_string(out.output).meta["num_votes"] == "4"


def test_export_writes_back_the_file_with_random_voter_ids(app: Flask, tmp_path: Path) -> None:
    first = pabulib.read(write(tmp_path, SMALL))
    assert civic(app, "import-pb", str(tmp_path / "small.pb")).exit_code == 0
    result = civic(app, "export-pb", "Budget des Tilleuls (2025)")
    assert result.exit_code == 0, result.output
    again = pabulib.read_string(result.output)
    assert again.meta == first.meta
    assert again.projects == first.projects
    assert ballot_multiset(again) == ballot_multiset(first)
    assert sorted(int(v.voter_id) for v in again.voters) == [1, 2, 3, 4]
    assert "500.25" in result.output and "1000.5" in result.output


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (SMALL.replace("budget;1000.50", "budget;1000.505"), "META budget is 1000.505"),
        (SMALL.replace("B2;400;", "B2;400.001;"), "cost of project 'B2'"),
        (SMALL.replace("PROJECTS", "PROJECTS;x").replace("VOTES\n", ""), "line"),
        ("", "empty file"),
    ],
    ids=["budget-finer-than-cents", "cost-finer-than-cents", "malformed", "empty"],
)
def test_refused_file_exits_2_with_one_line_and_writes_nothing(
    app: Flask, tmp_path: Path, text: str, message: str
) -> None:
    before = counts()
    result = civic(app, "import-pb", str(write(tmp_path, text)))
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output, result.output
    assert "Traceback" not in result.output
    db.session.rollback()
    assert counts() == before


def test_refused_file_in_an_existing_edition_writes_nothing(app: Flask, tmp_path: Path) -> None:
    assert civic(app, "import-pb", str(write(tmp_path, SMALL)), "--edition", "BP").exit_code == 0
    before = counts()
    bad = write(tmp_path, SMALL.replace("C3;300;", "C3;300.009;"), "bad.pb")
    result = civic(app, "import-pb", str(bad), "--edition", "BP", "--district", "Nord")
    assert result.exit_code == 2
    db.session.rollback()
    assert counts() == before


@pytest.mark.parametrize("path", shared_test_files(), ids=lambda p: p.stem[:45])
def test_import_export_round_trip_passes_the_checker(
    app: Flask, path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = pabulib.read(path)
    result = civic(app, "import-pb", str(path), "--edition", "round-trip")
    assert result.exit_code == 0, result.output
    exported = civic(app, "export-pb", "round-trip")
    assert exported.exit_code == 0, exported.output
    out = tmp_path / path.name
    out.write_text(exported.output, encoding="utf-8")
    again = pabulib.read(out)

    assert [(p.id, p.cost, p.fields) for p in again.projects] == [
        (p.id, p.cost, p.fields) for p in first.projects
    ]
    assert list(again.meta) == list(first.meta)
    counted = {"num_projects", "num_votes"}
    assert {k: v for k, v in again.meta.items() if k not in counted} == {
        k: v for k, v in first.meta.items() if k not in counted
    }
    assert (again.meta["num_projects"], again.meta["num_votes"]) == (
        str(len(first.projects)),
        str(len(first.voters)),
    )
    assert again.vote_columns == first.vote_columns
    assert ballot_multiset(again) == ballot_multiset(first)
    assert {v.voter_id for v in again.voters} == {str(i) for i in range(1, len(first.voters) + 1)}

    checker = pytest.importorskip("pabulib.checker")
    # As in tests/tally: the checker's slow re-count of the official rule checks the data, not us.
    monkeypatch.setattr(checker.Checker, "verify_selected", lambda self: None)
    with contextlib.redirect_stdout(io.StringIO()):
        report = checker.Checker().process_files([str(out)])
    results = report[out.stem]["results"]
    assert results.get("errors", {}) == {}, results["errors"]
