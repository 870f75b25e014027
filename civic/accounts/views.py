"""Registration, confirmation, login/logout, password reset, profile, export and deletion."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import inspect, select

from civic.accounts import passwords, services, sessions
from civic.accounts.forms import (
    ChangePasswordForm,
    DeleteAccountForm,
    EndSessionsForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from civic.accounts.models import User
from civic.accounts.permissions import can_change_role, can_view_users, may_use_remember_me
from civic.accounts.roles import AgeBracket
from civic.core.errors import ValidationFailed
from civic.extensions import db, limiter
from civic.web.limits import account_key, configured, failed
from civic.web.rendering import render
from civic.web.views import safe_next

bp = Blueprint("accounts", __name__)
# Template helpers this package owns (civic.web imports no domain package: each blueprint registers its own).
bp.add_app_template_global(can_view_users, "can_view_users")
bp.add_app_template_global(can_change_role, "can_change_role")


def _limit(config_key: str) -> str:
    return str(current_app.config[config_key])


def _failed(response: Response) -> bool:
    return response.status_code != 303


def _form_email() -> str:
    return services.normalise_email(request.form.get("email", ""))[:254] or "-"


@bp.route("/register", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("REGISTER_RATE_LIMIT"), methods=["POST"])
def register() -> Response:
    form = RegisterForm()
    if form.validate_on_submit():
        services.register(
            email=form.email.data,
            display_name=form.display_name.data,
            password=form.password.data,
            locale=_current_locale(),
        )
        db.session.commit()
        return redirect(url_for("accounts.check_inbox"), 303)  # type: ignore[return-value]
    return render("accounts/register.html", form=form, status=422 if form.is_submitted() else 200)


@bp.get("/register/check-your-inbox")
def check_inbox() -> Response:
    return render("accounts/check_inbox.html")


@bp.get("/confirm/<token>")
def confirm(token: str) -> Response:
    user = services.confirm_email(token=token)
    db.session.commit()
    if user is None:
        return render("accounts/confirm_failed.html", status=400)
    flash(_("Your e-mail address is confirmed. You can now log in."), "success")
    return redirect(url_for("accounts.login"), 303)  # type: ignore[return-value]


def _login_account_key() -> str:
    # Namespaced so that an e-mail address can never collide with a remote-address key.
    return "account:" + _form_email()


# Only failures count (deduct_when): per account a few, per address many, so that one person's typos
# lock out neither their neighbours behind a town hall's shared address nor anyone else's account.
@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("LOGIN_ADDRESS_RATE_LIMIT"), methods=["POST"], deduct_when=_failed)
@limiter.limit(
    lambda: _limit("LOGIN_ACCOUNT_RATE_LIMIT"), methods=["POST"], key_func=_login_account_key, deduct_when=_failed
)
def login() -> Response:
    form = LoginForm()
    if form.validate_on_submit():
        result, user = services.authenticate(email=form.email.data, password=form.password.data)
        if user is not None:
            sessions.start_session(user=user, user_agent=request.user_agent.string)
        db.session.commit()
        if user is not None:
            session.pop("lang", None)
            login_user(user, remember=bool(form.remember.data) and may_use_remember_me(user.roles))
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("home.index")), 303)  # type: ignore[return-value]
        if result is services.LoginResult.UNCONFIRMED:
            flash(_("Please confirm your e-mail address first: we have sent you a new link."), "warning")
        else:
            flash(_("Wrong e-mail address or password."), "error")
    return render("accounts/login.html", form=form, status=422 if form.is_submitted() else 200)


@bp.post("/logout")
def logout() -> Response:
    if current_user.is_authenticated:
        sessions.end_session(token=current_user.session_token)
        db.session.commit()
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("home.index"), 303)  # type: ignore[return-value]


@bp.route("/reset", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("RESET_RATE_LIMIT"), methods=["POST"])
def reset_request() -> Response:
    form = ResetRequestForm()
    if form.validate_on_submit():
        services.request_password_reset(email=form.email.data)
        db.session.commit()
        return redirect(url_for("accounts.reset_sent"), 303)  # type: ignore[return-value]
    return render("accounts/reset_request.html", form=form, status=422 if form.is_submitted() else 200)


@bp.get("/reset/sent")
def reset_sent() -> Response:
    return render("accounts/reset_sent.html")


@bp.route("/reset/<token>", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("RESET_RATE_LIMIT"), methods=["POST"])
def reset(token: str) -> Response:
    user = services.user_for_reset_token(token)
    if user is None:
        return render("accounts/reset_invalid.html", status=400)
    form = ResetPasswordForm()
    if form.validate_on_submit():
        services.reset_password(user=user, new_password=form.password.data)
        db.session.commit()
        logout_user()
        flash(_("Your password has been changed. You can now log in."), "success")
        return redirect(url_for("accounts.login"), 303)  # type: ignore[return-value]
    return render("accounts/reset.html", form=form, status=422 if form.is_submitted() else 200)


@bp.route("/account", methods=["GET", "POST"])
@login_required
def profile() -> Response:
    form = _profile_form(filled=request.method == "GET")
    if form.validate_on_submit():
        services.update_profile(
            actor=current_user,
            user=current_user,
            display_name=form.display_name.data,
            district_id=form.district_id.data or None,
            age_bracket=AgeBracket(form.age_bracket.data) if form.age_bracket.data else None,
            locale=form.locale.data,
        )
        db.session.commit()
        flash(_("Your profile has been saved."), "success")
        return redirect(url_for("accounts.profile"), 303)  # type: ignore[return-value]
    return _profile_page(form=form, status=422 if form.is_submitted() else 200)


def _profile_form(*, filled: bool) -> ProfileForm:
    """Return the profile form, showing the saved profile (``filled``) or the submitted input."""
    form = ProfileForm(formdata=None, obj=current_user) if filled else ProfileForm()
    form.fill_choices(_district_choices())
    if filled:
        form.district_id.data = current_user.district_id or 0
        form.age_bracket.data = current_user.age_bracket.value if current_user.age_bracket else ""
    return form


def _profile_page(**context: object) -> Response:
    """Render My account: the profile, password and sessions forms (one of them may carry errors)."""
    if "form" not in context:
        context["form"] = _profile_form(filled=True)
    context.setdefault("password_form", ChangePasswordForm(formdata=None))
    context.setdefault("sessions_form", EndSessionsForm(formdata=None))
    return render(
        "accounts/profile.html",
        status=int(context.pop("status", 200)),  # type: ignore[call-overload]
        active_sessions=sessions.active_sessions(current_user),
        current_session=sessions.hash_token(current_user.session_token),
        **context,
    )


@bp.post("/account/password")
@login_required
@limiter.limit(configured("REAUTH_RATE_LIMIT"), key_func=account_key, deduct_when=failed)
def change_password() -> Response:
    form = ChangePasswordForm()
    if form.validate_on_submit():
        try:
            services.change_password(
                actor=current_user,
                user=current_user,
                current_password=form.current_password.data,
                new_password=form.password.data,
            )
        except ValidationFailed as error:
            form.current_password.errors.append(str(error.message))  # type: ignore[attr-defined]
        else:
            db.session.commit()
            flash(_("Your password has been changed. Your other sessions have been logged out."), "success")
            return redirect(url_for("accounts.profile"), 303)  # type: ignore[return-value]
    return _profile_page(password_form=form, status=422)


@bp.post("/account/sessions/end-others")
@login_required
def end_other_sessions() -> Response:
    form = EndSessionsForm()
    if not form.validate_on_submit():
        return _profile_page(sessions_form=form, status=422)
    count = services.log_out_other_sessions(actor=current_user)
    db.session.commit()
    message = ngettext(
        "%(num)d other session has been logged out.", "%(num)d other sessions have been logged out.", count
    )
    flash(message, "success")
    return redirect(url_for("accounts.profile"), 303)  # type: ignore[return-value]


@bp.get("/account/export")
@login_required
def export() -> Response:
    data = services.export_personal_data(actor=current_user, user=current_user)
    return _download(data, "application/json", "civic-personal-data.json")


@bp.get("/account/export.zip")
@login_required
def export_csv() -> Response:
    data = services.export_personal_data(actor=current_user, user=current_user, as_csv=True)
    return _download(data, "application/zip", "civic-personal-data-csv.zip")


def _download(data: str | bytes, mimetype: str, filename: str) -> Response:
    response = Response(data, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
@limiter.limit(configured("REAUTH_RATE_LIMIT"), methods=["POST"], key_func=account_key, deduct_when=failed)
def delete() -> Response:
    form = DeleteAccountForm()
    if form.validate_on_submit():
        if passwords.verify_password(current_user.password_hash, form.password.data):
            services.delete_account(actor=current_user, user=current_user)
            db.session.commit()
            logout_user()
            flash(
                _("Your account has been deleted. Your name and e-mail address have been erased."), "success"
            )
            return redirect(url_for("home.index"), 303)  # type: ignore[return-value]
        form.password.errors.append(_("Wrong password."))
    return render("accounts/delete.html", form=form, status=422 if form.is_submitted() else 200)


def _district_choices() -> list[tuple[int, str]]:
    # Districts belong to civic.processes, a higher layer: reach the model through the user's relationship.
    district = inspect(User).relationships["district"].mapper.class_
    return [(d.id, d.name) for d in db.session.scalars(select(district).order_by(district.name))]


def _current_locale() -> str:
    from flask_babel import get_locale

    locale = get_locale()
    return locale.language if locale else "fr"
