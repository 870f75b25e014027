"""The pabulib reader refuses absurd numbers at once, and no input makes it hang or crash."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from civic.tally import api, pabulib
from civic.tally.errors import PabulibError, TallyError

HEAD = "META\nkey;value\nbudget;{budget}\nvote_type;{kind}\nrule;greedy\nPROJECTS\nproject_id;cost;votes\n"
TAIL = "VOTES\nvoter_id;vote{points_col}\n{votes}"
MAX_CENTS = 2**63 - 1


def _file(
    budget: str = "10", cost: str = "4", kind: str = "approval", votes: str = "v1;1\n", points: bool = False
) -> str:
    head = HEAD.format(budget=budget, kind=kind)
    return head + f"1;{cost};2\n2;6;1\n" + TAIL.format(points_col=";points" if points else "", votes=votes)


def _refused_fast(text: str) -> PabulibError:
    started = time.perf_counter()
    with pytest.raises(PabulibError) as info:
        pabulib.read_string(text)
    assert time.perf_counter() - started < 1.0
    assert "\n" not in str(info.value) and len(str(info.value)) < 300
    return info.value


@pytest.mark.parametrize(
    ("budget", "words"),
    [
        ("1e99999999", "too large"),
        ("1e-99999999", "exponent"),
        ("inf", "not a number"),
        ("nan", "not a number"),
        ("-inf", "not a number"),
        ("9" * 5000, "too many digits"),
        (str(MAX_CENTS // 100 + 1), "too large"),
        ("-5", "negative"),
    ],
)
def test_absurd_budget_is_refused_at_once(budget: str, words: str) -> None:
    error = _refused_fast(_file(budget=budget))
    assert "budget" in str(error) and words in str(error), str(error)
    assert error.line == 7


@pytest.mark.parametrize(
    ("cost", "words"),
    [
        ("1e400", "too large"),
        ("-1", "negative"),
        ("1" + "0" * 100, "too many digits"),
        ("0." + "1" * 100, "too many digits"),
        ("nan", "not a number"),
        (str(MAX_CENTS), "too large"),
    ],
)
def test_absurd_cost_is_refused_with_its_line(cost: str, words: str) -> None:
    error = _refused_fast(_file(cost=cost))
    assert "cost of project '1'" in str(error) and words in str(error), str(error)
    assert error.line == 8


def test_largest_storable_amount_is_accepted() -> None:
    top = pabulib.MAX_AMOUNT
    pb = pabulib.read_string(_file(budget=str(top), cost=str(top)))
    assert pb.budget * 100 <= MAX_CENTS and pb.projects[0].cost == top


@pytest.mark.parametrize("points", ["1e99999999", "9" * 400, str(2**31), "inf"])
def test_absurd_points_are_refused(points: str) -> None:
    error = _refused_fast(_file(kind="cumulative", points=True, votes=f"v1;1;{points}\n"))
    assert "points of voter 'v1'" in str(error), str(error)


def test_absurd_declared_counts_only_warn_briefly() -> None:
    text = _file().replace(
        "rule;greedy", "rule;greedy\nnum_votes;" + "9" * 100_000 + "\nnum_projects;1e9999999"
    )
    started = time.perf_counter()
    pb = pabulib.read_string(text)
    assert time.perf_counter() - started < 1.0
    assert all(len(w) < 200 for w in pb.warnings) and len(pb.warnings) == 2


def test_long_cells_are_cut_in_error_messages() -> None:
    error = _refused_fast(_file(budget="x" * 100_000))
    assert "budget" in str(error)


def test_unclosed_quote_over_many_lines_fails_quickly() -> None:
    lines = "".join(f"{i};1;1\n" for i in range(3, 60_000))
    _refused_fast(HEAD.format(budget="10", kind="approval") + '1;4;"open\n' + lines + "VOTES\n")


def test_score_threshold_in_meta_is_bounded(tmp_path: Path) -> None:
    path = tmp_path / "t.pb"
    path.write_text(_file().replace("rule;greedy", "rule;greedy\nmin_project_score_threshold;1e99999999"))
    started = time.perf_counter()
    with pytest.raises(PabulibError, match="min_project_score_threshold"):
        api.count_file(path, "official")
    assert time.perf_counter() - started < 1.0


# Fuzzing: random mutations of real small files either parse or raise PabulibError, quickly.
SEEDS = sorted((Path(__file__).parent / "fuzz_seeds").glob("*.pb"))
NASTY = [
    "1e99999999",
    "inf",
    "nan",
    "-1",
    "9" * 60,
    '"',
    ";",
    ",",
    "\n",
    "None",
    "",
    "0.000000001",
    "\x00",
    "é",
]


@st.composite
def mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(SEEDS)).read_text(encoding="utf-8")
    for _ in range(draw(st.integers(1, 6))):
        at = draw(st.integers(0, len(text)))
        kind = draw(st.sampled_from(["insert", "delete", "replace_token", "duplicate_line"]))
        if kind == "insert":
            text = text[:at] + draw(st.sampled_from(NASTY) | st.text(max_size=4)) + text[at:]
        elif kind == "delete":
            text = text[:at] + text[at + draw(st.integers(1, 12)) :]
        elif kind == "replace_token":
            cells = text.split(";")
            i = draw(st.integers(0, len(cells) - 1))
            cells[i] = draw(st.sampled_from(NASTY))
            text = ";".join(cells)
        else:
            lines = text.split("\n")
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            text = "\n".join(lines)
    return text


@settings(max_examples=300, deadline=1000, suppress_health_check=[HealthCheck.too_slow])
@given(mutated())
def test_mutated_files_parse_or_raise_pabulib_error(text: str) -> None:
    try:
        pb = pabulib.read_string(text)
    except PabulibError as error:
        assert "\n" not in str(error)
        return
    # What parses can be grouped and counted (as `civic tally` does); a rule may refuse it, but only
    # with a counting error.
    election = pb.election()
    official = {"official_rule": pb.meta.get("rule", "unknown"), "scores": pabulib.project_scores(pb)}
    for rule, options in (("greedy", {}), ("official", official)):
        with contextlib.suppress(TallyError):
            api.count(election, rule, **options)


def test_an_empty_points_ballot_is_counted_as_empty() -> None:
    text = _file(kind="cumulative", points=True, votes="v1;1;3\nv2\n")
    pb = pabulib.read_string(text)
    election = pb.election()
    assert election.num_voters == 2 and api.count(election, "greedy").selected[0] == "1"
