"""Weighted averages of current marks and the period mark they point to (R-MRK-5).

Only marks that count are averaged: valid (R-SEC-3), not revoked, at their current value after
corrections (R-MRK-2). Weights per work kind come from the school's settings
(``school.configured``), over :data:`ejournal.model.rules.DEFAULT_WEIGHTS`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from ..model import rules
from .periods import period as _period


@dataclass(frozen=True, slots=True)
class Average:
    """A student's current marks in a course over some dates, summed up."""

    student: str
    course: str
    marks: int  # current marks counted, numeric or not
    average: float | None  # weighted, rounded to 2 places; None without numeric marks
    forecast: str | None  # the period mark the average points to


def school_weights(db: sqlite3.Connection) -> dict[str, int]:
    """The school's weights of work kinds (only those it changed; rules add the defaults)."""
    row = db.execute("SELECT weights FROM school WHERE id = 1").fetchone()
    return dict(json.loads(row[0])) if row and row[0] else {}


def summarise(
    student: str, course: str, marks: Iterable[tuple[str, str]], weights: dict[str, int]
) -> Average:
    """The average of (value, work kind) pairs; a pure function for callers that hold marks."""
    pairs = list(marks)
    average = rules.weighted_average(pairs, weights)
    return Average(student, course, len(pairs), average, rules.forecast(average))


def course_averages(
    db: sqlite3.Connection, course: str, start: str, end: str
) -> tuple[Average, ...]:
    """Averages of every student with current marks in ``course`` on lessons from ``start`` to
    ``end`` (inclusive), ordered by student id."""
    by_student: dict[str, list[tuple[str, str]]] = {}
    for student, value, kind in db.execute(
        "SELECT m.student, m.current, m.kind FROM marks m JOIN lessons l ON l.lesson = m.lesson "
        "WHERE m.course = ? AND l.date BETWEEN ? AND ? AND m.current IS NOT NULL AND l.invalid = 0 "
        "ORDER BY m.student, l.date, l.number, m.at, m.mark",
        (course, start, end),
    ):
        by_student.setdefault(student, []).append((value, kind))
    weights = school_weights(db)
    return tuple(summarise(s, course, marks, weights) for s, marks in by_student.items())


def student_average(db: sqlite3.Connection, student: str, course: str, period_id: str) -> Average:
    """R-MRK-5: the weighted average and forecast of one student in a course for a period.

    Raises:
        NotFound: no such period.
    """
    p = _period(db, period_id)
    rows = db.execute(
        "SELECT m.current, m.kind FROM marks m JOIN lessons l ON l.lesson = m.lesson "
        "WHERE m.course = ? AND m.student = ? AND l.date BETWEEN ? AND ? "
        "AND m.current IS NOT NULL AND l.invalid = 0",
        (course, student, p.start, p.end),
    ).fetchall()
    return summarise(student, course, rows, school_weights(db))
