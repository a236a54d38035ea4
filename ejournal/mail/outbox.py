"""Building the digests that are due and delivering the outbox over SMTP (R-DIA-3).

A digest is queued first, then sent: if the mail server is down the letter stays in the outbox
with its error and is tried again later with a growing pause (5 minutes, doubling, at most six
hours); nothing is dropped. ``ejournal mail DATA_DIR --send`` runs both steps.
"""

from __future__ import annotations

import contextlib
import smtplib
import sqlite3
import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from zoneinfo import ZoneInfo

from .config import MailConfig
from .digest import build_digest, digest_text
from .store import MailStore

INTERVALS = {"daily": timedelta(days=1), "weekly": timedelta(days=7)}
SLACK = timedelta(hours=1)  # a timer a little early still sends today's digest
FIRST_RETRY = 300.0
MAX_RETRY = 6 * 3600.0


def utc_text(moment: datetime) -> str:
    """An aware time in the projection's format, ``2026-11-16T05:30:00.000Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + (
        f"{moment.microsecond // 1000:03d}Z"
    )


def _parse(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True, slots=True)
class QueueResult:
    queued: int  # letters put in the outbox
    empty: int  # subscriptions due with nothing new (no letter)
    not_due: int


def queue_due(
    db: sqlite3.Connection, store: MailStore, config: MailConfig, now: datetime, tz: str = ""
) -> QueueResult:
    """Queue a digest for every subscription whose day (or week) has come.

    Args:
        db: the projection (read only).
        now: the current time, timezone-aware.
        tz: the school's time zone name, for the dates in the letters.
    """
    zone = ZoneInfo(tz) if tz else UTC
    until = utc_text(now)
    today = now.astimezone(zone).date().isoformat()
    queued = empty = not_due = 0
    for sub in store.subscriptions():
        since = _parse(sub.covered_until)
        if now - since < INTERVALS[sub.frequency] - SLACK:
            not_due += 1
            continue
        digest = build_digest(db, sub.person, sub.covered_until, until, today)
        if digest.empty:
            store.covered(sub.person, until)
            empty += 1
            continue
        first = since.astimezone(zone).strftime("%d.%m.%Y")
        period = f"с {first} по {now.astimezone(zone):%d.%m.%Y}"
        url = f"{config.base_url}/unsubscribe/{store.token(sub.person)}"
        subject = f"Электронный дневник: новое {period}"
        store.queue(sub.person, sub.email, subject, digest_text(digest, period, url), until)
        queued += 1
    return QueueResult(queued, empty, not_due)


@dataclass(frozen=True, slots=True)
class DeliveryResult:
    sent: int
    failed: int
    errors: tuple[str, ...]


def _connect(config: MailConfig) -> smtplib.SMTP:
    if config.security == "ssl":
        smtp: smtplib.SMTP = smtplib.SMTP_SSL(
            config.host, config.port, timeout=config.timeout, context=ssl.create_default_context()
        )
    else:
        smtp = smtplib.SMTP(config.host, config.port, timeout=config.timeout)
        if config.security == "starttls":
            smtp.starttls(context=ssl.create_default_context())
    if config.user:
        smtp.login(config.user, config.password)
    return smtp


def _message(
    config: MailConfig, to: str, subject: str, body: str, unsubscribe: str
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"] = config.sender
    msg["To"] = to
    msg["Subject"] = subject
    msg["Date"] = formatdate(localtime=False)
    msg["Message-ID"] = make_msgid(domain=config.sender.rpartition("@")[2].strip(">") or None)
    if unsubscribe:
        # RFC 8058: mail programs offer a one-click unsubscribe button.
        msg["List-Unsubscribe"] = f"<{unsubscribe}>"
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg.set_content(body)
    return msg


def retry_pause(attempts: int) -> float:
    """Seconds before the next try after ``attempts`` failures: 5 min, 10, 20 … at most 6 h."""
    return float(min(FIRST_RETRY * 2 ** max(0, attempts - 1), MAX_RETRY))


def deliver(store: MailStore, config: MailConfig) -> DeliveryResult:
    """Send every due letter of the outbox over one SMTP connection; a failure leaves the letter
    queued with its error and the time of its next try."""
    letters = store.due()
    if not letters:
        return DeliveryResult(0, 0, ())
    sent = failed = 0
    errors: list[str] = []
    try:
        smtp = _connect(config)
    except (OSError, smtplib.SMTPException) as e:
        for letter in letters:
            store.failed(letter.id, f"connect: {e}", retry_pause(letter.attempts + 1))
        return DeliveryResult(0, len(letters), (f"cannot reach {config.host}:{config.port}: {e}",))
    try:
        for letter in letters:
            url = f"{config.base_url}/unsubscribe/{store.token(letter.person)}"
            try:
                smtp.send_message(_message(config, letter.email, letter.subject, letter.body, url))
            except (OSError, smtplib.SMTPException) as e:
                store.failed(letter.id, str(e), retry_pause(letter.attempts + 1))
                errors.append(f"letter {letter.id}: {e}")
                failed += 1
            else:
                store.sent(letter.id)
                sent += 1
    finally:
        with contextlib.suppress(OSError, smtplib.SMTPException):
            smtp.quit()
    return DeliveryResult(sent, failed, tuple(errors))
