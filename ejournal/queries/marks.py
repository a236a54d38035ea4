"""Current marks, attendance and comments of lessons, as every page shows them (R-MRK-1,
R-MRK-2, R-MRK-4, R-ATT-1), with the flags the administration's view needs (R-SEC-3)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Mark:
    mark: str
    value: str  # the current value; for a revoked or invalid mark, the value as given
    kind: str  # work kind (У, КР …)
    late: bool  # entered after the deadline (R-MRK-1)
    changed: bool  # has a valid correction or revocation (R-MRK-2)
    invalid: bool  # given with compromised credentials (R-SEC-3)
    revoked: bool  # revoked: no value left (R-MRK-2)
    counts: bool  # has a current value: shown to everyone and averaged


@dataclass(frozen=True, slots=True)
class Comment:
    comment: str
    kind: str  # "remark" | "praise" | "note" (R-MRK-4)
    text: str
    at: str
    by: str
    invalid: bool


Key = tuple[str, str]  # (lesson, student)


def _in(values: Sequence[str]) -> str:
    return ",".join("?" * len(values))


def _filter(lessons: Sequence[str], student: str | None) -> tuple[str, list[str]]:
    """The WHERE clause and parameters for rows of these lessons (of one student if given)."""
    params: list[str] = list(lessons)
    where = f"lesson IN ({_in(lessons)})"
    if student is not None:
        where += " AND student = ?"
        params.append(student)
    return where, params


def marks_of_lessons(
    db: sqlite3.Connection,
    lessons: Sequence[str],
    *,
    student: str | None = None,
    include_invalid: bool = False,
) -> dict[Key, tuple[Mark, ...]]:
    """Marks given at these lessons, per (lesson, student), in the order they were given.

    Without ``include_invalid`` only the marks that count: not revoked, not invalid (R-SEC-3).
    """
    if not lessons:
        return {}
    where, params = _filter(lessons, student)
    if not include_invalid:
        where += " AND current IS NOT NULL"
    found: dict[Key, list[Mark]] = {}
    for mark, lesson, who, current, value, kind, late, changed, invalid in db.execute(
        "SELECT mark, lesson, student, current, value, kind, late, changed, invalid FROM marks "
        f"WHERE {where} ORDER BY at, mark",
        params,
    ):
        found.setdefault((lesson, who), []).append(
            Mark(
                mark=mark,
                value=current if current is not None else value,
                kind=kind,
                late=bool(late),
                changed=bool(changed),
                invalid=bool(invalid),
                revoked=current is None and not invalid,
                counts=current is not None,
            )
        )
    return {key: tuple(marks) for key, marks in found.items()}


def attendance_of_lessons(
    db: sqlite3.Connection, lessons: Sequence[str], *, student: str | None = None
) -> dict[Key, str]:
    """Absences at these lessons per (lesson, student): "Б", "У" or "Н" (R-ATT-1). The
    projection keeps only the latest valid code, so this is what everyone sees."""
    if not lessons:
        return {}
    where, params = _filter(lessons, student)
    rows = db.execute(f"SELECT lesson, student, code FROM attendance WHERE {where}", params)
    return {(lesson, who): code for lesson, who, code in rows}


def comments_of_lessons(
    db: sqlite3.Connection,
    lessons: Sequence[str],
    *,
    student: str | None = None,
    include_invalid: bool = False,
) -> dict[Key, tuple[Comment, ...]]:
    """Teachers' comments at these lessons per (lesson, student), oldest first (R-MRK-4)."""
    if not lessons:
        return {}
    where, params = _filter(lessons, student)
    if not include_invalid:
        where += " AND invalid = 0"
    found: dict[Key, list[Comment]] = {}
    for comment, lesson, who, kind, text, at, by, invalid in db.execute(
        "SELECT comment, lesson, student, kind, text, at, by, invalid FROM comments "
        f"WHERE {where} ORDER BY at, comment",
        params,
    ):
        found.setdefault((lesson, who), []).append(
            Comment(comment, kind, text, at, by, bool(invalid))
        )
    return {key: tuple(comments) for key, comments in found.items()}
