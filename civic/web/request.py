"""The request class: text a person sends never carries NUL characters.

PostgreSQL refuses U+0000 in text columns, SQLite keeps it, and no one types it on purpose: it is dropped
from form fields (so everything else the person typed comes back with the form) and from query strings.
"""

from __future__ import annotations

from flask import Request
from werkzeug.datastructures import ImmutableMultiDict, MultiDict
from werkzeug.sansio.request import Request as SansioRequest
from werkzeug.utils import cached_property


def _without_nul(values: MultiDict[str, str]) -> ImmutableMultiDict[str, str]:
    return ImmutableMultiDict(
        [(key.replace("\x00", ""), value.replace("\x00", "")) for key, value in values.items(multi=True)]
    )


class CivicRequest(Request):
    """Flask's request, with NUL characters removed from form fields and query parameters."""

    def _load_form_data(self) -> None:
        super()._load_form_data()
        form = self.__dict__.get("form")
        if form is not None and any("\x00" in k or "\x00" in v for k, v in form.items(multi=True)):
            self.__dict__["form"] = _without_nul(form)

    @cached_property
    def args(self) -> MultiDict[str, str]:  # type: ignore[override]
        args = SansioRequest.__dict__["args"].fget(self)
        if any("\x00" in k or "\x00" in v for k, v in args.items(multi=True)):
            return _without_nul(args)
        return args  # type: ignore[no-any-return]
