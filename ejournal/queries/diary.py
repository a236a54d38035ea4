"""A student's diary for a week: what parents and the student see (R-DIA-1, R-DIA-2).

Everything comes straight from the projection, so what a teacher enters shows at once
(R-DIA-1). Entries made with compromised credentials and revoked marks never show (R-SEC-3).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date as _date
from datetime import timedelta

from ..model import access
from .marks import Comment, Mark, attendance_of_lessons, comments_of_lessons, marks_of_lessons
from .members import groups_of
from .people import Person, person
from .timetable import Slot, day_off, slots_on

WEEKDAYS_RU = ("понедельник", "вторник", "среда", "четверг", "пятница", "суббота")


@dataclass(frozen=True, slots=True)
class DiaryLesson:
    lesson: str
    number: int
    course: str
    subject_name: str
    topic: str
    homework: str
    attendance: str  # "" present, "Б", "У", "Н"
    marks: tuple[Mark, ...]  # only marks that count
    comments: tuple[Comment, ...]  # only valid ones


@dataclass(frozen=True, slots=True)
class DiaryDay:
    date: str
    weekday: str  # «понедельник»
    day_off: str | None  # a holiday's name when it is not a study day
    slots: tuple[Slot, ...]  # the timetable in force that day
    lessons: tuple[DiaryLesson, ...]  # the lessons recorded that day, by number


@dataclass(frozen=True, slots=True)
class DiaryWeek:
    student: Person
    monday: str
    days: tuple[DiaryDay, ...]  # Monday to Saturday


def diary_week(db: sqlite3.Connection, student: str, monday: str) -> DiaryWeek:
    """The diary page of a student for the week starting on ``monday``.

    Raises:
        ValueError: ``monday`` is not a Monday in ``YYYY-MM-DD``.
    """
    first = _date.fromisoformat(monday)
    if first.isoweekday() != 1:
        raise ValueError(f"{monday} is not a Monday")
    dates = [(first + timedelta(days=i)).isoformat() for i in range(6)]
    groups = _groups_by_day(db, student, dates)
    # One query per kind of row for the whole week (the page is the families' busiest).
    lessons = _lessons(db, student, sorted({g for gs in groups.values() for g in gs}), dates)
    days = []
    for i, day in enumerate(dates):
        mine = groups[day]
        grade = _grade(db, mine)
        off = day_off(db, grade, day) if mine else None
        slots = () if off else slots_on(db, mine, day)
        todays = tuple(les for les, grp, on in lessons if on == day and grp in mine)
        days.append(DiaryDay(day, WEEKDAYS_RU[i], off, slots, todays))
    return DiaryWeek(person(db, student), first.isoformat(), tuple(days))


def _groups_by_day(
    db: sqlite3.Connection, student: str, dates: list[str]
) -> dict[str, tuple[str, ...]]:
    """The student's groups on each day; asked once when no membership starts or ends inside
    the week (the usual case), else per day."""
    changes = db.execute(
        "SELECT 1 FROM memberships WHERE student = ? AND ((start > ? AND start <= ?) "
        "OR (end >= ? AND end < ?)) LIMIT 1",
        (student, dates[0], dates[-1], dates[0], dates[-1]),
    ).fetchone()
    if changes is None:
        same = groups_of(db, student, dates[0])
        return {day: same for day in dates}
    return {day: groups_of(db, student, day) for day in dates}


def _grade(db: sqlite3.Connection, groups: tuple[str, ...]) -> int:
    if not groups:
        return 0
    row = db.execute(
        f"SELECT max(grade) FROM groups WHERE grp IN ({','.join('?' * len(groups))})", groups
    ).fetchone()
    return int(row[0] or 0)


def _lessons(
    db: sqlite3.Connection, student: str, groups: list[str], dates: list[str]
) -> list[tuple[DiaryLesson, str, str]]:
    """(lesson, its course's group, date) of the week's lessons of these groups, in order."""
    if not groups:
        return []
    rows = db.execute(
        "SELECT l.lesson, l.number, l.course, coalesce(s.name, ''), l.topic, l.homework, c.grp, "
        "l.date FROM lessons l "
        "JOIN courses c ON c.course = l.course LEFT JOIN subjects s ON s.subject = c.subject "
        f"WHERE c.grp IN ({','.join('?' * len(groups))}) AND l.date BETWEEN ? AND ? "
        "AND l.invalid = 0 ORDER BY l.date, l.number, l.at, l.lesson",
        (*groups, dates[0], dates[-1]),
    ).fetchall()
    ids = [row[0] for row in rows]
    marks = marks_of_lessons(db, ids, student=student)
    attendance = attendance_of_lessons(db, ids, student=student)
    comments = comments_of_lessons(db, ids, student=student)
    return [
        (
            DiaryLesson(
                lesson,
                number,
                course,
                subject_name,
                topic or "",
                homework or "",
                attendance.get((lesson, student), ""),
                marks.get((lesson, student), ()),
                comments.get((lesson, student), ()),
            ),
            grp,
            day,
        )
        for lesson, number, course, subject_name, topic, homework, grp, day in rows
    ]


def may_see_diary(db: sqlite3.Connection, viewer: str, student: str, on: str) -> bool:
    """R-DIA-2: whether ``viewer`` may read ``student``'s diary on date ``on``.

    The student (from the school's minimum age, 14 by the seeds: «учащиеся старше 14 лет»),
    a guardian of the student, the administration, and the class teacher of the student's
    class. Subject teachers read their own journal instead.
    """
    if access.is_guardian(db, viewer, student, on):
        return True
    roles = access.roles_of(db, viewer, on)
    if roles & access.MATRIX["journal.read_all"]:
        return True
    if viewer == student:
        return "student" in roles and _old_enough(db, student, on)
    return any(access.is_class_teacher(db, viewer, grp, on) for grp in groups_of(db, student, on))


def _old_enough(db: sqlite3.Connection, student: str, on: str) -> bool:
    row = db.execute("SELECT birth_date FROM persons WHERE person = ?", (student,)).fetchone()
    school = db.execute("SELECT student_min_age FROM school WHERE id = 1").fetchone()
    min_age = school[0] if school and school[0] is not None else 14
    if not row or not row[0]:
        return True  # no birth date recorded: the school issued the login, trust it
    born, today = _date.fromisoformat(row[0]), _date.fromisoformat(on)
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return age >= min_age
