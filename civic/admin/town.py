"""Administration of the town: its name, logo and colours, and its public pages."""

from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user

from civic.admin.views import bp
from civic.core.errors import InvalidInput
from civic.core.town import forget_town_identity, town_identity
from civic.extensions import db
from civic.town import services
from civic.town.forms import PageForm, TownForm
from civic.town.models import PageKind
from civic.town.pages import PAGE_TITLES, default_text, forget_cached_texts, stored_texts
from civic.town.permissions import can_manage_town
from civic.web.decorators import permission_required
from civic.web.forms import add_problems
from civic.web.rendering import render


@bp.route("/town", methods=["GET", "POST"])
@permission_required(can_manage_town)
def town_settings() -> Response:
    town = town_identity()
    form = TownForm(
        data={
            "name": town.name,
            "primary_colour": town.primary_colour,
            "secondary_colour": town.secondary_colour,
        }
    )
    if form.validate_on_submit():
        try:
            services.update_town(actor=current_user, data=form.to_data())
        except InvalidInput as error:
            db.session.rollback()
            add_problems(form, error.problems)
        else:
            db.session.commit()
            forget_town_identity()
            flash(_("The town's settings have been saved."), "success")
            return redirect(url_for("admin.town_settings"), 303)  # type: ignore[return-value]
    return render("admin/town.html", form=form, town=town, status=422 if form.is_submitted() else 200)


@bp.get("/town/pages")
@permission_required(can_manage_town)
def town_pages() -> Response:
    edited = {kind: stored_texts(kind) for kind in PageKind}
    return render("admin/town_pages.html", titles=PAGE_TITLES, edited=edited)


@bp.route("/town/pages/<kind>", methods=["GET", "POST"])
@permission_required(can_manage_town)
def edit_town_page(kind: str) -> Response:
    page_kind = _kind(kind)
    stored = stored_texts(page_kind)
    data = {
        f"body_{lang}": stored[lang].body if lang in stored else default_text(page_kind, lang)
        for lang in ("fr", "en")
    }
    form = PageForm(data=data)
    if form.validate_on_submit():
        try:
            services.save_page(
                actor=current_user,
                kind=page_kind,
                texts={"fr": form.body_fr.data or "", "en": form.body_en.data or ""},
            )
        except InvalidInput as error:
            db.session.rollback()
            add_problems(form, error.problems)
        else:
            db.session.commit()
            forget_cached_texts()
            flash(_("The page “%(title)s” has been saved.", title=PAGE_TITLES[page_kind]), "success")
            return redirect(url_for("admin.town_pages"), 303)  # type: ignore[return-value]
    return render(
        "admin/town_page_form.html",
        form=form,
        kind=page_kind,
        title=PAGE_TITLES[page_kind],
        stored=stored,
        status=422 if form.is_submitted() else 200,
    )


def _kind(value: str) -> PageKind:
    try:
        return PageKind(value)
    except ValueError:
        abort(404)
