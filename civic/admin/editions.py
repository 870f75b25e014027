"""Administration of editions: create and edit editions, districts, themes and the phase calendar."""

from __future__ import annotations

from collections.abc import Callable

from flask import abort, flash, redirect, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user

from civic.admin.views import bp
from civic.extensions import db
from civic.processes import queries, services
from civic.processes.forms import MODE_LABELS, PHASE_LABELS, EditionForm, edition_form, edition_form_data
from civic.processes.models import Edition
from civic.processes.permissions import can_manage_editions
from civic.web.decorators import permission_required
from civic.web.rendering import render


@bp.get("/editions")
@permission_required(can_manage_editions)
def editions() -> Response:
    return render("admin/editions.html", editions=queries.all_editions(), euros=queries.format_euros)


@bp.route("/editions/new", methods=["GET", "POST"])
@permission_required(can_manage_editions)
def new_edition() -> Response:
    form = edition_form(queries.town_districts())
    if _saved(form, lambda data: services.create_edition(actor=current_user, data=data)):
        flash(_("The edition “%(name)s” has been created.", name=form.name.data.strip()), "success")
        return redirect(url_for("admin.editions"), 303)  # type: ignore[return-value]
    return _form_page(form, edition=None)


@bp.route("/editions/<int:edition_id>/edit", methods=["GET", "POST"])
@permission_required(can_manage_editions)
def edit_edition(edition_id: int) -> Response:
    edition = queries.edition_by_id(edition_id) or abort(404)
    form = edition_form(queries.town_districts(), data=edition_form_data(edition))
    if _saved(form, lambda data: services.update_edition(actor=current_user, edition=edition, data=data)):
        flash(_("The edition “%(name)s” has been saved.", name=edition.name), "success")
        return redirect(url_for("admin.editions"), 303)  # type: ignore[return-value]
    return _form_page(form, edition=edition)


def _saved(form: EditionForm, save: Callable[[services.EditionData], object]) -> bool:
    """Run ``save`` on a valid submission and commit; put the services' refusals on the form."""
    if not form.validate_on_submit():
        return False
    try:
        save(form.to_data())
    except services.EditionInvalid as error:
        db.session.rollback()
        form.add_problems(error.problems)
        return False
    db.session.commit()
    return True


def _form_page(form: EditionForm, *, edition: Edition | None) -> Response:
    return render(
        "admin/edition_form.html",
        form=form,
        edition=edition,
        phase_labels=PHASE_LABELS,
        mode_labels=MODE_LABELS,
        status=422 if form.is_submitted() else 200,
    )
