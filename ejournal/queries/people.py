"""Names of the people the journal knows, and their Russian alphabetical order."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Person:
    person: str
    last_name: str
    first_name: str
    middle_name: str

    @property
    def full_name(self) -> str:
        """«Иванова Марина Петровна»."""
        return " ".join(p for p in (self.last_name, self.first_name, self.middle_name) if p)

    @property
    def short_name(self) -> str:
        """«Иванова М. П.», as the journal writes a teacher's name."""
        initials = " ".join(f"{p[0]}." for p in (self.first_name, self.middle_name) if p)
        return f"{self.last_name} {initials}".strip()


UNKNOWN = Person("", "", "", "")


def russian_key(text: str) -> str:
    """A sort key for Russian words: case-insensitive, ё sorted as е (SQLite's binary order
    would put Ё before А)."""
    return text.lower().replace("ё", "е")


def alphabetical(person: Person) -> tuple[str, str, str, str]:
    """Journal order: surname, name, patronymic; the id breaks ties so the order is total."""
    return (
        russian_key(person.last_name),
        russian_key(person.first_name),
        russian_key(person.middle_name),
        person.person,
    )


def persons(db: sqlite3.Connection, ids: Iterable[str]) -> dict[str, Person]:
    """The people with these ids (unknown ids are left out)."""
    wanted = sorted(set(ids))
    found: dict[str, Person] = {}
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        rows = db.execute(
            "SELECT person, last_name, first_name, middle_name FROM persons "
            f"WHERE person IN ({','.join('?' * len(part))})",
            part,
        )
        for row in rows:
            found[row[0]] = Person(*row)
    return found


def person(db: sqlite3.Connection, person_id: str) -> Person:
    """One person; an unknown id gives a person with empty names and that id."""
    return persons(db, [person_id]).get(person_id, Person(person_id, "", "", ""))
