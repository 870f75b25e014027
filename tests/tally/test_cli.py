"""`civic tally FILE` without the web app: same output as the Flask command, and no Flask imported."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from civic.tally import api
from civic.tally import cli as tally_cli

TINY = """META
key;value
budget;100
vote_type;approval
rule;greedy
PROJECTS
project_id;cost
p1;60
p2;50
p3;40
VOTES
voter_id;vote
1;p1,p2
2;p2,p3
3;p2
"""


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.pb"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_counting_a_file_imports_neither_flask_nor_sqlalchemy(tiny: Path) -> None:
    code = (
        "import sys\n"
        f"sys.argv = ['civic', 'tally', {str(tiny)!r}, '--rule', 'greedy']\n"
        "from civic.console import main\n"
        "try:\n    main()\nexcept SystemExit as exit:\n    assert exit.code == 0, exit.code\n"
        "print(sorted(m for m in ('flask', 'sqlalchemy', 'click', 'werkzeug') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.splitlines() == [*api.count_file(tiny, "greedy").selected, "[]"]


def test_importing_the_package_does_not_import_flask() -> None:
    code = "import sys, civic, civic.tally; print('flask' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout == "False\n"


@pytest.mark.parametrize("extra", [[], ["--json"]])
def test_prints_the_selected_ids_or_the_outcome_as_json(
    tiny: Path, extra: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert tally_cli.main([str(tiny), "--rule", "mes", *extra]) == 0
    out = capsys.readouterr().out
    outcome = api.count_file(tiny, "mes")
    if extra:
        assert json.loads(out) == outcome.to_dict()
    else:
        assert out.splitlines() == list(outcome.selected) != []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--rule", "nope"], "unknown rule 'nope'"),
        (["--rule", "greedy", "--district", "Nord"], "--district goes with --edition"),
        (["--rule", "mes", "--edition", "x"], "give either a pabulib FILE or --edition"),
    ],
)
def test_bad_requests_exit_2_with_one_line(
    tiny: Path, args: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tally_cli.main([str(tiny), *args]) == 2
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err.count("\n") == 1 and message in captured.err


def test_unreadable_file_exits_2_with_the_readers_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert tally_cli.main([str(tmp_path / "absent.pb"), "--rule", "greedy"]) == 2
    assert "cannot read file" in capsys.readouterr().err
