"""Administration: people and their roles, and the audit log."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.wrappers import Response
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import or_, select

from civic.accounts import services
from civic.accounts.models import RoleGrant, User
from civic.accounts.permissions import can_manage_roles, can_view_users
from civic.accounts.roles import Role
from civic.admin.forms import ROLE_LABELS, RoleChangeForm
from civic.extensions import db, htmx
from civic.web.decorators import permission_required
from civic.web.rendering import render
from civic.web.templating import french_elision

bp = Blueprint("admin", __name__, url_prefix="/admin")
PER_PAGE = 50


@bp.get("/users")
@permission_required(can_view_users)
def users() -> Response:
    query = request.args.get("q", "").strip()[:100]
    role = request.args.get("role", "")
    stmt = select(User).where(User.deleted_at.is_(None)).order_by(User.display_name, User.id)
    if query:
        pattern = f"%{query.lower()}%"
        stmt = stmt.where(or_(User.email.like(pattern), User.display_name.ilike(pattern)))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role_grants.any(RoleGrant.role == Role(role)))
    page = db.paginate(stmt, per_page=PER_PAGE, error_out=False)
    return render(
        "admin/users.html",
        fragment="admin/_user_list.html",
        page=page,
        query=query,
        role=role,
        role_labels=ROLE_LABELS,
    )


@bp.get("/users/<int:user_id>")
@permission_required(can_view_users)
def user_detail(user_id: int) -> Response:
    user = _live_user(user_id)
    return render("admin/user.html", user=user, form=RoleChangeForm(), role_labels=ROLE_LABELS)


@bp.post("/users/<int:user_id>/roles")
@permission_required(can_manage_roles)
def change_role(user_id: int) -> Response:
    user = _live_user(user_id)
    form = RoleChangeForm()
    if not form.validate_on_submit():
        abort(422)
    role = Role(form.role.data)
    change = services.grant_role if form.action.data == "grant" else services.revoke_role
    change(actor=current_user, target=user, role=role)
    db.session.commit()
    flash(french_elision(_("Roles of %(name)s updated.", name=user.display_name)), "success")
    if htmx:
        return render(
            "admin/user.html",
            fragment="admin/_roles.html",
            user=user,
            form=RoleChangeForm(),
            role_labels=ROLE_LABELS,
        )
    return redirect(url_for("admin.user_detail", user_id=user.id), 303)  # type: ignore[return-value]


def _live_user(user_id: int) -> User:
    user = db.session.get(User, user_id)
    if user is None or user.deleted_at is not None:
        abort(404)
    return user


# Edition screens live in their own module but on the same blueprint.
from civic.admin import audit_views as _audit_views  # noqa: E402, F401
from civic.admin import districts as _districts  # noqa: E402, F401
from civic.admin import editions as _editions  # noqa: E402, F401
from civic.admin import town as _town  # noqa: E402, F401
