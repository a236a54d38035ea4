"""A course with the names a page shows: subject, class or group, teacher (R-STR-4)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model.errors import NotFound
from .people import Person, person


@dataclass(frozen=True, slots=True)
class CourseInfo:
    course: str
    year: str
    subject: str
    subject_name: str
    group: str  # class id or group id
    group_name: str  # «5А», «Английский язык, 1 группа»
    grade: int
    teacher: Person  # the course's teacher now (see teacher_on for a given date)
    grading: str  # "five" | "pass" | "none" (R-STR-6)
    start: str
    end: str


def course_info(db: sqlite3.Connection, course_id: str) -> CourseInfo:
    """A course by id.

    Raises:
        NotFound: no such course.
    """
    row = db.execute(
        "SELECT c.course, c.year, c.subject, coalesce(s.name, ''), c.grp, coalesce(g.name, ''), "
        "coalesce(g.grade, 0), c.teacher, coalesce(nullif(c.grading, ''), s.grading, 'five'), "
        "c.start, c.end FROM courses c LEFT JOIN subjects s ON s.subject = c.subject "
        "LEFT JOIN groups g ON g.grp = c.grp WHERE c.course = ?",
        (course_id,),
    ).fetchone()
    if row is None:
        raise NotFound("Такой курс не найден.")
    course, year, subject, subject_name, group, group_name, grade, teacher, grading, start, end = (
        row
    )
    return CourseInfo(
        course,
        year,
        subject,
        subject_name,
        group,
        group_name,
        grade,
        person(db, teacher),
        grading,
        start,
        end,
    )


def teacher_on(db: sqlite3.Connection, course_id: str, day: str) -> str:
    """The id of the teacher who had the course on ``day`` (course.teacher_changed keeps the
    earlier ones)."""
    row = db.execute(
        "SELECT teacher FROM course_teachers WHERE course = ? AND start <= ? "
        "ORDER BY start DESC, rowid DESC LIMIT 1",
        (course_id, day),
    ).fetchone()
    if row is not None:
        return str(row[0])
    row = db.execute("SELECT teacher FROM courses WHERE course = ?", (course_id,)).fetchone()
    return str(row[0]) if row else ""
