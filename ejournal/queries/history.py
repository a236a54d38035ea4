"""The history of a mark for the administration (R-MRK-2): the mark as given, then every
correction and revocation with its reason, time and author, and which of them are invalid
because they were made with compromised credentials (R-SEC-3)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model.errors import NotFound
from .people import Person, persons


@dataclass(frozen=True, slots=True)
class MarkChange:
    change: str  # "corrected" | "revoked" | "superseded" (by a mark of another site, #9)
    value: str | None  # the new value; None for a revocation
    reason: str
    at: str  # entry time, UTC (the real time of entry, R-MRK-2)
    by: Person
    ref: str  # the log entry, "<feed>#<seq>"
    invalid: bool


@dataclass(frozen=True, slots=True)
class MarkHistory:
    mark: str
    lesson: str
    lesson_date: str
    course: str
    student: Person
    kind: str
    value: str  # as given
    at: str
    by: Person
    late: bool  # given after the deadline (R-MRK-1)
    ref: str
    invalid: bool  # given with compromised credentials
    changes: tuple[MarkChange, ...]  # in the order they were made
    current: str | None  # the value that counts now; None if revoked or invalid


def mark_history(db: sqlite3.Connection, mark_id: str) -> MarkHistory:
    """Everything that happened to a mark, in order.

    Raises:
        NotFound: no such mark.
    """
    row = db.execute(
        "SELECT m.lesson, coalesce(l.date, ''), m.course, m.student, m.kind, m.value, m.at, m.by, "
        "m.late, m.ref, m.invalid, m.current "
        "FROM marks m LEFT JOIN lessons l ON l.lesson = m.lesson "
        "WHERE m.mark = ?",
        (mark_id,),
    ).fetchone()
    if row is None:
        raise NotFound("Такая отметка не найдена.")
    lesson, day, course, student, kind, value, at, by, late, ref, invalid, current = row
    changes = db.execute(
        "SELECT change, value, reason, at, by, ref, invalid FROM mark_changes "
        "WHERE mark = ? ORDER BY id",
        (mark_id,),
    ).fetchall()
    people = persons(db, [student, by, *(c[4] for c in changes)])

    def who(pid: str) -> Person:
        return people.get(pid, Person(pid, "", "", ""))

    return MarkHistory(
        mark=mark_id,
        lesson=lesson,
        lesson_date=day,
        course=course,
        student=who(student),
        kind=kind,
        value=value,
        at=at,
        by=who(by),
        late=bool(late),
        ref=ref,
        invalid=bool(invalid),
        changes=tuple(
            MarkChange(change, new, reason, when, who(author), where, bool(bad))
            for change, new, reason, when, author, where, bad in changes
        ),
        current=current,
    )


def marks_of_student(db: sqlite3.Connection, student: str, course: str) -> tuple[str, ...]:
    """The ids of every mark a student was given in a course, valid or not, in order given —
    the administration's way into :func:`mark_history`."""
    rows = db.execute(
        "SELECT mark FROM marks WHERE course = ? AND student = ? ORDER BY at, mark",
        (course, student),
    )
    return tuple(row[0] for row in rows)
