"""Parents' contacts (phone, e-mail): a local store ``DATA_DIR/contacts.sqlite`` (0600).

Kept out of the log on purpose (R-SEC-4): contacts change and must be erasable, and the
archive of the journal does not need them. Not archived, not replicated; the diary's e-mail
outbox reads addresses here (``ContactStore.of(data_dir).get(person)``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

CONTACTS_DB = "contacts.sqlite"


@dataclass(frozen=True)
class Contact:
    person: str
    phone: str = ""
    email: str = ""


class ContactStore:
    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS contacts (person TEXT PRIMARY KEY, phone TEXT NOT NULL,"
            " email TEXT NOT NULL)"
        )
        path.chmod(0o600)

    @classmethod
    def of(cls, data_dir: Path) -> ContactStore:
        return cls(Path(data_dir) / CONTACTS_DB)

    def set(self, contacts: list[Contact]) -> None:
        """Record contacts; an empty phone or e-mail keeps the one already known."""
        self._db.execute("BEGIN")
        for c in contacts:
            self._db.execute(
                "INSERT INTO contacts VALUES (?, ?, ?) ON CONFLICT (person) DO UPDATE SET "
                "phone = coalesce(nullif(excluded.phone, ''), phone), "
                "email = coalesce(nullif(excluded.email, ''), email)",
                (c.person, c.phone, c.email),
            )
        self._db.execute("COMMIT")

    def get(self, person: str) -> Contact | None:
        row = self._db.execute(
            "SELECT person, phone, email FROM contacts WHERE person = ?", (person,)
        ).fetchone()
        return Contact(*row) if row else None

    def all(self) -> dict[str, Contact]:
        return {
            r[0]: Contact(*r) for r in self._db.execute("SELECT person, phone, email FROM contacts")
        }

    def close(self) -> None:
        self._db.close()
