"""`civic tally`: the file form, the database form (same output), errors, JSON and the console script."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from flask import Flask

from civic.tally import api, pabulib
from tests.tally.shared import shared_test_files
from tests.voting.helpers import civic

APPROVAL = """META
key;value
description;Petit vote
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost;name
p1;60;Un
p2;50;Deux
p3;40;Trois
VOTES
voter_id;vote
1;p1,p2
2;p2,p3
3;p2
4;p1
"""
CUMULATIVE = """META
key;value
budget;100
vote_type;cumulative
PROJECTS
project_id;cost
a;60
b;50
VOTES
voter_id;vote;points
1;a,b;2,1
2;b;3
"""


@pytest.fixture
def approval_file(tmp_path: Path) -> Path:
    path = tmp_path / "approval.pb"
    path.write_text(APPROVAL, encoding="utf-8")
    return path


def test_file_form_prints_selected_ids_in_selection_order(app: Flask, approval_file: Path) -> None:
    result = civic(app, "tally", str(approval_file), "--rule", "greedy")
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == list(api.count_file(approval_file, "greedy").selected)


def test_json_output_has_selection_rule_budget_and_explanation(app: Flask, approval_file: Path) -> None:
    result = civic(app, "tally", str(approval_file), "--rule", "mes", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert {"selected", "rule", "budget_used", "explanation"} <= data.keys()
    assert data["rule"] == "mes" and data["explanation"]["kind"] == "mes"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "nope"], "unknown rule 'nope'"),
        (["--rule", "mes", "--edition", "x"], "give either a pabulib FILE or --edition"),
        (["--rule", "greedy", "--district", "Nord"], "--district goes with --edition"),
    ],
)
def test_bad_requests_exit_2_with_one_line(
    app: Flask, approval_file: Path, args: list[str], message: str
) -> None:
    result = civic(app, "tally", str(approval_file), *args)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and message in result.output, result.output


def test_unreadable_file_exits_2_with_the_readers_message(app: Flask, tmp_path: Path) -> None:
    bad = tmp_path / "bad.pb"
    bad.write_text(
        "META\nkey;value\nbudget;1\nvote_type;approval\nPROJECTS\nproject_id;cost\n", encoding="utf-8"
    )
    result = civic(app, "tally", str(bad), "--rule", "greedy")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "missing VOTES section" in result.output
    missing = civic(app, "tally", str(tmp_path / "absent.pb"), "--rule", "greedy")
    assert missing.exit_code == 2 and "cannot read file" in missing.output


@pytest.mark.parametrize("source", ["file", "edition"])
def test_mes_on_cumulative_ballots_is_refused_clearly(app: Flask, tmp_path: Path, source: str) -> None:
    path = tmp_path / "cumulative.pb"
    path.write_text(CUMULATIVE, encoding="utf-8")
    if source == "edition":
        assert civic(app, "import-pb", str(path), "--edition", "cumul").exit_code == 0
    where = [str(path)] if source == "file" else ["--edition", "cumul"]
    result = civic(app, "tally", *where, "--rule", "mes")
    assert result.exit_code == 2
    assert result.output == "Error: rule 'mes' does not apply to cumulative ballots\n"


def test_unknown_edition_or_rule_from_the_database_exits_2(app: Flask, approval_file: Path) -> None:
    assert civic(app, "import-pb", str(approval_file), "--edition", "petit").exit_code == 0
    for args, message in (
        (["--edition", "absent", "--rule", "greedy"], "no edition has the slug or name 'absent'"),
        (["--edition", "petit", "--rule", "nope"], "unknown rule 'nope'"),
        (
            ["--edition", "petit", "--district", "Nord", "--rule", "greedy"],
            "no vote pool for district 'Nord'",
        ),
    ):
        result = civic(app, "tally", *args)
        assert result.exit_code == 2 and result.output.count("\n") == 1 and message in result.output, (
            result.output
        )


def _same_output(app: Flask, path: Path, rule: str) -> None:
    for extra in ([], ["--json"]):
        from_file = civic(app, "tally", str(path), "--rule", rule, *extra)
        from_db = civic(app, "tally", "--edition", "counted", "--rule", rule, *extra)
        assert from_file.exit_code == 0, from_file.output
        assert from_db.output == from_file.output, (rule, extra)


@pytest.mark.parametrize("path", shared_test_files(), ids=lambda p: p.stem[:45])
def test_counting_the_database_equals_counting_the_file(app: Flask, path: Path) -> None:
    assert civic(app, "import-pb", str(path), "--edition", "counted").exit_code == 0
    _same_output(app, path, "greedy")
    _same_output(app, path, "official")
    if pabulib.read(path).vote_type in ("approval", "choose-1"):
        _same_output(app, path, "mes")


def test_console_script_counts_a_file_without_a_database(approval_file: Path, tmp_path: Path) -> None:
    script = Path(sys.executable).parent / "civic"
    # An instance folder that does not exist: the file form must not need the app's database.
    # The Flask form loads the app, which in production (the default CIVIC_ENV) needs CIVIC_BASE_URL.
    env = {**os.environ, "CIVIC_INSTANCE_PATH": str(tmp_path / "no-instance"), "CIVIC_ENV": "development"}
    result = subprocess.run(
        [str(script), "tally", str(approval_file), "--rule", "greedy"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines() == list(api.count_file(approval_file, "greedy").selected)
    assert not (tmp_path / "no-instance").exists()
    flask = Path(sys.executable).parent / "flask"
    flask_form = subprocess.run(
        [str(flask), "--app", "civic", "civic", "tally", str(approval_file), "--rule", "greedy"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    assert flask_form.returncode == 0, flask_form.stderr
    assert flask_form.stdout == result.stdout
