"""A school day of the demo: every timetable slot becomes a lesson with its topic from the plan,
homework, attendance (Б, У, Н) and marks, written by its teacher in one batch after the day's
last lesson, and now and then two to six days late (flagged by the projection, R-MRK-1).

Absences follow illnesses of a few days (more in winter), single excused days and a few
truancies: 5–8 % of student-lessons. Marks follow each student's ability (the school's mean is
about 3.9), oral answers most, then homework checks, written work for the whole class at the
lines of the plan that call for it, and a few «самостоятельные» in between.
"""

from __future__ import annotations

import random
from datetime import date, datetime, timedelta

from ..model import events as ev
from ..model import rules
from .finals import term_end_events
from .homework import HOMEWORK_SHARE, Progress, homework
from .plans import PlannedLesson
from .school import Course, Student, Teacher
from .timetable import LESSON_MINUTES, LESSON_STARTS
from .world import MarkRec, World, at

ILLNESS_START = 0.011  # a student falls ill on a study day
EXCUSED_DAY = 0.004  # a competition, a family matter: У for the day
TRUANCY = 0.003  # Н for one lesson (twice as often for weak students)
SELF_STUDY = 0.1  # a lesson without a planned written work has a «самостоятельная»
HOMEWORK_CHECK = 0.6
COMMENT = 0.015
LATE_DAYS = (2, 6)
LATE_FINALS = 0.03  # a teacher gives the period marks after the period has ended

_SEASON = {9: 0.6, 10: 1.0, 11: 1.2, 12: 1.3, 1: 1.5, 2: 1.5, 3: 1.1, 4: 0.8, 5: 0.6}


def plan_day(w: World, day: date) -> None:
    """Queue every lesson of ``day`` with what its teacher writes about it."""
    y = w.year
    assert y is not None
    weekday = day.isoweekday()
    status = _absences(w, day)
    buckets: dict[str, list[tuple[int, list[ev.Event]]]] = {}
    for klass in y.classes:
        if not y.cal.is_study_day(day, klass.grade):
            continue
        for (wd, number), unit in sorted(y.week.get(klass.id, {}).items()):
            if wd != weekday:
                continue
            for course in unit.courses:
                teacher, events = _lesson(w, course, day, number, status)
                buckets.setdefault(teacher, []).append((number, events))
    finals = term_end_events(w, day)
    for teacher in sorted(set(buckets) | set(finals)):
        _schedule(
            w,
            w.staff.by_id[teacher],
            day,
            sorted(buckets.get(teacher, []), key=lambda b: b[0]),
            finals.get(teacher, []),
        )


def lesson_end(day: date, number: int) -> datetime:
    hh, mm = map(int, LESSON_STARTS[number - 1].split(":"))
    return at(day, hh, mm) + timedelta(minutes=LESSON_MINUTES)


def _absences(w: World, day: date) -> dict[str, str]:
    """Who is away all day and why: Б (ill) or У (excused)."""
    rng, status = w.rng, {}
    season = _SEASON.get(day.month, 1.0)
    for s in w.students_now:
        until = w.ill_until.get(s.person)
        if until is not None and day <= until:
            status[s.person] = "Б"
        elif rng.random() < ILLNESS_START * season:
            w.ill_until[s.person] = day + timedelta(days=rng.randint(2, 8))
            status[s.person] = "Б"
        elif rng.random() < EXCUSED_DAY:
            status[s.person] = "У"
    return status


def planned_line(course: Course) -> PlannedLesson | None:
    """The next line of the course's plan (and move on), None past its end."""
    line = course.plan[course.held] if course.held < len(course.plan) else None
    course.held += 1
    return line


def new_lesson(
    w: World, course: Course, day: date, number: int
) -> tuple[str, PlannedLesson | None, str]:
    """A lesson's id, plan line and homework."""
    line = planned_line(course)
    work = ""
    if course.subject.homework and course.grade > 1 and w.rng.random() < HOMEWORK_SHARE:
        work = homework(
            course.subject.homework, Progress(course.held - 1, course.hours, course.grade), w.rng
        )
    return w.j.ids.new("les"), line, work


def lesson_recorded(
    course: Course,
    lesson: str,
    day: date,
    number: int,
    line: PlannedLesson | None,
    work: str,
    kinds: list[str],
) -> ev.LessonRecorded:
    topic = line.topic if line else "Повторение изученного"
    return ev.LessonRecorded(
        lesson,
        course.id,
        day.isoformat(),
        number,
        topic,
        work,
        kinds,
        "",
        line.number if line else 0,
    )


def _lesson(
    w: World, course: Course, day: date, number: int, status: dict[str, str]
) -> tuple[str, list[ev.Event]]:
    key = (course.id, day, number)
    pre = w.prerecorded.pop(key, None)
    if pre is not None:  # recorded ahead; maybe given by a substitute (R-LES-2)
        lesson, line, work = pre
        teacher = w.substitutes.get(key, course.teacher)
    else:
        lesson, line, work = new_lesson(w, course, day, number)
        teacher = course.teacher
    present, events = _attendance(w, lesson, course, day, status)
    marks = _marks(w, course, lesson, day, present, line.kind if line else "")
    kinds = list(dict.fromkeys(m.kind for m in marks))
    if pre is None:
        events.insert(0, lesson_recorded(course, lesson, day, number, line, work, kinds))
    elif kinds:
        events.insert(0, ev.LessonUpdated(lesson, work_kinds=kinds))
    events.extend(marks)
    if present and w.rng.random() < COMMENT and course.grade > 1:
        events.append(_comment(w, lesson, w.rng.choice(present)))
    course.last_homework = bool(work)
    w.last_lesson[course.id] = (lesson, day)
    return teacher, events


def _attendance(
    w: World, lesson: str, course: Course, day: date, status: dict[str, str]
) -> tuple[list[Student], list[ev.Event]]:
    present: list[Student] = []
    events: list[ev.Event] = []
    for s in w.members_on(course.group, day):
        code = status.get(s.person, "")
        if (
            not code
            and w.rng.random() < TRUANCY * (2 if s.ability < 3.4 else 1)
            and course.grade >= 5
        ):
            code = "Н"
        if code:
            events.append(ev.AttendanceMarked(lesson, s.person, code))
        else:
            present.append(s)
    return present, events


def _marks(
    w: World, course: Course, lesson: str, day: date, present: list[Student], planned: str
) -> list[ev.MarkGiven]:
    s = course.subject
    if course.grade == 1 or s.grading != "five" or not s.current_marks or not present:
        return []
    rng, y = w.rng, w.year
    assert y is not None
    given: list[tuple[Student, str]] = []
    if planned:
        # Tests are marked for everyone; drawings, laboratory and practical work for some.
        share = 1.0 if planned in ("КР", "Д", "ИЗЛ", "СОЧ") else 0.6
        given += [(st, planned) for st in present if rng.random() < share]
    else:
        if "СР" in s.written and rng.random() < SELF_STUDY:
            given += [(st, "СР") for st in present if rng.random() < 0.6]
        oral = rng.choice((0, 1, 1, 1, 2, 2, 2, 3, 3)) + {1: 3, 2: 1}.get(course.hours, 0)
        if s.homework and course.last_homework and rng.random() < HOMEWORK_CHECK:
            given += [(st, "ДЗ") for st in _least_marked(w, course, present, rng.randint(1, 4))]
        taken = {st.person for st, _ in given}
        given += [
            (st, "У")
            for st in _least_marked(w, course, [p for p in present if p.person not in taken], oral)
        ]
    out = []
    for st, kind in given:
        mark = ev.MarkGiven(
            w.j.ids.new("mrk"), lesson, st.person, mark_value(rng, st.ability, kind), kind
        )
        rec = MarkRec(mark.mark, course.id, st.person, mark.value, kind, day)
        y.marks.setdefault((course.id, st.person), []).append(rec)
        y.mark_by_id[mark.mark] = rec
        out.append(mark)
    return out


def _least_marked(w: World, course: Course, present: list[Student], n: int) -> list[Student]:
    """Teachers ask those with the fewest marks so far, more or less."""
    y = w.year
    assert y is not None
    ranked = sorted(
        present,
        key=lambda st: (
            len(y.marks.get((course.id, st.person), ())) + w.rng.random() * 4,
            st.person,
        ),
    )
    return ranked[:n]


def mark_value(rng: random.Random, ability: float, kind: str) -> str:
    if kind in rules.WRITTEN_KINDS:
        value = rng.gauss(ability - (0.15 if kind == "КР" else 0.0), 0.8)
    else:
        value = rng.gauss(ability + 0.1, 0.6)
    return str(min(5, max(2, round(value))))


_PRAISE = (
    "Активно работал{a} на уроке",
    "Отличный ответ у доски",
    "Помог{la} однокласснику разобраться в задаче",
    "Подготовил{a} интересное сообщение",
)
_REMARK = (
    "Не выполнил{a} домашнее задание",
    "Нет учебника и тетради",
    "Отвлекался{as} на уроке, разговаривал{a}",
    "Опоздал{a} на урок",
)
_NOTE = (
    "Просьба проверить выполнение домашних заданий",
    "Прошу подойти на консультацию после уроков",
)


def _comment(w: World, lesson: str, student: Student) -> ev.CommentAdded:
    rng = w.rng
    fem = student.name.sex == "ж"
    forms = {"a": "а" if fem else "", "la": "ла" if fem else "", "as": "ась" if fem else "ся"}
    if student.ability >= 4.2 or (student.ability >= 3.5 and rng.random() < 0.5):
        kind, text = "praise", rng.choice(_PRAISE)
    elif rng.random() < 0.8:
        kind, text = "remark", rng.choice(_REMARK)
    else:
        kind, text = "note", rng.choice(_NOTE)
    if kind == "remark" and "Отвлекался" in text:
        text = text.replace("Отвлекался{as}", "Отвлекалась" if fem else "Отвлекался")
    return ev.CommentAdded(w.j.ids.new("cmt"), lesson, student.person, kind, text.format(**forms))


def _schedule(
    w: World,
    t: Teacher,
    day: date,
    lessons: list[tuple[int, list[ev.Event]]],
    finals: list[ev.Event],
) -> None:
    """When the teacher writes the day's lessons (and period marks): in the afternoon, once
    the last lesson is over, or now and then two to six days later (flagged late)."""
    rng, y = w.rng, w.year
    assert y is not None
    last = lesson_end(day, lessons[-1][0]) if lessons else at(day, 14, 0)
    if finals and rng.random() < LATE_FINALS:
        # R-MRK-3: period marks are due by the period's last day; these come a few days late.
        late = at(day + timedelta(days=rng.randint(2, 4)), rng.randint(10, 16), rng.randint(0, 59))
        if late < w.stop and not w.guarded(t.person, late):
            w.later(late, t.person, finals)
            finals = []
    events = [e for _, batch in lessons for e in batch] + finals
    if lessons and rng.random() < t.late_rate:
        when = at(
            day + timedelta(days=rng.randint(*LATE_DAYS)), rng.randint(15, 17), rng.randint(0, 59)
        )
        if when < w.stop and not w.guarded(t.person, when):
            w.later(when, t.person, events)
            y.late_teachers.append(t.person)
            return
    # Some fill the journal in the break after the last lesson, some at the end of the day.
    pause = rng.randint(3, 9) if t.prompt else rng.randint(20, 150)
    w.later(max(last + timedelta(minutes=pause), at(day, 13, rng.randint(0, 59))), t.person, events)
