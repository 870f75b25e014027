"""Administration of the town's districts and of each edition's themes."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, url_for
from flask.wrappers import Response
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select

from civic.admin.forms import ConfirmForm, DistrictForm, ThemeForm
from civic.admin.views import bp
from civic.core.errors import Conflict, InvalidInput
from civic.core.references import reference_counts
from civic.extensions import db
from civic.processes import districts as services
from civic.processes import queries
from civic.processes.models import District, Edition, Theme
from civic.processes.permissions import can_manage_editions
from civic.web.decorators import permission_required
from civic.web.forms import add_problems
from civic.web.rendering import render


@bp.get("/districts")
@permission_required(can_manage_editions)
def districts() -> Response:
    uses = reference_counts("district")
    return render(
        "admin/districts.html",
        districts=queries.town_districts(),
        uses={district_id: services.describe_uses(counts) for district_id, counts in uses.items()},
        number=format_decimal,
    )


@bp.route("/districts/new", methods=["GET", "POST"])
@permission_required(can_manage_editions)
def new_district() -> Response:
    form = DistrictForm()
    if _saved(form, lambda: services.create_district(actor=current_user, data=form.to_data())):
        flash(_("The district “%(name)s” has been created.", name=form.name.data.strip()), "success")
        return redirect(url_for("admin.districts"), 303)  # type: ignore[return-value]
    return _form_page("admin/district_form.html", form, district=None)


@bp.route("/districts/<int:district_id>/edit", methods=["GET", "POST"])
@permission_required(can_manage_editions)
def edit_district(district_id: int) -> Response:
    district = db.session.get(District, district_id) or abort(404)
    form = DistrictForm(obj=district)
    if _saved(
        form, lambda: services.update_district(actor=current_user, district=district, data=form.to_data())
    ):
        flash(_("The district “%(name)s” has been saved.", name=district.name), "success")
        return redirect(url_for("admin.districts"), 303)  # type: ignore[return-value]
    return _form_page("admin/district_form.html", form, district=district)


@bp.route("/districts/<int:district_id>/delete", methods=["GET", "POST"])
@permission_required(can_manage_editions)
def delete_district(district_id: int) -> Response:
    district = db.session.get(District, district_id) or abort(404)
    name = district.name
    return _confirm_delete(
        ConfirmForm(),
        lambda: services.delete_district(actor=current_user, district=district),
        done=lambda: (_("The district “%(name)s” has been deleted.", name=name), url_for("admin.districts")),
        blocked=services.deletion_refusal("district", district_id, name),
        page={
            "thing": name,
            "cancel_url": url_for("admin.districts"),
            "action": url_for("admin.delete_district", district_id=district_id),
        },
    )


@bp.route("/editions/<int:edition_id>/themes", methods=["GET", "POST"])
@permission_required(can_manage_editions)
def themes(edition_id: int) -> Response:
    edition = db.session.get(Edition, edition_id) or abort(404)
    form = ThemeForm()
    if _saved(form, lambda: services.create_theme(actor=current_user, edition=edition, name=form.name.data)):
        flash(_("The theme “%(name)s” has been added.", name=form.name.data.strip()), "success")
        return redirect(url_for("admin.themes", edition_id=edition.id), 303)  # type: ignore[return-value]
    rows = list(db.session.scalars(select(Theme).where(Theme.edition_id == edition.id).order_by(Theme.name)))
    uses = reference_counts("theme")
    return render(
        "admin/themes.html",
        edition=edition,
        themes=rows,
        uses={theme_id: services.describe_uses(counts) for theme_id, counts in uses.items()},
        form=form,
        status=422 if form.is_submitted() else 200,
    )


@bp.route("/themes/<int:theme_id>/edit", methods=["GET", "POST"])
@permission_required(can_manage_editions)
def edit_theme(theme_id: int) -> Response:
    theme = db.session.get(Theme, theme_id) or abort(404)
    form = ThemeForm(obj=theme)
    if _saved(form, lambda: services.rename_theme(actor=current_user, theme=theme, name=form.name.data)):
        flash(_("The theme “%(name)s” has been saved.", name=theme.name), "success")
        return redirect(url_for("admin.themes", edition_id=theme.edition_id), 303)  # type: ignore[return-value]
    return _form_page("admin/theme_form.html", form, theme=theme)


@bp.route("/themes/<int:theme_id>/delete", methods=["GET", "POST"])
@permission_required(can_manage_editions)
def delete_theme(theme_id: int) -> Response:
    theme = db.session.get(Theme, theme_id) or abort(404)
    name, edition_id = theme.name, theme.edition_id
    back = url_for("admin.themes", edition_id=edition_id)
    return _confirm_delete(
        ConfirmForm(),
        lambda: services.delete_theme(actor=current_user, theme=theme),
        done=lambda: (_("The theme “%(name)s” has been deleted.", name=name), back),
        blocked=services.deletion_refusal("theme", theme_id, name),
        page={"thing": name, "cancel_url": back, "action": url_for("admin.delete_theme", theme_id=theme_id)},
    )


def _saved(form: FlaskForm, save: Callable[[], object]) -> bool:
    """Run ``save`` on a valid submission and commit; put the services' refusals on the form."""
    if not form.validate_on_submit():
        return False
    try:
        save()
    except InvalidInput as error:
        db.session.rollback()
        add_problems(form, error.problems)
        return False
    db.session.commit()
    return True


def _form_page(template: str, form: FlaskForm, **context: object) -> Response:
    return render(template, form=form, status=422 if form.is_submitted() else 200, **context)


def _confirm_delete(
    form: ConfirmForm,
    delete: Callable[[], None],
    *,
    done: Callable[[], tuple[str, str]],
    blocked: str | None,
    page: dict[str, str],
) -> Response:
    """Ask for confirmation (GET); delete on a confirmed POST, or say why it cannot be deleted (409)."""
    refusal = None
    if blocked is not None and not form.is_submitted():
        # Say at once why, rather than offering a button that can only fail.
        return render("admin/confirm_delete.html", form=form, refusal=blocked, **page)
    if form.validate_on_submit():
        try:
            delete()
        except Conflict as error:
            db.session.rollback()
            refusal = str(error.message)
        else:
            db.session.commit()
            message, url = done()
            flash(message, "success")
            return redirect(url, 303)  # type: ignore[return-value]
    status = 409 if refusal else (400 if form.is_submitted() else 200)
    return render("admin/confirm_delete.html", form=form, refusal=refusal, status=status, **page)
