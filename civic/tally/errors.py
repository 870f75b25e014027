"""Errors raised by the counting engine; every message is one line meant for a person."""

from __future__ import annotations


class TallyError(Exception):
    """Base class of every error the counting engine raises on purpose."""


class PabulibError(TallyError):
    """A pabulib file is malformed; carries the 1-based line number when known."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None) -> None:
        self.reason = message
        self.line = line
        self.path = path
        where = ""
        if path is not None:
            where = f"{path}: "
        if line is not None:
            where += f"line {line}: "
        super().__init__(f"{where}{message}")


class RuleNotApplicable(TallyError):
    """The rule is not defined for this kind of ballot (e.g. MES on ordinal ballots)."""


class UnknownRule(TallyError):
    """No rule of that name is registered."""


class InvalidElection(TallyError):
    """In-memory election data is inconsistent (unknown project in a ballot, negative cost, ...)."""
