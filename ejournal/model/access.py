"""Roles and the access matrix (R-SEC-1): who may do what, decided from the projection.

Roles are held from a date (``role.granted``) until revoked. The class teacher of a class and
the teacher of a course are facts of the structure, not roles: they come from
``class_teacher.assigned`` and ``course.created`` / ``lesson.substituted``.
"""

from __future__ import annotations

import sqlite3

from .errors import PermissionDenied

ROLES = {
    "admin": "администратор",
    "director": "директор",
    "deputy": "заместитель директора по УВР",
    "secretary": "секретарь",
    "teacher": "учитель",
    "parent": "родитель (законный представитель)",
    "student": "обучающийся",
    "archivist": "архивист",
}

# The access matrix: action → roles that may perform it (scoped checks are in the commands).
MATRIX: dict[str, frozenset[str]] = {
    "structure.edit": frozenset({"admin", "director", "deputy"}),
    "people.edit": frozenset({"admin", "director", "secretary"}),
    "roles.grant": frozenset({"admin"}),
    "journal.write": frozenset({"teacher"}),
    "journal.read_all": frozenset({"admin", "director", "deputy"}),
    "control.remark": frozenset({"director", "deputy"}),
    "security.compromise": frozenset({"admin", "director"}),
    "announcement.post": frozenset({"director", "deputy", "admin"}),
    "reports.read": frozenset({"director", "deputy"}),
    "summary.read": frozenset({"director", "deputy", "secretary"}),
    "archive.read": frozenset({"archivist", "director"}),
}

MATRIX_RU = {
    "structure.edit": "изменять структуру учебного года, классы, предметы и расписание",
    "people.edit": "вносить и изменять сведения об участниках",
    "roles.grant": "выдавать роли",
    "journal.write": "заполнять журнал",
    "journal.read_all": "просматривать журнал любого класса",
    "control.remark": "делать замечания по ведению журнала",
    "security.compromise": "объявлять учётные данные скомпрометированными",
    "announcement.post": "размещать объявления",
    "reports.read": "получать отчёты",
    "summary.read": "просматривать сводные ведомости",
    "archive.read": "работать с архивом",
}

SYSTEM = "system"


def roles_of(db: sqlite3.Connection, person: str, on: str) -> set[str]:
    """The roles a person holds on date ``on`` (YYYY-MM-DD), whatever their scope."""
    rows = db.execute(
        "SELECT role FROM roles WHERE person = ? AND start <= ? AND (end IS NULL OR end >= ?)",
        (person, on, on),
    ).fetchall()
    return {r[0] for r in rows}


def scopes_of(db: sqlite3.Connection, person: str, role: str, on: str) -> set[str]:
    rows = db.execute(
        "SELECT scope FROM roles WHERE person = ? AND role = ? AND start <= ? "
        "AND (end IS NULL OR end >= ?)",
        (person, role, on, on),
    ).fetchall()
    return {r[0] for r in rows}


def may(db: sqlite3.Connection, person: str, action: str, on: str) -> bool:
    if person == SYSTEM:
        return True
    return bool(roles_of(db, person, on) & MATRIX[action])


def require(db: sqlite3.Connection, person: str, action: str, on: str) -> None:
    """Raise PermissionDenied unless ``person`` may perform ``action`` (R-SEC-1)."""
    if not may(db, person, action, on):
        raise PermissionDenied(f"Недостаточно прав: нельзя {MATRIX_RU[action]}.")


def is_class_teacher(db: sqlite3.Connection, person: str, class_: str, on: str) -> bool:
    row = db.execute(
        "SELECT teacher FROM class_teachers WHERE class = ? AND start <= ? "
        "ORDER BY start DESC LIMIT 1",
        (class_, on),
    ).fetchone()
    return bool(row) and row[0] == person


def is_guardian(db: sqlite3.Connection, person: str, student: str, on: str) -> bool:
    return student in scopes_of(db, person, "parent", on)
