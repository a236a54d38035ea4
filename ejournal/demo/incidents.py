"""Incidents of the demo school's year, each through the public commands of the person who
acts: marks corrected with a reason and one revoked (R-MRK-2); a teacher away for a day whose
lessons, filled in the evening before, colleagues take (R-LES-1, R-LES-2); and a stolen
password: a student changes his own marks one evening, the teacher reports it the next morning,
and everything made with her credentials since the evening stops counting (R-SEC-3)."""

from __future__ import annotations

from datetime import date, timedelta
from functools import partial

from ..log.entry import format_time
from ..model import events as ev
from ..model.commands import people, teaching
from .days import lesson_recorded, new_lesson
from .school import Course, Student
from .world import MarkRec, World, YearState, at

CORRECTIONS = (
    "Ошибка при вводе отметки",
    "Отметка выставлена не в ту графу",
    "Пересмотр работы по заявлению родителей",
)


def corrections(w: World, y: YearState) -> None:
    """A few corrections with a reason and one revoked mark a year (R-MRK-2), by the teachers."""
    rng = w.rng
    days = y.cal.study_days(5)
    for n, day in enumerate(sorted(rng.sample(days[10:], min(6, max(0, len(days) - 10))))):
        w.then(
            at(day, 15, rng.randint(0, 59)),
            partial(_correct, w, y, day, n == 2),
        )


def _correct(w: World, y: YearState, day: date, revoke: bool) -> None:
    rng = w.rng
    recent = sorted(
        (m for m in y.mark_by_id.values() if m.valid and day - timedelta(days=4) <= m.day < day),
        key=lambda m: m.mark,
    )
    written = [m for m in recent if _written(w, m.mark)]
    if not written:
        return
    m = rng.choice(written)
    course = next(c for c in y.courses if c.id == m.course)
    if revoke:
        teaching.revoke_mark(
            w.j,
            course.teacher,
            mark=m.mark,
            reason="Отметка выставлена ошибочно: не тому ученику",
        )
        m.valid = False
        return
    value = str(min(5, int(m.value) + 1)) if m.value != "5" else "4"
    teaching.correct_mark(
        w.j, course.teacher, mark=m.mark, value=value, reason=rng.choice(CORRECTIONS)
    )
    m.value = value


def _written(w: World, mark: str) -> bool:
    return w.j.db.execute("SELECT 1 FROM marks WHERE mark = ?", (mark,)).fetchone() is not None


def _lesson_written(w: World, lesson: str) -> bool:
    return (
        w.j.db.execute("SELECT 1 FROM lessons WHERE lesson = ?", (lesson,)).fetchone() is not None
    )


def substitution(w: World, y: YearState, day: date) -> None:
    """A teacher is away on ``day``: she filled in her lessons the evening before; the deputy
    head gives each to a free colleague (R-LES-1, R-LES-2)."""
    rng = w.rng
    weekday = day.isoweekday()
    slots: dict[str, list[tuple[int, Course]]] = {}
    busy: set[tuple[str, int]] = set()
    for klass in y.classes:
        if not y.cal.is_study_day(day, klass.grade):
            continue
        for (wd, number), unit in y.week.get(klass.id, {}).items():
            if wd == weekday:
                for c in unit.courses:
                    slots.setdefault(c.teacher, []).append((number, c))
                    busy.add((c.teacher, number))
    pools = w.staff.teachers
    candidates = sorted(
        (t for t, ls in slots.items() if len(ls) >= 3 and w.staff.by_id[t].speciality != "primary")
    )
    for absent in rng.sample(candidates, len(candidates)):
        plan = []
        for number, course in sorted(slots[absent], key=lambda s: s[0]):
            same = [
                t.person
                for t in pools.get(w.staff.by_id[absent].speciality, [])
                if (t.person, number) not in busy
            ]
            other = [
                t.person
                for ts in pools.values()
                for t in ts
                if (t.person, number) not in busy and t.speciality != "primary"
            ]
            free = sorted(same) or sorted(other)
            if not free:
                break
            plan.append((number, course, free[0]))
            busy.add((free[0], number))
        else:
            _arrange(w, y, day, absent, plan)
            return


def _arrange(
    w: World, y: YearState, day: date, absent: str, plan: list[tuple[int, Course, str]]
) -> None:
    rng = w.rng
    prev = max(d for d in y.cal.study_days(5) if d < day)
    ahead: list[ev.Event] = []
    for number, course, sub in plan:
        lesson, line, work = new_lesson(w, course, day, number)
        ahead.append(lesson_recorded(course, lesson, day, number, line, work, []))
        key = (course.id, day, number)
        w.prerecorded[key] = (lesson, line, work)
        w.substitutes[key] = sub
    w.later(at(prev, 18, rng.randint(0, 30)), absent, ahead)
    for i, (number, course, sub) in enumerate(plan):
        lesson = w.prerecorded[(course.id, day, number)][0]
        w.then(
            at(day, 7, 40 + i),
            partial(
                teaching.substitute,
                w.j,
                w.staff.deputy,
                lesson=lesson,
                teacher=sub,
                reason="Учитель на курсах повышения квалификации",
            ),
        )


def compromise(w: World, y: YearState, day: date) -> None:
    """R-SEC-3: a student learned his teacher's password and raised his own marks at night.

    The teacher reports it the next morning; the administrator declares her credentials
    compromised since the evening before and issues new ones.
    """
    rng = w.rng
    courses = [
        c
        for c in y.courses
        if c.subject.key in ("alg", "math", "rus") and c.grade >= 6 and c.group == c.klass.id
    ]
    if not courses:
        return
    course = rng.choice(sorted(courses, key=lambda c: c.id))
    members = w.members_on(course.group, day)
    if not members or course.id not in w.last_lesson:
        return

    def weak_marks(st: Student) -> list[MarkRec]:
        return sorted(
            (
                m
                for m in y.marks.get((course.id, st.person), [])
                if m.valid and m.value in ("2", "3") and m.day <= day - timedelta(days=7)
            ),
            key=lambda m: m.mark,
        )[-2:]

    student = min(
        (s for s in members if weak_marks(s)), key=lambda s: (s.ability, s.person), default=None
    )
    if student is None:
        return
    old = weak_marks(student)
    lesson, lesson_day = w.last_lesson[course.id]
    fraud: list[ev.Event] = [ev.MarkCorrected(m.mark, "5", "Исправление ошибки") for m in old]
    mark = ev.MarkGiven(w.j.ids.new("mrk"), lesson, student.person, "5", "У")

    def break_in() -> None:
        # The lesson may still wait for its teacher's late entry: then only the corrections.
        if w.is_member(student.person, course.group, lesson_day) and _lesson_written(w, lesson):
            fraud.append(mark)
        w.j.record(course.teacher, fraud)

    evening = at(day, 19)
    night = at(day, 22, rng.randint(30, 55))
    morning = at(day + timedelta(days=1), 8, 5)
    w.quiet.append(
        (course.teacher, evening - timedelta(minutes=1), morning + timedelta(minutes=20))
    )
    w.then(night, break_in)
    reason = (
        f"Служебная записка учителя: ученик {course.klass.name} узнал пароль и изменил отметки "
        f"по предмету «{course.subject.name}»."
    )
    w.then(
        morning,
        lambda: people.report_compromise(
            w.j, w.staff.admin, person=course.teacher, since=format_time(evening), reason=reason
        ),
    )
    w.then(
        morning + timedelta(minutes=15),
        lambda: people.reissue_credentials(w.j, w.staff.admin, person=course.teacher),
    )
