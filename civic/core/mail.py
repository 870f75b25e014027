"""Outgoing e-mail: one small module, captured in development and tests, SMTP in production.

A message is rendered when a service asks for it but leaves only once the database transaction that
decided it commits: ``send_mail`` queues it on the SQLAlchemy session, ``after_commit`` sends the queue,
and a rollback (of the whole transaction, or of the savepoint it was queued in) drops it. So a failed
registration or a lost race never mails anyone.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid, parseaddr
from pathlib import Path
from typing import Any

from flask import Flask, current_app, has_app_context, render_template
from flask_babel import force_locale
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from civic.core.time import utcnow
from civic.core.town import town_identity

_QUEUE_KEY = "civic_mail_queue"


@dataclass(frozen=True)
class SentMail:
    to: str
    subject: str
    body: str
    locale: str
    template: str = ""
    from_header: str = ""


def outbox() -> list[SentMail]:
    """Return the in-memory list of captured messages for the current app (tests read it)."""
    return current_app.extensions.setdefault("civic_outbox", [])  # type: ignore[no-any-return]


def send_mail(*, to: str, template: str, locale: str, **context: Any) -> SentMail:
    """Render ``templates/mail/<template>.txt`` in the recipient's language; send it after the commit."""
    town = town_identity()
    with force_locale(locale):
        rendered = render_template(f"mail/{template}.txt", town=town, **context)
        signature = render_template("mail/_signature.txt", town=town)
    subject, _, body = rendered.strip().partition("\n")
    subject = subject.removeprefix("Subject:").strip()
    body = body.strip() + "\n\n" + signature.strip() + "\n"
    mail = SentMail(
        to=to, subject=subject, body=body, locale=locale, template=template, from_header=sender(town.name)
    )

    message = EmailMessage()
    message["From"] = mail.from_header
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="civic.local")
    message["Content-Language"] = locale
    message.set_content(mail.body)

    from civic.extensions import db

    session = db.session()
    # With no transaction yet, start one: the message then leaves with the caller's next commit.
    transaction = session.get_nested_transaction() or session.get_transaction() or session.begin()
    queue = session.info.setdefault(_QUEUE_KEY, [])
    queue.append((transaction, current_app._get_current_object(), message, mail))  # type: ignore[attr-defined]
    return mail


def _deliver(app: Flask, message: EmailMessage, mail: SentMail) -> None:
    if not has_app_context() or current_app._get_current_object() is not app:  # type: ignore[attr-defined]
        with app.app_context():
            _deliver(app, message, mail)
        return
    if app.config["MAIL_BACKEND"] == "smtp":
        _send_smtp(message)
    else:
        _capture(message, mail)


def _within(transaction: SessionTransaction | None, ended: SessionTransaction) -> bool:
    while transaction is not None:
        if transaction is ended:
            return True
        transaction = transaction.parent
    return False


@event.listens_for(Session, "after_commit")
def _send_queued(session: Session) -> None:
    if session.get_nested_transaction() is not None:
        return  # a savepoint was released: the outer transaction may still roll back
    queue = session.info.pop(_QUEUE_KEY, [])
    for _transaction, app, message, mail in queue:
        try:
            _deliver(app, message, mail)
        except Exception:  # the data is committed: a mail server hiccup must not turn it into a 500
            app.logger.exception("Could not send the e-mail %r to %s", mail.subject, mail.to)


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous_transaction: SessionTransaction) -> None:
    queue = session.info.get(_QUEUE_KEY)
    if queue:
        session.info[_QUEUE_KEY] = [item for item in queue if not _within(item[0], previous_transaction)]


@event.listens_for(Session, "after_transaction_end")
def _forget_on_close(session: Session, transaction: SessionTransaction) -> None:
    # A session closed without committing (end of a request that wrote nothing durable) sends nothing.
    if transaction.parent is None:
        session.info.pop(_QUEUE_KEY, None)


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
