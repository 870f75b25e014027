"""People and the roles they hold."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from flask_login import UserMixin
from sqlalchemy import CheckConstraint, Enum, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from civic.accounts.roles import AgeBracket, Role
from civic.core.time import utcnow
from civic.extensions import db

if TYPE_CHECKING:
    from civic.processes.models import District


class User(UserMixin, db.Model):
    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("locale IN ('fr', 'en')", name="locale_known"),
        # A live account always has an e-mail; only a deleted (anonymised) one may lose it.
        CheckConstraint("email IS NOT NULL OR deleted_at IS NOT NULL", name="email_unless_deleted"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str | None] = mapped_column(String(254), unique=True)
    display_name: Mapped[str | None] = mapped_column(String(80))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    locale: Mapped[str] = mapped_column(String(5), default="fr")
    district_id: Mapped[int | None] = mapped_column(ForeignKey("district.id", ondelete="SET NULL"))
    age_bracket: Mapped[AgeBracket | None] = mapped_column(
        Enum(AgeBracket, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    email_confirmed_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_login_at: Mapped[datetime | None]
    blocked_at: Mapped[datetime | None]
    # A block may end by itself (naive UTC); its reason is told to the person and kept for moderators.
    blocked_until: Mapped[datetime | None]
    blocked_reason: Mapped[str | None] = mapped_column(String(500))
    deleted_at: Mapped[datetime | None]

    # District belongs to civic.processes, a higher layer: named by string, imported for type checking only.
    district: Mapped[District | None] = relationship("District")
    role_grants: Mapped[list[RoleGrant]] = relationship(
        back_populates="user", cascade="all, delete-orphan", foreign_keys="RoleGrant.user_id"
    )

    # The token of the server-side session this object was loaded for (not a column): Flask-Login stores
    # it in the cookie instead of the user id, so deleting the session row logs that browser out.
    session_token = None  # type: str | None

    def get_id(self) -> str:
        """Identify the browser's session (see civic.accounts.sessions), not the person."""
        if self.session_token is None:
            raise RuntimeError("log in through civic.accounts.sessions.start_session")
        return self.session_token

    @property
    def is_active(self) -> bool:  # type: ignore[override]
        return self.deleted_at is None

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(grant.role for grant in self.role_grants)

    @property
    def is_confirmed(self) -> bool:
        return self.email_confirmed_at is not None


class RoleGrant(db.Model):
    __tablename__ = "role_grant"
    __table_args__ = (UniqueConstraint("user_id", "role", name="uq_role_grant_user_role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    granted_at: Mapped[datetime] = mapped_column(default=utcnow)
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    user: Mapped[User] = relationship(back_populates="role_grants", foreign_keys=[user_id])


class UserSession(db.Model):
    """A logged-in browser; the cookie holds a random token whose SHA-256 is kept here."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(default=utcnow)
    user_agent: Mapped[str] = mapped_column(String(120), default="")

    user: Mapped[User] = relationship()
