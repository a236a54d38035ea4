"""Period, year, exam and final marks of the demo (R-MRK-3): the period mark is the forecast of
the weighted average (R-MRK-5), «н/а» with no marks at all; the year mark is the mean of the
period marks, a tie decided by the last period; grade 9 sits the ОГЭ in Russian, mathematics
(algebra and geometry get its mark) and two subjects of choice; the final mark of grades 9 and
11 is the mean of the year and exam marks, rounded half up."""

from __future__ import annotations

import math
from datetime import date

from ..model import events as ev
from ..model import rules
from .school import Course, Student
from .schoolyear import Term
from .world import World, YearState

EXAM_CHOICES = {
    "soc": 0.6,
    "inf": 0.35,
    "bio": 0.3,
    "geo": 0.3,
    "eng": 0.1,
    "chem": 0.1,
    "phys": 0.1,
    "hist": 0.08,
    "lit": 0.05,
}
EXAM_COMPULSORY = ("rus", "alg", "geom")


def graded(course: Course) -> bool:
    return course.grade > 1 and course.subject.grading != "none"


def last_study_day(y: YearState, term: Term, grade: int) -> date:
    key = (term.kind, term.number, grade)
    found = y.term_last_day.get(key)
    if found is None:
        found = y.term_last_day[key] = y.cal.study_days(grade, term)[-1]
    return found


def term_end_events(w: World, day: date) -> dict[str, list[ev.Event]]:
    """Period marks (and, after the last period, year marks) for the courses whose period ends
    with ``day``, by teacher."""
    y = w.year
    assert y is not None
    out: dict[str, list[ev.Event]] = {}
    for course in y.courses:
        if not graded(course):
            continue
        term = y.cal.term_of(day, course.grade)
        if term is None or last_study_day(y, term, course.grade) != day:
            continue
        period = y.periods[(term.kind, term.number, course.grade)]
        last = term.end == y.cal.last_day(course.grade)
        events: list[ev.Event] = []
        for st in w.members_on(course.group, day):
            value = period_value(y, course, st, term)
            y.period_marks.setdefault((course.id, st.person), []).append(value)
            events.append(ev.FinalMarkGiven(course.id, st.person, "period", value, period))
            if last:
                year = year_value(course, y.period_marks[(course.id, st.person)])
                y.year_marks[(course.id, st.person)] = year
                events.append(ev.FinalMarkGiven(course.id, st.person, "year", year))
        out.setdefault(course.teacher, []).extend(events)
    return out


def period_value(y: YearState, course: Course, st: Student, term: Term) -> str:
    if course.subject.grading == "pass":
        return "зач"
    marks = [
        (m.value, m.kind)
        for m in y.marks.get((course.id, st.person), ())
        if m.valid and term.start <= m.day <= term.end
    ]
    return rules.forecast(rules.weighted_average(marks)) or "н/а"


def year_value(course: Course, periods: list[str]) -> str:
    if course.subject.grading == "pass":
        return "зач"
    numbers = [rules.NUMERIC[v] for v in periods if v in rules.NUMERIC]
    if not numbers:
        return "н/а"
    mean = sum(numbers) / len(numbers)
    low = math.floor(mean)
    if mean - low > 0.5 or (mean - low == 0.5 and numbers[-1] > mean):
        low += 1
    return str(low)


def exam_events(w: World) -> dict[str, list[ev.Event]]:
    """ОГЭ results of grade 9, entered by the subject teachers."""
    y = w.year
    assert y is not None
    rng = w.rng
    out: dict[str, list[ev.Event]] = {}
    nine = [c for c in y.courses if c.grade == 9 and graded(c)]
    for klass in (k for k in y.classes if k.grade == 9):
        for st in w.members_on(klass.id, y.cal.last_day(9)):
            chosen = set(EXAM_COMPULSORY)
            choices = sorted(EXAM_CHOICES)
            while len(chosen) < len(EXAM_COMPULSORY) + 2:
                chosen.add(rng.choices(choices, [EXAM_CHOICES[c] for c in choices])[0])
            math_mark = _exam_mark(rng.gauss(st.ability - 0.1, 0.7))
            for c in nine:
                if c.subject.key in chosen and w.is_member(st.person, c.group, y.cal.last_day(9)):
                    value = (
                        math_mark
                        if c.subject.key in ("alg", "geom")
                        else _exam_mark(rng.gauss(st.ability - 0.1, 0.7))
                    )
                    y.exam_marks[(c.id, st.person)] = value
                    out.setdefault(c.teacher, []).append(
                        ev.FinalMarkGiven(c.id, st.person, "exam", value)
                    )
    return out


def _exam_mark(x: float) -> str:
    return str(min(5, max(3, round(x))))


def final_events(w: World) -> dict[str, list[ev.Event]]:
    """Final marks of grades 9 and 11 (the certificate's), by the subject teachers."""
    y = w.year
    assert y is not None
    out: dict[str, list[ev.Event]] = {}
    for c in y.courses:
        if c.grade not in (9, 11) or not graded(c):
            continue
        for st in w.members_on(c.group, y.cal.last_day(c.grade)):
            year = y.year_marks.get((c.id, st.person))
            if year is None:
                continue
            exam = y.exam_marks.get((c.id, st.person))
            out.setdefault(c.teacher, []).append(
                ev.FinalMarkGiven(c.id, st.person, "final", final_value(year, exam))
            )
    return out


def final_value(year: str, exam: str | None) -> str:
    if exam is None or year not in rules.NUMERIC:
        return exam or year
    total = rules.NUMERIC[year] + rules.NUMERIC[exam]
    return str((total + 1) // 2)
