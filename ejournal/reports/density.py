"""Mark density (накопляемость, R-CTL-1; 001 App.1 4.3): per course (class × subject) in a
period, how many students have no marks, one mark, fewer than the school's minimum, and the
average number of marks per student.

Only marks that count are counted: current (not revoked), valid (R-SEC-3), at lessons that are
valid, dated within the scope and the course's dates.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ..model.rules import DEFAULT_MIN_MARKS
from .scope import Scope, ScopeCourse, courses, group_members
from .table import Column, Table, Value, share

COLUMNS = (
    Column("class", "Класс"),
    Column("subject", "Предмет"),
    Column("group", "Группа"),
    Column("teacher", "Учитель"),
    Column("students", "Учеников", numeric=True),
    Column("no_marks", "Без отметок", numeric=True),
    Column("no_marks_pct", "Без отметок, %", numeric=True, percent=True),
    Column("one_mark", "С одной отметкой", numeric=True),
    Column("one_mark_pct", "С одной отметкой, %", numeric=True, percent=True),
    Column("below_min", "Меньше минимума", numeric=True),
    Column("marks", "Отметок", numeric=True),
    Column("per_student", "Отметок на ученика", numeric=True),
)


def lesson_counts(
    db: sqlite3.Connection, course_ids: Sequence[str], start: str, end: str
) -> dict[tuple[str, str], int]:
    """Marks that count per (course, student) at valid lessons dated ``start``..``end``."""
    found: dict[tuple[str, str], int] = {}
    for part in _chunks(course_ids):
        # Lessons first (index on course and date), then their marks (index on lesson).
        for course, student, count in db.execute(
            "SELECT l.course, m.student, count(*) FROM lessons l CROSS JOIN marks m "
            f"ON m.lesson = l.lesson WHERE l.course IN ({','.join('?' * len(part))}) "
            "AND l.date BETWEEN ? AND ? AND l.invalid = 0 AND m.current IS NOT NULL "
            "GROUP BY l.course, m.student",
            (*part, start, end),
        ):
            found[(course, student)] = count
    return found


def _chunks(items: Sequence[str], size: int = 500) -> list[Sequence[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def school_minimum(db: sqlite3.Connection) -> int:
    """The school's minimum of marks (``reports.configured``), else rules.DEFAULT_MIN_MARKS."""
    row = db.execute("SELECT min_marks FROM report_settings WHERE id = 1").fetchone()
    return int(row[0]) if row and row[0] else DEFAULT_MIN_MARKS


def mark_density(db: sqlite3.Connection, scope: Scope, minimum: int | None = None) -> Table:
    """The mark density report of a scope (see the module docstring).

    Args:
        db: the projection.
        scope: the period or dates, and the class, course or teacher asked for.
        minimum: the fewest marks a student should have; by default the school's
            (:func:`school_minimum`).
    """
    if minimum is None:
        minimum = school_minimum(db)
    found = courses(db, scope, graded=True)
    counts = lesson_counts(db, [c.course for c in found], scope.start, scope.end)
    members = group_members(db, {c.group for c in found}, scope.start, scope.end)
    rows = []
    total = [0, 0, 0, 0, 0]  # students, no marks, one mark, below minimum, marks
    for c in found:
        figures = _figures(c, members.get(c.group, set()), counts, minimum)
        total = [a + b for a, b in zip(total, figures, strict=True)]
        rows.append(_row(c, figures))
    students, none, one, below, marks = total
    totals = ("Итого", "", "", "", students, none, share(none, students), one,
              share(one, students), below, marks, _per(marks, students))  # fmt: skip
    return Table(
        "Накопляемость отметок",
        scope.words,
        COLUMNS,
        tuple(rows),
        totals,
        (
            f"Минимум отметок за период: {minimum}.",
            "Считаются действующие отметки (без отменённых и внесённых с "
            "скомпрометированными учётными данными) за уроки периода.",
        ),
    )


def _figures(
    c: ScopeCourse, students: set[str], counts: dict[tuple[str, str], int], minimum: int
) -> list[int]:
    per = [counts.get((c.course, s), 0) for s in students]
    return [
        len(per),
        sum(1 for n in per if n == 0),
        sum(1 for n in per if n == 1),
        sum(1 for n in per if n < minimum),
        sum(per),
    ]


def _row(c: ScopeCourse, figures: list[int]) -> tuple[Value, ...]:
    students, none, one, below, marks = figures
    group = "" if c.group in c.classes else c.group_name
    return (c.class_names, c.subject_name, group, c.teacher.short_name, students, none,
            share(none, students), one, share(one, students), below, marks,
            _per(marks, students))  # fmt: skip


def _per(marks: int, students: int) -> float | None:
    return round(marks / students, 2) if students else None
