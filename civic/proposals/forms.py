"""Proposal, comment and co-author forms: shapes and lengths only."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileAllowed, FileField
from wtforms import EmailField, FloatField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from civic.core.errors import ValidationFailed
from civic.core.text import one_line
from civic.processes.models import Edition
from civic.proposals import images as image_store
from civic.proposals.services import ContactInput, ProposalInput
from civic.web.forms import AmountField

IMAGE_TYPES = ["jpg", "jpeg", "png", "webp"]


def _optional_int(value: Any) -> int | None:
    return int(value) if value not in (None, "", "0", 0) else None


class ImageCheck:
    """Check an uploaded picture in the form, so that a bad one is an error on its own field."""

    def __call__(self, form: Any, field: FileField) -> None:
        upload = field.data
        if not upload or not getattr(upload, "filename", ""):
            return
        try:
            image_store.check_image(upload.stream)
        except ValidationFailed as exc:
            raise ValidationError(str(exc.message)) from exc
        finally:
            upload.stream.seek(0)


def finite(form: Any, field: Any) -> None:
    """Refuse "NaN" and "inf", which Python reads as floats and no range check catches."""
    if field.data is not None and not math.isfinite(field.data):
        raise ValidationError(_l("Type a number, for example 43.6045."))


def _image_field(label: Any, **kwargs: Any) -> FileField:
    return FileField(
        label,
        validators=[FileAllowed(IMAGE_TYPES, _l("JPEG, PNG or WebP only.")), ImageCheck()],
        render_kw={
            "accept": "image/jpeg,image/png,image/webp",
            "data-max-bytes": image_store.MAX_BYTES,
            "data-too-large": image_store.TOO_MANY_BYTES,
        },
        **kwargs,
    )


class ProposalForm(FlaskForm):
    title = StringField(_l("Title"), validators=[DataRequired(), Length(min=5, max=200)], filters=[one_line])
    summary = TextAreaField(
        _l("Summary"),
        validators=[DataRequired(), Length(min=10, max=500)],
        description=_l("Two or three sentences shown in the list of proposals."),
    )
    description = TextAreaField(
        _l("Description"),
        validators=[DataRequired(), Length(min=20, max=20000)],
        description=_l("What, where, for whom, why. You can use Markdown: **bold**, lists, links."),
        render_kw={"rows": 10},
    )
    district_id = SelectField(_l("District"), coerce=_optional_int, choices=[], validate_choice=True)
    theme_id = SelectField(_l("Theme"), coerce=_optional_int, choices=[], validate_choice=True)
    estimated_cost = AmountField(
        _l("Estimated cost in euros (optional)"),
        validators=[Optional()],
        description=_l("Your best guess; the town's services will make their own estimate."),
    )
    address = StringField(
        _l("Location (address or place, optional)"), validators=[Optional(), Length(max=300)]
    )
    latitude = FloatField(_l("Latitude (optional)"), validators=[Optional(), finite, NumberRange(-90, 90)])
    longitude = FloatField(
        _l("Longitude (optional)"), validators=[Optional(), finite, NumberRange(-180, 180)]
    )
    image1 = _image_field(
        _l("Image 1 (optional)"), description=_l("JPEG, PNG or WebP, 5 MB and 40 megapixels at most.")
    )
    alt1 = StringField(
        _l("Description of image 1, for people who cannot see it"), validators=[Optional(), Length(max=300)]
    )
    image2 = _image_field(_l("Image 2 (optional)"))
    alt2 = StringField(
        _l("Description of image 2, for people who cannot see it"), validators=[Optional(), Length(max=300)]
    )
    image3 = _image_field(_l("Image 3 (optional)"))
    alt3 = StringField(
        _l("Description of image 3, for people who cannot see it"), validators=[Optional(), Length(max=300)]
    )

    # The version the editor started from: a newer one at save time means someone else saved meanwhile.
    version_count = HiddenField()

    def started_from(self) -> int | None:
        """Return the version number the form was opened on (None when absent or tampered with)."""
        raw = str(self.version_count.data or "")
        return int(raw) if raw.isdigit() and len(raw) < 10 else None

    def started_from_current(self, version_count: int) -> None:
        """Start again from ``version_count``, keeping the typed text (after an edit conflict)."""
        self.version_count.data = str(version_count)
        self.version_count.raw_data = [str(version_count)]

    def fill_choices(self, edition: Edition) -> None:
        """Offer the edition's districts and themes."""
        self.district_id.choices = [SelectChoice("", _l("Whole town"))] + [
            SelectChoice(d.district_id, d.district.name)
            for d in edition.districts  # type: ignore[arg-type]
        ]
        self.theme_id.choices = [SelectChoice("", _l("No theme"))] + [
            SelectChoice(t.id, t.name)
            for t in edition.themes  # type: ignore[arg-type]
        ]

    def validate_longitude(self, field: FloatField) -> None:
        if (self.latitude.data is None) != (field.data is None) and not self.latitude.errors:
            raise ValidationError(_l("Give both latitude and longitude, or neither."))

    def to_input(self) -> ProposalInput:
        """Return the validated data for the services."""
        return ProposalInput(
            title=self.title.data,
            summary=self.summary.data,
            description=self.description.data,
            district_id=self.district_id.data,
            theme_id=self.theme_id.data,
            estimated_cost_cents=self.estimated_cost.data,
            address=self.address.data,
            latitude=self.latitude.data,
            longitude=self.longitude.data,
        )

    def uploads(self) -> list[tuple[Any, str]]:
        """Return (file, alt text) for each image field that received a file."""
        pairs = [(self.image1, self.alt1), (self.image2, self.alt2), (self.image3, self.alt3)]
        return [(f.data, alt.data or "") for f, alt in pairs if f.data and getattr(f.data, "filename", "")]


class FrontDeskProposalForm(ProposalForm):
    contact_name = StringField(
        _l("Resident's name"),
        validators=[DataRequired(), Length(max=120)],
        description=_l("Kept private: visible to staff only, deleted with the edition's personal data."),
    )
    contact = StringField(
        _l("Resident's phone, e-mail or postal address"), validators=[DataRequired(), Length(max=300)]
    )

    def contact_input(self) -> ContactInput:
        return ContactInput(name=self.contact_name.data, contact=self.contact.data)


class CommentForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"), validators=[DataRequired(), Length(min=2, max=3000)], render_kw={"rows": 3}
    )
    parent_id = HiddenField()


class CommentEditForm(FlaskForm):
    body = TextAreaField(
        _l("Your comment"), validators=[DataRequired(), Length(min=2, max=3000)], render_kw={"rows": 3}
    )


class CoAuthorForm(FlaskForm):
    email = EmailField(
        _l("E-mail address of the person to invite"),
        validators=[DataRequired(), Email(check_deliverability=False), Length(max=254)],
    )


class ConfirmForm(FlaskForm):
    """A form with only the CSRF token, for one-button actions."""
