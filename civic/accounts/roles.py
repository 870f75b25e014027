"""Roles a person may hold (several at once). Pure: no framework imports."""

from __future__ import annotations

import enum


class Role(enum.StrEnum):
    RESIDENT = "resident"
    FRONT_DESK = "front_desk"
    ANALYST = "analyst"
    ANALYSIS_MANAGER = "analysis_manager"
    MODERATOR = "moderator"
    FACILITATOR = "facilitator"
    ORGANISER = "organiser"
    FUNDER = "funder"
    ADMIN = "admin"


# Roles that act on other people's data or on the process itself: no remember-me cookie for them.
STAFF_ROLES = frozenset(
    {
        Role.FRONT_DESK,
        Role.ANALYST,
        Role.ANALYSIS_MANAGER,
        Role.MODERATOR,
        Role.FACILITATOR,
        Role.ORGANISER,
        Role.ADMIN,
    }
)


class AgeBracket(enum.StrEnum):
    UNDER_18 = "under_18"
    FROM_18_TO_24 = "18_24"
    FROM_25_TO_34 = "25_34"
    FROM_35_TO_49 = "35_49"
    FROM_50_TO_64 = "50_64"
    OVER_65 = "65_plus"
