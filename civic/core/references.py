"""Who still points to a row: counted through the foreign keys the metadata declares.

Lower layers use it to refuse deleting something a higher layer refers to, without importing
that layer (a district used by proposals, a theme used by proposals…).
"""

from __future__ import annotations

from sqlalchemy import func, select

from civic.extensions import db


def count_references(table_name: str, row_id: int) -> dict[str, int]:
    """Return, per referring table, how many rows point to ``table_name``'s row ``row_id`` (non-zero only)."""
    counts: dict[str, int] = {}
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != table_name:
                continue
            n = db.session.scalar(select(func.count()).select_from(table).where(fk.parent == row_id)) or 0
            if n:
                counts[table.name] = counts.get(table.name, 0) + n
    return counts


def reference_counts(table_name: str) -> dict[int, dict[str, int]]:
    """Return, for every row of ``table_name`` something points to, the counts per referring table."""
    counts: dict[int, dict[str, int]] = {}
    for table in db.metadata.sorted_tables:
        for fk in table.foreign_keys:
            if fk.column.table.name != table_name:
                continue
            stmt = select(fk.parent, func.count()).where(fk.parent.is_not(None)).group_by(fk.parent)
            for row_id, n in db.session.execute(stmt):
                per_table = counts.setdefault(row_id, {})
                per_table[table.name] = per_table.get(table.name, 0) + n
    return counts
