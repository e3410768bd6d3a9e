"""The mail sweep: send queued emails over SMTP (stdlib smtplib), off the request path.

Each email is marked sent in its own transaction right after the server accepts it, so
a restart resends nothing already delivered; failures wait and are tried again with
back-off, up to `MAX_ATTEMPTS`.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from sqlalchemy import select
from sqlalchemy.orm import Session

from signage.accounts.models import User
from signage.config import SmtpSettings
from signage.db import Database
from signage.monitoring import counters
from signage.monitoring.models import OutgoingMail

MAX_ATTEMPTS = 8
BATCH = 100
FIRST_RETRY = timedelta(minutes=1)
LAST_RETRY = timedelta(hours=6)


@dataclass(frozen=True)
class Due:
    id: int
    kind: str
    subject: str
    body: str
    to: str


def retry_delay(attempts: int) -> timedelta:
    """1, 2, 4 … minutes after each failed attempt, at most six hours."""
    return min(FIRST_RETRY * 2 ** max(attempts - 1, 0), LAST_RETRY)


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.security == "ssl":
        client: smtplib.SMTP = smtplib.SMTP_SSL(
            settings.host,
            settings.port,
            timeout=settings.timeout_s,
            context=ssl.create_default_context(),
        )
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_s)
        if settings.security == "starttls":
            client.starttls(context=ssl.create_default_context())
    if settings.user:
        client.login(settings.user, settings.password or "")
    return client


def message(settings: SmtpSettings, due: Due, now: datetime) -> EmailMessage:
    mail = EmailMessage()
    mail["From"] = settings.sender
    mail["To"] = due.to
    mail["Subject"] = due.subject
    mail["Date"] = format_datetime(now)
    mail["Message-ID"] = make_msgid("infotavle", domain=settings.sender.rpartition("@")[2])
    mail["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    mail.set_content(due.body)
    return mail


def due_mail(session: Session, now: datetime) -> list[Due]:
    rows = session.execute(
        select(
            OutgoingMail.id, OutgoingMail.kind, OutgoingMail.subject, OutgoingMail.body, User.email
        )
        .join(User, User.id == OutgoingMail.user_id)
        .where(
            OutgoingMail.sent_at.is_(None),
            OutgoingMail.attempts < MAX_ATTEMPTS,
            OutgoingMail.next_attempt_at <= now,
        )
        .order_by(OutgoingMail.id)
        .limit(BATCH)
    ).all()
    return [Due(*row) for row in rows]


def deliver_pending(database: Database, settings: SmtpSettings, now: datetime) -> str:
    """Send what is due over one connection; returns a line for the sweep record."""
    with database.sessions() as session:
        due = due_mail(session, now)
    if not due:
        return "0 sent"
    sent = failed = 0
    try:
        with connect(settings) as client:
            for item in due:
                try:
                    client.send_message(message(settings, item, now))
                except smtplib.SMTPException as exc:  # this recipient or message only
                    _failed(database, [item], now, exc)
                    failed += 1
                else:
                    _sent(database, item, now)
                    sent += 1
    except (OSError, smtplib.SMTPException) as exc:  # no connection: all that is left waits
        left = due[sent + failed :]
        _failed(database, left, now, exc)
        failed += len(left)
    return f"{sent} sent, {failed} failed"


def _sent(database: Database, item: Due, now: datetime) -> None:
    with database.transaction() as session:
        row = session.get(OutgoingMail, item.id)
        if row is not None:
            row.sent_at, row.attempts, row.last_error = now, row.attempts + 1, None
            counters.bump(session, counters.NOTIFICATION_EMAILS, label=item.kind)


def _failed(database: Database, items: list[Due], now: datetime, error: BaseException) -> None:
    with database.transaction() as session:
        for item in items:
            row = session.get(OutgoingMail, item.id)
            if row is not None:
                row.attempts += 1
                row.next_attempt_at = now + retry_delay(row.attempts)
                row.last_error = f"{type(error).__name__}: {error}"[:300]
