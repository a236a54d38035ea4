"""The teachers' part in keeping the journal (R-CTL-1): timeliness against the R-MRK-1 and
R-MRK-3 deadlines, and activity — entries each teacher made in a period.

Timeliness counts the valid entries (R-SEC-3) for the lessons of the scope — marks, attendance —
and the period marks of the scope's period, per person who entered them (a substitute's entries
are the substitute's, R-LES-2); the projection flags an entry late when it was made past its
deadline (marks: oral 1 day, written 5 or 7, others and attendance the same day; period marks
by the period's last day).

Activity counts the valid entries each teacher made *during* the scope's dates (by the time of
entry, in the school's time zone), whatever lesson they are for.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence

from ..queries.people import Person, alphabetical, persons
from .scope import Scope, courses, utc_bounds
from .table import PERCENT, Column, Table, share, text

TIMELINESS = (
    Column("teacher", "Учитель"),
    Column("marks", "Отметок", numeric=True),
    Column("marks_late", "Из них с опозданием", numeric=True),
    Column("attendance", "Отметок посещаемости", numeric=True),
    Column("attendance_late", "Из них с опозданием", numeric=True),
    Column("finals", "Отметок за период", numeric=True),
    Column("finals_late", "Из них с опозданием", numeric=True),
    Column("late_pct", "С опозданием, %", numeric=True, percent=True),
)

ACTIVITY = (
    Column("teacher", "Учитель"),
    Column("lessons", "Записано уроков", numeric=True),
    Column("lesson_updates", "Изменений уроков", numeric=True),
    Column("marks", "Отметок", numeric=True),
    Column("mark_changes", "Исправлений и отмен", numeric=True),
    Column("attendance", "Отметок посещаемости", numeric=True),
    Column("comments", "Замечаний и записей", numeric=True),
    Column("finals", "Итоговых отметок", numeric=True),
    Column("total", "Всего записей", numeric=True),
)


def _in(items: Sequence[str]) -> str:
    return ",".join("?" * len(items))


def timeliness(db: sqlite3.Connection, scope: Scope) -> Table:
    """Entries past their deadlines per teacher (see the module docstring)."""
    ids = [c.course for c in courses(db, scope)]
    counts: dict[str, list[int]] = {}

    def add(sql: str, params: Sequence[object], at: int) -> None:
        for by, total, late in db.execute(sql, params):
            row = counts.setdefault(by, [0] * 6)
            row[at] += total
            row[at + 1] += late or 0

    for i in range(0, len(ids), 400):
        part = ids[i : i + 400]
        lessons = (
            f"SELECT lesson FROM lessons WHERE course IN ({_in(part)}) "
            "AND date BETWEEN ? AND ? AND invalid = 0"
        )
        params = (*part, scope.start, scope.end)
        add(f"SELECT by, count(*), sum(late) FROM marks WHERE invalid = 0 AND lesson IN "
            f"({lessons}) GROUP BY by", params, 0)  # fmt: skip
        add(f"SELECT by, count(*), sum(late) FROM attendance_events WHERE invalid = 0 AND "
            f"lesson IN ({lessons}) GROUP BY by", params, 2)  # fmt: skip
        if scope.period is not None:
            add(f"SELECT by, count(*), sum(late) FROM final_marks WHERE invalid = 0 AND "
                f"kind = 'period' AND period = ? AND course IN ({_in(part)}) GROUP BY by",
                (scope.period.period, *part), 4)  # fmt: skip
    people = persons(db, counts)
    rows = []
    sums = [0] * 6
    for by in sorted(counts, key=lambda p: alphabetical(people.get(p, Person(p, p, "", "")))):
        n = counts[by]
        sums = [a + b for a, b in zip(sums, n, strict=True)]
        name = people[by].short_name if by in people else by
        rows.append((name, *n, share(n[1] + n[3] + n[5], n[0] + n[2] + n[4])))
    totals = ("Итого", *sums, share(sums[1] + sums[3] + sums[5], sums[0] + sums[2] + sums[4]))
    return Table(
        "Своевременность заполнения журнала",
        scope.words,
        TIMELINESS,
        tuple(rows),
        totals,
        ("Сроки (R-MRK-1): отметка за урок — в день урока, устный ответ — в течение дня, "
         "письменная работа — 5 дней (2–9 классы) или 7 дней (10–11 классы); отметка за период — "
         "до последнего дня периода.",
         "Считаются все действительные записи, в том числе позже исправленные или отменённые."),
    )  # fmt: skip


_ACTIVITY_SQL = (
    ("lessons", "SELECT by, count(*) FROM lessons WHERE invalid = 0 AND at >= ? AND at < ? "
     "GROUP BY by"),
    ("lesson_updates", "SELECT by, count(*) FROM lesson_updates WHERE invalid = 0 AND at >= ? "
     "AND at < ? GROUP BY by"),
    ("marks", "SELECT by, count(*) FROM marks WHERE invalid = 0 AND at >= ? AND at < ? "
     "GROUP BY by"),
    ("mark_changes", "SELECT by, count(*) FROM mark_changes WHERE invalid = 0 AND at >= ? "
     "AND at < ? GROUP BY by"),
    ("attendance", "SELECT by, count(*) FROM attendance_events WHERE invalid = 0 AND at >= ? "
     "AND at < ? GROUP BY by"),
    ("comments", "SELECT by, count(*) FROM comments WHERE invalid = 0 AND at >= ? AND at < ? "
     "GROUP BY by"),
    ("finals", "SELECT by, count(*) FROM final_marks WHERE invalid = 0 AND at >= ? AND at < ? "
     "GROUP BY by"),
)  # fmt: skip


def teacher_activity(db: sqlite3.Connection, scope: Scope) -> Table:
    """Entries per teacher made during the scope's dates; teachers who made none are listed
    too (R-CTL-1: «процент участия учителей в работе»)."""
    first, after = utc_bounds(db, scope.start, scope.end)
    teachers = {
        p
        for (p,) in db.execute(
            "SELECT person FROM roles WHERE role = 'teacher' AND start <= ? "
            "AND (end IS NULL OR end >= ?)",
            (scope.end, scope.start),
        )
    }
    if scope.teacher:
        teachers &= {scope.teacher}
    counts = {t: [0] * len(_ACTIVITY_SQL) for t in teachers}
    for i, (_, sql) in enumerate(_ACTIVITY_SQL):
        for by, n in db.execute(sql, (first, after)):
            if by in counts:
                counts[by][i] += n
    people = persons(db, teachers)
    rows = []
    active = 0
    for t in sorted(teachers, key=lambda p: alphabetical(people.get(p, Person(p, p, "", "")))):
        n = counts[t]
        active += sum(n) > 0
        rows.append((people[t].short_name if t in people else t, *n, sum(n)))
    sums = [sum(r[i + 1] for r in rows) for i in range(len(_ACTIVITY_SQL) + 1)]  # type: ignore[misc]
    return Table(
        "Активность учителей",
        scope.words,
        ACTIVITY,
        tuple(rows),
        ("Итого", *sums),
        (f"Работали в журнале: {active} из {len(teachers)} учителей "
         f"({text(share(active, len(teachers)), PERCENT)})."
         if teachers else "Учителей в этом периоде нет.",
         "Считаются записи, сделанные в эти даты (по времени записи), кроме недействительных."),
    )  # fmt: skip
