"""Periods of a school year (quarters, halves, trimesters) and the one in force on a date
(R-STR-1: different grades may use different schemes)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model.errors import NotFound


@dataclass(frozen=True, slots=True)
class Period:
    period: str
    year: str
    kind: str  # "quarter" | "half" | "trimester"
    number: int
    name: str  # «1 четверть»
    start: str
    end: str


_COLUMNS = "p.period, p.year, p.kind, p.number, p.name, p.start, p.end"


def period(db: sqlite3.Connection, period_id: str) -> Period:
    """One period by id.

    Raises:
        NotFound: no such period.
    """
    row = db.execute(
        f"SELECT {_COLUMNS} FROM periods p WHERE p.period = ?", (period_id,)
    ).fetchone()
    if row is None:
        raise NotFound("Такой учебный период не найден.")
    return Period(*row)


def periods_of_year(db: sqlite3.Connection, year: str, grade: int) -> tuple[Period, ...]:
    """The periods of ``year`` that apply to ``grade``, in calendar order."""
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM periods p JOIN period_grades pg ON pg.period = p.period "
        "WHERE p.year = ? AND pg.grade = ? ORDER BY p.start, p.number, p.period",
        (year, grade),
    )
    return tuple(Period(*row) for row in rows)


def current_period(db: sqlite3.Connection, grade: int, on: str) -> Period | None:
    """The period of ``grade`` that contains the date ``on``; None in the holidays between
    periods and outside school years."""
    row = db.execute(
        f"SELECT {_COLUMNS} FROM periods p JOIN period_grades pg ON pg.period = p.period "
        "WHERE pg.grade = ? AND p.start <= ? AND p.end >= ? "
        "ORDER BY p.start DESC, p.period LIMIT 1",
        (grade, on, on),
    ).fetchone()
    return Period(*row) if row else None


def course_periods(db: sqlite3.Connection, course: str) -> tuple[Period, ...]:
    """The periods of a course's year for the grade of its class or group."""
    row = db.execute(
        "SELECT c.year, coalesce(g.grade, 0) FROM courses c LEFT JOIN groups g ON g.grp = c.grp "
        "WHERE c.course = ?",
        (course,),
    ).fetchone()
    if row is None:
        raise NotFound("Такой курс не найден.")
    return periods_of_year(db, row[0], row[1])


def current_year(db: sqlite3.Connection, on: str) -> str | None:
    """The school year in force on a date, or the latest one begun before it (summer)."""
    row = db.execute(
        "SELECT year FROM years WHERE start <= ? ORDER BY start DESC LIMIT 1", (on,)
    ).fetchone()
    return row[0] if row else None
