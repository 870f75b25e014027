"""The README's library example runs as printed."""

from __future__ import annotations

import contextlib
import io
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def test_readme_library_example_runs_and_prints_what_it_says(monkeypatch: pytest.MonkeyPatch) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The counting engine as a library", 1)[1]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    monkeypatch.chdir(ROOT)
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, "README.md", "exec"), {})
    printed = out.getvalue().splitlines()
    # Each `# value` comment at the end of a print line is what that line prints.
    promised = [
        line.split("  # ", 1)[1] for line in code.splitlines() if line.startswith("print(") and "  # " in line
    ]
    assert len(promised) == 3
    assert promised[1] in printed and promised[2] in printed
    assert all(name in printed[0] for name in promised[0].split(", "))
