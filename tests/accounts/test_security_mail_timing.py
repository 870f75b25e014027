"""A reset request answers as fast for a known address (which gets a mail) as for an unknown one: with a
real, slow mail server, sending inside the request told who has an account by the time it took."""

from __future__ import annotations

import time

from civic.core import mail
from tests.conftest import csrf_token
from tests.factories import create_user

SMTP_SECONDS = 0.6


def test_reset_request_does_not_wait_for_the_mail_server(app, client, monkeypatch):
    sent = []

    def slow_smtp(message):
        time.sleep(SMTP_SECONDS)
        sent.append(message["To"])

    monkeypatch.setattr(mail, "_send_smtp", slow_smtp)
    app.config["MAIL_BACKEND"] = "smtp"
    user = create_user()
    token = csrf_token(client, "/reset")
    timings = {}
    for email in (user.email, "nobody-here@example.org"):
        started = time.perf_counter()
        response = client.post("/reset", data={"csrf_token": token, "email": email})
        timings[email] = time.perf_counter() - started
        assert response.status_code == 303
    assert timings[user.email] < SMTP_SECONDS / 2, timings
    mail.wait_for_deliveries()
    assert sent == [user.email]
