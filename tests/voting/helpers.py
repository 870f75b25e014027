"""Helpers for the voting tests: run Civic's CLI against the test app, compare pabulib ballots."""

from __future__ import annotations

from collections import Counter

from click.testing import Result
from flask import Flask

from civic.tally.pabulib import PabulibFile


def civic(app: Flask, *args: str) -> Result:
    """Invoke ``flask civic ARGS`` on the test app."""
    return app.test_cli_runner().invoke(args=["civic", *args])


def ballot_multiset(pb: PabulibFile) -> Counter[tuple[object, ...]]:
    """Return the ballots as cast (repeats included) with their other cells, as a multiset."""
    return Counter((voter.vote, voter.points, voter.extra) for voter in pb.voters)
