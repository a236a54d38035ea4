"""What the administration pages list about people: the register with roles, students of a
class with their guardians, staff, roles of a person, year-end decisions (R-STR-7, R-SEC-1,
R-SEC-2)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model.access import ROLES
from .people import Person, alphabetical, persons, russian_key

STAFF_ROLES = frozenset(ROLES) - {"parent", "student"}
DECISIONS_RU = {
    "promoted": "переведён",
    "conditionally": "переведён условно",
    "repeat": "оставлен на повторное обучение",
    "graduated": "выпущен",
}


@dataclass(frozen=True, slots=True)
class RoleRow:
    person: str
    role: str
    scope: str
    scope_name: str  # the child's name for a parent's role
    start: str
    end: str | None

    @property
    def role_ru(self) -> str:
        return ROLES.get(self.role, self.role)


@dataclass(frozen=True, slots=True)
class PersonRow:
    person: Person
    birth_date: str
    roles: tuple[str, ...]  # roles held on the date asked
    classes: tuple[str, ...]  # names of the classes the person is a student of then


@dataclass(frozen=True, slots=True)
class StudentRow:
    student: Person
    class_: str
    class_name: str
    joined: str
    individual_plan: bool
    is_student_user: bool  # holds the role «обучающийся» (a diary login of one's own)
    parents: tuple[Person, ...]


@dataclass(frozen=True, slots=True)
class Decision:
    student: str
    decision: str
    to_class: str

    @property
    def decision_ru(self) -> str:
        return DECISIONS_RU.get(self.decision, self.decision)


def _held(db: sqlite3.Connection, on: str) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for person, role in db.execute(
        "SELECT person, role FROM roles WHERE start <= ? AND (end IS NULL OR end >= ?)", (on, on)
    ):
        found.setdefault(person, set()).add(role)
    return found


def register(
    db: sqlite3.Connection, on: str, query: str = "", limit: int = 200
) -> tuple[PersonRow, ...]:
    """People whose surname (or name) starts with ``query``, alphabetically, at most ``limit``;
    with their roles and classes on ``on``."""
    key = russian_key(query.strip())
    people = [
        Person(person, last or "", first or "", middle or "")
        for person, last, first, middle in db.execute(
            "SELECT person, last_name, first_name, middle_name FROM persons"
        )
    ]
    if key:
        # SQLite's lower() knows only ASCII: Russian names are matched here.
        people = [
            p
            for p in people
            if russian_key(p.last_name).startswith(key) or russian_key(p.first_name).startswith(key)
        ]
    people.sort(key=alphabetical)
    shown = people[:limit]
    ids = [p.person for p in shown]
    roles: dict[str, set[str]] = {}
    classes: dict[str, list[str]] = {}
    for start in range(0, len(ids), 500):
        part = ids[start : start + 500]
        marks = ",".join("?" * len(part))
        for person, role in db.execute(
            f"SELECT person, role FROM roles WHERE person IN ({marks}) AND start <= ? "
            "AND (end IS NULL OR end >= ?)",
            (*part, on, on),
        ):
            roles.setdefault(person, set()).add(role)
        for person, name in db.execute(
            "SELECT m.student, g.name FROM memberships m JOIN groups g ON g.grp = m.grp "
            f"WHERE m.student IN ({marks}) AND g.kind = 'class' AND m.start <= ? "
            "AND (m.end IS NULL OR m.end >= ?)",
            (*part, on, on),
        ):
            classes.setdefault(person, []).append(name)
    births = (
        dict(
            db.execute(
                f"SELECT person, coalesce(birth_date, '') FROM persons WHERE person IN "
                f"({','.join('?' * len(ids))})",
                ids,
            ).fetchall()
        )
        if ids
        else {}
    )
    return tuple(
        PersonRow(
            p,
            births.get(p.person, ""),
            tuple(sorted(roles.get(p.person, ()))),
            tuple(sorted(classes.get(p.person, ()))),
        )
        for p in shown
    )


def person_row(db: sqlite3.Connection, person_id: str, on: str) -> PersonRow | None:
    """One person with the roles and classes on ``on``; None if not registered."""
    row = db.execute(
        "SELECT last_name, first_name, middle_name, coalesce(birth_date, '') FROM persons "
        "WHERE person = ?",
        (person_id,),
    ).fetchone()
    if row is None:
        return None
    roles = db.execute(
        "SELECT DISTINCT role FROM roles WHERE person = ? AND start <= ? "
        "AND (end IS NULL OR end >= ?) ORDER BY role",
        (person_id, on, on),
    ).fetchall()
    classes = db.execute(
        "SELECT g.name FROM memberships m JOIN groups g ON g.grp = m.grp WHERE m.student = ? "
        "AND g.kind = 'class' AND m.start <= ? AND (m.end IS NULL OR m.end >= ?) ORDER BY g.name",
        (person_id, on, on),
    ).fetchall()
    last, first, middle, born = row
    return PersonRow(
        Person(person_id, last or "", first or "", middle or ""),
        born,
        tuple(r[0] for r in roles),
        tuple(r[0] for r in classes),
    )


def roles_of_person(db: sqlite3.Connection, person: str) -> tuple[RoleRow, ...]:
    """Every role a person has held or holds, the latest first."""
    rows = db.execute(
        "SELECT person, role, coalesce(scope, ''), start, end FROM roles WHERE person = ? "
        "ORDER BY start DESC, role",
        (person,),
    ).fetchall()
    names = persons(db, [r[2] for r in rows if r[2]])
    return tuple(
        RoleRow(p, role, scope, names[scope].full_name if scope in names else "", start, end)
        for p, role, scope, start, end in rows
    )


def guardians(db: sqlite3.Connection, students: list[str], on: str) -> dict[str, list[Person]]:
    """The parents (holders of the parent role scoped to the child) of each student on ``on``."""
    found: dict[str, list[str]] = {}
    for start in range(0, len(students), 500):
        part = students[start : start + 500]
        for parent, child in db.execute(
            "SELECT person, scope FROM roles WHERE role = 'parent' AND start <= ? "
            f"AND (end IS NULL OR end >= ?) AND scope IN ({','.join('?' * len(part))})",
            (on, on, *part),
        ):
            found.setdefault(child, []).append(parent)
    names = persons(db, [p for ps in found.values() for p in ps])
    return {
        child: sorted((names[p] for p in ps if p in names), key=alphabetical)
        for child, ps in found.items()
    }


def class_students(db: sqlite3.Connection, class_id: str, on: str) -> tuple[StudentRow, ...]:
    """The students of a class on ``on`` with their guardians, in journal order."""
    rows = db.execute(
        "SELECT m.student, m.grp, g.name, m.start, m.individual_plan FROM memberships m "
        "JOIN groups g ON g.grp = m.grp WHERE m.grp = ? AND m.start <= ? "
        "AND (m.end IS NULL OR m.end >= ?)",
        (class_id, on, on),
    ).fetchall()
    ids = [r[0] for r in rows]
    names = persons(db, ids)
    parents = guardians(db, ids, on)
    users = {
        r[0]
        for r in db.execute(
            "SELECT person FROM roles WHERE role = 'student' AND start <= ? "
            f"AND (end IS NULL OR end >= ?) AND person IN ({','.join('?' * len(ids))})",
            (on, on, *ids),
        )
    }
    found = [
        StudentRow(
            names.get(s, Person(s, "", "", "")),
            grp,
            name,
            start,
            bool(plan),
            s in users,
            tuple(parents.get(s, ())),
        )
        for s, grp, name, start, plan in rows
    ]
    found.sort(key=lambda r: alphabetical(r.student))
    return tuple(found)


def unplaced_students(db: sqlite3.Connection, year_id: str) -> tuple[Person, ...]:
    """Whom admission to a class of ``year_id`` picks from: people with no role but «student»
    who are in no class of that year and either were never in a class (newcomers) or were in a
    class of the year before and did not graduate (last year's students before promotion)."""
    previous = db.execute(
        "SELECT year FROM years WHERE start < (SELECT start FROM years WHERE year = ?) "
        "ORDER BY start DESC LIMIT 1",
        (year_id,),
    ).fetchone()

    def students_of(year: str) -> set[str]:
        return {
            r[0]
            for r in db.execute(
                "SELECT m.student FROM memberships m JOIN groups g ON g.grp = m.grp "
                "WHERE g.kind = 'class' AND g.year = ?",
                (year,),
            )
        }

    staff_or_family = {r[0] for r in db.execute("SELECT person FROM roles WHERE role != 'student'")}
    ever = {r[0] for r in db.execute("SELECT student FROM memberships")}
    graduated = {
        r[0] for r in db.execute("SELECT student FROM promotions WHERE decision = 'graduated'")
    }
    this_year, last_year = students_of(year_id), students_of(previous[0]) if previous else set()
    wanted = [
        p
        for (p,) in db.execute("SELECT person FROM persons")
        if p not in staff_or_family
        and p not in this_year
        and (p not in ever or (p in last_year and p not in graduated))
    ]
    return tuple(sorted(persons(db, wanted).values(), key=alphabetical))


def staff(db: sqlite3.Connection, on: str) -> tuple[PersonRow, ...]:
    """People holding a staff role (not parent, not student) on ``on``, alphabetically."""
    held = _held(db, on)
    ids = [p for p, roles in held.items() if roles & STAFF_ROLES]
    names = persons(db, ids)
    rows = [PersonRow(names[p], "", tuple(sorted(held[p])), ()) for p in ids if p in names]
    rows.sort(key=lambda r: alphabetical(r.person))
    return tuple(rows)


def decisions(db: sqlite3.Connection, year_id: str) -> dict[str, Decision]:
    """The latest year-end decision recorded for each student of a year (R-STR-7)."""
    found: dict[str, Decision] = {}
    for student, decision, to_class in db.execute(
        "SELECT student, decision, coalesce(to_class, '') FROM promotions WHERE year = ? "
        "ORDER BY at, rowid",
        (year_id,),
    ):
        found[student] = Decision(student, decision, to_class)
    return found


def is_registered(db: sqlite3.Connection, person: str) -> bool:
    return db.execute("SELECT 1 FROM persons WHERE person = ?", (person,)).fetchone() is not None
