"""The macros other blueprints import: the report link and the public placeholder of hidden content."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from flask import render_template_string
from flask_babel import force_locale

from civic.moderation.forms import REASON_LABELS
from civic.moderation.models import ReportReason

PLACEHOLDER = (
    '{% from "moderation/_hidden_placeholder.html" import hidden_placeholder %}{{ hidden_placeholder(item) }}'
)
REPORT_LINK = (
    '{% from "moderation/_report_button.html" import report_link %}{{ report_link(kind, id, label) }}'
)


def _placeholder(app, item: SimpleNamespace, locale: str = "en") -> str:
    with app.test_request_context(), force_locale(locale):
        return render_template_string(PLACEHOLDER, item=item)


def comment(reason: str | None) -> SimpleNamespace:
    return SimpleNamespace(body="texte", hidden_reason=reason)


def proposal(reason: str | None) -> SimpleNamespace:
    return SimpleNamespace(title="titre", hidden_reason=reason)


def test_placeholder_for_content_pending_review(app):
    assert "This comment is hidden pending review." in _placeholder(app, comment("pending_review"))
    assert "This content is hidden pending review." in _placeholder(app, proposal("pending_review"))


def test_placeholder_gives_the_public_reason(app):
    html = _placeholder(app, comment("offensive"))
    assert html == (
        '<p class="moderation-placeholder" role="note"><em>'
        "This comment was hidden by the moderators. Reason: Offensive or hateful.</em></p>"
    )
    assert "This content was hidden by the moderators. Reason: Spam or advertising." in _placeholder(
        app, proposal("spam")
    )
    assert "This content was hidden by the moderators.</em>" in _placeholder(app, proposal("legacy"))


@pytest.mark.parametrize("locale", ["fr", "en"])
@pytest.mark.parametrize("reason", list(ReportReason))
def test_placeholder_labels_match_the_form_labels(app, reason, locale):
    with app.test_request_context(), force_locale(locale):
        label = str(REASON_LABELS[reason])
    assert f": {label}." in _placeholder(app, comment(reason.value), locale).replace("&#39;", "'")


def test_report_link_points_to_the_report_form_without_the_request_url(app):
    # Rendered in a fragment answering a POST, the request URL is no page to come back to.
    with app.test_request_context("/proposals/7/comments", method="POST"):
        html = render_template_string(REPORT_LINK, kind="comment", id=42, label="Report this comment")
    assert html == (
        '<a href="/moderation/report?target_type=comment&amp;target_id=42"'
        ' class="report-link" rel="nofollow">Report this comment</a>'
    )


def test_report_link_label_is_escaped_and_has_a_default(app):
    with app.test_request_context("/"), force_locale("en"):
        escaped = render_template_string(REPORT_LINK, kind="proposal", id=1, label="<b>x</b>")
        default = render_template_string(REPORT_LINK, kind="proposal", id=1, label=None)
    assert "&lt;b&gt;x&lt;/b&gt;" in escaped
    assert ">Report this content</a>" in default and "next=" not in default
