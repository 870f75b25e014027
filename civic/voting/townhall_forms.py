"""In-person forms: the officer's screen, the kiosk's ticket, a tally sheet's header, the minutes' remarks.

Shapes, lengths and ranges only: the services check the rules; a paper ballot's fields are read by
``civic.voting.filling`` as online.
"""

from __future__ import annotations

from datetime import date

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, ValidationError

from civic.voting.forms import WholeNumberField
from civic.voting.models import VotePool
from civic.voting.townhall import MAX_SHEET_BALLOTS, Medium

PLACE_HINT = _l(
    "The same name on every participation and sheet of this place, for example Mairie annexe Nord."
)


class InPersonVoteForm(FlaskForm):
    identifier = StringField(
        _l("Document number or census number"),
        description=_l("Only a keyed fingerprint is compared, never the number itself."),
        validators=[DataRequired(_l("Give the number of the document or of the census.")), Length(max=100)],
        render_kw={"autocomplete": "off"},
    )
    birth_date = DateField(
        _l("Birth date (checked on the document)"),
        validators=[DataRequired(_l("Give the birth date as a date."))],
    )
    place = StringField(
        _l("Polling place"),
        description=PLACE_HINT,
        validators=[DataRequired(_l("Give the polling place.")), Length(max=200)],
        render_kw={"list": "known-places", "autocomplete": "off"},
    )
    medium = RadioField(
        _l("The person votes"),
        choices=[
            SelectChoice(Medium.KIOSK, _l("at the kiosk (a ticket is printed)")),
            SelectChoice(Medium.PAPER, _l("on a paper ballot")),
        ],
        validators=[InputRequired(_l("Choose the kiosk or a paper ballot."))],
        default=Medium.KIOSK,
    )

    def validate_birth_date(self, field: DateField) -> None:
        if field.data is not None and not date(1900, 1, 1) <= field.data <= date.today():
            raise ValidationError(_l("Give a birth date between 1900 and today."))


class LostTicketForm(FlaskForm):
    """A new kiosk ticket for a person whose participation is recorded and whose ticket was lost."""

    identifier = StringField(
        _l("Document number or census number"),
        validators=[DataRequired(_l("Give the number of the document or of the census.")), Length(max=100)],
        render_kw={"autocomplete": "off"},
    )
    birth_date = DateField(
        _l("Birth date (checked on the document)"),
        validators=[DataRequired(_l("Give the birth date as a date."))],
    )


class TicketForm(FlaskForm):
    ticket = StringField(
        _l("Your ticket"),
        description=_l("10 letters and digits, as given by the officer, for example ABCDE-FGH23."),
        validators=[DataRequired(_l("Type the ticket given by the officer.")), Length(max=40)],
        render_kw={"autocomplete": "off", "autocapitalize": "characters", "spellcheck": "false"},
    )


class SheetHeaderForm(FlaskForm):
    """Which sheet is typed: the ballot box, the polling place, the sheet's number, how many ballots on it."""

    pool = SelectField(_l("Ballot box"), choices=[], validators=[InputRequired()])
    place = StringField(
        _l("Polling place"),
        description=PLACE_HINT,
        validators=[DataRequired(_l("Give the polling place.")), Length(max=200)],
        render_kw={"list": "known-places", "autocomplete": "off"},
    )
    number = WholeNumberField(
        _l("Sheet number"),
        validators=[InputRequired(_l("Give the sheet's number.")), NumberRange(min=1, max=100_000)],
        render_kw={"inputmode": "numeric"},
    )
    ballots = WholeNumberField(
        _l("Ballots with a choice on the sheet"),
        validators=[
            InputRequired(_l("Give the number of ballots.")),
            NumberRange(min=0, max=MAX_SHEET_BALLOTS),
        ],
        render_kw={"inputmode": "numeric"},
    )
    blank = WholeNumberField(
        _l("Blank or spoiled ballots"),
        validators=[Optional(), NumberRange(min=0, max=100_000)],
        render_kw={"inputmode": "numeric"},
        default=0,
    )

    def fill_choices(self, pools: list[VotePool]) -> None:
        self.pool.choices = [
            SelectChoice(str(p.id), p.district.name if p.district else _l("the whole town")) for p in pools
        ]


class RemarksForm(FlaskForm):
    remarks = TextAreaField(
        _l("Remarks of the minutes"),
        description=_l("Incidents, the difference between participations and ballots and its reason."),
        validators=[Length(max=5000)],
    )
