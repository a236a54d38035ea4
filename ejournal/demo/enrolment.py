"""People of the demo school through the public commands: staff with their roles, students with
one or two guardians (a few families have two children at the school), admissions, and the
movement of students at the end of a year (R-STR-2, R-STR-7, R-SEC-1)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from ..model import events as ev
from ..model.commands import people
from . import names
from .names import Name
from .school import Family, Klass, Student, ability, birth_date, family
from .world import Office, World

SIBLING_SHARE = 0.12


@dataclass
class Household:
    family: Family
    guardians: list[str]


def register(w: World, office: Office, actor: str, name: Name, birth: str = "") -> str:
    office.step()
    person = people.register_person(
        w.j,
        actor,
        last_name=name.last,
        first_name=name.first,
        middle_name=name.middle,
        birth_date=birth,
        sex=name.sex,
    )
    w.staff.names[person] = name.full
    return person


def grant(
    w: World, office: Office, actor: str, person: str, role: str, start: date, scope: str = ""
) -> None:
    office.step()
    people.grant_role(w.j, actor, person=person, role=role, start=start.isoformat(), scope=scope)


def admit(
    w: World,
    office: Office,
    klass: Klass,
    first_year: int,
    start: date,
    households: list[Household],
) -> Student:
    """A new student of ``klass`` from ``start``: registered with the guardians, given the
    student and parent roles, enrolled. Some join an older brother's or sister's family."""
    rng, sec = w.rng, w.staff.secretary
    sex = rng.choice("мж")
    if households and rng.random() < SIBLING_SHARE:
        home = rng.choice(households)
        new_home = False
    else:
        home, new_home = Household(family(rng), []), True
    child = names.child(rng, sex, home.family.surname, home.family.father_first)
    born = birth_date(rng, first_year, klass.grade)
    person = register(w, office, sec, child, born.isoformat())
    student = Student(person, child, born, ability(rng))
    if new_home:
        for adult in (home.family.mother, home.family.father):
            if adult is not None:
                home.guardians.append(register(w, office, sec, adult))
        households.append(home)
    grant(w, office, sec, person, "student", start)
    for guardian in home.guardians:
        grant(w, office, sec, guardian, "parent", start, scope=person)
        w.parents.setdefault(person, []).append(guardian)
        w.children.setdefault(guardian, []).append(person)
    student.parents = list(home.guardians)
    office.step()
    people.enroll(
        w.j, sec, student=person, group=klass.id, start=start.isoformat(), order=_order(w, start)
    )
    klass.students.append(student)
    w.join(klass.id, student, start)
    return student


def _order(w: World, on: date) -> str:
    """The number of the director's order (приказ) on admissions."""
    return f"{on.month:02d}-{w.rng.randint(10, 99)}/у"


def leave_school(
    w: World, office: Office, student: Student, groups: list[str], end: date, reason: str
) -> None:
    """Withdrawal or graduation: out of the class and groups, roles ended after ``end``."""
    events: list[ev.Event] = [
        ev.StudentLeft(student.person, g, end.isoformat(), reason, _order(w, end)) for g in groups
    ]
    office.step()
    w.j.record(w.staff.secretary, events)
    for g in groups:
        w.leave(g, student.person, end)
    revoke: list[ev.Event] = [ev.RoleRevoked(student.person, "student", end.isoformat())]
    for guardian in w.parents.get(student.person, []):
        revoke.append(ev.RoleRevoked(guardian, "parent", end.isoformat(), student.person))
    office.step()
    w.j.record(w.staff.admin, revoke)
