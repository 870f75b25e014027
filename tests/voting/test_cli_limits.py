"""`civic tally` and `civic import-pb` refuse absurd numbers with exit code 2 and one line on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import Result
from flask import Flask
from sqlalchemy import func, select

from civic.extensions import db
from civic.voting.models import VotePool

GOOD = (
    "META\nkey;value\nbudget;{budget}\nvote_type;cumulative\nPROJECTS\nproject_id;cost\na;{cost}\nb;50\n"
    "VOTES\nvoter_id;vote;points\n1;a,b;{points},1\n"
)


def _run(app: Flask, *args: str) -> Result:
    # Click keeps stderr apart from stdout: the error must be one line on stderr, nothing on stdout.
    return app.test_cli_runner().invoke(args=["civic", *args])


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"budget": "1e99999999"}, "META budget is too large"),
        ({"budget": "inf"}, "META budget is not a number"),
        ({"budget": "nan"}, "META budget is not a number"),
        ({"budget": "92233720368547758.08"}, "META budget is too large"),
        ({"cost": "-3"}, "cost of project 'a' is negative"),
        ({"cost": "7" * 80}, "too many digits"),
        ({"points": "99999999999"}, "points of voter '1'"),
    ],
)
@pytest.mark.parametrize("command", ["tally", "import-pb"])
def test_absurd_numbers_exit_2_with_one_line(
    app: Flask, tmp_path: Path, fields: dict[str, str], words: str, command: str
) -> None:
    path = tmp_path / "absurd.pb"
    values = {"budget": "100", "cost": "60", "points": "2", **fields}
    path.write_text(GOOD.format(**values), encoding="utf-8")
    args = [command, str(path)] + (["--rule", "greedy"] if command == "tally" else [])
    result = _run(app, *args)
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1 and words in result.stderr, result.stderr
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(VotePool)) == 0


def test_amounts_beyond_bigint_cents_are_refused_by_the_import(app: Flask) -> None:
    from civic.voting.pabulib_io import PabulibImportError, to_cents

    with app.app_context():
        assert to_cents(92233720368547758, "budget") == 9223372036854775800
        with pytest.raises(PabulibImportError, match="does not fit"):
            to_cents(2**63, "budget")
