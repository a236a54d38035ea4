"""The journal grid of a course for a period: students × lessons, with marks, attendance,
period marks, weighted averages and forecasts — the teacher's main page (R-LES-1, R-ATT-1,
R-MRK-1..5)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from ..model import lookup
from ..model.errors import NotFound
from .averages import Average, school_weights, summarise
from .courses import CourseInfo, course_info
from .finals import FinalMark, period_marks
from .marks import Mark, attendance_of_lessons, marks_of_lessons
from .members import members
from .people import Person
from .periods import Period, period

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class GridLesson:
    lesson: str
    date: str
    number: int
    topic: str
    homework: str
    work_kinds: tuple[str, ...]
    substitute: str  # id of the teacher who took the lesson instead (R-LES-2), or ""
    invalid: bool  # recorded with compromised credentials (R-SEC-3); admin view only


@dataclass(frozen=True, slots=True)
class GridCell:
    lesson: str
    member: bool  # the student belonged to the group on the lesson's date
    attendance: str  # "" present, "Б", "У", "Н" (R-ATT-1)
    marks: tuple[Mark, ...]


@dataclass(frozen=True, slots=True)
class GridRow:
    student: Person
    joined: str
    left: str | None  # last day in the group, shown until then (R-STR-7)
    individual_plan: bool
    cells: tuple[GridCell, ...]  # one per lesson of Grid.lessons, in the same order
    average: Average  # R-MRK-5, over the marks that count
    period_mark: FinalMark | None  # R-MRK-3


@dataclass(frozen=True, slots=True)
class Grid:
    course: CourseInfo
    period: Period
    lessons: tuple[GridLesson, ...]
    rows: tuple[GridRow, ...]
    include_invalid: bool


def journal_grid(
    db: sqlite3.Connection, course_id: str, period_id: str, *, include_invalid: bool = False
) -> Grid:
    """The journal page of a course for a period.

    Args:
        db: the projection's connection.
        course_id: the course.
        period_id: a period of the course's year.
        include_invalid: the administration's view: also lessons and marks made with
            compromised credentials and revoked marks, flagged (R-SEC-3, R-MRK-2).

    Returns:
        Students who belonged to the course's class or group on any day of the period
        (alphabetically), lessons of the period (by date and number), and per student a cell per
        lesson, the weighted average, forecast and period mark.

    Raises:
        NotFound: no such course or period.
    """
    course = course_info(db, course_id)
    term = period(db, period_id)
    start, end = max(term.start, course.start), min(term.end, course.end)
    lessons = _lessons(db, course_id, start, end, include_invalid)
    ids = [lesson.lesson for lesson in lessons]
    marks = marks_of_lessons(db, ids, include_invalid=include_invalid)
    attendance = attendance_of_lessons(db, ids)
    finals = {f.student: f for f in period_marks(db, course_id, period_id)}
    weights = school_weights(db)
    # Most cells are empty: share one immutable empty cell per lesson and membership, and one
    # row of them for a student in the group all period with nothing in it.
    empty = {
        (les.lesson, on): GridCell(les.lesson, on, "", ())
        for les in lessons
        for on in (True, False)
    }
    blank = tuple(empty[(les.lesson, True)] for les in lessons)
    marks_of, codes_of = _per_student(marks), _per_student(attendance)
    rows = []
    for member in members(db, course.group, start, end):
        student = member.student.person
        always = member.joined <= start and (member.left is None or member.left >= end)
        mine, codes = marks_of.get(student, {}), codes_of.get(student, {})
        counted: list[tuple[str, str]] = []
        if always and not mine and not codes:
            cells: tuple[GridCell, ...] = blank
        else:
            row = []
            for les in lessons:
                found, code = mine.get(les.lesson, ()), codes.get(les.lesson, "")
                on = always or member.on(les.date)
                if not found and not code:
                    row.append(empty[(les.lesson, on)])
                    continue
                row.append(GridCell(les.lesson, on, code, found))
                if not les.invalid:
                    counted += [(m.value, m.kind) for m in found if m.counts]
            cells = tuple(row)
        rows.append(
            GridRow(
                member.student,
                member.joined,
                member.left,
                member.individual_plan,
                cells,
                summarise(student, course_id, counted, weights),
                finals.get(student),
            )
        )
    return Grid(course, term, lessons, tuple(rows), include_invalid)


def _per_student(found: Mapping[tuple[str, str], T]) -> dict[str, dict[str, T]]:
    """{(lesson, student): x} as {student: {lesson: x}} (a row looks up only its own)."""
    by: dict[str, dict[str, T]] = {}
    for (lesson, student), x in found.items():
        by.setdefault(student, {})[lesson] = x
    return by


def _lessons(
    db: sqlite3.Connection, course: str, start: str, end: str, include_invalid: bool
) -> tuple[GridLesson, ...]:
    rows = db.execute(
        "SELECT lesson, date, number, topic, homework, work_kinds, teacher, invalid FROM lessons "
        "WHERE course = ? AND date BETWEEN ? AND ? ORDER BY date, number, at, lesson",
        (course, start, end),
    )
    return tuple(
        GridLesson(
            lesson,
            day,
            number,
            topic or "",
            homework or "",
            tuple(json.loads(kinds or "[]")),
            teacher or "",
            bool(invalid),
        )
        for lesson, day, number, topic, homework, kinds, teacher, invalid in rows
        if include_invalid or not invalid
    )


def grid_cell(db: sqlite3.Connection, lesson_id: str, student: str) -> GridCell:
    """One cell of the grid, as :func:`journal_grid` would show it (after a cell is saved the
    page needs only this cell, not the whole grid recomputed).

    Raises:
        NotFound: no such lesson.
    """
    row = db.execute(
        "SELECT c.grp, l.date FROM lessons l JOIN courses c ON c.course = l.course "
        "WHERE l.lesson = ?",
        (lesson_id,),
    ).fetchone()
    if row is None:
        raise NotFound("Такой урок не найден.")
    member = lookup.is_member(db, student, row[0], row[1])
    marks = marks_of_lessons(db, [lesson_id], student=student)
    attendance = attendance_of_lessons(db, [lesson_id], student=student)
    key = (lesson_id, student)
    return GridCell(lesson_id, member, attendance.get(key, ""), marks.get(key, ()))
