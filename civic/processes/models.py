"""Editions of the participatory budget, their districts, themes and dated phases."""

from __future__ import annotations

import enum
from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.core.database import enum_column
from civic.core.time import utcnow
from civic.extensions import db
from civic.processes.phases import PHASE_ORDER, PhaseKind, PhaseWindow


class District(db.Model):
    """A town district (quartier); editions give some of them a sub-envelope."""

    __tablename__ = "district"
    __table_args__ = (CheckConstraint("population IS NULL OR population > 0", name="population_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    # Inhabitants, so that per-district figures (euros per inhabitant, turnout) can be shown.
    population: Mapped[int | None]


class EditionMode(enum.StrEnum):
    RESIDENTS_SUBMIT = "residents_submit"
    CITY_LIST = "city_list"


class Edition(db.Model):
    """One participatory budget (e.g. "Budget participatif 2026")."""

    __tablename__ = "edition"
    __table_args__ = (
        CheckConstraint("envelope_cents >= 0", name="envelope_not_negative"),
        CheckConstraint("population IS NULL OR population > 0", name="population_positive"),
        CheckConstraint(
            "contact_retention_months >= 0 AND contact_retention_months <= 120", name="retention_range"
        ),
        CheckConstraint(
            "investment_budget_cents IS NULL OR investment_budget_cents > 0",
            name="investment_budget_positive",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(120), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    year: Mapped[int]
    description: Mapped[str] = mapped_column(Text, default="")
    rules_text: Mapped[str] = mapped_column(Text, default="")
    # BigInteger: some towns count in forints or złoty, and cents of 10^9 overflow 32 bits.
    envelope_cents: Mapped[int] = mapped_column(BigInteger)
    population: Mapped[int | None]
    investment_budget_cents: Mapped[int | None] = mapped_column(BigInteger)
    mode: Mapped[EditionMode] = mapped_column(enum_column(EditionMode), default=EditionMode.RESIDENTS_SUBMIT)
    published: Mapped[bool] = mapped_column(default=False)
    # GDPR: months after the last phase ends before front-desk contacts of residents are purged.
    contact_retention_months: Mapped[int] = mapped_column(default=6, server_default="6")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    districts: Mapped[list[EditionDistrict]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="EditionDistrict.id"
    )
    themes: Mapped[list[Theme]] = relationship(
        back_populates="edition", cascade="all, delete-orphan", order_by="Theme.name"
    )
    phases: Mapped[list[Phase]] = relationship(back_populates="edition", cascade="all, delete-orphan")

    @property
    def calendar(self) -> list[PhaseWindow]:
        """Return the phases as pure windows, in calendar order."""
        windows = [PhaseWindow(p.kind, p.starts_at, p.ends_at) for p in self.phases]
        return sorted(windows, key=lambda w: PHASE_ORDER.index(w.kind))

    @property
    def is_city_list(self) -> bool:
        return self.mode is EditionMode.CITY_LIST

    @property
    def euros_per_inhabitant(self) -> float | None:
        if not self.population:
            return None
        return self.envelope_cents / 100 / self.population

    @property
    def share_of_investment_budget(self) -> float | None:
        """Return the envelope as a fraction (0-1) of the town's investment budget."""
        if not self.investment_budget_cents:
            return None
        return self.envelope_cents / self.investment_budget_cents


class EditionDistrict(db.Model):
    """A district taking part in an edition, with its optional sub-envelope."""

    __tablename__ = "edition_district"
    __table_args__ = (
        UniqueConstraint("edition_id", "district_id", name="uq_edition_district_pair"),
        CheckConstraint("envelope_cents IS NULL OR envelope_cents >= 0", name="envelope_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    district_id: Mapped[int] = mapped_column(ForeignKey("district.id", ondelete="RESTRICT"))
    envelope_cents: Mapped[int | None] = mapped_column(BigInteger)

    edition: Mapped[Edition] = relationship(back_populates="districts")
    district: Mapped[District] = relationship()


class Theme(db.Model):
    __tablename__ = "theme"
    __table_args__ = (UniqueConstraint("edition_id", "name", name="uq_theme_edition_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))

    edition: Mapped[Edition] = relationship(back_populates="themes")


class Phase(db.Model):
    """One dated phase of an edition's calendar (times in naive UTC)."""

    __tablename__ = "phase"
    __table_args__ = (
        UniqueConstraint("edition_id", "kind", name="uq_phase_edition_kind"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("edition.id", ondelete="CASCADE"), index=True)
    kind: Mapped[PhaseKind] = mapped_column(enum_column(PhaseKind, 20))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]

    edition: Mapped[Edition] = relationship(back_populates="phases")
