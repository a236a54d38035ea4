"""The shape of the demo school, with no I/O: how many classes each grade has in a year, the
students who fill them, the teachers the school hires for that load, and who teaches which
course. :mod:`ejournal.demo.generate` turns it into entries.

Classes follow cohorts: the children who start grade 1 in a year stay together up to grade 9
(every fourth intake is large enough for two classes, so with 300 students grades 1, 5 and 9
have an А and a Б class); after grade 9 about 40 % leave for colleges and the rest form the
senior classes together with a few newcomers.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from . import names
from .names import Name
from .plans import PlannedLesson
from .subjects import FULL_LOAD, MAX_LOAD, SHARED_WITH, SPLIT_SIZE, Subject, subjects_for

LETTERS = "АБВГДЕЖИКЛ"
CLASS_SIZE = 24  # the size a class is planned for when the intake is counted
SENIOR_SHARE = 0.85  # senior classes are smaller
MERGE_BELOW = 6  # weekly hours under which a speciality is given to a colleague (ОБЗР → PE)


@dataclass
class Student:
    person: str
    name: Name
    birth: date
    ability: float  # the mean mark the student tends to get
    parents: list[str] = field(default_factory=list)


@dataclass
class Teacher:
    person: str
    name: Name
    speciality: str
    room: str
    prompt: bool  # fills the journal right after the last lesson, or later in the afternoon
    late_rate: float  # share of days filled in two to six days later


@dataclass
class Klass:
    year: str
    grade: int
    letter: str
    students: list[Student]
    id: str = ""
    teacher: str = ""  # the class teacher
    subgroups: list[tuple[str, list[Student]]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.grade}{self.letter}"


@dataclass
class Course:
    subject: Subject
    klass: Klass
    group: str  # the class id or a subgroup id
    students: list[Student]
    hours: int
    teacher: str = ""
    id: str = ""
    plan: list[PlannedLesson] = field(default_factory=list)
    held: int = 0  # lessons given so far: the next plan line is plan[held]
    last_homework: bool = False  # whether the last lesson set homework (to check at this one)

    @property
    def grade(self) -> int:
        return self.klass.grade


@dataclass(frozen=True)
class Layout:
    """How many classes a cohort (by the year it started grade 1) has in grades 1–9."""

    base: int
    period: int  # every ``period``-th cohort has one class more; 0: none
    anchor: int  # a cohort with the extra class (the current year's first-graders)
    size: float  # planned students per class

    def classes(self, first_year: int, grade: int) -> int:
        cohort = first_year - grade + 1
        k = self.base + (1 if self.period and (cohort - self.anchor) % self.period == 0 else 0)
        return k if grade <= 9 else max(1, round(k * 0.6))

    def class_size(self, grade: int) -> float:
        return self.size * (SENIOR_SHARE if grade >= 10 else 1.0)


def layout(students: int, current_first_year: int) -> Layout:
    """A layout for about ``students`` students."""
    per_cohort = students / CLASS_SIZE / (9 + 2 * 0.6)
    base = max(1, math.floor(per_cohort))
    frac = per_cohort - math.floor(per_cohort) if per_cohort >= 1 else 0.0
    period = round(1 / frac) if frac >= 0.15 else 0
    probe = Layout(base, period, current_first_year, 1.0)
    slots = sum(
        probe.classes(current_first_year, g) * (SENIOR_SHARE if g >= 10 else 1)
        for g in range(1, 12)
    )
    return Layout(base, period, current_first_year, students / slots)


# --- people ---------------------------------------------------------------------------------


def birth_date(rng: random.Random, first_year: int, grade: int) -> date:
    """Children start grade 1 at six and a half to seven and a half."""
    born = date(first_year - 6 - grade, 9, 1)
    return born - timedelta(days=rng.randint(0, 364))


def ability(rng: random.Random) -> float:
    """The mean mark a student tends to get: about 3.9 over the school, from 2.7 to 4.95."""
    return min(4.95, max(2.7, rng.gauss(3.95, 0.55)))


@dataclass(frozen=True)
class Family:
    surname: str
    father: Name | None
    mother: Name | None
    father_first: str  # for the children's patronymic, also when the father is not a guardian


def family(rng: random.Random) -> Family:
    surname = rng.choice(names.SURNAMES)
    father = names.adult(rng, "м", surname)
    mother = names.adult(rng, "ж", surname)
    r = rng.random()
    if r < 0.7:
        return Family(surname, father, mother, father.first)
    if r < 0.95:
        return Family(surname, None, mother, father.first)
    return Family(surname, father, None, father.first)


def teacher_sex(rng: random.Random, speciality: str) -> str:
    share_men = {"pe": 0.5, "obzr": 0.9, "labour": 0.5, "inf": 0.4, "phys": 0.3, "hist": 0.3}.get(
        speciality, 0.1
    )
    return "м" if rng.random() < share_men else "ж"


# --- load -----------------------------------------------------------------------------------


def taught_by_primary(subject: Subject, grade: int) -> bool:
    return grade <= 4 and not subject.primary_by_specialist


def pool_of(subject: Subject, grade: int, merged: set[str]) -> str:
    """The speciality whose teachers take this subject in this grade."""
    if taught_by_primary(subject, grade):
        return "primary"
    if subject.key == "project":
        return "project"
    spec = subject.speciality
    return SHARED_WITH[spec] if spec in merged else spec


def splits(subject: Subject, size: int) -> bool:
    return subject.split and size >= SPLIT_SIZE


def demand(classes: list[tuple[int, int]]) -> dict[str, int]:
    """Weekly hours per speciality for classes given as (grade, size)."""
    hours: dict[str, int] = {}
    for grade, size in classes:
        for s in subjects_for(grade):
            if taught_by_primary(s, grade) or s.key == "project":
                continue
            hours[s.speciality] = hours.get(s.speciality, 0) + s.hours[grade] * (
                2 if splits(s, size) else 1
            )
    return hours


def merged_specialities(hours: dict[str, int]) -> set[str]:
    return {spec for spec, h in hours.items() if h < MERGE_BELOW and spec in SHARED_WITH}


def staff_plan(hours: dict[str, int], primary_classes: int) -> dict[str, int]:
    """How many teachers of each speciality the school hires for the heaviest year's load."""
    merged = merged_specialities(hours)
    pools: dict[str, int] = {}
    for spec, h in hours.items():
        target = SHARED_WITH[spec] if spec in merged else spec
        pools[target] = pools.get(target, 0) + h
    counts = {
        spec: max(1, round(h / FULL_LOAD), math.ceil(h / MAX_LOAD))
        for spec, h in sorted(pools.items())
    }
    counts["primary"] = primary_classes
    return counts


def courses_for(klass: Klass) -> list[Course]:
    """The courses of a class: one per subject, or one per subgroup for a split subject."""
    out: list[Course] = []
    for s in subjects_for(klass.grade):
        hours = s.hours[klass.grade]
        if klass.subgroups and splits(s, len(klass.students)):
            out.extend(Course(s, klass, gid, members, hours) for gid, members in klass.subgroups)
        else:
            out.append(Course(s, klass, klass.id, list(klass.students), hours))
    return out


def assign_teachers(
    courses: list[Course],
    teachers: dict[str, list[Teacher]],
    merged: set[str],
    previous: dict[tuple[str, int, str, str], str],
    primary_of: dict[str, str],
) -> dict[str, int]:
    """Give every course a teacher, balancing loads and keeping last year's teacher of a class
    where the load allows. Returns each teacher's weekly hours.

    ``previous`` maps (pool, previous grade, letter, subgroup index) to a teacher; ``primary_of``
    maps a class id to its primary teacher.
    """
    load: dict[str, int] = {t.person: 0 for pool in teachers.values() for t in pool}
    bundles: dict[tuple[str, str, int], list[Course]] = {}
    for c in courses:
        pool = pool_of(c.subject, c.grade, merged)
        index = 0 if c.group == c.klass.id else 1 + [g for g, _ in c.klass.subgroups].index(c.group)
        bundles.setdefault((pool, c.klass.id, index), []).append(c)
    order = sorted(bundles.items(), key=lambda kv: (-kv[1][0].grade, kv[0][1], kv[0][2], kv[0][0]))
    for (pool, class_id, index), bundle in order:
        klass = bundle[0].klass
        hours = sum(c.hours for c in bundle)
        if pool == "primary":
            chosen = primary_of[class_id]
        elif pool == "project":
            continue  # the class teacher supervises projects; set once class teachers are known
        else:
            chosen = _pick(pool, klass, index, hours, teachers[pool], load, previous, bundles)
        for c in bundle:
            c.teacher = chosen
        load[chosen] = load.get(chosen, 0) + hours
    return load


def _pick(
    pool: str,
    klass: Klass,
    index: int,
    hours: int,
    candidates: list[Teacher],
    load: dict[str, int],
    previous: dict[tuple[str, int, str, str], str],
    bundles: dict[tuple[str, str, int], list[Course]],
) -> str:
    # The other subgroup of the same class goes to another teacher when there is one, so that
    # both halves have English at the same hour.
    taken = set()
    if index:
        taken = {
            c.teacher
            for (p, k, i), b in bundles.items()
            if p == pool and k == klass.id and i != index
            for c in b
        }
        taken.discard("")
    before = previous.get((pool, klass.grade - 1, klass.letter, str(index)))
    if before and before not in taken and load.get(before, 0) + hours <= FULL_LOAD + 6:
        return before
    free = [t for t in candidates if t.person not in taken] or candidates
    return min(free, key=lambda t: (load.get(t.person, 0), t.person)).person
