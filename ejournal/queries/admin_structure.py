"""What the administration pages list about the school's structure: years, periods and
holidays, classes and groups, subjects and curriculum, courses and class teachers, the
timetable of a class, the school's settings (R-STR-1..6, R-MRK-1, R-MRK-5)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..model import rules
from .people import Person, alphabetical, persons

GRADING_RU = {"five": "пятибалльная", "pass": "зачёт / незачёт", "none": "без отметок"}
WEEKDAYS_RU = ("", "понедельник", "вторник", "среда", "четверг", "пятница", "суббота")


@dataclass(frozen=True, slots=True)
class Year:
    year: str  # «2026/2027»
    start: str
    end: str
    closed: bool


@dataclass(frozen=True, slots=True)
class PeriodRow:
    period: str
    year: str
    kind: str
    number: int
    name: str
    start: str
    end: str
    grades: tuple[int, ...]


@dataclass(frozen=True, slots=True)
class Holiday:
    year: str
    name: str
    start: str
    end: str
    grades: tuple[int, ...]  # empty: every grade


@dataclass(frozen=True, slots=True)
class GroupRow:
    group: str
    kind: str  # "class" | "subgroup" | "group"
    year: str
    grade: int
    name: str
    classes: tuple[str, ...]  # names of the classes a subgroup or group is made of
    class_teacher: Person | None  # classes only, on the date asked
    members: int  # students in it on the date asked


@dataclass(frozen=True, slots=True)
class Subject:
    subject: str
    name: str
    short: str
    grading: str
    elective: bool

    @property
    def grading_ru(self) -> str:
        return GRADING_RU.get(self.grading, self.grading)


@dataclass(frozen=True, slots=True)
class Hours:
    class_: str
    class_name: str
    subject: str
    subject_name: str
    hours: int


@dataclass(frozen=True, slots=True)
class CourseRow:
    course: str
    year: str
    subject_name: str
    group: str
    group_name: str
    teacher: Person
    start: str
    end: str
    grading: str  # the course's own system, or "" for the subject's


@dataclass(frozen=True, slots=True)
class SlotRow:
    weekday: int
    number: int
    group: str
    group_name: str
    course: str
    subject_name: str
    room: str
    start: str  # the date this slot is in force from


@dataclass(frozen=True, slots=True)
class SchoolSettings:
    name: str
    short_name: str
    inn: str
    ogrn: str
    timezone: str
    deadline_days: dict[str, int]  # the school's own values over rules.DEFAULT_DEADLINES
    weights: dict[str, int]  # over rules.DEFAULT_WEIGHTS
    student_min_age: int


def years(db: sqlite3.Connection) -> tuple[Year, ...]:
    """Every school year, the latest first."""
    rows = db.execute("SELECT year, start, end, coalesce(closed, 0) FROM years ORDER BY start DESC")
    return tuple(Year(y, s, e, bool(c)) for y, s, e, c in rows)


def year(db: sqlite3.Connection, year_id: str) -> Year | None:
    return next((y for y in years(db) if y.year == year_id), None)


def periods(db: sqlite3.Connection, year_id: str) -> tuple[PeriodRow, ...]:
    """The periods of a year with their grades, in calendar order."""
    grades: dict[str, list[int]] = {}
    for period, grade in db.execute(
        "SELECT pg.period, pg.grade FROM period_grades pg JOIN periods p ON p.period = pg.period "
        "WHERE p.year = ? ORDER BY pg.grade",
        (year_id,),
    ):
        grades.setdefault(period, []).append(grade)
    rows = db.execute(
        "SELECT period, year, kind, number, name, start, end FROM periods WHERE year = ? "
        "ORDER BY kind, start, number",
        (year_id,),
    )
    return tuple(
        PeriodRow(p, y, kind, n, name, start, end, tuple(grades.get(p, ())))
        for p, y, kind, n, name, start, end in rows
    )


def holidays(db: sqlite3.Connection, year_id: str) -> tuple[Holiday, ...]:
    rows = db.execute(
        "SELECT year, name, start, end, grades FROM holidays WHERE year = ? ORDER BY start, name",
        (year_id,),
    )
    return tuple(Holiday(y, n, s, e, tuple(json.loads(g or "[]"))) for y, n, s, e, g in rows)


def groups(db: sqlite3.Connection, year_id: str, on: str) -> tuple[GroupRow, ...]:
    """Classes (by grade and letter), then subgroups and groups of a year, with their class
    teacher and the number of students in them on ``on``."""
    rows = db.execute(
        "SELECT grp, kind, year, coalesce(grade, 0), name FROM groups WHERE year = ? "
        "ORDER BY kind != 'class', grade, letter, name",
        (year_id,),
    ).fetchall()
    ids = [r[0] for r in rows]
    marks = ",".join("?" * len(ids))
    parts: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    if ids:
        # By the year's group ids: the indexes on group_classes and memberships (grp, start).
        for grp, name in db.execute(
            "SELECT gc.grp, c.name FROM group_classes gc JOIN groups c ON c.grp = gc.class "
            f"WHERE gc.grp IN ({marks}) AND gc.grp != gc.class ORDER BY c.grade, c.letter",
            ids,
        ):
            parts.setdefault(grp, []).append(name)
        counts = dict(
            db.execute(
                "SELECT grp, count(DISTINCT student) FROM memberships "
                f"WHERE grp IN ({marks}) AND start <= ? AND (end IS NULL OR end >= ?) "
                "GROUP BY grp",
                (*ids, on, on),
            ).fetchall()
        )
    teachers = class_teachers(db, year_id, on)
    return tuple(
        GroupRow(
            grp,
            kind,
            y,
            grade,
            name,
            tuple(parts.get(grp, ())),
            teachers.get(grp),
            counts.get(grp, 0),
        )
        for grp, kind, y, grade, name in rows
    )


def class_teachers(db: sqlite3.Connection, year_id: str, on: str) -> dict[str, Person]:
    """The class teacher of each class of a year on ``on`` (the latest assignment begun)."""
    latest: dict[str, str] = {}
    for class_, teacher in db.execute(
        "SELECT ct.class, ct.teacher FROM class_teachers ct JOIN groups g ON g.grp = ct.class "
        "WHERE g.year = ? AND ct.start <= ? ORDER BY ct.start, ct.rowid",
        (year_id, on),
    ):
        latest[class_] = teacher
    names = persons(db, latest.values())
    return {c: names[t] for c, t in latest.items() if t in names}


def subjects(db: sqlite3.Connection) -> tuple[Subject, ...]:
    rows = db.execute(
        "SELECT subject, name, short, grading, coalesce(elective, 0) FROM subjects ORDER BY name"
    )
    return tuple(Subject(s, n, sh or "", g or "five", bool(e)) for s, n, sh, g, e in rows)


def curriculum(db: sqlite3.Connection, year_id: str) -> tuple[Hours, ...]:
    """Weekly hours per class and subject of a year (R-STR-3)."""
    rows = db.execute(
        "SELECT cu.class, coalesce(g.name, ''), cu.subject, coalesce(s.name, ''), cu.hours "
        "FROM curriculum cu LEFT JOIN groups g ON g.grp = cu.class "
        "LEFT JOIN subjects s ON s.subject = cu.subject WHERE cu.year = ? "
        "ORDER BY g.grade, g.letter, s.name",
        (year_id,),
    )
    return tuple(Hours(*row) for row in rows)


def courses(
    db: sqlite3.Connection, year_id: str, groups: list[str] | None = None
) -> tuple[CourseRow, ...]:
    """The courses of a year (of these classes and groups only, if given) by class or group,
    then subject (R-STR-4)."""
    only = f"AND c.grp IN ({','.join('?' * len(groups))}) " if groups else ""
    rows = db.execute(
        "SELECT c.course, c.year, coalesce(s.name, ''), c.grp, coalesce(g.name, ''), c.teacher, "
        "c.start, c.end, coalesce(c.grading, '') FROM courses c "
        "LEFT JOIN subjects s ON s.subject = c.subject LEFT JOIN groups g ON g.grp = c.grp "
        f"WHERE c.year = ? {only}ORDER BY g.kind != 'class', g.grade, g.letter, g.name, s.name",
        (year_id, *(groups or [])),
    ).fetchall()
    names = persons(db, [r[5] for r in rows])
    return tuple(
        CourseRow(r[0], r[1], r[2], r[3], r[4], names.get(r[5], Person(r[5], "", "", "")), *r[6:])
        for r in rows
    )


def teachers(db: sqlite3.Connection, on: str) -> tuple[Person, ...]:
    """People who hold the teacher role on ``on``, alphabetically."""
    ids = [
        p
        for (p,) in db.execute(
            "SELECT DISTINCT person FROM roles WHERE role = 'teacher' AND start <= ? "
            "AND (end IS NULL OR end >= ?)",
            (on, on),
        )
    ]
    return tuple(sorted(persons(db, ids).values(), key=alphabetical))


def class_timetable(db: sqlite3.Connection, class_id: str, on: str) -> tuple[SlotRow, ...]:
    """The week of a class in force on ``on``: the slots of the class and of its subgroups and
    groups, each the latest one begun by then; cleared slots are left out (R-STR-5)."""
    rows = db.execute(
        "SELECT t.weekday, t.number, t.grp, coalesce(g.name, ''), t.course, "
        "coalesce(s.name, ''), coalesce(t.room, ''), t.start FROM timetable t "
        "LEFT JOIN groups g ON g.grp = t.grp LEFT JOIN courses c ON c.course = t.course "
        "LEFT JOIN subjects s ON s.subject = c.subject "
        "WHERE t.grp IN (SELECT grp FROM group_classes WHERE class = ?) AND t.start = ("
        " SELECT max(t2.start) FROM timetable t2 WHERE t2.grp = t.grp AND t2.weekday = t.weekday"
        " AND t2.number = t.number AND t2.start <= ?) AND t.course != '' "
        "ORDER BY t.weekday, t.number, g.kind != 'class', g.name",
        (class_id, on),
    )
    return tuple(SlotRow(*row) for row in rows)


def class_courses(db: sqlite3.Connection, class_id: str) -> tuple[CourseRow, ...]:
    """The courses of a class and of its subgroups and groups (for its timetable)."""
    row = db.execute("SELECT year FROM groups WHERE grp = ?", (class_id,)).fetchone()
    if row is None:
        return ()
    inside = [
        g for (g,) in db.execute("SELECT grp FROM group_classes WHERE class = ?", (class_id,))
    ]
    return courses(db, row[0], inside) if inside else ()


def school_settings(db: sqlite3.Connection) -> SchoolSettings:
    """The school's name and rules (R-MRK-1 deadlines, R-MRK-5 weights); defaults if unset."""
    row = db.execute(
        "SELECT name, short_name, inn, ogrn, timezone, deadline_days, weights, student_min_age "
        "FROM school WHERE id = 1"
    ).fetchone()
    if row is None:
        return SchoolSettings("", "", "", "", "", {}, {}, 14)
    name, short, inn, ogrn, tz, deadlines, weights, min_age = row
    return SchoolSettings(
        name or "",
        short or "",
        inn or "",
        ogrn or "",
        tz or "",
        json.loads(deadlines or "{}"),
        json.loads(weights or "{}"),
        min_age if min_age is not None else 14,
    )


def effective_deadlines(settings: SchoolSettings) -> dict[str, int]:
    return {**rules.DEFAULT_DEADLINES, **settings.deadline_days}


def effective_weights(settings: SchoolSettings) -> dict[str, int]:
    weights = {
        kind: rules.DEFAULT_WEIGHTS.get(kind, rules.DEFAULT_WEIGHT) for kind in rules.WORK_KINDS
    }
    return {**weights, **settings.weights}
