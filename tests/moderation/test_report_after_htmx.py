"""Reporting a comment from a fragment swapped in by htmx ends on the comment's page, never on a 405."""

from __future__ import annotations

import html
import re

from tests.conftest import csrf_token, log_in
from tests.factories import create_proposal, create_user

REPORT_HREF = re.compile(r'href="(/moderation/report\?target_type=comment[^"]*)"')
BACK_HREF = re.compile(r'<a href="([^"]+)">Go back</a>')


def test_report_link_of_a_swapped_in_comment_leads_back_to_a_get_page(client):
    proposal = create_proposal()
    log_in(client, create_user(locale="en"))
    token = csrf_token(client, f"/proposals/{proposal.id}")
    # The comment form answers htmx with the comments fragment, rendered for POST /proposals/<id>/comments.
    fragment = client.post(
        f"/proposals/{proposal.id}/comments",
        data={"csrf_token": token, "body": "Un commentaire ajouté sans recharger"},
        headers={"HX-Request": "true"},
    )
    assert fragment.status_code == 200 and "<html" not in fragment.get_data(as_text=True)
    [report_url] = REPORT_HREF.findall(fragment.get_data(as_text=True))
    report_url = html.unescape(report_url)
    assert "/comments" not in report_url

    # Someone else reports it through that very link.
    log_in(client, create_user(locale="en"))
    form = client.get(report_url)
    assert form.status_code == 200
    [back] = BACK_HREF.findall(form.get_data(as_text=True))
    comment_id = re.search(r"target_id=(\d+)", report_url).group(1)
    assert html.unescape(back) == f"/proposals/{proposal.id}#comment-{comment_id}"
    assert client.get(html.unescape(back)).status_code == 200

    token = csrf_token(client, report_url)
    sent = client.post(
        "/moderation/report",
        data={"csrf_token": token, "target_type": "comment", "target_id": comment_id, "reason": "spam"},
    )
    assert sent.status_code == 303
    assert sent.headers["Location"] == f"/proposals/{proposal.id}#comment-{comment_id}"
    landing = client.get(sent.headers["Location"])
    assert landing.status_code == 200 and "Thank you, moderators will review it." in landing.get_data(
        as_text=True
    )
