"""Form helpers shared by blueprints."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from flask_wtf import FlaskForm


def add_problems(form: FlaskForm, problems: Mapping[str, Sequence[str]]) -> None:
    """Put a service's refusals beside the inputs they name (unknown names go on the first field)."""
    fields = [name for name in form._fields if name != "csrf_token"]
    for key, messages in problems.items():
        field = form[key] if key in form._fields else form[fields[0]]
        field.errors = [*field.errors, *messages]
