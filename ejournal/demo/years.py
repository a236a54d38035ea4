"""The administration's work on the demo school, through the public commands: the installation
(staff, roles, school settings, subjects), the structure of each year (periods, holidays,
classes), and the August set-up (admissions, subgroups, curriculum, courses, class teachers,
timetable, lesson plans). R-STR-1..6, R-LES-3, R-SEC-1. The June closing is in
:mod:`ejournal.demo.closing`."""

from __future__ import annotations

from datetime import date, timedelta

from ..model import events as ev
from ..model import rules
from ..model.access import SYSTEM
from ..model.commands import people, structure
from . import names
from .enrolment import Household, admit, grant, register
from .plans import build_plan
from .school import (
    Klass,
    Layout,
    Teacher,
    assign_teachers,
    courses_for,
    demand,
    merged_specialities,
    pool_of,
    staff_plan,
    teacher_sex,
)
from .schoolyear import school_year
from .subjects import SPLIT_SIZE, SUBJECTS
from .timetable import build_week
from .world import Office, World, YearState, at

SCHOOL = ev.SchoolConfigured(
    name="МБОУ «Берёзовская средняя общеобразовательная школа № 1»",
    short_name="МБОУ «Берёзовская СОШ № 1»",
    timezone="Asia/Krasnoyarsk",
    deadline_days=dict(rules.DEFAULT_DEADLINES),
    weights=dict(rules.DEFAULT_WEIGHTS),
)
_SECONDARY_ORDER = (
    "rus",
    "math",
    "hist",
    "eng",
    "bio",
    "geo",
    "phys",
    "chem",
    "inf",
    "art",
    "pe",
    "music",
    "labour",
)


def weekday_on_or_after(day: date) -> date:
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


def install(w: World, first_year: int, hires: dict[str, int]) -> Office:
    """The school starts keeping its journal: staff, roles, settings, subjects, teachers."""
    rng = w.rng
    start_day = weekday_on_or_after(date(first_year, 8, 3))
    office = Office(w, at(start_day, 9, 0))
    s = w.staff
    s.admin = register(w, office, SYSTEM, names.adult(rng, "м"))
    grant(w, office, SYSTEM, s.admin, "admin", start_day)
    for attr, role, sex in (
        ("director", "director", "ж"),
        ("deputy", "deputy", "ж"),
        ("secretary", "secretary", "ж"),
        ("archivist", "archivist", "ж"),
    ):
        person = register(w, office, s.admin, names.adult(rng, sex))
        setattr(s, attr, person)
        grant(w, office, s.admin, person, role, start_day)
    office.step()
    structure.configure_school(w.j, s.director, SCHOOL)
    for subject in SUBJECTS:
        office.step()
        w.subjects[subject.key] = structure.define_subject(
            w.j, s.deputy, name=subject.name, short=subject.short, grading=subject.grading
        )
    rooms = iter(range(201, 400))
    for pool, count in sorted(hires.items()):
        for i in range(count):
            name = names.adult(rng, teacher_sex(rng, pool))
            person = register(w, office, s.secretary, name)
            grant(w, office, s.admin, person, "teacher", start_day)
            room = {"pe": "спортзал", "labour": "мастерская"}.get(
                pool
            ) or f"каб. {101 + i if pool == 'primary' else next(rooms)}"
            late = 0.06 if rng.random() < 0.15 else 0.006
            teacher = Teacher(person, name, pool, room, rng.random() < 0.5, late)
            s.teachers.setdefault(pool, []).append(teacher)
            s.by_id[person] = teacher
    return office


def define_year(w: World, office: Office, first: int, lay: Layout) -> YearState:
    """The year, its periods and holidays, and its classes (R-STR-1, R-STR-2)."""
    cal = school_year(first)
    y = YearState(cal)
    dep, j = w.staff.deputy, w.j
    office.step()
    structure.define_year(j, dep, year=y.name, start=cal.start.isoformat(), end=cal.end.isoformat())
    for term in cal.terms:
        office.step()
        period = structure.define_period(
            j,
            dep,
            year=y.name,
            kind=term.kind,
            number=term.number,
            start=term.start.isoformat(),
            end=term.end.isoformat(),
            grades=list(term.grades),
        )
        for grade in term.grades:
            y.periods[(term.kind, term.number, grade)] = period
    for h in cal.holidays:
        office.step()
        structure.define_holiday(
            j,
            dep,
            year=y.name,
            name=h.name,
            start=h.start.isoformat(),
            end=h.end.isoformat(),
            grades=list(h.grades),
        )
    for grade in range(1, 12):
        for i in range(lay.classes(first, grade)):
            office.step()
            klass = Klass(y.name, grade, "АБВГДЕЖИКЛ"[i], [])
            klass.id = structure.create_class(j, dep, year=y.name, grade=grade, letter=klass.letter)
            y.classes.append(klass)
    return y


def set_up(
    w: World, y: YearState, lay: Layout, households: list[Household], first_year_of_school: bool
) -> None:
    """August: admissions, subgroups, curriculum, courses, class teachers, timetable, plans."""
    rng, j, dep = w.rng, w.j, w.staff.deputy
    cal = y.cal
    office = Office(
        w, at(weekday_on_or_after(date(cal.first, 8, 10 if first_year_of_school else 20)), 9, 0)
    )
    first_day = cal.start
    for klass in y.classes:
        target = round(rng.gauss(lay.class_size(klass.grade), 1.5))
        if first_year_of_school or klass.grade == 1 or len(klass.students) < target - 2:
            while len(klass.students) < max(target, 1):
                admit(w, office, klass, cal.first, first_day, households)
    for klass in y.classes:
        if klass.grade >= 2 and len(klass.students) >= SPLIT_SIZE:
            ordered = sorted(klass.students, key=lambda s: (s.name.last, s.name.first, s.person))
            half = (len(ordered) + 1) // 2
            for n, members in ((1, ordered[:half]), (2, ordered[half:])):
                office.step()
                group = structure.create_group(
                    j,
                    dep,
                    year=y.name,
                    name=f"{klass.name}, английский язык, {n} группа",
                    classes=[klass.id],
                )
                klass.subgroups.append((group, members))
                for st in members:
                    office.step()
                    people.enroll(
                        j,
                        w.staff.secretary,
                        student=st.person,
                        group=group,
                        start=first_day.isoformat(),
                    )
                    w.join(group, st, first_day)
    for klass in y.classes:
        for subject in (s for s in SUBJECTS if klass.grade in s.hours):
            office.step()
            structure.set_curriculum(
                j,
                dep,
                year=y.name,
                class_=klass.id,
                subject=w.subjects[subject.key],
                hours=subject.hours[klass.grade],
            )
    _courses(w, office, y)
    week = build_week(y.classes, y.courses, rng)
    y.week = week
    office.step()
    for klass in y.classes:
        batch = []
        for (weekday, number), unit in sorted(week[klass.id].items()):
            for c in unit.courses:
                room = w.staff.by_id[c.teacher].room
                batch.append(
                    ev.TimetableSet(c.group, weekday, number, c.id, first_day.isoformat(), room)
                )
        j.record(dep, batch)
    for course in y.courses:
        weeks = 33 if course.grade == 1 else structure.STUDY_WEEKS
        course.plan = build_plan(course.subject, course.grade, course.hours * weeks)
        office.step()
        structure.set_plan(
            j,
            course.teacher,
            course=course.id,
            topics=[ev.PlanTopic(p.number, p.topic, 1, p.section) for p in course.plan],
        )
    w.students_now = [st for k in y.classes for st in k.students]


def _courses(w: World, office: Office, y: YearState) -> None:
    """Courses with their teachers (R-STR-4) and class teachers, keeping last year's where
    they can go on."""
    j, dep, s = w.j, w.staff.deputy, w.staff
    for klass in y.classes:
        y.courses.extend(courses_for(klass))
    primary_of = _primary_teachers(w, y)
    assign_teachers(y.courses, s.teachers, w.merged, w.previous_teachers, primary_of)
    _class_teachers(w, y, primary_of)
    for c in y.courses:
        if not c.teacher:  # the individual project: the class teacher supervises it
            c.teacher = c.klass.teacher
    w.previous_teachers = {}
    for c in y.courses:
        index = 0 if c.group == c.klass.id else 1 + [g for g, _ in c.klass.subgroups].index(c.group)
        w.previous_teachers[
            (pool_of(c.subject, c.grade, w.merged), c.grade, c.klass.letter, str(index))
        ] = c.teacher
        office.step()
        c.id = structure.create_course(
            j,
            dep,
            year=y.name,
            subject=w.subjects[c.subject.key],
            teacher=c.teacher,
            group=c.group,
            start=y.cal.start.isoformat(),
            end=y.cal.end.isoformat(),
        )
    for klass in y.classes:
        office.step()
        structure.assign_class_teacher(
            j, dep, class_=klass.id, teacher=klass.teacher, start=y.cal.start.isoformat()
        )


def _primary_teachers(w: World, y: YearState) -> dict[str, str]:
    """A primary teacher takes a class in grade 1 and stays with it up to grade 4."""
    pool = [t.person for t in w.staff.teachers.get("primary", [])]
    out: dict[str, str] = {}
    busy = set()
    primary = [k for k in y.classes if k.grade <= 4]
    for klass in sorted(primary, key=lambda k: (-k.grade, k.letter)):
        before = w.previous_class_teacher.get((klass.grade - 1, klass.letter))
        if klass.grade > 1 and before in pool and before not in busy:
            out[klass.id] = before
            busy.add(before)
    for klass in sorted(primary, key=lambda k: (k.grade, k.letter)):
        if klass.id not in out:
            free = [p for p in pool if p not in busy]
            out[klass.id] = free[0] if free else pool[0]
            busy.add(out[klass.id])
    return out


def _class_teachers(w: World, y: YearState, primary_of: dict[str, str]) -> None:
    taken: set[str] = set()
    previous = w.previous_class_teacher
    w.previous_class_teacher = {}
    for klass in sorted(y.classes, key=lambda k: (-k.grade, k.letter)):
        if klass.grade <= 4:
            klass.teacher = primary_of[klass.id]
        else:
            teaching = {c.teacher for c in y.courses if c.klass is klass and c.teacher}
            before = previous.get((klass.grade - 1, klass.letter))
            if before in teaching and before not in taken and klass.grade not in (5, 10):
                klass.teacher = before
            else:
                rank = {spec: i for i, spec in enumerate(_SECONDARY_ORDER)}
                options = sorted(
                    (t for t in teaching if t not in taken and t in w.staff.by_id),
                    key=lambda t: (rank.get(w.staff.by_id[t].speciality, 99), t),
                )
                others = sorted(
                    t
                    for pool, ts in w.staff.teachers.items()
                    if pool != "primary"
                    for t in (x.person for x in ts)
                    if t not in taken
                )
                klass.teacher = (options or others or sorted(teaching))[0]
        taken.add(klass.teacher)
        w.previous_class_teacher[(klass.grade, klass.letter)] = klass.teacher


def hires_for(years: list[int], lay: Layout) -> tuple[dict[str, int], set[str]]:
    """The staff for the heaviest year: teachers per speciality (and primary teachers), and the
    small specialities a colleague covers."""
    best: dict[str, int] = {}
    primary = 0
    for first in years:
        classes = [
            (g, round(lay.class_size(g)))
            for g in range(1, 12)
            for _ in range(lay.classes(first, g))
        ]
        for spec, h in demand(classes).items():
            best[spec] = max(best.get(spec, 0), h)
        primary = max(primary, sum(1 for g, _ in classes if g <= 4))
    return staff_plan(best, primary), merged_specialities(best)
