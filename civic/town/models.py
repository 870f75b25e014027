"""The town's public pages (legal notice, privacy, charter, accessibility) as edited by admins."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from civic.core.database import enum_column
from civic.core.time import utcnow
from civic.extensions import db


class PageKind(enum.StrEnum):
    LEGAL_NOTICE = "legal_notice"
    PRIVACY = "privacy"
    CHARTER = "charter"
    ACCESSIBILITY = "accessibility"


class TownPage(db.Model):
    """An admin's text of one page in one language; without a row the shipped default is shown."""

    __tablename__ = "town_page"
    __table_args__ = (
        UniqueConstraint("kind", "lang", name="uq_town_page_kind_lang"),
        CheckConstraint("lang IN ('fr', 'en')", name="lang_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[PageKind] = mapped_column(enum_column(PageKind, 20))
    lang: Mapped[str] = mapped_column(String(5))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
