"""Performance at the end of a period or the year (R-CTL-3; 001 App.2 2.2.3, 002 §8.3), and
the preliminary report two weeks before the period ends.

How Russian schools count it (the seeds name the reports but not the formulas; we follow the
usual practice of school reports, «отчёт об успеваемости»):

- a student is *excellent* (отличник) with only «5»; *good* (хорошист) with only «4» and «5»,
  at least one «4»; *with one «3»* when exactly one mark is «3» and the rest «4»/«5»; *with
  «3»* when more than one «3» and no «2»; *failing* (неуспевающий) with any «2» (or «1»),
  «н/а» or «незач»;
- «качество знаний» (quality %) = (excellent + good) / students × 100;
- «успеваемость» (success %) = students with no «2», no «н/а» and no «незач», and with every
  mark given / students × 100.

Students are the class's list on the period's last day (or today, if earlier). The marks are
the period marks (year marks for the year) of the five-point and pass/fail courses the student
takes; «зач» and «осв» (exempt) are neutral. A student with a mark still missing is counted in
«without all marks» and neither in quality nor in success. The preliminary report (R-CTL-3)
takes, where a period mark is not given yet, the forecast of the weighted average of the
current marks (R-MRK-5) — and says it is preliminary.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date, timedelta

from ..queries.averages import course_averages
from ..queries.people import alphabetical, persons, russian_key
from .scope import Scope, ScopeCourse, courses, group_members
from .table import Column, Table, Value, share

CATEGORIES = ("excellent", "good", "one_three", "threes", "failing", "missing")
FAILING = frozenset({"2", "1", "н/а", "незач"})
NEUTRAL = frozenset({"зач", "осв"})
PRELIMINARY_DAYS = 14  # 001 App.2 2.2.3: two weeks before the end of the period


def preliminary_due(end: str) -> str:
    """The day the preliminary report is due: two weeks before the period's last day."""
    return (date.fromisoformat(end) - timedelta(days=PRELIMINARY_DAYS)).isoformat()


def category(marks: list[str | None]) -> str:
    """The category of a student from the marks of the courses taken (None: not given)."""
    if any(m in FAILING for m in marks if m is not None):
        return "failing"
    if any(m is None for m in marks) or not marks:
        return "missing"
    numeric = [m for m in marks if m not in NEUTRAL]
    threes = numeric.count("3")
    if threes > 1:
        return "threes"
    if threes == 1:
        return "one_three"
    if numeric and all(m == "5" for m in numeric):
        return "excellent"
    return "good"


@dataclass(frozen=True, slots=True)
class StudentResult:
    student: str
    class_: str
    marks: tuple[str | None, ...]  # per course taken
    category: str


COLUMNS = (
    Column("class", "Класс"),
    Column("students", "Учеников", numeric=True),
    Column("excellent", "На «5»", numeric=True),
    Column("good", "На «4» и «5»", numeric=True),
    Column("one_three", "С одной «3»", numeric=True),
    Column("threes", "С «3»", numeric=True),
    Column("failing", "Неуспевающих", numeric=True),
    Column("missing", "Не все отметки", numeric=True),
    Column("quality_pct", "Качество знаний, %", numeric=True, percent=True),
    Column("success_pct", "Успеваемость, %", numeric=True, percent=True),
)

_RU = {"excellent": "отличник", "good": "на «4» и «5»", "one_three": "с одной «3»",
       "threes": "с «3»", "failing": "неуспевающий", "missing": "не все отметки"}  # fmt: skip


def results(
    db: sqlite3.Connection, scope: Scope, today: str, *, preliminary: bool = False
) -> list[StudentResult]:
    """Every student's category in the scope's period (or year, without a period)."""
    found = [c for c in courses(db, scope, graded=True)]
    on = min(scope.end, today)
    members = group_members(db, {c.group for c in found}, on, on)
    classes = _classes(db, scope, on)
    marks = _marks(db, scope, found)
    forecasts = _forecasts(db, scope, found, today) if preliminary else {}
    taken: dict[str, list[str | None]] = {}
    for c in found:
        for student in members.get(c.group, set()):
            value = marks.get((c.course, student)) or forecasts.get((c.course, student))
            taken.setdefault(student, []).append(value)
    out = []
    for student, grp in classes.items():
        values = taken.get(student, [])
        out.append(StudentResult(student, grp, tuple(values), category(values)))
    return out


def performance(
    db: sqlite3.Connection, scope: Scope, today: str, *, preliminary: bool = False
) -> Table:
    """Performance per class, or per student of the scope's class (see the module docstring)."""
    found = results(db, scope, today, preliminary=preliminary)
    title = "Успеваемость" + (" (предварительный отчёт)" if preliminary else "")
    notes = [
        "Качество знаний — доля учеников, у которых только «4» и «5»; успеваемость — "
        "доля учеников без «2», «н/а» и «незач», со всеми выставленными отметками."
    ]
    if preliminary:
        notes.append("Предварительный: где отметка за период ещё не выставлена, взят прогноз "
                     "по средневзвешенному баллу текущих отметок.")  # fmt: skip
    if scope.class_:
        people = persons(db, [r.student for r in found])
        found.sort(key=lambda r: alphabetical(people[r.student]))
        columns = (Column("student", "Ученик"), Column("marks", "Отметки"),
                   Column("category", "Итог"))  # fmt: skip
        students: tuple[tuple[Value, ...], ...] = tuple(
            (people[r.student].full_name, " ".join(m or "—" for m in r.marks), _RU[r.category])
            for r in found
        )
        return Table(title, scope.words, columns, students, None, tuple(notes), preliminary)
    names = {g: (n, grade) for g, n, grade in db.execute(
        "SELECT grp, name, grade FROM groups WHERE kind = 'class'")}  # fmt: skip
    by_class: dict[str, list[StudentResult]] = {}
    for r in found:
        by_class.setdefault(r.class_, []).append(r)
    order = sorted(by_class, key=lambda g: (names[g][1], russian_key(names[g][0])))
    rows = tuple(_row(names[g][0], by_class[g]) for g in order)
    return Table(title, scope.words, COLUMNS, rows, _row("Итого", found), tuple(notes),
                 preliminary)  # fmt: skip


def _row(name: str, group: list[StudentResult]) -> tuple[Value, ...]:
    n = {k: sum(1 for r in group if r.category == k) for k in CATEGORIES}
    total = len(group)
    succeeded = total - n["failing"] - n["missing"]
    return (name, total, *(n[k] for k in CATEGORIES),
            share(n["excellent"] + n["good"], total), share(succeeded, total))  # fmt: skip


def _classes(db: sqlite3.Connection, scope: Scope, on: str) -> dict[str, str]:
    """Students of the scope's classes on the day ``on`` → their class."""
    found = {}
    for student, grp, grade in db.execute(
        "SELECT m.student, m.grp, g.grade FROM memberships m JOIN groups g ON g.grp = m.grp "
        "WHERE g.kind = 'class' AND g.year = ? AND m.start <= ? AND (m.end IS NULL OR m.end >= ?)",
        (scope.year, on, on),
    ):
        if (
            (not scope.class_ or grp == scope.class_)
            and (scope.grades is None or grade in scope.grades)
            and grade > 1
        ):
            found[student] = grp
    return found


def _marks(
    db: sqlite3.Connection, scope: Scope, found: list[ScopeCourse]
) -> dict[tuple[str, str], str]:
    kind, period = ("period", scope.period.period) if scope.period else ("year", "")
    ids = [c.course for c in found]
    latest: dict[tuple[str, str], str] = {}
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        for course, student, value in db.execute(
            "SELECT course, student, value FROM final_marks WHERE invalid = 0 AND kind = ? "
            f"AND period = ? AND course IN ({','.join('?' * len(part))}) ORDER BY id",
            (kind, period, *part),
        ):
            latest[(course, student)] = value
    return latest


def _forecasts(
    db: sqlite3.Connection, scope: Scope, found: list[ScopeCourse], today: str
) -> dict[tuple[str, str], str]:
    forecasts = {}
    for c in found:
        if c.grading != "five":
            continue
        for a in course_averages(db, c.course, scope.start, min(scope.end, today)):
            if a.forecast is not None:
                forecasts[(c.course, a.student)] = a.forecast
    return forecasts
