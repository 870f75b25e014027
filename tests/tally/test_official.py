"""`official` reproduces the published result (selected == 1) of every shared file that has one."""

from __future__ import annotations

from pathlib import Path

import pytest

from civic.tally import api, pabulib
from tests.tally.shared import pabulib_dir

# Files whose official result is not reproducible from the file, with the reason.
OFFICIAL_EXCEPTIONS = {
    # rule "unknown"; META comment #2: about half the votes were cast on paper and are not in the
    # file, so the official winners were not determined by these ballots alone.
    "Hungary_Budapest_2022_VIII_Jozsefvaros",
    # rule "unknown": Budapest's citywide rule (with per-category quotas) is not recorded in the file.
    "Hungary_Budapest_2024",
}


def _files() -> list[Path]:
    d = pabulib_dir()
    if d is None:
        return []
    return sorted((d / "test").glob("*.pb")) + sorted((d / "perf").glob("*.pb"))


@pytest.mark.skipif(pabulib_dir() is None, reason="shared pabulib files not found (CIVIC_PABULIB_DIR)")
@pytest.mark.parametrize("path", _files(), ids=lambda p: p.stem[:45])
def test_official_reproduces_selected(path: Path) -> None:
    pb = pabulib.read(path)
    if "selected" not in pb.project_columns:
        pytest.skip("no selected column")
    expected = {p.id for p in pb.projects if p.fields.get("selected") == "1"}
    got = set(api.count_file(path, "official").selected)
    if path.stem in OFFICIAL_EXCEPTIONS:
        assert got != expected, "documented exception now matches: remove it from OFFICIAL_EXCEPTIONS"
    else:
        assert got == expected


def test_official_explains_no_skip_stop(tmp_path: Path) -> None:
    text = (
        "META\nkey;value\nbudget;10\nvote_type;approval\nrule;greedy-no-skip\n"
        "PROJECTS\nproject_id;cost;votes\na;999999999;9\nb;6;8\nc;6;7\nd;1;1\n"
        "VOTES\nvoter_id;vote\n1;a,b\n"
    )
    f = tmp_path / "x.pb"
    f.write_text(text)
    out = api.count_file(f, "official")
    assert out.selected == ("b",)
    statuses = {d["project"]: d["status"] for d in out.to_dict()["explanation"]["decisions"]}
    assert statuses == {"a": "withdrawn", "b": "funded", "c": "did_not_fit", "d": "stopped"}
