"""Every rule against live pabutools 1.2.3 on random small elections of every generated shape.

A bounded run for `make test` (24 elections of each of the 11 shapes, every rule, a few seconds);
bench/tally_fuzz.py runs thousands. Each election is written as a .pb file and read by both sides.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from pabutools.election import parse_pabulib

from civic.tally import api, pabulib
from tests.tally import fuzz, pabutools_ref, shapes

SEEDS = range(24)


@pytest.mark.parametrize(
    ("shape", "seed"), [pytest.param(s, i, id=f"{s}-{i}") for s in shapes.SHAPES for i in SEEDS]
)
def test_every_rule_matches_pabutools_on_generated_shape(shape: str, seed: int, tmp_path: Path) -> None:
    e = shapes.make(shape, seed, "small")
    compared, findings = fuzz.compare(e, tmp_path)
    assert compared == len(fuzz.rules_for(e.kind))
    assert not findings, "\n".join(f"{f.rule} {f.what}: {f.detail}" for f in findings)


def test_generated_shapes_are_deterministic_and_parse() -> None:
    for shape in shapes.SHAPES:
        a, b = shapes.make(shape, 7), shapes.make(shape, 7)
        assert shapes.pb_text(a) == shapes.pb_text(b)
        assert shapes.pb_text(a) != shapes.pb_text(shapes.make(shape, 8))
        election = pabulib.read_string(shapes.pb_text(a)).election()
        assert election.kind == a.kind
        assert election.num_voters == len(a.ballots)
        # Budgets are a fraction of the total cost: rules have to choose.
        assert 0 < election.budget < sum(p.cost for p in election.projects)


def test_large_shapes_have_the_sizes_the_issue_names() -> None:
    many = shapes.make("many-projects", 0, "large")
    choose = shapes.make("choose-1", 0, "large")
    k = shapes.make("k-approval", 0, "large")
    assert len(many.projects) >= 180
    assert len(choose.ballots) == 150_000 and all(len(b) == 1 for b, _ in choose.ballots)
    assert len({len(b) for b, _ in k.ballots}) == 1 and len(k.ballots[0][0]) == int(k.meta["max_length"])
    cum = shapes.make("cumulative", 0, "large")
    cap = int(cum.meta["max_points"])
    assert all(max(p) <= cap and sum(p) <= int(cum.meta["max_sum_points"]) for _, p in cum.ballots if p)


# Minimal elections, shrunk from generated ones (many-projects 2, 19, 22, 23 and zero-cost 0, 2 crashed
# too), that crashed both add1 completions before lane A's fix (the add1 horizon skip divided by zero
# when a bound was negative with slope 0); and the issue's 13-voter file (it crashed the official add1).
ISSUE_FILE = "META\nkey;value\nnum_projects;3\nnum_votes;13\nbudget;1659\nvote_type;approval\n" + (
    "PROJECTS\nproject_id;cost\np0;368\np1;1026\np2;277\nVOTES\nvoter_id;vote\n"
    + "".join(f"{i};p2,p1,p0\n" for i in range(1, 8))
    + "8;p1\n9;p1\n10;p1\n11;p0\n12;p0\n13;p0\n"
)
ADD1_MINIMAL = {
    "mes-add1-official-issue-file": ("mes-add1-official", ISSUE_FILE),
    "mes-add1": (
        "mes-add1",
        """META
key;value
num_projects;4
num_votes;4
budget;222
vote_type;approval
PROJECTS
project_id;cost
9;45
10;10
6;27
2;93
VOTES
voter_id;vote
1;9,6
2;6,2
3;6,10,2,9
4;6
""",
    ),
    "mes-add1-official": (
        "mes-add1-official",
        """META
key;value
num_projects;3
num_votes;3
budget;503
vote_type;approval
PROJECTS
project_id;cost
15004;140
15001;239
15005;19
VOTES
voter_id;vote
1;15004
2;15001
3;15001,15005,15004
""",
    ),
}


@pytest.mark.parametrize("case", sorted(ADD1_MINIMAL))
def test_add1_former_crash_matches_pabutools(case: str, tmp_path: Path) -> None:
    rule, text = ADD1_MINIMAL[case]
    path = tmp_path / "add1.pb"
    path.write_text(text)
    pb = pabulib.read(path)
    inst, prof = parse_pabulib(str(path))
    if rule == "mes-add1":
        expected = pabutools_ref.run(rule, "approval", inst, prof)
    else:
        expected = fuzz.official_reference(inst, prof, {p.id: i for i, p in enumerate(pb.projects)})
    assert list(api.count(pb.election(), rule).selected) == expected
