"""Registration, confirmation, login/logout, password reset, profile, export and deletion."""

from __future__ import annotations

import json

from flask import Blueprint, current_app, flash, redirect, request, session, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user
from sqlalchemy import inspect, select

from civic.accounts import passwords, services
from civic.accounts.forms import (
    DeleteAccountForm,
    LoginForm,
    ProfileForm,
    RegisterForm,
    ResetPasswordForm,
    ResetRequestForm,
)
from civic.accounts.models import User
from civic.accounts.permissions import can_change_role, can_view_users, may_use_remember_me
from civic.accounts.roles import AgeBracket
from civic.extensions import db, limiter
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


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit(lambda: _limit("LOGIN_RATE_LIMIT"), methods=["POST"], deduct_when=_failed)
@limiter.limit("20 per hour", methods=["POST"], key_func=_form_email, deduct_when=_failed)
def login() -> Response:
    form = LoginForm()
    if form.validate_on_submit():
        result, user = services.authenticate(email=form.email.data, password=form.password.data)
        db.session.commit()
        if user is not None:
            session.pop("lang", None)
            login_user(user, remember=bool(form.remember.data) and may_use_remember_me(user.roles))
            flash(_("Welcome, %(name)s.", name=user.display_name), "success")
            return redirect(safe_next(request.args.get("next"), url_for("web.index")), 303)  # type: ignore[return-value]
        if result is services.LoginResult.UNCONFIRMED:
            flash(_("Please confirm your e-mail address first: we have sent you a new link."), "warning")
        else:
            flash(_("Wrong e-mail address or password."), "error")
    return render("accounts/login.html", form=form, status=422 if form.is_submitted() else 200)


@bp.post("/logout")
def logout() -> Response:
    logout_user()
    flash(_("You are logged out."), "success")
    return redirect(url_for("web.index"), 303)  # type: ignore[return-value]


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
    form = ProfileForm(obj=current_user if request.method == "GET" else None)
    form.fill_choices(_district_choices())
    if request.method == "GET":
        form.district_id.data = current_user.district_id or 0
        form.age_bracket.data = current_user.age_bracket.value if current_user.age_bracket else ""
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
    return render("accounts/profile.html", form=form, status=422 if form.is_submitted() else 200)


@bp.get("/account/export")
@login_required
def export() -> Response:
    data = services.export_personal_data(actor=current_user, user=current_user)
    response = Response(json.dumps(data, ensure_ascii=False, indent=2), mimetype="application/json")
    response.headers["Content-Disposition"] = 'attachment; filename="civic-personal-data.json"'
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/account/delete", methods=["GET", "POST"])
@login_required
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
            return redirect(url_for("web.index"), 303)  # type: ignore[return-value]
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
