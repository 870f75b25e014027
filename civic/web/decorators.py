"""Route decorators: login and role checks done in Python before the view runs."""

from __future__ import annotations

from collections.abc import Callable, Collection
from functools import wraps
from typing import TYPE_CHECKING, Any, TypeVar

from flask import abort
from flask_login import current_user, login_required

if TYPE_CHECKING:  # civic.web sits below the domain packages: the type only, for annotations
    from civic.accounts.roles import Role

F = TypeVar("F", bound=Callable[..., Any])


def permission_required(predicate: Callable[[Collection[Role]], bool]) -> Callable[[F], F]:
    """Require a logged-in person whose roles satisfy ``predicate`` (403 otherwise)."""

    def decorator(view: F) -> F:
        @wraps(view)
        @login_required
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if not predicate(current_user.roles):
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator
