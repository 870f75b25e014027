"""Locate the shared pabulib files: <repo root>/../shared/pabulib, or $CIVIC_PABULIB_DIR."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def pabulib_dir() -> Path | None:
    """Return the shared pabulib directory (holding test/ and perf/), or None if absent."""
    env = os.environ.get("CIVIC_PABULIB_DIR")
    path = Path(env) if env else REPO_ROOT.parent / "shared" / "pabulib"
    return path if (path / "test").is_dir() else None


def shared_test_files() -> list[Path]:
    """Return the small shared test files (empty if shared/ is absent)."""
    d = pabulib_dir()
    return sorted((d / "test").glob("*.pb")) if d else []
