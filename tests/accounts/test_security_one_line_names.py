"""Names and titles stay on one line: they end up in e-mail subject lines, where a line break in a display
name would move the rest of it into the body of a mail Civic sends to someone else."""

from __future__ import annotations

from civic.core.text import one_line
from tests.conftest import csrf_token
from tests.factories import create_edition, create_proposal, create_user

INJECTED = "Bob\r\nSubject: Urgent\r\n\r\nVotre compte est suspendu : http://evil.example\t!"


def test_one_line_collapses_line_breaks_and_drops_control_characters():
    assert one_line(INJECTED) == "Bob Subject: Urgent Votre compte est suspendu : http://evil.example !"
    assert one_line("A\x00B\x1b[31mC\u2028D") == "AB[31mC D"
    assert one_line("  Élodie  ") == "Élodie"


def test_a_display_name_with_line_breaks_is_saved_on_one_line(client, login_as):
    user = login_as()
    token = csrf_token(client, "/account")
    response = client.post(
        "/account",
        data={
            "csrf_token": token,
            "display_name": INJECTED,
            "locale": "fr",
            "district_id": "0",
            "age_bracket": "",
        },
    )
    assert response.status_code == 303
    assert "\n" not in user.display_name and "\r" not in user.display_name


def test_an_invitation_mail_carries_the_inviter_name_in_its_subject_only(client, outbox):
    inviter = create_user(display_name="placeholder")
    proposal = create_proposal(author=inviter, edition=create_edition())
    invitee = create_user()
    client.post(
        "/login",
        data={
            "csrf_token": csrf_token(client, "/login"),
            "email": inviter.email,
            "password": "correct horse battery staple",
        },
    )
    token = csrf_token(client, "/account")
    client.post(
        "/account",
        data={
            "csrf_token": token,
            "display_name": INJECTED,
            "locale": "fr",
            "district_id": "0",
            "age_bracket": "",
        },
    )
    token = csrf_token(client, f"/proposals/{proposal.id}")
    client.post(f"/proposals/{proposal.id}/coauthors", data={"csrf_token": token, "email": invitee.email})
    mail = next(m for m in outbox if m.to == invitee.email)
    assert "Bob Subject: Urgent" in mail.subject
    assert not mail.body.lstrip().startswith(("Subject", "Votre compte"))
