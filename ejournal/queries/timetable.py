"""The timetable in force on a date (R-STR-5): for each (group, weekday, lesson number) the slot
with the latest start not after the date; a slot with no course clears it. Also whether a date
is a study day at all (R-STR-1: holidays per grade)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date as _date


@dataclass(frozen=True, slots=True)
class Slot:
    number: int  # lesson number in the day
    group: str  # the class or group the slot is for
    group_name: str
    course: str
    subject_name: str
    room: str


def _weekday(day: str) -> int:
    return _date.fromisoformat(day).isoweekday()


def slots_on(db: sqlite3.Connection, groups: Sequence[str], day: str) -> tuple[Slot, ...]:
    """The timetable of these classes and groups on ``day``, by lesson number then group.

    Courses that have not started or have ended by ``day`` are left out.
    """
    if not groups:
        return ()
    rows = db.execute(
        "SELECT t.number, t.grp, coalesce(g.name, ''), t.course, coalesce(s.name, ''), t.room "
        "FROM timetable t JOIN courses c ON c.course = t.course "
        "LEFT JOIN subjects s ON s.subject = c.subject LEFT JOIN groups g ON g.grp = t.grp "
        f"WHERE t.grp IN ({','.join('?' * len(groups))}) AND t.weekday = ? "
        "AND c.start <= ? AND c.end >= ? AND t.start = ("
        " SELECT max(t2.start) FROM timetable t2 WHERE t2.grp = t.grp AND t2.weekday = t.weekday"
        " AND t2.number = t.number AND t2.start <= ?) "
        "ORDER BY t.number, t.grp",
        (*groups, _weekday(day), day, day, day),
    )
    return tuple(Slot(*row) for row in rows)


def day_off(db: sqlite3.Connection, grade: int, day: str) -> str | None:
    """Why ``day`` is not a study day for ``grade`` (a holiday's name, «воскресенье», «вне
    учебного года»), or None on a study day."""
    if _weekday(day) == 7:
        return "воскресенье"
    year = db.execute("SELECT year FROM years WHERE start <= ? AND end >= ?", (day, day)).fetchone()
    if year is None:
        return "вне учебного года"
    for name, grades in db.execute(
        "SELECT name, grades FROM holidays WHERE year = ? AND start <= ? AND end >= ? "
        "ORDER BY start, name",
        (year[0], day, day),
    ):
        applies = json.loads(grades or "[]")
        if not applies or grade in applies:
            return str(name)
    return None
