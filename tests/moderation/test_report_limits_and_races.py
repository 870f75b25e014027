"""Reports are rate-limited per account with a friendly answer; two reports reaching the auto-hide
threshold at the same moment hide the content once and send its author one e-mail."""

from __future__ import annotations

import threading

from sqlalchemy import select

from civic.core.audit import AuditEntry
from civic.extensions import db
from civic.moderation import queries
from civic.moderation.models import Report
from civic.proposals.models import Comment
from tests.conftest import csrf_token, log_in
from tests.factories import create_comment, create_report, create_user


def _post_report(client, comment_id: int, token: str, **headers: str):
    return client.post(
        "/moderation/report",
        data={"csrf_token": token, "target_type": "comment", "target_id": str(comment_id), "reason": "spam"},
        headers=headers,
    )


def _token(client, comment_id: int) -> str:
    return csrf_token(client, f"/moderation/report?target_type=comment&target_id={comment_id}")


def test_reports_are_limited_per_account_with_a_friendly_page(app, client):
    app.config["REPORT_RATE_LIMIT"] = "2 per hour"
    comments = [create_comment() for _ in range(4)]
    eager = create_user(locale="en")
    log_in(client, eager)
    token = _token(client, comments[0].id)
    assert [_post_report(client, c.id, token).status_code for c in comments[:2]] == [303, 303]
    page = _post_report(client, comments[2].id, token)
    assert page.status_code == 429 and "<html" in page.get_data(as_text=True)
    assert "You have sent many reports in a short time" in page.get_data(as_text=True)
    fragment = _post_report(client, comments[2].id, token, **{"HX-Request": "true"})
    assert fragment.status_code == 429 and "<html" not in fragment.get_data(as_text=True)
    assert fragment.headers["HX-Retarget"] == "#flash-messages"
    # The form itself can still be read, and another account on the same address is not limited.
    assert client.get(f"/moderation/report?target_type=comment&target_id={comments[2].id}").status_code == 200
    log_in(client, create_user())
    assert _post_report(client, comments[3].id, _token(client, comments[3].id)).status_code == 303
    assert len(db.session.scalars(select(Report)).all()) == 3


def test_two_reports_reaching_the_threshold_together_hide_once_and_mail_once(app, monkeypatch, outbox):
    author = create_user(email="autrice@example.org", locale="en")
    comment = create_comment(author=author)
    create_report(target=comment)
    create_report(target=comment)
    clients = [app.test_client(), app.test_client()]
    tokens = []
    for client in clients:
        log_in(client, create_user())
        tokens.append(_token(client, comment.id))

    # Both requests have read the comment as visible before either writes its report.
    barrier = threading.Barrier(2, timeout=10)
    real_has_reported = queries.has_reported

    def has_reported_then_wait(**kwargs):
        answer = real_has_reported(**kwargs)
        barrier.wait()
        return answer

    monkeypatch.setattr(queries, "has_reported", has_reported_then_wait)
    statuses: list[int] = []

    def send(index: int) -> None:
        statuses.append(_post_report(clients[index], comment.id, tokens[index]).status_code)

    threads = [threading.Thread(target=send, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(statuses) == [303, 303]
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_reason == "pending_review"
    assert len(db.session.scalars(select(Report)).all()) == 4
    hides = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation.auto_hide")).all()
    assert len(hides) == 1
    assert [m.to for m in outbox] == ["autrice@example.org"]


def test_two_moderators_hiding_at_once_decide_once(app, monkeypatch, outbox):
    from civic.accounts.roles import Role
    from civic.moderation.models import ReportState

    author = create_user(email="auteur2@example.org")
    comment = create_comment(author=author)
    report = create_report(target=comment)
    clients = [app.test_client(), app.test_client()]
    tokens = []
    for client in clients:
        log_in(client, create_user(roles=(Role.MODERATOR,)))
        tokens.append(csrf_token(client, "/moderation"))
    report_id = report.id
    barrier = threading.Barrier(2, timeout=10)
    real_open_reports = queries.open_reports

    def open_reports_then_wait(*args, **kwargs):
        answer = real_open_reports(*args, **kwargs)
        barrier.wait()
        return answer

    monkeypatch.setattr(queries, "open_reports", open_reports_then_wait)
    statuses: list[int] = []

    def decide(index: int) -> None:
        response = clients[index].post(
            f"/moderation/reports/{report_id}/hide",
            data={"csrf_token": tokens[index], "reason": "spam", "confirmed": "yes"},
        )
        statuses.append(response.status_code)

    threads = [threading.Thread(target=decide, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(statuses) == [303, 409]
    db.session.expire_all()
    assert db.session.get(Report, report_id).state is ReportState.UPHELD
    hides = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "moderation.hide")).all()
    assert len(hides) == 1 and len(outbox) == 1
