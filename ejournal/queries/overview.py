"""A class across all its subjects for a period: what the class teacher watches (R-CTL-4) —
per student and course the number of marks, weighted average, forecast, period mark and
absences by reason (R-MRK-5, R-ATT-1)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model.errors import NotFound
from .averages import course_averages
from .courses import teacher_on
from .finals import period_marks
from .members import Member, members
from .people import Person, person, russian_key
from .periods import Period, period


@dataclass(frozen=True, slots=True)
class OverviewCourse:
    course: str
    subject_name: str
    group: str  # the class itself, or one of its subgroups or groups
    group_name: str
    teacher: Person  # on the period's last day of the course


@dataclass(frozen=True, slots=True)
class Absences:
    ill: int = 0  # Б
    excused: int = 0  # У
    unexcused: int = 0  # Н

    @property
    def total(self) -> int:
        return self.ill + self.excused + self.unexcused

    def __add__(self, other: Absences) -> Absences:
        return Absences(
            self.ill + other.ill, self.excused + other.excused, self.unexcused + other.unexcused
        )


@dataclass(frozen=True, slots=True)
class OverviewCell:
    course: str
    marks: int
    average: float | None
    forecast: str | None
    period_mark: str | None
    absences: Absences


@dataclass(frozen=True, slots=True)
class OverviewRow:
    student: Person
    joined: str
    left: str | None
    cells: tuple[
        OverviewCell | None, ...
    ]  # per course of ClassOverview.courses; None: not in its group
    absences: Absences  # over all courses


@dataclass(frozen=True, slots=True)
class ClassOverview:
    class_: str
    class_name: str
    period: Period
    class_teacher: Person | None
    courses: tuple[OverviewCourse, ...]  # by subject, then group
    rows: tuple[OverviewRow, ...]  # students of the class in the period, alphabetically


_CODES = {"Б": "ill", "У": "excused", "Н": "unexcused"}


def class_overview(db: sqlite3.Connection, class_id: str, period_id: str) -> ClassOverview:
    """The class teacher's overview of a class for a period.

    Raises:
        NotFound: no such class or period.
    """
    row = db.execute(
        "SELECT name FROM groups WHERE grp = ? AND kind = 'class'", (class_id,)
    ).fetchone()
    if row is None:
        raise NotFound("Такой класс не найден.")
    term = period(db, period_id)
    courses = _courses(db, class_id, term)
    students = members(db, class_id, term.start, term.end)
    groups = {class_id: students}  # most courses are the whole class's: find its members once
    for c in courses:
        if c.group not in groups:
            groups[c.group] = members(db, c.group, term.start, term.end)
    columns = [_column(db, c, term, groups[c.group]) for c in courses]
    rows = []
    for m in students:
        cells = tuple(column.get(m.student.person) for column in columns)
        total = Absences()
        for cell in cells:
            if cell is not None:
                total = total + cell.absences
        rows.append(OverviewRow(m.student, m.joined, m.left, cells, total))
    return ClassOverview(
        class_id, row[0], term, _class_teacher(db, class_id, term.end), courses, tuple(rows)
    )


def _courses(db: sqlite3.Connection, class_id: str, term: Period) -> tuple[OverviewCourse, ...]:
    rows = db.execute(
        "SELECT c.course, coalesce(s.name, ''), c.grp, coalesce(g.name, ''), min(c.end, ?) "
        "FROM courses c "
        "LEFT JOIN subjects s ON s.subject = c.subject LEFT JOIN groups g ON g.grp = c.grp "
        "WHERE c.grp IN (SELECT grp FROM group_classes WHERE class = ?) "
        "AND c.start <= ? AND c.end >= ?",
        (term.end, class_id, term.end, term.start),
    ).fetchall()
    courses = [
        OverviewCourse(course, subject, group, group_name, person(db, teacher_on(db, course, last)))
        for course, subject, group, group_name, last in rows
    ]
    courses.sort(
        key=lambda c: (
            russian_key(c.subject_name),
            c.group != class_id,
            russian_key(c.group_name),
            c.course,
        )
    )
    return tuple(courses)


def _column(
    db: sqlite3.Connection, course: OverviewCourse, term: Period, group: tuple[Member, ...]
) -> dict[str, OverviewCell]:
    """The cells of one course, per student of its group in the period."""
    averages = {a.student: a for a in course_averages(db, course.course, term.start, term.end)}
    finals = {f.student: f.value for f in period_marks(db, course.course, term.period)}
    absences: dict[str, dict[str, int]] = {}
    for student, code, count in db.execute(
        "SELECT a.student, a.code, count(*) FROM attendance a "
        "JOIN lessons l ON l.lesson = a.lesson "
        "WHERE a.course = ? AND l.date BETWEEN ? AND ? AND l.invalid = 0 "
        "GROUP BY a.student, a.code",
        (course.course, term.start, term.end),
    ):
        if code in _CODES:
            absences.setdefault(student, {})[_CODES[code]] = count
    cells = {}
    for m in group:
        student = m.student.person
        average = averages.get(student)
        cells[student] = OverviewCell(
            course.course,
            average.marks if average else 0,
            average.average if average else None,
            average.forecast if average else None,
            finals.get(student),
            Absences(**absences.get(student, {})),
        )
    return cells


def _class_teacher(db: sqlite3.Connection, class_id: str, day: str) -> Person | None:
    row = db.execute(
        "SELECT teacher FROM class_teachers WHERE class = ? AND start <= ? "
        "ORDER BY start DESC, rowid DESC LIMIT 1",
        (class_id, day),
    ).fetchone()
    return person(db, row[0]) if row else None
