"""Remarks of the deputy head addressed to a teacher (R-CTL-2): what to fix in the journal,
by when, which are overdue, which are fixed and with what note."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .people import Person, persons


@dataclass(frozen=True, slots=True)
class Remark:
    remark: str
    course: str  # "" for a remark about the teacher's journals in general
    course_name: str  # «5А — Математика»
    text: str
    due: str
    at: str  # when it was made (UTC)
    by: Person
    fixed_at: str  # "" while open
    fixed_note: str
    overdue: bool  # still open after its due date

    @property
    def fixed(self) -> bool:
        return bool(self.fixed_at)


def remarks_to(db: sqlite3.Connection, teacher: str, today: str) -> tuple[Remark, ...]:
    """The remarks addressed to a teacher: open ones first by due date, then fixed ones, the
    most recently fixed first."""
    rows = db.execute(
        "SELECT r.remark, coalesce(r.course, ''), coalesce(g.name || ' — ' || s.name, ''), "
        "r.text, r.due, r.at, r.by, coalesce(r.fixed_at, ''), coalesce(r.fixed_note, '') "
        "FROM remarks r LEFT JOIN courses c ON c.course = r.course "
        "LEFT JOIN groups g ON g.grp = c.grp LEFT JOIN subjects s ON s.subject = c.subject "
        "WHERE r.teacher = ?",
        (teacher,),
    ).fetchall()
    people = persons(db, [row[6] for row in rows])
    found = [
        Remark(
            remark,
            course,
            name,
            text,
            due,
            at,
            people.get(by, Person(by, "", "", "")),
            fixed_at,
            note,
            not fixed_at and due < today,
        )
        for remark, course, name, text, due, at, by, fixed_at, note in rows
    ]
    found.sort(key=lambda r: (r.fixed, r.due if not r.fixed else "", r.at, r.remark))
    open_ones = [r for r in found if not r.fixed]
    fixed = sorted((r for r in found if r.fixed), key=lambda r: r.fixed_at, reverse=True)
    return tuple(open_ones + fixed)


def open_remarks(db: sqlite3.Connection, teacher: str) -> int:
    """How many remarks addressed to the teacher are not fixed yet."""
    row = db.execute(
        "SELECT count(*) FROM remarks WHERE teacher = ? AND fixed_at IS NULL", (teacher,)
    ).fetchone()
    return int(row[0])
