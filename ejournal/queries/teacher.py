"""A teacher's own pages: "my courses" for a year and "today" — the timetable of a day with
the lessons already recorded and the substitutions (R-STR-4, R-STR-5, R-LES-2)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from .courses import teacher_on
from .people import Person, person, russian_key
from .timetable import Slot, day_off, slots_on


@dataclass(frozen=True, slots=True)
class TeacherCourse:
    course: str
    subject: str
    subject_name: str
    group: str
    group_name: str
    grade: int
    start: str
    end: str
    current: bool  # the teacher teaches it now (not handed over by course.teacher_changed)


@dataclass(frozen=True, slots=True)
class TeacherSlot:
    number: int
    course: str
    subject_name: str
    group: str
    group_name: str
    room: str
    lesson: str | None  # the lesson recorded for this slot, if any
    topic: str
    substitute_for: Person | None  # the teacher is replacing this colleague (R-LES-2)
    substituted_by: Person | None  # a colleague replaces the teacher at this lesson


@dataclass(frozen=True, slots=True)
class TeacherDay:
    teacher: Person
    date: str
    slots: tuple[TeacherSlot, ...]  # by lesson number


def my_courses(db: sqlite3.Connection, teacher: str, year: str) -> tuple[TeacherCourse, ...]:
    """The courses a teacher has (or had) in a school year, by grade, class or group, subject."""
    rows = db.execute(
        "SELECT c.course, c.subject, coalesce(s.name, ''), c.grp, coalesce(g.name, ''), "
        "coalesce(g.grade, 0), c.start, c.end, c.teacher = ? FROM courses c "
        "LEFT JOIN subjects s ON s.subject = c.subject LEFT JOIN groups g ON g.grp = c.grp "
        "WHERE c.year = ? AND c.course IN (SELECT course FROM course_teachers WHERE teacher = ?)",
        (teacher, year, teacher),
    ).fetchall()
    courses = [
        TeacherCourse(
            course, subject, subject_name, group, group_name, grade, start, end, bool(now)
        )
        for course, subject, subject_name, group, group_name, grade, start, end, now in rows
    ]
    courses.sort(
        key=lambda c: (c.grade, russian_key(c.group_name), russian_key(c.subject_name), c.course)
    )
    return tuple(courses)


def teacher_day(db: sqlite3.Connection, teacher: str, day: str) -> TeacherDay:
    """The lessons a teacher gives on ``day``: own timetable slots and substitutions."""
    own = [
        course
        for (course,) in db.execute(
            "SELECT DISTINCT ct.course FROM course_teachers ct "
            "JOIN courses c ON c.course = ct.course "
            "WHERE ct.teacher = ? AND c.start <= ? AND c.end >= ? ORDER BY ct.course",
            (teacher, day, day),
        )
        if teacher_on(db, course, day) == teacher
    ]
    groups = (
        sorted(
            {
                row[0]
                for row in db.execute(
                    f"SELECT grp FROM courses WHERE course IN ({','.join('?' * len(own))})", own
                )
            }
        )
        if own
        else []
    )
    slots = [s for s in slots_on(db, groups, day) if s.course in own and not _off(db, s.group, day)]
    result = [_slot(db, teacher, s, day) for s in slots]
    result += _substitutions(db, teacher, day, {(s.course, s.number) for s in slots})
    result.sort(key=lambda s: (s.number, russian_key(s.group_name), s.course))
    return TeacherDay(person(db, teacher), day, tuple(result))


def _off(db: sqlite3.Connection, group: str, day: str) -> bool:
    row = db.execute("SELECT coalesce(grade, 0) FROM groups WHERE grp = ?", (group,)).fetchone()
    return day_off(db, row[0] if row else 0, day) is not None


def _slot(db: sqlite3.Connection, teacher: str, slot: Slot, day: str) -> TeacherSlot:
    row = db.execute(
        "SELECT lesson, topic, teacher FROM lessons WHERE course = ? AND date = ? AND number = ? "
        "AND invalid = 0 ORDER BY at, lesson LIMIT 1",
        (slot.course, day, slot.number),
    ).fetchone()
    lesson, topic, substitute = row if row else (None, "", "")
    return TeacherSlot(
        slot.number,
        slot.course,
        slot.subject_name,
        slot.group,
        slot.group_name,
        slot.room,
        lesson,
        topic or "",
        None,
        person(db, substitute) if substitute and substitute != teacher else None,
    )


def _substitutions(
    db: sqlite3.Connection, teacher: str, day: str, seen: set[tuple[str, int]]
) -> list[TeacherSlot]:
    rows = db.execute(
        "SELECT l.lesson, l.course, l.number, l.topic, coalesce(s.name, ''), c.grp, "
        "coalesce(g.name, '') FROM lessons l JOIN courses c ON c.course = l.course "
        "LEFT JOIN subjects s ON s.subject = c.subject LEFT JOIN groups g ON g.grp = c.grp "
        "WHERE l.date = ? AND l.teacher = ? AND l.invalid = 0 "
        "AND l.lesson IN (SELECT lesson FROM substitutions WHERE teacher = ?)",
        (day, teacher, teacher),
    ).fetchall()
    return [
        TeacherSlot(
            number,
            course,
            subject_name,
            group,
            group_name,
            _room(db, group, course, number, day),
            lesson,
            topic or "",
            person(db, teacher_on(db, course, day)),
            None,
        )
        for lesson, course, number, topic, subject_name, group, group_name in rows
        if (course, number) not in seen
    ]


def _room(db: sqlite3.Connection, group: str, course: str, number: int, day: str) -> str:
    """The room of the course's timetable slot with that number on ``day``, or ""."""
    for slot in slots_on(db, [group], day):
        if slot.course == course and slot.number == number:
            return slot.room
    return ""
