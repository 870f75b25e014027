"""Voter roll forms: shapes, lengths and ranges only (the services check the rules)."""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import DateField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from civic.eligibility.codes import MAX_CODES
from civic.processes.models import Edition


class ConfirmForm(FlaskForm):
    """A form with its CSRF token only."""


def _birth_date(field: DateField) -> None:
    if field.data is not None and not date(1900, 1, 1) <= field.data <= date.today():
        raise ValidationError(_l("Give a birth date between 1900 and today."))


def district_choices(edition: Edition, *, none_label: object) -> list[tuple[str, object]]:
    return [("", none_label)] + [
        (str(d.district_id), d.district.name)
        for d in sorted(edition.districts, key=lambda d: d.district.name)
    ]


def chosen_district(field: SelectField) -> int | None:
    value = field.data
    return int(value) if value and str(value).isdigit() else None


class LinkIdentifierForm(FlaskForm):
    identifier = StringField(
        _l("Your identifier on the census letter"),
        description=_l("Spaces, hyphens and dots do not matter."),
        validators=[DataRequired(_l("Give your identifier.")), Length(max=100)],
    )
    birth_date = DateField(
        _l("Your birth date"),
        description=_l("For example 25/04/1990."),
        validators=[DataRequired(_l("Give your birth date as a date."))],
    )

    def validate_birth_date(self, field: DateField) -> None:
        _birth_date(field)


class LinkCodeForm(FlaskForm):
    code = StringField(
        _l("Access code"),
        description=_l("12 letters and digits, as printed on your letter, for example ABCD-EFGH-JKMN."),
        validators=[DataRequired(_l("Give the code printed on your letter.")), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class InPersonForm(FlaskForm):
    identifier = StringField(
        _l("Document number or census number"),
        description=_l("Only a keyed fingerprint is stored, never the number itself."),
        validators=[DataRequired(_l("Give the number of the document or of the census.")), Length(max=100)],
        render_kw={"autocomplete": "off"},
    )
    birth_date = DateField(
        _l("Birth date (checked on the document)"),
        validators=[DataRequired(_l("Give the birth date as a date."))],
    )
    district_id = SelectField(_l("District where the person lives (checked)"), choices=[])

    def fill_choices(self, edition: Edition) -> None:
        self.district_id.choices = district_choices(edition, none_label=_l("— no district —"))

    def validate_birth_date(self, field: DateField) -> None:
        _birth_date(field)


class CensusUploadForm(FlaskForm):
    file = FileField(
        _l("Census list (CSV)"),
        description=_l(
            "Columns identifier, birth_date (1990-04-25, or the year only) and district (slug or name), "
            "separated by ; or , in UTF-8. French headers identifiant;date_naissance;quartier also work."
        ),
        validators=[FileRequired(_l("Choose a CSV file."))],
    )


class CensusConfirmForm(FlaskForm):
    token = HiddenField(validators=[DataRequired(), Length(max=64)])


class AccessCodesForm(FlaskForm):
    count = IntegerField(
        _l("Number of letters"),
        description=_l("One code per person, at most %(n)d at a time.", n=MAX_CODES),
        validators=[
            DataRequired(_l("Give a number of letters.")),
            NumberRange(1, MAX_CODES, _l("Give a number between 1 and %(n)d.", n=MAX_CODES)),
        ],
    )
    district_id = SelectField(_l("District"), choices=[])

    def fill_choices(self, edition: Edition) -> None:
        self.district_id.choices = district_choices(edition, none_label=_l("— the whole town —"))


class MinimumAgeForm(FlaskForm):
    minimum_voting_age = IntegerField(
        _l("Minimum age on the vote day"),
        description=_l("Leave empty for no minimum."),
        validators=[Optional(), NumberRange(0, 120, _l("Give an age between 0 and 120."))],
    )
