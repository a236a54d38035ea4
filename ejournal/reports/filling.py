"""How the journal is filled (R-CTL-1; 003 §2.2, 001 App.1 4.3): topics and homework written
for the lessons held, and program completion — lessons held against the lesson plan (КТП) and
the curriculum's hours (R-LES-3).

A lesson is *held* when it is recorded, valid (R-SEC-3) and dated no later than today. Grade 1
has no homework (R-STR-6): its homework column is empty.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ..model.commands.structure import STUDY_WEEKS
from .scope import Scope, ScopeCourse, courses
from .table import Column, Table, share

FILLING = (
    Column("class", "Класс"),
    Column("subject", "Предмет"),
    Column("group", "Группа"),
    Column("teacher", "Учитель"),
    Column("lessons", "Уроков проведено", numeric=True),
    Column("topics", "С темой", numeric=True),
    Column("topics_pct", "С темой, %", numeric=True, percent=True),
    Column("homework", "С домашним заданием", numeric=True),
    Column("homework_pct", "С д/з, %", numeric=True, percent=True),
)

COMPLETION = (
    Column("class", "Класс"),
    Column("subject", "Предмет"),
    Column("group", "Группа"),
    Column("teacher", "Учитель"),
    Column("held", "Проведено уроков", numeric=True),
    Column("plan_hours", "Часов по КТП", numeric=True),
    Column("curriculum_hours", "Часов по учебному плану", numeric=True),
    Column("plan_pct", "Выполнено КТП, %", numeric=True, percent=True),
    Column("curriculum_pct", "Выполнено учебного плана, %", numeric=True, percent=True),
)


def _group(c: ScopeCourse) -> str:
    return "" if c.group in c.classes else c.group_name


def _held(
    db: sqlite3.Connection, ids: Sequence[str], start: str, end: str
) -> dict[str, tuple[int, int, int]]:
    """Per course: lessons held, with a topic, with homework."""
    found: dict[str, tuple[int, int, int]] = {}
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        for course, lessons, topics, homework in db.execute(
            "SELECT course, count(*), sum(trim(coalesce(topic, '')) <> ''), "
            "sum(trim(coalesce(homework, '')) <> '') FROM lessons "
            f"WHERE course IN ({','.join('?' * len(part))}) AND date BETWEEN ? AND ? "
            "AND invalid = 0 GROUP BY course",
            (*part, start, end),
        ):
            found[course] = (lessons, topics, homework)
    return found


def topics_and_homework(db: sqlite3.Connection, scope: Scope, today: str) -> Table:
    """Topics and homework filled for the lessons held in the scope, per course."""
    found = courses(db, scope)
    held = _held(db, [c.course for c in found], scope.start, min(scope.end, today))
    rows = []
    sums = [0, 0, 0, 0]  # lessons, topics, lessons that may have homework, homework
    for c in found:
        lessons, topics, homework = held.get(c.course, (0, 0, 0))
        no_homework = c.grade <= 1
        hw: int | None = None if no_homework else homework
        sums = [sums[0] + lessons, sums[1] + topics,
                sums[2] + (0 if no_homework else lessons), sums[3] + (hw or 0)]  # fmt: skip
        rows.append((c.class_names, c.subject_name, _group(c), c.teacher.short_name, lessons,
                     topics, share(topics, lessons), hw,
                     None if no_homework else share(homework, lessons)))  # fmt: skip
    totals = ("Итого", "", "", "", sums[0], sums[1], share(sums[1], sums[0]), sums[3],
              share(sums[3], sums[2]))  # fmt: skip
    return Table(
        "Заполнение тем уроков и домашних заданий",
        scope.words,
        FILLING,
        tuple(rows),
        totals,
        ("Проведённые уроки — записанные в журнале уроки по сегодняшний день.",
         "В 1 классе домашние задания не задаются."),
    )  # fmt: skip


def program_completion(db: sqlite3.Connection, scope: Scope, today: str) -> Table:
    """Lessons held from the start of the year to the scope's end (or today) against the
    lesson plan's hours and the curriculum's (weekly hours × 34 weeks, 33 in grade 1)."""
    found = courses(db, scope)
    year_start = _year_start(db, scope)
    held = _held(db, [c.course for c in found], year_start, min(scope.end, today))
    plans = dict(
        db.execute("SELECT course, sum(hours) FROM plan_topics GROUP BY course").fetchall()
    )
    weekly = _curriculum(db, scope.year)
    rows = []
    for c in found:
        lessons = held.get(c.course, (0, 0, 0))[0]
        plan = plans.get(c.course)
        hours = next((weekly[(k, c.subject)] for k in c.classes if (k, c.subject) in weekly), None)
        year_hours = None if hours is None else hours * (33 if c.grade == 1 else STUDY_WEEKS)
        rows.append((c.class_names, c.subject_name, _group(c), c.teacher.short_name, lessons,
                     plan, year_hours, share(lessons, plan or 0),
                     share(lessons, year_hours or 0)))  # fmt: skip
    return Table(
        "Выполнение программы",
        scope.words,
        COMPLETION,
        tuple(rows),
        None,
        ("Проведено — уроков с начала учебного года по конец выбранного периода (не позже "
         "сегодняшнего дня).",
         "Часы по учебному плану — недельные часы × 34 недели (в 1 классе × 33)."),
    )  # fmt: skip


def _year_start(db: sqlite3.Connection, scope: Scope) -> str:
    row = db.execute("SELECT start FROM years WHERE year = ?", (scope.year,)).fetchone()
    return str(row[0]) if row else scope.start


def _curriculum(db: sqlite3.Connection, year: str) -> dict[tuple[str, str], int]:
    return {
        (class_id, subject): hours
        for class_id, subject, hours in db.execute(
            "SELECT class, subject, hours FROM curriculum WHERE year = ?", (year,)
        )
    }
