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
    row = db.execute("SELECT course, date, teacher FROM lessons WHERE lesson = ?", (lesson_id,)).fetchone()
    if row is None:
        raise NotFound("Такой урок не найден.")
    return Lesson(lesson_id, course(db, row[0]), row[1], row[2] or "")


def is_member(db: sqlite3.Connection, student: str, group: str, on: str) -> bool:
    """Whether a student belongs to a class or group on a date (R-STR-2).

    A group across classes or a subgroup counts its own members; a class counts its members.
    """
    row = db.execute(
        "SELECT 1 FROM memberships WHERE student = ? AND grp = ? AND start <= ? "
        "AND (end IS NULL OR end >= ?) LIMIT 1",
        (student, group, on, on),
    ).fetchone()
    return row is not None


def year_of(db: sqlite3.Connection, on: str) -> str | None:
    row = db.execute("SELECT year FROM years WHERE start <= ? AND end >= ?", (on, on)).fetchone()
    return row[0] if row else None


def year_closed(db: sqlite3.Connection, year: str) -> bool:
    row = db.execute("SELECT closed FROM years WHERE year = ?", (year,)).fetchone()
    return bool(row and row[0])


def period(db: sqlite3.Connection, period_id: str) -> tuple[str, str, str]:
    row = db.execute("SELECT year, start, end FROM periods WHERE period = ?", (period_id,)).fetchone()
    if row is None:
        raise NotFound("Такой учебный период не найден.")
    return row


def mark_row(db: sqlite3.Connection, mark_id: str) -> tuple[str, str, str, str | None]:
    """(lesson, student, kind, current value or None) of a mark."""
    row = db.execute("SELECT lesson, student, kind, current FROM marks WHERE mark = ?", (mark_id,)).fetchone()
    if row is None:
        raise NotFound("Такая отметка не найдена.")
    return row
