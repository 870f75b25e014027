"""Where the tests find pabulib elections.

The 29 small test elections ship with the repository in tests/tally/data/ (copied unchanged from Pabulib,
see tests/tally/data/README.md), so every counting-engine comparison runs on a fresh clone. The five big
benchmark elections are not shipped (16 MB); they are looked up in $CIVIC_PABULIB_DIR/perf (default
<repo root>/../shared/pabulib/perf). Tests that need them use `needs_perf`: without the files they are
skipped with a visible reason, and with CIVIC_REQUIRE_PABULIB=1 (CI) they fail instead.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
TEST_DATA = Path(__file__).resolve().parent / "data"


def shared_test_files() -> list[Path]:
    """Return the small test elections shipped in tests/tally/data/."""
    return sorted(TEST_DATA.glob("*.pb"))


def perf_dir() -> Path | None:
    """Return the directory of the big benchmark elections, or None when they are not on this machine."""
    env = os.environ.get("CIVIC_PABULIB_DIR")
    base = Path(env) if env else REPO_ROOT.parent / "shared" / "pabulib"
    path = base / "perf"
    return path if any(path.glob("*.pb")) else None


def perf_files() -> list[Path]:
    """Return the big benchmark elections (empty when absent)."""
    d = perf_dir()
    return sorted(d.glob("*.pb")) if d else []


def perf_required() -> bool:
    """Return whether the big elections must be present (CI sets CIVIC_REQUIRE_PABULIB=1)."""
    return os.environ.get("CIVIC_REQUIRE_PABULIB") == "1"


PERF_MISSING = (
    "big pabulib benchmark elections not found in $CIVIC_PABULIB_DIR/perf (default ../shared/pabulib/perf): "
    "comparison on them NOT run"
)

# Skips (visibly, reported by -ra) without the big files; CI requires them (pytest_sessionstart fails first).
needs_perf = pytest.mark.skipif(perf_dir() is None and not perf_required(), reason=PERF_MISSING)
