"""Moderation: reports, hide/dismiss decisions, account blocking, the moderators' queue."""
