"""Attendance (R-ATT-1, R-CTL-3): lessons missed by reason — Б ill, У excused, Н unexcused —
per class of the scope, or per student of one class.

Counted are the absences as they stand (the latest valid code of each lesson and student, after
the class teacher's reasons; R-SEC-3 entries never count) at valid lessons of the scope's
courses. A student's absences count towards the class the student was in on the lesson's day.
"""

from __future__ import annotations

import sqlite3

from ..queries.people import alphabetical, persons, russian_key
from .scope import Scope, courses, group_members
from .table import Column, Table

CODES = ("Б", "У", "Н")


def _columns(first: Column) -> tuple[Column, ...]:
    return (
        first,
        Column("students", "Учеников", numeric=True),
        Column("ill", "По болезни (Б)", numeric=True),
        Column("excused", "По уважительной (У)", numeric=True),
        Column("unexcused", "Без причины (Н)", numeric=True),
        Column("total", "Всего пропущено уроков", numeric=True),
        Column("per_student", "На ученика", numeric=True),
    )


def attendance(db: sqlite3.Connection, scope: Scope) -> Table:
    """Absences per class, or per student when the scope names a class."""
    ids = [c.course for c in courses(db, scope)]
    absences: dict[tuple[str, str], dict[str, int]] = {}  # (student, lesson date) → code counts
    for i in range(0, len(ids), 500):
        part = ids[i : i + 500]
        for student, day, code, n in db.execute(
            "SELECT a.student, l.date, a.code, count(*) FROM lessons l CROSS JOIN attendance a "
            f"ON a.lesson = l.lesson WHERE l.course IN ({','.join('?' * len(part))}) "
            "AND l.date BETWEEN ? AND ? AND l.invalid = 0 GROUP BY a.student, l.date, a.code",
            (*part, scope.start, scope.end),
        ):
            if code in CODES:
                by_code = absences.setdefault((student, day), {})
                by_code[code] = by_code.get(code, 0) + n
    classes = [
        (grp, name, grade)
        for grp, name, grade in db.execute(
            "SELECT grp, name, grade FROM groups WHERE kind = 'class' AND year = ?", (scope.year,)
        )
        if (not scope.class_ or grp == scope.class_)
        and (scope.grades is None or grade in scope.grades)
    ]
    classes.sort(key=lambda c: (c[2], russian_key(c[1])))
    members = group_members(db, [c for c, _, _ in classes], scope.start, scope.end)
    spans = _class_spans(db, [c for c, _, _ in classes])
    per: dict[tuple[str, str], list[int]] = {}  # (class, student) → Б, У, Н
    for (student, day), by_code in absences.items():
        for grp in spans.get(student, {}):
            if any(s <= day <= e for s, e in spans[student][grp]):
                counts = per.setdefault((grp, student), [0, 0, 0])
                for k, code in enumerate(CODES):
                    counts[k] += by_code.get(code, 0)
                break
    if scope.class_:
        return _per_student(db, scope, members.get(scope.class_, set()), per)
    rows = []
    sums = [0, 0, 0, 0]
    for grp, name, _ in classes:
        students = members.get(grp, set())
        ill, exc, unexc = (sum(v[k] for (g, _), v in per.items() if g == grp) for k in range(3))
        total = ill + exc + unexc
        sums = [sums[0] + len(students), sums[1] + ill, sums[2] + exc, sums[3] + unexc]
        rows.append((name, len(students), ill, exc, unexc, total, _per(total, len(students))))
    total = sums[1] + sums[2] + sums[3]
    return Table("Посещаемость", scope.words, _columns(Column("class", "Класс")), tuple(rows),
                 ("Итого", *sums, total, _per(total, sums[0])), _NOTES)  # fmt: skip


_NOTES = ("Б — по болезни, У — по уважительной причине, Н — без уважительной причины.",)


def _per_student(
    db: sqlite3.Connection, scope: Scope, students: set[str], per: dict[tuple[str, str], list[int]]
) -> Table:
    people = persons(db, students)
    rows = []
    sums = [0, 0, 0]
    for s in sorted(students, key=lambda p: alphabetical(people[p]) if p in people else (p,)):
        ill, exc, unexc = per.get((scope.class_, s), [0, 0, 0])
        sums = [sums[0] + ill, sums[1] + exc, sums[2] + unexc]
        name = people[s].full_name if s in people else s
        rows.append((name, 1, ill, exc, unexc, ill + exc + unexc, float(ill + exc + unexc)))
    total = sum(sums)
    return Table("Посещаемость", scope.words, _columns(Column("student", "Ученик")), tuple(rows),
                 ("Итого", len(students), *sums, total, _per(total, len(students))),
                 _NOTES)  # fmt: skip


def _class_spans(
    db: sqlite3.Connection, classes: list[str]
) -> dict[str, dict[str, list[tuple[str, str]]]]:
    wanted = set(classes)
    found: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for student, grp, start, end in db.execute(
        "SELECT student, grp, start, coalesce(end, '9999-12-31') FROM memberships"
    ):
        if grp in wanted:
            found.setdefault(student, {}).setdefault(grp, []).append((start, end))
    return found


def _per(total: int, students: int) -> float | None:
    return round(total / students, 2) if students else None
