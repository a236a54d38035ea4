"""Who may see what on the web pages of a lesson and a class (R-SEC-1, R-CTL-4, R-ATT-1).

The commands decide every write for real; these answers only choose between the editable page,
the read-only page and a refusal.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model import access, lookup
from ..model.errors import NotFound
from .members import members
from .people import Person, alphabetical
from .periods import Period, current_period, current_year, periods_of_year

WRITE = "write"  # the course's teacher or the lesson's substitute
KEEP = "keep"  # the class teacher: keeps the class's absence registry
READ = "read"  # sees, does not write


def lesson_access(db: sqlite3.Connection, person: str, lesson_id: str, on: str) -> str:
    """WRITE, READ or "" (refused) for a person and a lesson.

    Raises:
        NotFound: no such lesson.
    """
    les = lookup.lesson(db, lesson_id)
    return _course_access(db, person, les.course, on, substitute=les.teacher)


def course_access(db: sqlite3.Connection, person: str, course_id: str, on: str) -> str:
    """WRITE, READ or "" (refused) for a person and a course's journal (R-SEC-1, R-SEC-4:
    a teacher sees the journals of the own courses and, as class teacher, of the own class;
    the administration sees all).

    Raises:
        NotFound: no such course.
    """
    return _course_access(db, person, lookup.course(db, course_id), on)


def _course_access(
    db: sqlite3.Connection, person: str, course: lookup.Course, on: str, substitute: str = ""
) -> str:
    roles = access.roles_of(db, person, on)
    if "teacher" in roles and person in (course.teacher, substitute):
        return WRITE
    if roles & access.MATRIX["journal.read_all"]:
        return READ
    classes = [
        c for (c,) in db.execute("SELECT class FROM group_classes WHERE grp = ?", (course.group,))
    ]
    if any(access.is_class_teacher(db, person, c, on) for c in classes):
        return READ
    return ""


def class_access(db: sqlite3.Connection, person: str, class_id: str, on: str) -> str:
    """KEEP (its class teacher), READ (the administration) or "" (refused) for a class."""
    if access.is_class_teacher(db, person, class_id, on):
        return KEEP
    if access.roles_of(db, person, on) & access.MATRIX["journal.read_all"]:
        return READ
    return ""


def classes_kept_by(db: sqlite3.Connection, person: str, on: str) -> tuple[tuple[str, str], ...]:
    """(class, name) of the classes whose class teacher the person is on a date."""
    rows = db.execute(
        "SELECT DISTINCT ct.class, coalesce(g.name, '') FROM class_teachers ct "
        "LEFT JOIN groups g ON g.grp = ct.class WHERE ct.teacher = ? AND ct.start <= ?",
        (person, on),
    ).fetchall()
    return tuple(
        (c, name)
        for c, name in sorted(rows, key=lambda r: r[1])
        if access.is_class_teacher(db, person, c, on)
    )


@dataclass(frozen=True, slots=True)
class Absence:
    lesson: str
    date: str
    number: int
    subject_name: str
    student: Person
    code: str  # "Б", "У", "Н"


def class_absences(
    db: sqlite3.Connection, class_id: str, start: str, end: str
) -> tuple[Absence, ...]:
    """The absence registry of a class between two dates (R-ATT-1): every recorded absence of
    its students at the lessons of its courses, by date, lesson number, then student."""
    students = {m.student.person: m for m in members(db, class_id, start, end)}
    if not students:
        return ()
    rows = db.execute(
        "SELECT a.lesson, l.date, l.number, coalesce(s.name, ''), a.student, a.code "
        "FROM attendance a JOIN lessons l ON l.lesson = a.lesson "
        "JOIN courses c ON c.course = l.course LEFT JOIN subjects s ON s.subject = c.subject "
        "WHERE l.invalid = 0 AND a.code != '' AND l.date >= ? AND l.date <= ? "
        "AND c.grp IN (SELECT grp FROM group_classes WHERE class = ?)",
        (start, end, class_id),
    ).fetchall()
    found = [
        Absence(lesson, day, number or 0, subject, students[who].student, code)
        for lesson, day, number, subject, who, code in rows
        if who in students and students[who].on(day)
    ]
    found.sort(key=lambda a: (a.date, a.number, alphabetical(a.student), a.lesson))
    return tuple(found)


def class_period(db: sqlite3.Connection, class_id: str, on: str) -> Period | None:
    """The period of the class's grade that ``on`` falls in, else the last one begun before
    it in the year (holidays), else None.

    Raises:
        NotFound: no such class.
    """
    row = db.execute(
        "SELECT coalesce(grade, 0) FROM groups WHERE grp = ? AND kind = 'class'", (class_id,)
    ).fetchone()
    if row is None:
        raise NotFound("Такой класс не найден.")
    found = current_period(db, row[0], on)
    if found is not None:
        return found
    year = current_year(db, on)
    begun = [p for p in periods_of_year(db, year, row[0]) if p.start <= on] if year else []
    return begun[-1] if begun else None
