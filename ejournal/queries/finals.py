"""Period, year, exam and final marks as they stand (R-MRK-3): the latest valid one counts."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FinalMark:
    student: str
    course: str
    kind: str  # "period" | "year" | "exam" | "final"
    period: str  # for kind "period", else ""
    value: str  # "5".."2", "зач", "н/а" …
    late: bool  # given after the period's (year's) last day
    at: str
    by: str


def period_marks(db: sqlite3.Connection, course: str, period: str) -> tuple[FinalMark, ...]:
    """The period marks of a course, one per student (the latest valid one), by student id."""
    return _latest(db, course, "period", period)


def final_marks(db: sqlite3.Connection, course: str, kind: str) -> tuple[FinalMark, ...]:
    """Year, exam or final marks of a course, one per student, by student id."""
    return _latest(db, course, kind, "")


def _latest(db: sqlite3.Connection, course: str, kind: str, period: str) -> tuple[FinalMark, ...]:
    # R-SEC-3: invalid ones never count; a later valid one replaces an earlier (R-MRK-2 keeps
    # the earlier in the table with its reason).
    rows = db.execute(
        "SELECT student, value, late, at, by FROM final_marks "
        "WHERE course = ? AND kind = ? AND period = ? AND invalid = 0 ORDER BY student, id",
        (course, kind, period),
    )
    latest: dict[str, FinalMark] = {}
    for student, value, late, at, by in rows:
        latest[student] = FinalMark(student, course, kind, period, value, bool(late), at, by)
    return tuple(latest.values())
