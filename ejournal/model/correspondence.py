"""Who may write to whom (R-COM-1, R-SEC-4): the rule of the messages, decided from the projection.

- Staff (administrator, director, deputy head, secretary, teachers) write to each other.
- A parent writes to the class teacher and the subject teachers of the own children, and to the
  administration (director, deputy head); a student (with a login, R-DIA-2) likewise for the
  own classes and courses.
- A teacher writes to the parents and the students of the students taught or kept as class
  teacher; the administration writes to any parent or student.
- Anyone may answer a message received (a reply goes back to its sender).

Parents never write to other families and students never to other students: the journal is not
a chat between families (least privilege, R-SEC-4).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from . import access

STAFF = frozenset({"admin", "director", "deputy", "secretary", "teacher"})
ADMINISTRATION = frozenset({"admin", "director", "deputy"})
FAMILY = frozenset({"parent", "student"})


def children_of(db: sqlite3.Connection, parent: str, on: str) -> tuple[str, ...]:
    """The students a person is a guardian of on a date (the scopes of the parent role)."""
    return tuple(sorted(s for s in access.scopes_of(db, parent, "parent", on) if s))


def _groups(db: sqlite3.Connection, students: Iterable[str], on: str) -> list[str]:
    wanted = list(students)
    if not wanted:
        return []
    rows = db.execute(
        "SELECT DISTINCT grp FROM memberships WHERE start <= ? AND (end IS NULL OR end >= ?) "
        f"AND student IN ({','.join('?' * len(wanted))})",
        (on, on, *wanted),
    )
    return [r[0] for r in rows]


def teachers_of(db: sqlite3.Connection, students: Iterable[str], on: str) -> set[str]:
    """Teachers of the students' courses running on a date, and their class teachers."""
    groups = _groups(db, students, on)
    if not groups:
        return set()
    marks = ",".join("?" * len(groups))
    found = {
        r[0]
        for r in db.execute(
            f"SELECT DISTINCT teacher FROM courses WHERE grp IN ({marks}) "
            "AND start <= ? AND end >= ?",
            (*groups, on, on),
        )
    }
    for group in groups:
        row = db.execute(
            "SELECT teacher FROM class_teachers WHERE class = ? AND start <= ? "
            "ORDER BY start DESC LIMIT 1",
            (group, on),
        ).fetchone()
        if row:
            found.add(row[0])
    return found


def students_of_teacher(db: sqlite3.Connection, teacher: str, on: str) -> set[str]:
    """Students in the groups of the teacher's courses running on a date and in the classes
    the teacher keeps."""
    groups = {
        r[0]
        for r in db.execute(
            "SELECT grp FROM courses WHERE teacher = ? AND start <= ? AND end >= ?",
            (teacher, on, on),
        )
    }
    for (class_,) in db.execute(
        "SELECT DISTINCT class FROM class_teachers WHERE teacher = ?", (teacher,)
    ).fetchall():
        if access.is_class_teacher(db, teacher, class_, on):
            groups.add(class_)
    found: set[str] = set()
    for group in groups:
        found.update(
            r[0]
            for r in db.execute(
                "SELECT student FROM memberships WHERE grp = ? AND start <= ? "
                "AND (end IS NULL OR end >= ?)",
                (group, on, on),
            )
        )
    return found


def _family_students(db: sqlite3.Connection, person: str, roles: set[str], on: str) -> set[str]:
    """The students a family member speaks for: the own children, or oneself."""
    found = set(children_of(db, person, on)) if "parent" in roles else set()
    if "student" in roles:
        found.add(person)
    return found


def is_reply_to_sender(db: sqlite3.Connection, sender: str, recipient: str, reply_to: str) -> bool:
    """Whether ``reply_to`` is a valid message ``recipient`` sent to ``sender``."""
    if not reply_to:
        return False
    row = db.execute(
        "SELECT 1 FROM messages m JOIN message_recipients r ON r.message = m.message "
        "WHERE m.message = ? AND m.by = ? AND r.person = ? AND m.invalid = 0",
        (reply_to, recipient, sender),
    ).fetchone()
    return row is not None


def may_write(
    db: sqlite3.Connection, sender: str, recipient: str, on: str, reply_to: str = ""
) -> bool:
    """R-COM-1: whether ``sender`` may write to ``recipient`` on date ``on`` (see the module)."""
    if sender == recipient:
        return False
    mine, theirs = access.roles_of(db, sender, on), access.roles_of(db, recipient, on)
    if not mine or not theirs:
        return False
    if is_reply_to_sender(db, sender, recipient, reply_to):
        return True
    if mine & STAFF and theirs & STAFF:
        return True
    if mine & ADMINISTRATION and theirs & FAMILY:
        return True
    if mine & FAMILY and theirs & (ADMINISTRATION - {"admin"}):
        return True
    if mine & FAMILY and "teacher" in theirs:
        return recipient in teachers_of(db, _family_students(db, sender, mine, on), on)
    if "teacher" in mine and theirs & FAMILY:
        students = _family_students(db, recipient, theirs, on)
        return bool(students & students_of_teacher(db, sender, on))
    return False


def correspondents(db: sqlite3.Connection, person: str, on: str) -> tuple[str, ...]:
    """Whom ``person`` may start writing to on a date (for the form; :func:`may_write` decides):
    staff to all staff and to the families of their students, families to their teachers and
    the administration. Sorted ids, the person left out."""
    roles = access.roles_of(db, person, on)
    found: set[str] = set()
    if roles & STAFF:
        found |= _holders(db, STAFF, on)
    if roles & FAMILY:
        found |= _holders(db, ADMINISTRATION - {"admin"}, on)
        found |= teachers_of(db, _family_students(db, person, roles, on), on)
    if "teacher" in roles:
        students = students_of_teacher(db, person, on)
        found |= _families(db, students, on)
    found.discard(person)
    return tuple(sorted(found))


def _holders(db: sqlite3.Connection, roles: Iterable[str], on: str) -> set[str]:
    wanted = sorted(roles)
    rows = db.execute(
        f"SELECT DISTINCT person FROM roles WHERE role IN ({','.join('?' * len(wanted))}) "
        "AND start <= ? AND (end IS NULL OR end >= ?)",
        (*wanted, on, on),
    )
    return {r[0] for r in rows}


def _families(db: sqlite3.Connection, students: set[str], on: str) -> set[str]:
    """Parents of these students and those of them who hold a student's login."""
    if not students:
        return set()
    found: set[str] = set()
    wanted = sorted(students)
    for start in range(0, len(wanted), 500):
        part = wanted[start : start + 500]
        marks = ",".join("?" * len(part))
        found.update(
            r[0]
            for r in db.execute(
                "SELECT person FROM roles WHERE role = 'parent' AND scope IN "
                f"({marks}) AND start <= ? AND (end IS NULL OR end >= ?)",
                (*part, on, on),
            )
        )
        found.update(
            r[0]
            for r in db.execute(
                f"SELECT person FROM roles WHERE role = 'student' AND person IN ({marks}) "
                "AND start <= ? AND (end IS NULL OR end >= ?)",
                (*part, on, on),
            )
        )
    return found
