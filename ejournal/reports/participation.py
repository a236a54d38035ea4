"""Parents' and students' part (R-CTL-1; 003 §2.2 «процент участия родителей и учащихся»), per
class in a scope: how many have access to the diary, how many signed in, how many wrote to the
school and read its messages (R-DIA-4: parents confirm the period marks by a message to the
class teacher).

Sign-ins come from the auth store through :class:`ejournal.auth.activity.SignIns` (not part of
the log); without one the sign-in columns are empty and the notes say so. Diary page views are
not recorded anywhere yet and are not counted.
"""

from __future__ import annotations

import sqlite3
from datetime import date, datetime, time, timedelta

from ..auth.activity import SignIns
from ..queries.people import russian_key
from .scope import Scope, group_members, school_zone, utc_bounds
from .table import Column, Table, share

COLUMNS = (
    Column("class", "Класс"),
    Column("students", "Учеников", numeric=True),
    Column("student_access", "Учеников с доступом к дневнику", numeric=True),
    Column("students_signed_in", "Учеников входили", numeric=True),
    Column("parents", "Родителей с доступом", numeric=True),
    Column("parents_signed_in", "Родителей входили", numeric=True),
    Column("parents_pct", "Родителей входили, %", numeric=True, percent=True),
    Column("parents_wrote", "Родителей написали", numeric=True),
    Column("parents_read", "Прочитано родителями сообщений", numeric=True),
    Column("parents_received", "Получено родителями сообщений", numeric=True),
)


def participation(db: sqlite3.Connection, scope: Scope, sign_ins: SignIns | None) -> Table:
    """Parents' and students' participation per class (see the module docstring)."""
    classes = [
        (grp, name)
        for grp, name, grade in db.execute(
            "SELECT grp, name, grade FROM groups WHERE kind = 'class' AND year = ?", (scope.year,)
        )
        if (not scope.class_ or grp == scope.class_)
        and (scope.grades is None or grade in scope.grades)
    ]
    classes.sort(key=lambda c: (_grade(db, c[0]), russian_key(c[1])))
    members = group_members(db, [c for c, _ in classes], scope.start, scope.end)
    active = _roles(db, scope)
    first, after = utc_bounds(db, scope.start, scope.end)
    wrote = {p for (p,) in db.execute(
        "SELECT DISTINCT by FROM messages WHERE invalid = 0 AND at >= ? AND at < ?", (first, after)
    )}  # fmt: skip
    received: dict[str, tuple[int, int]] = {}
    for person, total, read in db.execute(
        "SELECT r.person, count(*), sum(r.read_at IS NOT NULL) FROM message_recipients r "
        "JOIN messages m ON m.message = r.message WHERE m.invalid = 0 AND m.at >= ? AND m.at < ? "
        "GROUP BY r.person",
        (first, after),
    ):
        received[person] = (total, read)
    everyone = {p for s in members.values() for p in s} | {
        p for p, _ in active.get("parent", set())
    }
    counted = _sign_ins(db, sign_ins, everyone, scope) if sign_ins is not None else None
    rows = []
    for grp, name in classes:
        students = members.get(grp, set())
        with_access = {s for s, _ in active.get("student", set()) if s in students}
        parents = {p for p, child in active.get("parent", set()) if child in students}
        rows.append(
            (
                name,
                len(students),
                len(with_access),
                None if counted is None else sum(1 for s in with_access if counted.get(s)),
                len(parents),
                None if counted is None else sum(1 for p in parents if counted.get(p)),
                None
                if counted is None
                else share(sum(1 for p in parents if counted.get(p)), len(parents)),
                len(parents & wrote),
                sum(received.get(p, (0, 0))[1] for p in parents),
                sum(received.get(p, (0, 0))[0] for p in parents),
            )
        )
    notes = ["Просмотры электронного дневника пока не записываются и не учитываются."]
    if counted is None:
        notes.insert(0, "Входы в журнал не учтены: нет доступа к хранилищу учётных записей.")
    return Table("Участие родителей и учащихся", scope.words, COLUMNS, tuple(rows), None,
                 tuple(notes))  # fmt: skip


def _grade(db: sqlite3.Connection, grp: str) -> int:
    row = db.execute("SELECT grade FROM groups WHERE grp = ?", (grp,)).fetchone()
    return int(row[0] or 0) if row else 0


def _roles(db: sqlite3.Connection, scope: Scope) -> dict[str, set[tuple[str, str]]]:
    found: dict[str, set[tuple[str, str]]] = {}
    for person, role, of in db.execute(
        "SELECT person, role, scope FROM roles WHERE role IN ('student', 'parent') "
        "AND start <= ? AND (end IS NULL OR end >= ?)",
        (scope.end, scope.start),
    ):
        found.setdefault(role, set()).add((person, of))
    return found


def _sign_ins(
    db: sqlite3.Connection, source: SignIns, persons: set[str], scope: Scope
) -> dict[str, int]:
    zone = school_zone(db)
    first = datetime.combine(date.fromisoformat(scope.start), time(), zone).timestamp()
    after = datetime.combine(
        date.fromisoformat(scope.end) + timedelta(days=1), time(), zone
    ).timestamp()
    return source.sign_in_counts(persons, first, after)
