"""What the report pages offer in their filters: years, periods, classes, courses, teachers."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..queries.people import alphabetical, persons, russian_key
from ..queries.periods import Period


@dataclass(frozen=True, slots=True)
class Choice:
    value: str
    label: str


@dataclass(frozen=True, slots=True)
class FilterOptions:
    years: tuple[Choice, ...]
    periods: tuple[Choice, ...]
    classes: tuple[Choice, ...]
    courses: tuple[Choice, ...]  # of the chosen class, or none
    teachers: tuple[Choice, ...]


def filter_options(db: sqlite3.Connection, year: str, class_id: str = "") -> FilterOptions:
    """The choices of a year's report filters (courses only once a class is chosen)."""
    years = tuple(Choice(y, y) for (y,) in db.execute("SELECT year FROM years ORDER BY start DESC"))
    periods = []
    for row in db.execute(
        "SELECT period, year, kind, number, name, start, end FROM periods WHERE year = ? "
        "ORDER BY kind <> 'quarter', start, period",
        (year,),
    ):
        p = Period(*row)
        rows = db.execute(
            "SELECT grade FROM period_grades WHERE period = ? ORDER BY grade", (p.period,)
        )
        grades = [g for (g,) in rows]
        span = f"{grades[0]}–{grades[-1]} кл." if grades else ""
        periods.append(Choice(p.period, f"{p.name} ({span})" if span else p.name))
    classes = sorted(
        db.execute(
            "SELECT grp, name, grade FROM groups WHERE kind = 'class' AND year = ?", (year,)
        ),
        key=lambda r: (r[2], russian_key(r[1])),
    )
    courses: list[Choice] = []
    if class_id:
        found = db.execute(
            "SELECT c.course, coalesce(s.name, ''), coalesce(g.name, ''), c.grp FROM courses c "
            "LEFT JOIN subjects s ON s.subject = c.subject LEFT JOIN groups g ON g.grp = c.grp "
            "WHERE c.year = ? AND c.grp IN (SELECT grp FROM group_classes WHERE class = ?)",
            (year, class_id),
        ).fetchall()
        found.sort(key=lambda r: (russian_key(r[1]), r[3] != class_id, russian_key(r[2])))
        courses = [Choice(c, name if grp == class_id else f"{name} ({group})")
                   for c, name, group, grp in found]  # fmt: skip
    ids = [t for (t,) in db.execute("SELECT DISTINCT teacher FROM courses WHERE year = ?", (year,))]
    people = persons(db, ids)
    teachers = [people[t] for t in ids if t in people]
    teachers.sort(key=alphabetical)
    return FilterOptions(
        years,
        tuple(periods),
        tuple(Choice(grp, name) for grp, name, _ in classes),
        tuple(courses),
        tuple(Choice(t.person, t.short_name) for t in teachers),
    )
