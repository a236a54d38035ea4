"""Small read-only lookups that commands need to check their rules (not page queries)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .errors import NotFound


@dataclass(frozen=True)
class Course:
    course: str
    year: str
    subject: str
    teacher: str
    group: str
    start: str
    end: str
    grading: str
    grade: int


@dataclass(frozen=True)
class Lesson:
    lesson: str
    course: Course
    date: str
    teacher: str  # the substitute, or ""


def course(db: sqlite3.Connection, course_id: str) -> Course:
    row = db.execute(
        "SELECT c.course, c.year, c.subject, c.teacher, c.grp, c.start, c.end, "
        "coalesce(nullif(c.grading, ''), s.grading, 'five'), coalesce(g.grade, 0) "
        "FROM courses c LEFT JOIN subjects s ON s.subject = c.subject "
        "LEFT JOIN groups g ON g.grp = c.grp WHERE c.course = ?",
        (course_id,),
    ).fetchone()
    if row is None:
        raise NotFound("Такой курс не найден.")
    return Course(*row)


def lesson(db: sqlite3.Connection, lesson_id: str) -> Lesson:
    row = db.execute(
        "SELECT course, date, teacher FROM lessons WHERE lesson = ?", (lesson_id,)
    ).fetchone()
    if row is None:
        raise NotFound("Такой урок не найден.")
    return Lesson(lesson_id, course(db, row[0]), row[1], row[2] or "")


def is_member(db: sqlite3.Connection, student: str, group: str, on: str) -> bool:
    """Whether a student belongs to a class or group on a date (R-STR-2).

    A class counts its members. A subgroup or a group across classes counts its own members
    who are, that day, also in one of its classes: a student who left the class (transfer,
    withdrawal) is out of its subgroups too.
    """
    row = db.execute(
        "SELECT 1 FROM memberships m JOIN groups g ON g.grp = m.grp "
        "WHERE m.student = ? AND m.grp = ? AND m.start <= ? AND (m.end IS NULL OR m.end >= ?) "
        "AND (g.kind = 'class' OR EXISTS (SELECT 1 FROM group_classes gc JOIN memberships k "
        "ON k.grp = gc.class WHERE gc.grp = m.grp AND k.student = m.student AND k.start <= ? "
        "AND (k.end IS NULL OR k.end >= ?))) LIMIT 1",
        (student, group, on, on, on, on),
    ).fetchone()
    return row is not None


def year_of(db: sqlite3.Connection, on: str) -> str | None:
    row = db.execute("SELECT year FROM years WHERE start <= ? AND end >= ?", (on, on)).fetchone()
    return row[0] if row else None


def year_closed(db: sqlite3.Connection, year: str) -> bool:
    row = db.execute("SELECT closed FROM years WHERE year = ?", (year,)).fetchone()
    return bool(row and row[0])


def period(db: sqlite3.Connection, period_id: str) -> tuple[str, str, str]:
    row = db.execute(
        "SELECT year, start, end FROM periods WHERE period = ?", (period_id,)
    ).fetchone()
    if row is None:
        raise NotFound("Такой учебный период не найден.")
    return row


def period_has_grade(db: sqlite3.Connection, period_id: str, grade: int) -> bool:
    """Whether a period belongs to the scheme of a grade (quarters for 5, halves for 10…)."""
    row = db.execute(
        "SELECT 1 FROM period_grades WHERE period = ? AND grade = ?", (period_id, grade)
    ).fetchone()
    return row is not None


def mark_row(db: sqlite3.Connection, mark_id: str) -> tuple[str, str, str, str | None]:
    """(lesson, student, kind, current value or None) of a mark."""
    row = db.execute(
        "SELECT lesson, student, kind, current FROM marks WHERE mark = ?", (mark_id,)
    ).fetchone()
    if row is None:
        raise NotFound("Такая отметка не найдена.")
    return row
