"""Domain errors raised by services; the web layer maps them to HTTP statuses in one place."""

from __future__ import annotations


class DomainError(Exception):
    """A use case refused: the message is safe to show to the user."""

    status_code = 422

    def __init__(self, message: object) -> None:
        # ``message`` is usually a lazy translation, rendered in the reader's language.
        super().__init__(message)
        self.message = message


class PermissionDenied(DomainError):
    """The actor may not do this."""

    status_code = 403


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the actor)."""

    status_code = 404


class Conflict(DomainError):
    """The request clashes with the current state (already done, changed meanwhile)."""

    status_code = 409


class ValidationFailed(DomainError):
    """The input breaks a business rule."""

    status_code = 422


class InvalidInput(ValidationFailed):
    """Input breaks business rules; ``problems`` maps each input's name to its messages.

    Messages are rendered at once, in the request's language, so that a form can show each one
    beside its input (a lazy string would reach Jinja unescaped).
    """

    def __init__(self, problems: dict[str, list[object]]) -> None:
        self.problems = {key: [str(message) for message in messages] for key, messages in problems.items()}
        super().__init__(" ".join(message for messages in self.problems.values() for message in messages))
