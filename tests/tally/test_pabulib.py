"""pabulib reader and writer: malformed input, odd but valid input, round trip, pabulib-checker."""

from __future__ import annotations

import contextlib
import dataclasses
import io
from fractions import Fraction
from pathlib import Path

import pytest

from civic.tally import api, pabulib
from civic.tally.errors import PabulibError
from tests.tally.shared import needs_perf, perf_files, shared_test_files

HEAD = "META\nkey;value\nbudget;10\nvote_type;approval\nrule;greedy\nPROJECTS\nproject_id;cost;votes\n"
GOOD = HEAD + "1;4;2\n2;6;1\nVOTES\nvoter_id;vote\nv1;1,2\nv2;1\n"


@pytest.mark.parametrize(
    ("text", "line", "words"),
    [
        ("", 1, "no META"),
        ("PROJECTS\nproject_id;cost\n", 1, "META"),
        (HEAD.replace("budget;10", "budget;ten") + "1;4;2\nVOTES\nvoter_id;vote\n", 7, "budget"),
        (HEAD + "1;4;2\n2;x;1\nVOTES\nvoter_id;vote\n", 9, "cost of project '2'"),
        (HEAD + "1;4;2\n1;5;1\nVOTES\nvoter_id;vote\n", 9, "appears twice"),
        (HEAD + "1;4;2\n2;6;1\nVOTES\nvoter_id;vote\nv1;1,3\n", 12, "unknown project '3'"),
        (HEAD + "1;4;2\n2;6;1\nVOTES\nvoter_id;vote\nv1;1\nv2;1;extra\n", 13, "cells"),
        (HEAD + "1;4;2\n2;6;1\n", 9, "missing VOTES"),
        (HEAD + '1;4;"unterminated\n2;6;1\nVOTES\n', 8, "quoted"),
        (
            HEAD.replace("approval", "cumulative") + "1;4;2\nVOTES\nvoter_id;vote;points\nv1;1;x\n",
            11,
            "points",
        ),
        (
            HEAD.replace("approval", "cumulative") + "1;4;2\nVOTES\nvoter_id;vote;points\nv1;1;1,2\n",
            11,
            "points",
        ),
        (HEAD.replace("approval", "rankings") + "1;4;2\nVOTES\nvoter_id;vote\n", 7, "vote_type"),
    ],
)
def test_malformed_input_is_one_error_with_line(text: str, line: int, words: str) -> None:
    with pytest.raises(PabulibError) as info:
        pabulib.read_string(text)
    assert info.value.line == line
    assert words in str(info.value)
    assert "\n" not in str(info.value)


def test_file_errors_name_path_and_line(tmp_path: Path) -> None:
    f = tmp_path / "bad.pb"
    f.write_bytes(GOOD.encode() + b"v3;\xff\xfe\n")
    with pytest.raises(PabulibError, match=r"bad\.pb: line 14: file is not UTF-8 text"):
        api.count_file(f, "greedy")
    with pytest.raises(PabulibError, match="cannot read file"):
        pabulib.read(tmp_path / "missing.pb")


def test_tolerated_oddities() -> None:
    text = (
        "\ufeffMETA\r\nkey;value\r\nbudget;10.50\r\nvote_type;approval\r\nrule;greedy\r\n"
        'PROJECTS\r\nproject_id;cost;name;extra_col\r\n010;4.25;"a ""quoted""; name";None\r\n2;6;;x\r\n\r\n'
        "VOTES\r\nvoter_id;vote;age\r\nv1;010,2,010;None\r\nv2; 2 ;\r\nv3;;30\r\n"
    )
    pb = pabulib.read_string(text)
    assert pb.budget == Fraction(21, 2)
    assert [p.id for p in pb.projects] == ["010", "2"]
    assert pb.projects[0].cost == Fraction(17, 4)
    assert pb.projects[0].fields == {"name": 'a "quoted"; name', "extra_col": None}
    assert pb.voters[0].vote == ("010", "2", "010")  # raw ballot kept
    assert pb.voters[1].vote == ("2",)
    assert pb.voters[2].vote == ()
    assert any("more than once" in w for w in pb.warnings)
    e = pb.election()
    assert e.ballots_with_duplicates == 1
    assert sorted(g.projects for g in e.groups) == [(), ("010", "2"), ("2",)]
    assert pabulib.read_string(pabulib.write_string(pb)) == pb


def test_writer_formats_numbers_and_columns() -> None:
    text = (
        "META\nkey;value\nzeta;1\nbudget;400000.0\nvote_type;cumulative\nrule;greedy\n"
        "PROJECTS\nproject_id;name;cost;score\n1;x;80000.0;3\nVOTES\nvoter_id;points;vote\n1;3;1\n"
    )
    out = pabulib.write_string(pabulib.read_string(text))
    assert out.splitlines()[2:4] == ["zeta;1", "budget;400000"]  # META order kept
    assert "project_id;cost;score;name" in out and "1;80000;3;x" in out
    assert "voter_id;vote;points\n1;1;3" in out


def test_rows_are_built_on_first_use_and_compare_as_sequences() -> None:
    pb = pabulib.read_string(GOOD)
    assert isinstance(pb.voters, pabulib.VoterRows)
    assert len(pb.voters) == 2
    e = pb.election()
    assert e.num_voters == 2
    assert not pb.voters.built  # counting needs no per-voter objects
    rows = [
        pabulib.PabulibVoter("v1", ("1", "2"), None, ()),
        pabulib.PabulibVoter("v2", ("1",), None, ()),
    ]
    assert pb.voters == rows and pb.voters == tuple(rows) and list(pb.voters) == rows
    assert pb.voters.built
    assert pb.voters[1] == rows[1] and pb.voters[-1:] == (rows[1],)
    assert pb.voters != rows[:1]
    assert pb == pabulib.read_string(GOOD)


def test_grouping_follows_voters_replaced_after_reading() -> None:
    pb = pabulib.read_string(GOOD + "v3;2,1\nv4;1,2\n")
    # Approval ballots listing the same projects in another order stay separate groups.
    assert [(g.projects, g.weight) for g in pb.election().groups] == [
        (("1", "2"), 2),
        (("1",), 1),
        (("2", "1"), 1),
    ]
    pb.voters = list(pb.voters)[:2]
    assert [(g.projects, g.weight) for g in pb.election().groups] == [(("1", "2"), 1), (("1",), 1)]


def test_reader_grouping_matches_grouping_the_rows() -> None:
    for path in shared_test_files():
        pb = pabulib.read(path)
        fast = pb.election()  # from what the reader learnt about the distinct ballots
        slow = dataclasses.replace(pb, voters=list(pb.voters)).election()  # from the rows
        assert fast == slow, path.name
        assert fast.ballots_with_duplicates == slow.ballots_with_duplicates, path.name


@pytest.mark.parametrize("path", shared_test_files(), ids=lambda p: p.stem[:45])
def test_round_trip_and_checker(path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    checker = pytest.importorskip("pabulib.checker")
    # The checker's re-count of the official rule (its slow Fraction-based Equal Shares takes ~40 s on
    # Wieliczka and Swiecie) checks the data, not the writer, which copies `selected` unchanged;
    # test_official.py covers rule compliance. Every other check runs.
    monkeypatch.setattr(checker.Checker, "verify_selected", lambda self: None)
    first = pabulib.read(path)
    out = tmp_path / path.name
    pabulib.write(first, out)
    assert pabulib.read(out) == first
    with contextlib.redirect_stdout(io.StringIO()):
        report = checker.Checker().process_files([str(out)])
    results = report[out.stem]["results"]
    assert results.get("errors", {}) == {}, results["errors"]


@needs_perf
def test_reader_grouping_matches_grouping_the_rows_on_big_files() -> None:
    for path in perf_files():
        pb = pabulib.read(path)
        fast = pb.election()
        slow = dataclasses.replace(pb, voters=list(pb.voters)).election()
        assert fast == slow, path.name
        assert fast.ballots_with_duplicates == slow.ballots_with_duplicates, path.name


@needs_perf
def test_round_trip_perf_files(tmp_path: Path) -> None:
    for path in perf_files():
        first = pabulib.read(path)
        assert pabulib.read_string(pabulib.write_string(first)) == first, path.name


CUMULATIVE = HEAD.replace("approval", "cumulative") + "1;4;2\n2;6;1\nVOTES\nvoter_id;vote;points\n"


def test_cumulative_counting_needs_no_rows_and_merges_cells_that_read_the_same() -> None:
    pb = pabulib.read_string(CUMULATIVE + "v1;1,2;3,1\nv2;1,2;03,1\nv3;1, 2;3,1\nv4;2;4\nv5;1,2;3,1\n")
    e = pb.election()
    assert not pb.voters.built  # type: ignore[attr-defined]
    assert [(g.projects, g.points, g.weight) for g in e.groups] == [
        (("1", "2"), (3, 1), 4),
        (("2",), (4,), 1),
    ]
    assert e == dataclasses.replace(pb, voters=list(pb.voters)).election()
    assert [v.points for v in pb.voters] == [(3, 1), (3, 1), (3, 1), (4,), (3, 1)]


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("v9;1,2;3", "voter 'v9' has 2 projects but 1 points"),
        ("v9;1,2;", "voter 'v9' has projects but no points"),
        ("v9;1;x", "points of voter 'v9' are not numbers"),
    ],
)
def test_points_problem_is_reported_at_its_first_row(row: str, words: str) -> None:
    # The same bad (vote, points) pair on two rows, after good rows holding the same cells.
    body = "v1;1,2;3,1\nv2;1;3\n" * 3 + row + "\nv10;2;1\n" + row.replace("v9", "v11") + "\n"
    with pytest.raises(PabulibError) as info:
        pabulib.read_string(CUMULATIVE + body)
    assert info.value.line == 18 and words in str(info.value)


def test_first_problem_of_a_line_is_the_vote_before_its_points() -> None:
    with pytest.raises(PabulibError, match="unknown project '7'") as info:
        pabulib.read_string(CUMULATIVE + "v1;1;1\nv2;7;x\n")
    assert info.value.line == 13


def test_repeated_voter_ids_are_counted_and_warned_about() -> None:
    pb = pabulib.read_string(GOOD + "v1;2\n")
    assert pb.election().num_voters == 3  # every row is a ballot, as pabutools counts them
    assert any("line 14: voter_id 'v1' is used again" in w for w in pb.warnings)
    many = pabulib.read_string(GOOD + "v1;2\n" * 30)
    assert len(many.warnings) == 21 and "30 rows repeat a voter_id" in many.warnings[-1]


@pytest.mark.parametrize("space", [" ", "\t", "\xa0", "\x0c"])
def test_voter_ids_are_stripped_of_any_whitespace(space: str) -> None:
    pb = pabulib.read_string(GOOD.replace("v1;1,2", f"{space}v1{space};1,2"))
    assert [v.voter_id for v in pb.voters] == ["v1", "v2"]
