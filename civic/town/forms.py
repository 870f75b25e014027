"""Forms of the town's settings and pages: shapes and lengths; colour rules live in services."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from civic.town import logo as logo_rules
from civic.town.pages import MAX_PAGE_LENGTH
from civic.town.services import NAME_MAX_LENGTH, TownData


class TownForm(FlaskForm):
    name = StringField(
        _l("Name of the town"),
        validators=[DataRequired(), Length(max=NAME_MAX_LENGTH)],
        description=_l("Shown in every page's header, in the window title and in e-mails."),
    )
    primary_colour = StringField(
        _l("Primary colour"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("Links and buttons, and white text on it. For example #1d4ed8."),
    )
    secondary_colour = StringField(
        _l("Secondary colour"),
        validators=[DataRequired(), Length(max=20)],
        description=_l("A light colour for the page footer, with dark text on it. For example #e0e7ff."),
    )
    logo = FileField(
        _l("Logo"),
        render_kw={"accept": "image/png,image/jpeg"},
        description=_l(
            "A PNG or JPEG image of 2 MB at most, shown about 40 pixels high in the header. SVG is not accepted."
        ),
    )
    remove_logo = BooleanField(_l("Remove the current logo"))

    def to_data(self) -> TownData:
        upload = self.logo.data
        logo = None
        if upload is not None and getattr(upload, "filename", ""):
            # One byte over the limit is enough for the service to say "too large".
            logo = upload.stream.read(logo_rules.MAX_BYTES + 1)
        return TownData(
            name=self.name.data or "",
            primary_colour=self.primary_colour.data or "",
            secondary_colour=self.secondary_colour.data or "",
            logo=logo,
            remove_logo=bool(self.remove_logo.data),
        )


class PageForm(FlaskForm):
    body_fr = TextAreaField(
        _l("Text in French"),
        validators=[Length(max=MAX_PAGE_LENGTH)],
        description=_l(
            "Markdown. Leave empty to use Civic's default text. {town} is replaced by the town's name."
        ),
    )
    body_en = TextAreaField(
        _l("Text in English"),
        validators=[Length(max=MAX_PAGE_LENGTH)],
        description=_l(
            "Markdown. Leave empty to use Civic's default text. {town} is replaced by the town's name."
        ),
    )
