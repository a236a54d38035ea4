"""What a report covers: the filter the deputy head chooses (year, period or dates, class,
course, teacher) and the courses, groups and students that fall in it.

Periods belong to grades (R-STR-1: quarters for 1–9, halves for 10–11): a report for a period
covers the courses of the grades that period applies to; a report for dates covers every
course. Reports read many groups at once, so members are found in bulk here rather than with
:func:`ejournal.queries.members.members` per group (same rule: a subgroup's member counts only
while also in one of its classes).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..model.errors import NotFound, RuleViolation
from ..queries.people import Person, persons, russian_key
from ..queries.periods import Period, current_year
from ..queries.periods import period as period_by_id


@dataclass(frozen=True, slots=True)
class ReportFilter:
    """The filter of a report page; empty strings mean «all» (or «the current one»)."""

    year: str = ""
    period: str = ""  # a period id; wins over start/end
    start: str = ""  # YYYY-MM-DD
    end: str = ""
    class_: str = ""
    course: str = ""
    teacher: str = ""


@dataclass(frozen=True, slots=True)
class Scope:
    """A filter resolved against the projection."""

    year: str
    start: str
    end: str
    period: Period | None
    grades: frozenset[int] | None  # the period's grades; None: all
    class_: str
    course: str
    teacher: str
    words: str  # «2026/2027, 1 четверть, 5А»


@dataclass(frozen=True, slots=True)
class ScopeCourse:
    course: str
    subject: str
    subject_name: str
    grading: str  # "five" | "pass" | "none"
    group: str
    group_name: str
    grade: int
    classes: tuple[str, ...]  # the classes the group is made of
    class_names: str  # «5А»
    teacher: Person
    start: str
    end: str


def resolve(db: sqlite3.Connection, f: ReportFilter, today: str) -> Scope:
    """Turn a filter into dates and words; an empty filter means the current period.

    Raises:
        NotFound: an unknown period or class.
        RuleViolation: dates that are not ``YYYY-MM-DD`` or end before they start.
    """
    year = f.year or current_year(db, today) or ""
    term: Period | None = None
    if f.period:
        term = period_by_id(db, f.period)
        year = term.year
    elif not (f.start or f.end):
        term = default_period(db, year, today)
    if term is not None:
        start, end = term.start, term.end
        grades = frozenset(
            g
            for (g,) in db.execute(
                "SELECT grade FROM period_grades WHERE period = ?", (term.period,)
            )
        )
    else:
        bounds = db.execute("SELECT start, end FROM years WHERE year = ?", (year,)).fetchone()
        start = _day(f.start) or (bounds[0] if bounds else today)
        end = _day(f.end) or (bounds[1] if bounds else today)
        grades = None
    if end < start:
        raise RuleViolation("Дата окончания раньше даты начала.")
    words = [year] if year else []
    words.append(term.name if term else f"{_ru(start)}–{_ru(end)}")
    if f.class_:
        words.append(class_name(db, f.class_))
    if f.teacher:
        words.append(
            persons(db, [f.teacher]).get(f.teacher, Person(f.teacher, "", "", "")).short_name
        )
    return Scope(year, start, end, term, grades, f.class_, f.course, f.teacher, ", ".join(words))


def with_dates(scope: Scope, start: str, end: str) -> Scope:
    return replace(scope, start=start, end=end)


def _day(text: str) -> str:
    if not text:
        return ""
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError as e:
        raise RuleViolation("Дата указывается как ГГГГ-ММ-ДД.") from e


def _ru(day: str) -> str:
    return f"{day[8:10]}.{day[5:7]}.{day[:4]}"


def ru_date(day: str | None) -> str:
    """``2026-09-01`` → «01.09.2026»; "" for nothing."""
    return _ru(day) if day else ""


def default_period(db: sqlite3.Connection, year: str, today: str) -> Period | None:
    """The latest begun period of the year that the most grades follow (so in the autumn
    holidays of grades 1–9 it is still their 1st quarter, not the halves of 10–11); the
    year's first period before it starts. None if the year has no periods."""
    rows = db.execute(
        "SELECT p.period, p.year, p.kind, p.number, p.name, p.start, p.end, count(pg.grade) n "
        "FROM periods p LEFT JOIN period_grades pg ON pg.period = p.period WHERE p.year = ? "
        "GROUP BY p.period ORDER BY p.start, p.period",
        (year,),
    ).fetchall()
    if not rows:
        return None
    begun = [r for r in rows if r[5] <= today] or rows[:1]
    return Period(*max(begun, key=lambda r: (r[7], r[5]))[:7])


def class_name(db: sqlite3.Connection, class_id: str) -> str:
    """The name of a class («5А»).

    Raises:
        NotFound: no such class.
    """
    row = db.execute(
        "SELECT name FROM groups WHERE grp = ? AND kind = 'class'", (class_id,)
    ).fetchone()
    if row is None:
        raise NotFound("Такой класс не найден.")
    return str(row[0])


def courses(db: sqlite3.Connection, scope: Scope, *, graded: bool = False) -> list[ScopeCourse]:
    """The courses a scope covers, by class, subject and group.

    Args:
        graded: only courses with marks (not grade 1, not a subject without marks; R-STR-6).
    """
    sql = (
        "SELECT c.course, c.subject, coalesce(s.name, ''), "
        "coalesce(nullif(c.grading, ''), s.grading, 'five'), c.grp, coalesce(g.name, ''), "
        "coalesce(g.grade, 0), c.teacher, c.start, c.end FROM courses c "
        "LEFT JOIN subjects s ON s.subject = c.subject LEFT JOIN groups g ON g.grp = c.grp "
        "WHERE c.year = ? AND c.start <= ? AND c.end >= ?"
    )
    params: list[object] = [scope.year, scope.end, scope.start]
    if scope.class_:
        sql += " AND c.grp IN (SELECT grp FROM group_classes WHERE class = ?)"
        params.append(scope.class_)
    if scope.course:
        sql += " AND c.course = ?"
        params.append(scope.course)
    if scope.teacher:
        sql += " AND c.teacher = ?"
        params.append(scope.teacher)
    rows = db.execute(sql, params).fetchall()
    classes = _classes_of(db, [r[4] for r in rows])
    teachers = persons(db, [r[7] for r in rows])
    found = []
    for course, subject, name, grading, grp, grp_name, grade, teacher, start, end in rows:
        if scope.grades is not None and grade not in scope.grades:
            continue
        if graded and (grade <= 1 or grading == "none"):
            continue
        own = classes.get(grp, ())
        found.append(
            ScopeCourse(
                course, subject, name, grading, grp, grp_name, grade,
                tuple(c for c, _ in own), ", ".join(n for _, n in own),
                teachers.get(teacher, Person(teacher, "", "", "")), start, end,
            )
        )  # fmt: skip
    found.sort(key=_order)
    return found


def _order(c: ScopeCourse) -> tuple[object, ...]:
    return (c.grade, russian_key(c.class_names), russian_key(c.subject_name),
            c.group not in c.classes, russian_key(c.group_name), c.course)  # fmt: skip


def _classes_of(db: sqlite3.Connection, groups: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    wanted = set(groups)
    found: dict[str, list[tuple[str, str]]] = {}
    for grp, class_id, name in db.execute(
        "SELECT gc.grp, gc.class, coalesce(g.name, '') FROM group_classes gc "
        "LEFT JOIN groups g ON g.grp = gc.class ORDER BY g.grade, g.name"
    ):
        if grp in wanted:
            found.setdefault(grp, []).append((class_id, name))
    return found


def group_members(
    db: sqlite3.Connection, groups: Iterable[str], start: str, end: str
) -> dict[str, set[str]]:
    """The students of each group on any day from ``start`` to ``end``: one query for all.

    A subgroup's or cross-class group's member counts only on days also spent in one of the
    group's classes (as :mod:`ejournal.queries.members` rules).
    """
    wanted = set(groups)
    parts: dict[str, list[str]] = {}
    for grp, class_id in db.execute("SELECT grp, class FROM group_classes"):
        if grp in wanted:
            parts.setdefault(grp, []).append(class_id)
    kinds = dict(db.execute("SELECT grp, kind FROM groups"))
    needed = sorted(wanted | {c for classes in parts.values() for c in classes})
    spans: dict[tuple[str, str], list[tuple[str, str]]] = {}
    for i in range(0, len(needed), 500):
        part = needed[i : i + 500]
        for grp, student, first, last in db.execute(
            "SELECT grp, student, start, coalesce(end, '9999-12-31') FROM memberships "
            f"WHERE grp IN ({','.join('?' * len(part))}) AND start <= ? "
            "AND (end IS NULL OR end >= ?)",
            (*part, end, start),
        ):
            spans.setdefault((grp, student), []).append((max(first, start), min(last, end)))
    found: dict[str, set[str]] = {g: set() for g in wanted}
    for (grp, student), own in spans.items():
        if grp not in wanted:
            continue
        if kinds.get(grp) == "class" or _overlaps(own, [
            s for c in parts.get(grp, ()) for s in spans.get((c, student), ())
        ]):  # fmt: skip
            found[grp].add(student)
    return found


def _overlaps(a: list[tuple[str, str]], b: list[tuple[str, str]]) -> bool:
    return any(max(x[0], y[0]) <= min(x[1], y[1]) for x in a for y in b)


def utc_bounds(db: sqlite3.Connection, start: str, end: str) -> tuple[str, str]:
    """The entry times (UTC, as the projection keeps them) from the school's local midnight of
    ``start`` to the end of ``end``: half-open ``[from, to)``."""
    zone = school_zone(db)
    first = datetime.combine(date.fromisoformat(start), time(), zone)
    after = datetime.combine(date.fromisoformat(end) + timedelta(days=1), time(), zone)
    return _utc(first), _utc(after)


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def school_zone(db: sqlite3.Connection) -> timezone | ZoneInfo:
    """The school's time zone (``school.configured``); UTC when it is not set."""
    row = db.execute("SELECT timezone FROM school WHERE id = 1").fetchone()
    if row and row[0]:
        try:
            return ZoneInfo(row[0])
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return UTC


def school_name(db: sqlite3.Connection) -> str:
    row = db.execute("SELECT name FROM school WHERE id = 1").fetchone()
    return str(row[0]) if row and row[0] else "Школа"
