"""A student's results for a period, as the diary shows them: every current mark per subject
with its work kind, the weighted average and the forecast of the period mark (R-MRK-5), the
period and year marks as soon as they are set (R-DIA-4). Only what counts shows (R-SEC-3)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .averages import school_weights, summarise
from .family import acknowledged
from .people import Person, person, persons
from .periods import Period, current_period, periods_of_year
from .periods import period as _period


@dataclass(frozen=True, slots=True)
class DatedMark:
    date: str
    value: str
    kind: str  # work kind


@dataclass(frozen=True, slots=True)
class SubjectResult:
    course: str
    subject_name: str
    teacher: Person
    marks: tuple[DatedMark, ...]  # by date
    average: float | None
    forecast: str | None
    period_mark: str | None
    year_mark: str | None


@dataclass(frozen=True, slots=True)
class DiaryPeriod:
    student: Person
    period: Period
    periods: tuple[Period, ...]  # of the year, for the student's grade
    subjects: tuple[SubjectResult, ...]  # by subject name
    acknowledged_at: str | None  # R-DIA-4: when the family confirmed the period marks
    year_acknowledged_at: str | None

    @property
    def has_period_marks(self) -> bool:
        return any(s.period_mark for s in self.subjects)

    @property
    def has_year_marks(self) -> bool:
        return any(s.year_mark for s in self.subjects)


def student_grade(db: sqlite3.Connection, student: str, on: str) -> int:
    """The grade of the student's class on a date, else of the latest class before it."""
    row = db.execute(
        "SELECT g.grade FROM memberships m JOIN groups g ON g.grp = m.grp WHERE m.student = ? "
        "AND g.kind = 'class' AND m.start <= ? ORDER BY (m.end IS NULL OR m.end >= ?) DESC, "
        "m.start DESC LIMIT 1",
        (student, on, on),
    ).fetchone()
    return int(row[0] or 0) if row else 0


def period_for(db: sqlite3.Connection, student: str, on: str) -> Period | None:
    """The period of the student's grade in force on a date, else the last begun before it."""
    grade = student_grade(db, student, on)
    found = current_period(db, grade, on)
    if found is not None:
        return found
    row = db.execute(
        "SELECT p.period FROM periods p JOIN period_grades pg ON pg.period = p.period "
        "WHERE pg.grade = ? AND p.start <= ? ORDER BY p.start DESC LIMIT 1",
        (grade, on),
    ).fetchone()
    return _period(db, row[0]) if row else None


def diary_period(db: sqlite3.Connection, student: str, period_id: str) -> DiaryPeriod:
    """The results of ``student`` in the period ``period_id``.

    Raises:
        NotFound: no such period.
    """
    p = _period(db, period_id)
    courses = _courses(db, student, p)
    ids = [c[0] for c in courses]
    marks = _marks(db, student, ids, p)
    finals = _finals(db, student, ids, p)
    weights = school_weights(db)
    teachers = persons(db, {c[2] for c in courses})
    subjects = []
    for course, name, teacher in courses:
        dated = marks.get(course, [])
        summary = summarise(student, course, [(m.value, m.kind) for m in dated], weights)
        subjects.append(
            SubjectResult(
                course,
                name,
                teachers.get(teacher, Person(teacher, "", "", "")),
                tuple(dated),
                summary.average,
                summary.forecast,
                finals.get((course, "period")),
                finals.get((course, "year")),
            )
        )
    grade = student_grade(db, student, p.end)
    return DiaryPeriod(
        person(db, student),
        p,
        periods_of_year(db, p.year, grade),
        tuple(subjects),
        acknowledged(db, student, p.period),
        acknowledged(db, student, p.year),
    )


def _courses(db: sqlite3.Connection, student: str, p: Period) -> list[tuple[str, str, str]]:
    """(course, subject name, teacher) of the courses of the student's classes and groups over
    the period, by subject name."""
    rows = db.execute(
        "SELECT DISTINCT c.course, coalesce(s.name, ''), c.teacher FROM memberships m "
        "JOIN courses c ON c.grp = m.grp LEFT JOIN subjects s ON s.subject = c.subject "
        "WHERE m.student = ? AND m.start <= ? AND (m.end IS NULL OR m.end >= ?) "
        "AND c.year = ? AND c.start <= ? AND c.end >= ? "
        "AND coalesce(nullif(c.grading, ''), s.grading, 'five') != 'none'",
        (student, p.end, p.start, p.year, p.end, p.start),
    ).fetchall()
    return sorted(rows, key=lambda r: (r[1].lower(), r[0]))


def _marks(
    db: sqlite3.Connection, student: str, courses: list[str], p: Period
) -> dict[str, list[DatedMark]]:
    found: dict[str, list[DatedMark]] = {}
    if not courses:
        return found
    for course, day, value, kind in db.execute(
        "SELECT m.course, l.date, m.current, m.kind FROM marks m "
        "JOIN lessons l ON l.lesson = m.lesson "
        f"WHERE m.course IN ({','.join('?' * len(courses))}) AND m.student = ? "
        "AND l.date BETWEEN ? AND ? AND m.current IS NOT NULL AND l.invalid = 0 "
        "ORDER BY l.date, l.number, m.at, m.mark",
        (*courses, student, p.start, p.end),
    ):
        found.setdefault(course, []).append(DatedMark(day, value, kind))
    return found


def _finals(
    db: sqlite3.Connection, student: str, courses: list[str], p: Period
) -> dict[tuple[str, str], str]:
    """The latest valid period mark (of ``p``) and year mark per course."""
    found: dict[tuple[str, str], str] = {}
    if not courses:
        return found
    for course, kind, value in db.execute(
        "SELECT course, kind, value FROM final_marks "
        f"WHERE course IN ({','.join('?' * len(courses))}) AND student = ? AND invalid = 0 "
        "AND ((kind = 'period' AND period = ?) OR kind = 'year') ORDER BY id",
        (*courses, student, p.period),
    ):
        found[(course, kind)] = value
    return found
