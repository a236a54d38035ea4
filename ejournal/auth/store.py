"""The auth store: accounts keyed by person id, argon2id hashes, throttling and sessions.

Session tokens are 32 random bytes given to the browser; only their SHA-256 is stored, so a
copy of ``auth.sqlite`` does not let anyone sign in.
"""

from __future__ import annotations

import hashlib
import secrets
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from . import activity

AUTH_DB = "auth.sqlite"
MIN_PASSWORD = 8
MAX_PASSWORD = 256
MAX_FAILURES = 5  # failures in a row before a lock…
LOCK_SECONDS = 60  # …of this long, per login and per address
SESSION_SECONDS = 12 * 3600
# Readable one-time passwords: no 0/O, 1/l/I.
ALPHABET = "abcdefghijkmnpqrstuvwxyz23456789"

SCHEMA = """
CREATE TABLE IF NOT EXISTS accounts (
    person TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE, hash TEXT NOT NULL,
    must_change INTEGER NOT NULL DEFAULT 0, changed_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS failures (
    key TEXT PRIMARY KEY, count INTEGER NOT NULL, locked_until REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS sessions (
    token_hash TEXT PRIMARY KEY, person TEXT NOT NULL, csrf TEXT NOT NULL,
    created REAL NOT NULL, expires REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS sessions_person ON sessions (person);
"""
# A hash no password matches: the account of a person whose credentials were reported
# compromised (R-SEC-3) until new ones are issued.
LOCKED = "!locked"


class AuthError(Exception):
    """Root of the auth store's errors; each has a code and a Russian message."""

    code = "auth_error"

    def __init__(self, message_ru: str) -> None:
        super().__init__(message_ru)
        self.message_ru = message_ru


class LoginRefused(AuthError):
    code = "login_refused"


class LoginThrottled(AuthError):
    code = "login_throttled"


class PasswordPolicyError(AuthError):
    code = "password_policy"


@dataclass(frozen=True, slots=True)
class Session:
    person: str
    login: str
    csrf: str
    expires: float
    must_change: bool


@dataclass(frozen=True, slots=True)
class Account:
    """What the pages may know of an account: never its hash."""

    person: str
    login: str
    must_change: bool  # holds an issued password not yet changed
    issued_used: bool  # …and has signed in with it once
    locked: bool  # reported compromised, awaiting new credentials


@dataclass(frozen=True, slots=True)
class SignIn:
    """A successful sign-in: the session and the token for the cookie (shown once)."""

    token: str
    session: Session


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_login(login: str) -> str:
    return login.strip().lower()


class AuthStore:
    """One school's accounts and sessions; safe to share between threads."""

    def __init__(
        self,
        path: Path,
        clock: Callable[[], float] = time.time,
        hasher: PasswordHasher | None = None,
    ) -> None:
        self.path = path
        self.clock = clock
        # argon2id with the library's current defaults; tests pass cheaper parameters.
        self._hasher = hasher or PasswordHasher()
        self._lock = threading.Lock()
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.executescript(SCHEMA)
        columns = {r[1] for r in self._db.execute("PRAGMA table_info(accounts)")}
        if "issued_used" not in columns:  # auth stores made before one-time passwords
            self._db.execute(
                "ALTER TABLE accounts ADD COLUMN issued_used INTEGER NOT NULL DEFAULT 0"
            )
        activity.ensure(self._db)
        path.chmod(0o600)

    @classmethod
    def of(cls, data_dir: Path, clock: Callable[[], float] = time.time) -> AuthStore:
        return cls(Path(data_dir) / AUTH_DB, clock)

    def close(self) -> None:
        self._db.close()

    # Accounts

    def set_password(
        self, person: str, login: str, password: str, *, must_change: bool = False
    ) -> None:
        """Create or replace a person's account; ends the person's sessions."""
        login = normalise_login(login)
        if not login:
            raise ValueError("empty login")
        hashed = self._hasher.hash(password)
        with self._lock:
            self._db.execute(
                "DELETE FROM accounts WHERE login = ? AND person <> ?", (login, person)
            )
            self._db.execute(
                "INSERT INTO accounts (person, login, hash, must_change, changed_at) "
                "VALUES (?, ?, ?, ?, ?) ON CONFLICT (person) DO UPDATE SET login = excluded.login, "
                "hash = excluded.hash, must_change = excluded.must_change, "
                "changed_at = excluded.changed_at, issued_used = 0",
                (person, login, hashed, int(must_change), self.clock()),
            )
            self._db.execute("DELETE FROM sessions WHERE person = ?", (person,))

    def set_passwords(self, accounts: list[tuple[str, str, str]]) -> None:
        """Create many accounts (person, login, password) at once, hashing each distinct
        password once (for the demo school: hundreds of accounts share a few passwords)."""
        hashes: dict[str, str] = {}
        with self._lock:
            self._db.execute("BEGIN")
            for person, login, password in accounts:
                if password not in hashes:
                    hashes[password] = self._hasher.hash(password)
                self._db.execute(
                    "INSERT OR REPLACE INTO accounts (person, login, hash, must_change, changed_at)"
                    " VALUES (?, ?, ?, 0, ?)",
                    (person, normalise_login(login), hashes[password], self.clock()),
                )
            self._db.execute("COMMIT")

    def issue_password(self, person: str, login: str) -> str:
        """Give a person a random readable one-time password they must change at sign-in."""
        password = "-".join("".join(secrets.choice(ALPHABET) for _ in range(4)) for _ in range(3))
        self.set_password(person, login, password, must_change=True)
        return password

    def lock(self, person: str) -> None:
        """Make a person's password unusable and end their sessions (R-SEC-3: reported
        compromised); issuing a new password unlocks the account."""
        with self._lock:
            self._db.execute(
                "UPDATE accounts SET hash = ?, must_change = 0, changed_at = ? WHERE person = ?",
                (LOCKED, self.clock(), person),
            )
            self._db.execute("DELETE FROM sessions WHERE person = ?", (person,))

    def accounts(self, persons: list[str]) -> dict[str, Account]:
        """The accounts of these people (those without one are left out)."""
        found: dict[str, Account] = {}
        for start in range(0, len(persons), 500):
            part = persons[start : start + 500]
            for person, login, hashed, must_change, used in self._db.execute(
                "SELECT person, login, hash, must_change, issued_used FROM accounts "
                f"WHERE person IN ({','.join('?' * len(part))})",
                part,
            ):
                found[person] = Account(
                    person, login, bool(must_change), bool(used), hashed == LOCKED
                )
        return found

    def login_taken(self, login: str) -> bool:
        row = self._db.execute(
            "SELECT 1 FROM accounts WHERE login = ?", (normalise_login(login),)
        ).fetchone()
        return row is not None

    def login_of(self, person: str) -> str | None:
        row = self._db.execute("SELECT login FROM accounts WHERE person = ?", (person,)).fetchone()
        return row[0] if row else None

    def person_of_login(self, login: str) -> str | None:
        row = self._db.execute(
            "SELECT person FROM accounts WHERE login = ?", (normalise_login(login),)
        ).fetchone()
        return str(row[0]) if row else None

    def verify_login(self, login: str, password: str, address: str = "") -> str:
        """The person id for a right login and password.

        Raises:
            LoginThrottled: too many failures from this login or address lately.
            LoginRefused: wrong login or password (the message does not say which).
        """
        login = normalise_login(login)
        keys = [f"login:{login}"] + ([f"addr:{address}"] if address else [])
        self._check_throttle(keys)
        row = self._db.execute(
            "SELECT person, hash, must_change, issued_used FROM accounts WHERE login = ?",
            (login,),
        ).fetchone()
        ok = False
        if row and len(password) <= MAX_PASSWORD:
            try:
                ok = self._hasher.verify(row[1], password)
            except (VerificationError, InvalidHashError):
                ok = False
        elif len(password) <= MAX_PASSWORD:
            # Spend the same time on an unknown login, so timing does not reveal accounts.
            self._hasher.hash(password)
        if not ok:
            self._fail(keys)
            raise LoginRefused("Неверный логин или пароль.")
        if row[2] and row[3]:
            # R-SEC-2: an issued password signs in once; that session must change it.
            raise LoginRefused(
                "Этот временный пароль уже использован. Попросите выдать новый: "
                "администратора (сотрудники) или классного руководителя (родители, ученики)."
            )
        with self._lock:
            self._db.execute(
                f"DELETE FROM failures WHERE key IN ({','.join('?' * len(keys))})", keys
            )
            if row[2]:
                self._db.execute("UPDATE accounts SET issued_used = 1 WHERE person = ?", (row[0],))
        return str(row[0])

    def _check_throttle(self, keys: list[str]) -> None:
        now = self.clock()
        for key in keys:
            row = self._db.execute(
                "SELECT locked_until FROM failures WHERE key = ?", (key,)
            ).fetchone()
            if row and row[0] > now:
                wait = int(row[0] - now) + 1
                raise LoginThrottled(
                    f"Слишком много неудачных попыток входа. Попробуйте снова через {wait} с."
                )

    def _fail(self, keys: list[str]) -> None:
        now = self.clock()
        with self._lock:
            for key in keys:
                row = self._db.execute(
                    "SELECT count FROM failures WHERE key = ?", (key,)
                ).fetchone()
                count = (row[0] if row else 0) + 1
                locked = now + LOCK_SECONDS if count >= MAX_FAILURES else 0.0
                if count >= MAX_FAILURES:
                    count = 0
                self._db.execute(
                    "INSERT OR REPLACE INTO failures (key, count, locked_until) VALUES (?, ?, ?)",
                    (key, count, locked),
                )

    def change_password(self, person: str, old: str, new: str) -> None:
        """Change one's own password: the old one must be right; the new one follows the policy.

        Raises:
            LoginRefused: the old password is wrong.
            PasswordPolicyError: the new password is too short, too long or the same.
        """
        row = self._db.execute(
            "SELECT login, hash FROM accounts WHERE person = ?", (person,)
        ).fetchone()
        try:
            ok = bool(row) and len(old) <= MAX_PASSWORD and self._hasher.verify(row[1], old)
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok:
            raise LoginRefused("Текущий пароль введён неверно.")
        check_policy(new, old)
        self.set_password(person, row[0], new, must_change=False)

    # Sessions

    def create_session(self, person: str) -> SignIn:
        token = secrets.token_urlsafe(32)
        csrf = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE expires < ?", (now,))
            self._db.execute(
                "INSERT INTO sessions (token_hash, person, csrf, created, expires) "
                "VALUES (?, ?, ?, ?, ?)",
                (_digest(token), person, csrf, now, now + SESSION_SECONDS),
            )
            activity.record(self._db, person, now)
        session = self.session_for(token)
        assert session is not None
        return SignIn(token, session)

    def session_for(self, token: str | None) -> Session | None:
        """The live session of a cookie's token, or None."""
        if not token or len(token) > 100:
            return None
        row = self._db.execute(
            "SELECT s.person, a.login, s.csrf, s.expires, a.must_change FROM sessions s "
            "JOIN accounts a ON a.person = s.person WHERE s.token_hash = ? AND s.expires > ?",
            (_digest(token), self.clock()),
        ).fetchone()
        if not row:
            return None
        return Session(row[0], row[1], row[2], row[3], bool(row[4]))

    def end_session(self, token: str | None) -> None:
        if token:
            with self._lock:
                self._db.execute("DELETE FROM sessions WHERE token_hash = ?", (_digest(token),))

    def end_sessions_of(self, person: str) -> None:
        with self._lock:
            self._db.execute("DELETE FROM sessions WHERE person = ?", (person,))

    def sign_in_counts(self, persons: Iterable[str], start: float, end: float) -> dict[str, int]:
        """Sign-ins per person from ``start`` to before ``end`` (activity.SignIns)."""
        return activity.counts(self._db, persons, start, end)


def check_policy(new: str, old: str = "") -> None:
    """Raise PasswordPolicyError unless ``new`` is an acceptable password."""
    if len(new) < MIN_PASSWORD:
        raise PasswordPolicyError(f"Пароль должен быть не короче {MIN_PASSWORD} символов.")
    if len(new) > MAX_PASSWORD:
        raise PasswordPolicyError(f"Пароль должен быть не длиннее {MAX_PASSWORD} символов.")
    if new == old:
        raise PasswordPolicyError("Новый пароль должен отличаться от прежнего.")
