"""The paper report to parents (R-DIA-3, R-CTL-4): for each student of a class, between two
dates, the marks per subject with work kinds, the weighted average, and absences by reason.
The class teacher prints it for the whole class at once, one page per student."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model.errors import NotFound
from .averages import school_weights, summarise
from .diary_period import DatedMark
from .members import members
from .overview import Absences
from .people import Person, person


@dataclass(frozen=True, slots=True)
class SubjectLine:
    subject_name: str
    marks: tuple[DatedMark, ...]
    average: float | None
    absences: int


@dataclass(frozen=True, slots=True)
class StudentReport:
    student: Person
    subjects: tuple[SubjectLine, ...]
    absences: Absences


@dataclass(frozen=True, slots=True)
class ClassReports:
    class_: str
    class_name: str
    class_teacher: Person | None
    start: str
    end: str
    reports: tuple[StudentReport, ...]  # alphabetical


def class_reports(db: sqlite3.Connection, class_id: str, start: str, end: str) -> ClassReports:
    """Reports of every student who was in the class on some day from ``start`` to ``end``.

    Raises:
        NotFound: no such class.
        ValueError: ``start`` is after ``end``.
    """
    if start > end:
        raise ValueError("start after end")
    row = db.execute(
        "SELECT name FROM groups WHERE grp = ? AND kind = 'class'", (class_id,)
    ).fetchone()
    if row is None:
        raise NotFound("Такой класс не найден.")
    teacher = db.execute(
        "SELECT teacher FROM class_teachers WHERE class = ? AND start <= ? "
        "ORDER BY start DESC LIMIT 1",
        (class_id, end),
    ).fetchone()
    weights = school_weights(db)
    reports = tuple(
        _report(db, m.student, start, end, weights) for m in members(db, class_id, start, end)
    )
    return ClassReports(
        class_id,
        row[0] or "",
        person(db, teacher[0]) if teacher else None,
        start,
        end,
        reports,
    )


def _report(
    db: sqlite3.Connection, student: Person, start: str, end: str, weights: dict[str, int]
) -> StudentReport:
    courses = db.execute(
        "SELECT DISTINCT c.course, coalesce(s.name, '') FROM memberships m "
        "JOIN courses c ON c.grp = m.grp LEFT JOIN subjects s ON s.subject = c.subject "
        "WHERE m.student = ? AND m.start <= ? AND (m.end IS NULL OR m.end >= ?) "
        "AND c.start <= ? AND c.end >= ?",
        (student.person, end, start, end, start),
    ).fetchall()
    marks: dict[str, list[DatedMark]] = {}
    absent: dict[str, int] = {}
    counts = {"Б": 0, "У": 0, "Н": 0}
    ids = [c for c, _ in courses]
    if ids:
        marks_in = ",".join("?" * len(ids))
        for course, day, value, kind in db.execute(
            "SELECT m.course, l.date, m.current, m.kind FROM marks m "
            "JOIN lessons l ON l.lesson = m.lesson "
            f"WHERE m.course IN ({marks_in}) AND m.student = ? AND l.date BETWEEN ? AND ? "
            "AND m.current IS NOT NULL AND l.invalid = 0 ORDER BY l.date, l.number, m.at",
            (*ids, student.person, start, end),
        ):
            marks.setdefault(course, []).append(DatedMark(day, value, kind))
        for course, code in db.execute(
            "SELECT a.course, a.code FROM attendance a JOIN lessons l ON l.lesson = a.lesson "
            f"WHERE a.course IN ({marks_in}) AND a.student = ? AND l.date BETWEEN ? AND ? "
            "AND a.code != '' AND l.invalid = 0",
            (*ids, student.person, start, end),
        ):
            absent[course] = absent.get(course, 0) + 1
            if code in counts:
                counts[code] += 1
    lines = []
    for course, name in sorted(courses, key=lambda c: (c[1].lower(), c[0])):
        dated = marks.get(course, [])
        if not dated and not absent.get(course):
            continue
        average = summarise(student.person, course, [(m.value, m.kind) for m in dated], weights)
        lines.append(SubjectLine(name, tuple(dated), average.average, absent.get(course, 0)))
    return StudentReport(student, tuple(lines), Absences(counts["Б"], counts["У"], counts["Н"]))
