"""Account forms: shapes and lengths; business rules live in services."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Email, EqualTo, Length, ValidationError

from civic.accounts import passwords
from civic.accounts.roles import AgeBracket

AGE_BRACKET_LABELS = {
    AgeBracket.UNDER_18: _l("Under 18"),
    AgeBracket.FROM_18_TO_24: _l("18 to 24"),
    AgeBracket.FROM_25_TO_34: _l("25 to 34"),
    AgeBracket.FROM_35_TO_49: _l("35 to 49"),
    AgeBracket.FROM_50_TO_64: _l("50 to 64"),
    AgeBracket.OVER_65: _l("65 and over"),
}
LANGUAGE_CHOICES = [
    SelectChoice("fr", "Français", render_kw={"lang": "fr"}),
    SelectChoice("en", "English", render_kw={"lang": "en"}),
]


class StrongPassword:
    """Refuse short and common passwords, and ones built from the person's own name or e-mail."""

    def __init__(self, *other_fields: str) -> None:
        self.other_fields = other_fields

    def __call__(self, form: FlaskForm, field: Any) -> None:
        inputs = [str(getattr(form, name).data or "") for name in self.other_fields]
        problems = passwords.password_problems(field.data or "", user_inputs=inputs)
        if "too_short" in problems:
            raise ValidationError(_l("Use at least 12 characters."))
        if "too_common" in problems:
            raise ValidationError(
                _l("This password is too common or too easy to guess. A few unrelated words work well.")
            )


email_field_kwargs: dict[str, Any] = {
    "validators": [DataRequired(), Email(check_deliverability=False), Length(max=254)],
    "render_kw": {"autocomplete": "email"},
}


class RegisterForm(FlaskForm):
    email = EmailField(_l("E-mail address"), **email_field_kwargs)
    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(), Length(min=2, max=80)],
        description=_l("Shown next to your proposals and comments."),
        render_kw={"autocomplete": "nickname"},
    )
    password = PasswordField(
        _l("Password"),
        validators=[DataRequired(), StrongPassword("email", "display_name")],
        description=_l("At least 12 characters; a few unrelated words work well."),
        render_kw={"autocomplete": "new-password"},
    )


class LoginForm(FlaskForm):
    email = EmailField(_l("E-mail address"), **email_field_kwargs)
    password = PasswordField(
        _l("Password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )
    remember = BooleanField(_l("Keep me logged in on this device (not for staff accounts)"))


class ResetRequestForm(FlaskForm):
    email = EmailField(_l("E-mail address"), **email_field_kwargs)


class ResetPasswordForm(FlaskForm):
    password = PasswordField(
        _l("New password"),
        validators=[DataRequired(), StrongPassword()],
        description=_l("At least 12 characters; a few unrelated words work well."),
        render_kw={"autocomplete": "new-password"},
    )
    confirm = PasswordField(
        _l("Repeat the new password"),
        validators=[DataRequired(), EqualTo("password", message=_l("The two passwords differ."))],
        render_kw={"autocomplete": "new-password"},
    )


class ProfileForm(FlaskForm):
    display_name = StringField(
        _l("Display name"),
        validators=[DataRequired(), Length(min=2, max=80)],
        render_kw={"autocomplete": "nickname"},
    )
    district_id = SelectField(_l("District"), coerce=int, choices=[])
    age_bracket = SelectField(
        _l("Age bracket (optional)"),
        choices=[],
        description=_l("Only used, anonymously, for participation statistics."),
    )
    locale = SelectField(_l("Preferred language"), choices=LANGUAGE_CHOICES)

    def fill_choices(self, districts: list[tuple[int, str]]) -> None:
        """Load district and age-bracket choices (labels translated at render time)."""
        self.district_id.choices = [SelectChoice(0, _l("I'd rather not say"))] + [  # type: ignore[arg-type]
            SelectChoice(district_id, name)
            for district_id, name in districts  # type: ignore[arg-type]
        ]
        self.age_bracket.choices = [SelectChoice("", _l("I'd rather not say"))] + [
            SelectChoice(bracket.value, label) for bracket, label in AGE_BRACKET_LABELS.items()
        ]


class DeleteAccountForm(FlaskForm):
    password = PasswordField(
        _l("Your password, to confirm"),
        validators=[DataRequired()],
        render_kw={"autocomplete": "current-password"},
    )
    confirm = BooleanField(
        _l("I understand that my name and e-mail will be erased and that this cannot be undone."),
        validators=[DataRequired(message=_l("Tick the box to confirm."))],
    )


class ChangePasswordForm(ResetPasswordForm):
    """A new password as in a reset, behind the current one."""

    current_password = PasswordField(
        _l("Current password"), validators=[DataRequired()], render_kw={"autocomplete": "current-password"}
    )


class EndSessionsForm(FlaskForm):
    """Only the CSRF token: logging out the other sessions needs no input."""
