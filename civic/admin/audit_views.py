"""The audit log's pages: the filtered, paginated list and its CSV export."""

from __future__ import annotations

from flask import abort, request
from flask.wrappers import Response
from flask_login import current_user

from civic.accounts.permissions import can_view_audit_log
from civic.admin import audit
from civic.admin.views import bp
from civic.core import audit as audit_log_records
from civic.core.time import utcnow
from civic.extensions import db
from civic.web.decorators import permission_required
from civic.web.rendering import render


@bp.get("/audit")
@permission_required(can_view_audit_log)
def audit_log() -> Response:
    form = _filter_form()
    if not form.validate():
        return _page(form, page=None, status=422)
    filters = form.filters()
    page = db.paginate(audit.filtered(filters), page=_page_number(), per_page=audit.PER_PAGE, error_out=False)
    return _page(form, page=page, filters=filters)


@bp.get("/audit.csv")
@permission_required(can_view_audit_log)
def audit_export() -> Response:
    form = _filter_form()
    if not form.validate():
        return _page(form, page=None, status=422)
    filters = form.filters()
    entries = db.session.scalars(audit.filtered(filters).limit(audit.EXPORT_MAX_ROWS))
    body, count = audit.export_csv(entries)
    # Reading the log in bulk is itself a staff action worth a trace.
    audit_log_records.record(
        actor_id=current_user.id,
        action="audit.export",
        target_type="audit",
        after={"filters": filters.query_args(), "rows": count},
    )
    db.session.commit()
    response = Response(body, mimetype="text/csv")
    response.headers["Content-Type"] = "text/csv; charset=utf-8"
    stamp = utcnow().strftime("%Y%m%d-%H%M")
    response.headers["Content-Disposition"] = f'attachment; filename="civic-audit-{stamp}.csv"'
    response.headers["Cache-Control"] = "no-store"
    return response


def _filter_form() -> audit.AuditFilterForm:
    form = audit.AuditFilterForm(request.args)
    form.fill_choices()
    return form


def _page_number() -> int:
    raw = request.args.get("page", "1")
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 6 or not 1 <= int(raw) <= audit.MAX_PAGE:
        abort(404)
    return int(raw)


def _page(
    form: audit.AuditFilterForm,
    *,
    page: object,
    filters: audit.AuditFilters | None = None,
    status: int = 200,
) -> Response:
    return render(
        "admin/audit.html",
        form=form,
        page=page,
        query_args=filters.query_args() if filters else {},
        action_label=audit.action_label,
        target_label=audit.target_label,
        target_url=audit.target_url,
        actor_name=audit.actor_name,
        status=status,
    )
