"""Whose diary a person opens (R-DIA-2): a parent's children, the student's own, and what the
class teacher sees of the families' confirmations (R-DIA-4)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model import access
from ..model.correspondence import children_of
from .diary import may_see_diary
from .members import members
from .people import Person, alphabetical, persons


@dataclass(frozen=True, slots=True)
class Child:
    student: Person
    class_: str  # the class on the date asked, "" if none
    class_name: str


def _class_of(db: sqlite3.Connection, student: str, on: str) -> tuple[str, str]:
    row = db.execute(
        "SELECT g.grp, g.name FROM memberships m JOIN groups g ON g.grp = m.grp "
        "WHERE m.student = ? AND g.kind = 'class' AND m.start <= ? "
        "AND (m.end IS NULL OR m.end >= ?) ORDER BY m.start DESC LIMIT 1",
        (student, on, on),
    ).fetchone()
    if row is None:  # between years or after leaving: the last class the student was in
        row = db.execute(
            "SELECT g.grp, g.name FROM memberships m JOIN groups g ON g.grp = m.grp "
            "WHERE m.student = ? AND g.kind = 'class' AND m.start <= ? "
            "ORDER BY m.start DESC LIMIT 1",
            (student, on),
        ).fetchone()
    return (row[0], row[1] or "") if row else ("", "")


def class_of(db: sqlite3.Connection, student: str, on: str) -> str:
    """The student's class on a date (else the last one before it), or ""."""
    return _class_of(db, student, on)[0]


def diary_children(db: sqlite3.Connection, viewer: str, on: str) -> tuple[Child, ...]:
    """The students whose diary ``viewer`` opens as family, alphabetically: a parent's
    children, and the student's own diary when old enough (R-DIA-2)."""
    ids = set(children_of(db, viewer, on))
    if "student" in access.roles_of(db, viewer, on) and may_see_diary(db, viewer, viewer, on):
        ids.add(viewer)
    people = persons(db, ids)
    found = []
    for student in ids:
        class_, name = _class_of(db, student, on)
        found.append(Child(people.get(student, Person(student, "", "", "")), class_, name))
    found.sort(key=lambda c: alphabetical(c.student))
    return tuple(found)


@dataclass(frozen=True, slots=True)
class Acknowledgement:
    student: Person
    confirmed_at: str | None  # UTC time of the latest valid confirmation, None if none
    confirmed_by: Person | None
    note: str


def class_acknowledgements(
    db: sqlite3.Connection, class_id: str, period: str, start: str, end: str
) -> tuple[Acknowledgement, ...]:
    """R-DIA-4: for every student of a class over a period's dates, the latest confirmation by a
    family that they have seen the marks of ``period`` (a period id or a year)."""
    students = members(db, class_id, start, end)
    ids = [m.student.person for m in students]
    latest: dict[str, tuple[str, str, str]] = {}
    for start_at in range(0, len(ids), 500):
        part = ids[start_at : start_at + 500]
        for student, at, by, note in db.execute(
            "SELECT student, at, by, note FROM acknowledgements WHERE period = ? AND invalid = 0 "
            f"AND student IN ({','.join('?' * len(part))}) ORDER BY at, id",
            (period, *part),
        ):
            latest[student] = (at, by, note or "")
    people = persons(db, {by for _, by, _ in latest.values()})
    result = []
    for m in students:
        found = latest.get(m.student.person)
        if found is None:
            result.append(Acknowledgement(m.student, None, None, ""))
        else:
            at, by, note = found
            result.append(Acknowledgement(m.student, at, people.get(by), note))
    result.sort(key=lambda a: alphabetical(a.student))
    return tuple(result)


def acknowledged(db: sqlite3.Connection, student: str, period: str) -> str | None:
    """When the marks of ``period`` were last confirmed for ``student`` (UTC), or None."""
    row = db.execute(
        "SELECT max(at) FROM acknowledgements WHERE student = ? AND period = ? AND invalid = 0",
        (student, period),
    ).fetchone()
    return row[0] if row and row[0] else None


def school_names(db: sqlite3.Connection) -> tuple[str, str]:
    """The school's name and time zone name (``Asia/Krasnoyarsk``; "" when not set)."""
    row = db.execute("SELECT name, timezone FROM school WHERE id = 1").fetchone()
    return (row[0] or "", row[1] or "") if row else ("", "")


def classes_of_year(db: sqlite3.Connection, year: str) -> tuple[tuple[str, str], ...]:
    """(class, name) of a school year's classes, by grade then letter."""
    rows = db.execute(
        "SELECT grp, name FROM groups WHERE kind = 'class' AND year = ? ORDER BY grade, letter",
        (year,),
    ).fetchall()
    return tuple((r[0], r[1] or "") for r in rows)
