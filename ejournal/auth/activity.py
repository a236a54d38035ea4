"""Sign-ins, for the participation report (R-CTL-1: «процент участия родителей и учащихся»).

The auth store writes one row per successful sign-in (person, time) into ``sign_ins`` of
``auth.sqlite``: local, never archived, not in the log (DESIGN.md), like sessions. Only the
count per person is read, by :class:`SignIns`, the small interface the reports use; a report
built without an auth store says the sign-ins are not counted.

Not recorded anywhere yet: diary page views (the diary does not log reads).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from typing import Protocol

SCHEMA = """
CREATE TABLE IF NOT EXISTS sign_ins (person TEXT NOT NULL, at REAL NOT NULL);
CREATE INDEX IF NOT EXISTS sign_ins_at ON sign_ins (at);
"""


class SignIns(Protocol):
    """Where the participation report finds sign-ins."""

    def sign_in_counts(self, persons: Iterable[str], start: float, end: float) -> dict[str, int]:
        """Sign-ins per person at times ``start`` <= t < ``end`` (Unix seconds)."""
        ...


def ensure(db: sqlite3.Connection) -> None:
    db.executescript(SCHEMA)


def record(db: sqlite3.Connection, person: str, at: float) -> None:
    """Note a successful sign-in (called by the auth store under its lock)."""
    db.execute("INSERT INTO sign_ins (person, at) VALUES (?, ?)", (person, at))


def counts(
    db: sqlite3.Connection, persons: Iterable[str], start: float, end: float
) -> dict[str, int]:
    wanted = set(persons)
    return {
        person: n
        for person, n in db.execute(
            "SELECT person, count(*) FROM sign_ins WHERE at >= ? AND at < ? GROUP BY person",
            (start, end),
        )
        if person in wanted
    }
