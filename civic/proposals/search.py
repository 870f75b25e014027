"""Full-text search on proposals: SQLite FTS5 when available, a LIKE fallback elsewhere (PostgreSQL).

The FTS table is an external-content index of proposal(title, summary, description) kept in step by
triggers, created by the migration and, for test databases built with ``create_all``, by the DDL hook
below.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import DDL, ColumnElement, and_, event, func, or_, text
from sqlalchemy.engine import Connection

from civic.proposals.models import Proposal

FTS_STATEMENTS = [
    """CREATE VIRTUAL TABLE IF NOT EXISTS proposal_fts USING fts5(
        title, summary, description, content='proposal', content_rowid='id',
        tokenize='unicode61 remove_diacritics 2')""",
    """CREATE TRIGGER IF NOT EXISTS proposal_fts_insert AFTER INSERT ON proposal BEGIN
        INSERT INTO proposal_fts(rowid, title, summary, description)
        VALUES (new.id, new.title, new.summary, new.description); END""",
    """CREATE TRIGGER IF NOT EXISTS proposal_fts_delete AFTER DELETE ON proposal BEGIN
        INSERT INTO proposal_fts(proposal_fts, rowid, title, summary, description)
        VALUES ('delete', old.id, old.title, old.summary, old.description); END""",
    """CREATE TRIGGER IF NOT EXISTS proposal_fts_update
        AFTER UPDATE OF title, summary, description ON proposal
        BEGIN
        INSERT INTO proposal_fts(proposal_fts, rowid, title, summary, description)
        VALUES ('delete', old.id, old.title, old.summary, old.description);
        INSERT INTO proposal_fts(rowid, title, summary, description)
        VALUES (new.id, new.title, new.summary, new.description); END""",
]
DROP_STATEMENTS = [
    "DROP TRIGGER IF EXISTS proposal_fts_update",
    "DROP TRIGGER IF EXISTS proposal_fts_delete",
    "DROP TRIGGER IF EXISTS proposal_fts_insert",
    "DROP TABLE IF EXISTS proposal_fts",
]
FTS_TABLE_NAMES = frozenset(
    {
        "proposal_fts",
        "proposal_fts_data",
        "proposal_fts_idx",
        "proposal_fts_docsize",
        "proposal_fts_config",
        "proposal_fts_content",
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)
# A public reference as people type it: "bp2026-7", "BP2026-00007" (see proposals.services).
_REFERENCE = re.compile(r"^\s*([A-Za-z]{1,8})\s*(\d{4})\s*-\s*0*(\d{1,9})\s*$")

for _statement in FTS_STATEMENTS:
    event.listen(Proposal.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in DROP_STATEMENTS:
    event.listen(Proposal.__table__, "before_drop", DDL(_statement).execute_if(dialect="sqlite"))


def fold(value: str) -> str:
    """Lower-case and strip accents, so "ÉCLAIRAGE" matches "éclairage"."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


@event.listens_for(Proposal, "before_insert")
@event.listens_for(Proposal, "before_update")
def _refresh_search_text(_mapper: Any, _connection: Any, proposal: Proposal) -> None:
    proposal.search_text = fold(" ".join(filter(None, (proposal.title, proposal.summary, proposal.description))))


def fts_query(query: str) -> str | None:
    """Turn free text into a safe FTS5 query: every word must match, as a prefix."""
    words = _WORD.findall(query)[:8]
    if not words:
        return None
    return " ".join(f'"{word}"*' for word in words)


def has_fts(connection: Connection) -> bool:
    """Tell whether this database has the FTS index (SQLite with the migration applied)."""
    if connection.dialect.name != "sqlite":
        return False
    found = connection.execute(text("SELECT 1 FROM sqlite_master WHERE name = 'proposal_fts'")).first()
    return found is not None


def text_filter(query: str, *, use_fts: bool) -> ColumnElement[bool] | None:
    """Return a WHERE clause matching proposals whose text contains every word of ``query``."""
    if use_fts:
        match = fts_query(query)
        if match is None:
            return None
        return Proposal.id.in_(
            text("SELECT rowid FROM proposal_fts WHERE proposal_fts MATCH :q").bindparams(q=match)
        )
    words = _WORD.findall(query)[:8]
    if not words:
        return None
    return and_(*(Proposal.search_text.contains(fold(word), autoescape=True) for word in words))


def reference_filter(query: str) -> ColumnElement[bool] | None:
    """Return a clause matching the proposal whose reference is ``query`` (any case, zeros optional)."""
    stripped = query.strip()
    if not stripped or len(stripped) > 40:
        return None
    candidates = {stripped.upper()}
    match = _REFERENCE.match(stripped)
    if match:
        prefix, year, number = match.groups()
        candidates.add(f"{prefix.upper()}{year}-{int(number):05d}")
    return func.upper(Proposal.reference).in_(sorted(candidates))


def search_filter(query: str, *, use_fts: bool) -> ColumnElement[bool] | None:
    """Match proposals by their text or by their public reference."""
    by_text = text_filter(query, use_fts=use_fts)
    by_reference = reference_filter(query)
    clauses = [c for c in (by_text, by_reference) if c is not None]
    if not clauses:
        return None
    return or_(*clauses) if len(clauses) > 1 else clauses[0]
