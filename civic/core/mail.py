"""Outgoing e-mail: one small module, captured in development and tests, SMTP in production."""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from flask import current_app, render_template
from flask_babel import force_locale

from civic.core.time import utcnow
from civic.core.town import town_identity


@dataclass(frozen=True)
class SentMail:
    to: str
    subject: str
    body: str
    locale: str
    from_header: str = ""


def outbox() -> list[SentMail]:
    """Return the in-memory list of captured messages for the current app (tests read it)."""
    return current_app.extensions.setdefault("civic_outbox", [])  # type: ignore[no-any-return]


def send_mail(*, to: str, template: str, locale: str, **context: Any) -> SentMail:
    """Render ``templates/mail/<template>.txt`` in the recipient's language and send it."""
    town = town_identity()
    with force_locale(locale):
        rendered = render_template(f"mail/{template}.txt", town=town, **context)
        signature = render_template("mail/_signature.txt", town=town)
    subject, _, body = rendered.strip().partition("\n")
    subject = subject.removeprefix("Subject:").strip()
    body = body.strip() + "\n\n" + signature.strip() + "\n"
    mail = SentMail(to=to, subject=subject, body=body, locale=locale, from_header=sender(town.name))

    message = EmailMessage()
    message["From"] = mail.from_header
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="civic.local")
    message["Content-Language"] = locale
    message.set_content(mail.body)

    if current_app.config["MAIL_BACKEND"] == "smtp":
        _send_smtp(message)
    else:
        _capture(message, mail)
    return mail


def sender(town_name: str) -> str:
    """Return the From header: the configured address under the town's name."""
    _name, address = parseaddr(current_app.config["MAIL_SENDER"])
    return formataddr((town_name, address))


def _capture(message: EmailMessage, mail: SentMail) -> None:
    outbox().append(mail)
    folder = Path(current_app.instance_path) / "outbox"
    folder.mkdir(parents=True, exist_ok=True)
    stamp = utcnow().strftime("%Y%m%dT%H%M%S%f")
    (folder / f"{stamp}.eml").write_bytes(bytes(message))


def _send_smtp(message: EmailMessage) -> None:
    config = current_app.config
    with smtplib.SMTP(config["SMTP_HOST"], config["SMTP_PORT"], timeout=30) as smtp:
        if config["SMTP_STARTTLS"]:
            smtp.starttls(context=ssl.create_default_context())
        if config["SMTP_USERNAME"]:
            smtp.login(config["SMTP_USERNAME"], config["SMTP_PASSWORD"] or "")
        smtp.send_message(message)
