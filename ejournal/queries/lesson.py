"""One lesson with everything on it: course, teacher or substitute, topic, homework, work kinds,
and per student attendance, marks and comments (R-LES-1, R-LES-2, R-ATT-1, R-MRK-1, R-MRK-4)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..model.errors import NotFound
from .courses import CourseInfo, course_info, teacher_on
from .marks import Comment, Mark, attendance_of_lessons, comments_of_lessons, marks_of_lessons
from .members import members
from .people import Person, person


@dataclass(frozen=True, slots=True)
class LessonStudent:
    student: Person
    attendance: str  # "" present, "Б", "У", "Н"
    marks: tuple[Mark, ...]
    comments: tuple[Comment, ...]


@dataclass(frozen=True, slots=True)
class Substitution:
    teacher: Person
    reason: str
    at: str
    by: str


@dataclass(frozen=True, slots=True)
class LessonDetail:
    lesson: str
    course: CourseInfo
    date: str
    number: int
    topic: str
    homework: str
    work_kinds: tuple[str, ...]
    plan_topic: int
    teacher: Person  # the course's teacher on the lesson's date
    substitution: Substitution | None  # R-LES-2: who took the lesson instead
    recorded_at: str
    recorded_by: str
    invalid: bool  # recorded with compromised credentials (R-SEC-3)
    students: tuple[LessonStudent, ...]  # members of the group on the date, alphabetically


def lesson_detail(
    db: sqlite3.Connection, lesson_id: str, *, include_invalid: bool = False
) -> LessonDetail:
    """A lesson and each student's attendance, marks and comments at it.

    Args:
        include_invalid: the administration's view: also revoked marks and entries made with
            compromised credentials, flagged (R-MRK-2, R-SEC-3).

    Raises:
        NotFound: no such lesson, or (without ``include_invalid``) the lesson was recorded with
            compromised credentials.
    """
    row = db.execute(
        "SELECT course, date, number, topic, homework, work_kinds, plan_topic, at, by, invalid "
        "FROM lessons WHERE lesson = ?",
        (lesson_id,),
    ).fetchone()
    if row is None or (row[9] and not include_invalid):
        raise NotFound("Такой урок не найден.")
    course_id, day, number, topic, homework, kinds, plan_topic, at, by, invalid = row
    ids = [lesson_id]
    marks = marks_of_lessons(db, ids, include_invalid=include_invalid)
    attendance = attendance_of_lessons(db, ids)
    comments = comments_of_lessons(db, ids, include_invalid=include_invalid)
    course = course_info(db, course_id)
    students = tuple(
        LessonStudent(
            m.student,
            attendance.get((lesson_id, m.student.person), ""),
            marks.get((lesson_id, m.student.person), ()),
            comments.get((lesson_id, m.student.person), ()),
        )
        for m in members(db, course.group, day, day)
    )
    return LessonDetail(
        lesson=lesson_id,
        course=course,
        date=day,
        number=number,
        topic=topic or "",
        homework=homework or "",
        work_kinds=tuple(json.loads(kinds or "[]")),
        plan_topic=plan_topic or 0,
        teacher=person(db, teacher_on(db, course_id, day)),
        substitution=_substitution(db, lesson_id),
        recorded_at=at,
        recorded_by=by,
        invalid=bool(invalid),
        students=students,
    )


def _substitution(db: sqlite3.Connection, lesson_id: str) -> Substitution | None:
    row = db.execute(
        "SELECT teacher, reason, at, by FROM substitutions WHERE lesson = ? "
        "ORDER BY at DESC, rowid DESC LIMIT 1",
        (lesson_id,),
    ).fetchone()
    if row is None:
        return None
    return Substitution(person(db, row[0]), row[1], row[2], row[3])
