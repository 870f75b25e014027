"""The `civic` console script: file counts skip Flask, everything else goes to the Flask CLI."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from civic import console
from civic.tally import api
from tests.tally.test_cli import TINY


@pytest.fixture
def tiny(tmp_path: Path) -> Path:
    path = tmp_path / "tiny.pb"
    path.write_text(TINY, encoding="utf-8")
    return path


def test_console_script_sends_only_file_counts_past_flask(
    tiny: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import civic.cli

    sent: list[list[str]] = []
    monkeypatch.setattr(civic.cli, "main", lambda: sent.append(sys.argv[1:]))
    for args in (["tally", "--edition", "x", "--rule", "greedy"], ["tally", "--edition=x"], ["seed-demo"]):
        monkeypatch.setattr(sys, "argv", ["civic", *args])
        console.main()
    assert sent == [
        ["tally", "--edition", "x", "--rule", "greedy"],
        ["tally", "--edition=x"],
        ["seed-demo"],
    ]
    monkeypatch.setattr(sys, "argv", ["civic", "tally", str(tiny), "--rule", "greedy"])
    with pytest.raises(SystemExit) as exit:
        console.main()
    assert exit.value.code == 0 and len(sent) == 3
    assert capsys.readouterr().out.splitlines() == list(api.count_file(tiny, "greedy").selected)
