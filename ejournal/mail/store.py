"""``DATA_DIR/mail.sqlite`` (0600, beside auth.sqlite; never archived): parents' subscriptions,
the outbox of digests with their delivery attempts, and the key that signs unsubscribe links.

Subscriptions are local state, not log entries (docs/adr/0005-mail-is-local.md): an e-mail
address is personal data the journal's archive does not need (R-SEC-4), and when a parent
withdraws consent the address must be destroyed, which an append-only log cannot do.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

MAIL_DB = "mail.sqlite"
FREQUENCIES = {"daily": "ежедневно", "weekly": "раз в неделю"}
EMAIL = re.compile(r"^[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,63}$")

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS subscriptions (
    person TEXT PRIMARY KEY, email TEXT NOT NULL, frequency TEXT NOT NULL,
    consent_at REAL NOT NULL, covered_until TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS outbox (
    id INTEGER PRIMARY KEY, person TEXT NOT NULL, email TEXT NOT NULL, subject TEXT NOT NULL,
    body TEXT NOT NULL, created REAL NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt REAL NOT NULL, last_error TEXT NOT NULL DEFAULT '', sent_at REAL
);
CREATE INDEX IF NOT EXISTS outbox_due ON outbox (sent_at, next_attempt);
"""


class MailStoreError(ValueError):
    """A bad subscription (the message is Russian, for the page)."""

    def __init__(self, message_ru: str) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru


@dataclass(frozen=True, slots=True)
class Subscription:
    person: str
    email: str
    frequency: str  # "daily" | "weekly"
    consent_at: float  # when the parent subscribed (seconds since the epoch)
    covered_until: str  # entries up to this UTC time are in digests already


@dataclass(frozen=True, slots=True)
class Letter:
    """One digest in the outbox."""

    id: int
    person: str
    email: str
    subject: str
    body: str
    created: float
    attempts: int
    next_attempt: float
    last_error: str
    sent_at: float | None


class MailStore:
    """The subscriptions and the outbox; safe to share between threads."""

    def __init__(self, path: Path, clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.clock = clock
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        path.chmod(0o600)
        if self._db.execute("SELECT 1 FROM meta WHERE key = 'token_key'").fetchone() is None:
            self._db.execute(
                "INSERT OR IGNORE INTO meta VALUES ('token_key', ?)", (secrets.token_hex(32),)
            )
        self._key = bytes.fromhex(
            self._db.execute("SELECT value FROM meta WHERE key = 'token_key'").fetchone()[0]
        )

    @classmethod
    def of(cls, data_dir: Path, clock: Callable[[], float] = time.time) -> MailStore:
        return cls(Path(data_dir) / MAIL_DB, clock)

    def close(self) -> None:
        self._db.close()

    # Subscriptions

    def subscribe(self, person: str, email: str, frequency: str, covered_until: str) -> None:
        """Record a parent's consent to a digest at ``email`` (replacing an earlier one); the
        first digest covers entries after ``covered_until`` (UTC, the log's format)."""
        email = email.strip()
        if not EMAIL.fullmatch(email):
            raise MailStoreError("Адрес электронной почты указан неверно.")
        if frequency not in FREQUENCIES:
            raise MailStoreError("Выберите, как часто присылать письма.")
        with self._lock:
            old = self._get(person)
            until = old.covered_until if old else covered_until
            self._db.execute(
                "INSERT OR REPLACE INTO subscriptions VALUES (?, ?, ?, ?, ?)",
                (person, email, frequency, self.clock(), until),
            )

    def unsubscribe(self, person: str) -> bool:
        """Withdraw consent: the address is deleted, and so are unsent letters to it."""
        with self._lock:
            gone = self._db.execute("DELETE FROM subscriptions WHERE person = ?", (person,))
            self._db.execute("DELETE FROM outbox WHERE person = ? AND sent_at IS NULL", (person,))
            return gone.rowcount > 0

    def subscription(self, person: str) -> Subscription | None:
        with self._lock:
            return self._get(person)

    def _get(self, person: str) -> Subscription | None:
        row = self._db.execute("SELECT * FROM subscriptions WHERE person = ?", (person,)).fetchone()
        return Subscription(*row) if row else None

    def subscriptions(self) -> tuple[Subscription, ...]:
        with self._lock:
            rows = self._db.execute("SELECT * FROM subscriptions ORDER BY person").fetchall()
        return tuple(Subscription(*r) for r in rows)

    def covered(self, person: str, until: str) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE subscriptions SET covered_until = ? WHERE person = ?", (until, person)
            )

    # Unsubscribe links

    def token(self, person: str) -> str:
        """A signed token naming ``person``, for the unsubscribe link (works without sign-in)."""
        name = base64.urlsafe_b64encode(person.encode()).decode().rstrip("=")
        return f"{name}.{self._mac(person)}"

    def person_of(self, token: str) -> str | None:
        """The person a token names, or None for a forged or damaged token."""
        name, _, mac = token.partition(".")
        try:
            person = base64.urlsafe_b64decode(name + "=" * (-len(name) % 4)).decode()
        except (ValueError, UnicodeDecodeError):
            return None
        return person if hmac.compare_digest(mac, self._mac(person)) else None

    def _mac(self, person: str) -> str:
        digest = hmac.new(self._key, b"unsubscribe:" + person.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest[:18]).decode()

    # The outbox

    def queue(self, person: str, email: str, subject: str, body: str, covered_until: str) -> int:
        """Put a digest in the outbox and move the subscription past what it covers, at once."""
        now = self.clock()
        with self._lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                cur = self._db.execute(
                    "INSERT INTO outbox (person, email, subject, body, created, next_attempt) "
                    "VALUES (?, ?, ?, ?, ?, ?)",
                    (person, email, subject, body, now, now),
                )
                self._db.execute(
                    "UPDATE subscriptions SET covered_until = ? WHERE person = ?",
                    (covered_until, person),
                )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
        return int(cur.lastrowid or 0)

    def due(self) -> tuple[Letter, ...]:
        """Unsent letters whose next attempt has come, oldest first."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM outbox WHERE sent_at IS NULL AND next_attempt <= ? ORDER BY id",
                (self.clock(),),
            ).fetchall()
        return tuple(Letter(*r) for r in rows)

    def letters(self, limit: int = 200) -> tuple[Letter, ...]:
        """The latest letters, unsent first (what the administrator looks at)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT * FROM outbox ORDER BY sent_at IS NOT NULL, id DESC LIMIT ?", (limit,)
            ).fetchall()
        return tuple(Letter(*r) for r in rows)

    def sent(self, letter: int) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET sent_at = ?, attempts = attempts + 1, last_error = '' "
                "WHERE id = ?",
                (self.clock(), letter),
            )

    def failed(self, letter: int, error: str, retry_in: float) -> None:
        with self._lock:
            self._db.execute(
                "UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt = ? "
                "WHERE id = ?",
                (error[:500], self.clock() + retry_in, letter),
            )
