"""The read side of the portfolio (R-PRT-1): a student's achievements, whose portfolio in a
class was not updated this period (the class teacher watches it), and who may see one."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model import access
from ..model.errors import NotFound
from .distance import FileInfo, files_of
from .members import groups_of, members
from .people import Person


@dataclass(frozen=True, slots=True)
class Achievement:
    achievement: str
    student: str
    kind: str
    title: str
    level: str
    date: str
    result: str
    status: str  # "new" | "confirmed" | "rejected"
    note: str
    withdrawn: bool
    at: str
    by: str
    files: tuple[FileInfo, ...]


def achievements_of(db: sqlite3.Connection, student: str) -> tuple[Achievement, ...]:
    """A student's portfolio, newest first; withdrawn entries included (flagged)."""
    rows = db.execute(
        "SELECT achievement, student, kind, title, level, date, result, status, note, "
        "withdrawn_at IS NOT NULL, at, by FROM achievements WHERE student = ? AND invalid = 0 "
        "ORDER BY date DESC, at DESC",
        (student,),
    ).fetchall()
    attached = files_of(db, [r[0] for r in rows])
    return tuple(
        Achievement(*r[:9], bool(r[9]), r[10], r[11], attached.get(r[0], ())) for r in rows
    )


@dataclass(frozen=True, slots=True)
class PortfolioState:
    student: Person
    last_update: str  # UTC time of the latest entry, "" for never
    entries: int
    unconfirmed: int
    stale: bool  # nothing added since the period began


def class_portfolios(
    db: sqlite3.Connection, class_id: str, since: str, on: str
) -> tuple[PortfolioState, ...]:
    """Each student of a class with their portfolio's last update; ``stale`` when nothing was
    added from ``since`` (the period's first day) on."""
    result = []
    for m in members(db, class_id, on, on):
        last, count, unconfirmed = db.execute(
            "SELECT max(at), count(*), sum(status = 'new') FROM achievements "
            "WHERE student = ? AND invalid = 0 AND withdrawn_at IS NULL",
            (m.student.person,),
        ).fetchone()
        result.append(
            PortfolioState(
                m.student, last or "", count, unconfirmed or 0, not last or last[:10] < since
            )
        )
    return tuple(result)


def may_see_portfolio(db: sqlite3.Connection, viewer: str, student: str, on: str) -> bool:
    """The student, a guardian, the class teacher of the student's class, the administration."""
    roles = access.roles_of(db, viewer, on)
    if viewer == student:
        return "student" in roles
    if access.is_guardian(db, viewer, student, on) or roles & access.MATRIX["journal.read_all"]:
        return True
    return any(access.is_class_teacher(db, viewer, g, on) for g in groups_of(db, student, on))


def may_enter_portfolio(db: sqlite3.Connection, viewer: str, student: str, on: str) -> bool:
    if viewer == student:
        return "student" in access.roles_of(db, viewer, on)
    return access.is_guardian(db, viewer, student, on)


def owner_of_file(db: sqlite3.Connection, owner: str, sha256: str) -> bool:
    """Whether the record ``owner`` references the file ``sha256``."""
    return (
        db.execute(
            "SELECT 1 FROM file_refs WHERE owner = ? AND sha256 = ?", (owner, sha256)
        ).fetchone()
        is not None
    )


def achievement_student(db: sqlite3.Connection, achievement: str) -> str:
    """Whose portfolio an entry is in. Raises NotFound."""
    row = db.execute(
        "SELECT student FROM achievements WHERE achievement = ?", (achievement,)
    ).fetchone()
    if row is None:
        raise NotFound("Такая запись портфолио не найдена.")
    return str(row[0])


def is_person(db: sqlite3.Connection, person_id: str) -> bool:
    return db.execute("SELECT 1 FROM persons WHERE person = ?", (person_id,)).fetchone() is not None
