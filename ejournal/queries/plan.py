"""A course's lesson plan (КТП) beside the lessons held: which lesson numbers each topic
covers, how far the program has gone (R-LES-3), and the timetable's lesson dates ahead for
filling topics in advance (R-LES-1)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date as _date
from datetime import timedelta

from .courses import CourseInfo, course_info
from .timetable import day_off, slots_on

DONE, NOW, AHEAD = "done", "now", "ahead"


@dataclass(frozen=True, slots=True)
class PlanLine:
    number: int  # the topic's place in the plan, from 1
    topic: str
    hours: int
    section: str
    first: int  # the first and last lesson of the year the topic covers, from 1
    last: int
    state: str  # DONE, NOW (being taught) or AHEAD, by the number of lessons held


@dataclass(frozen=True, slots=True)
class CoursePlan:
    course: CourseInfo
    lines: tuple[PlanLine, ...]
    planned_hours: int  # the plan's total
    held: int  # lessons held so far (dated up to today, valid)
    ahead: int  # lessons recorded ahead (dated after today), topics filled in advance

    @property
    def completion(self) -> int:
        """Per cent of the plan's hours given as lessons so far (R-LES-3)."""
        return round(100 * self.held / self.planned_hours) if self.planned_hours else 0


def course_plan(db: sqlite3.Connection, course_id: str, today: str) -> CoursePlan:
    """The plan of a course and the lessons held by ``today``.

    Raises:
        NotFound: no such course.
    """
    course = course_info(db, course_id)
    held, ahead = db.execute(
        "SELECT coalesce(sum(date <= ?), 0), coalesce(sum(date > ?), 0) FROM lessons "
        "WHERE course = ? AND invalid = 0",
        (today, today, course_id),
    ).fetchone()
    rows = db.execute(
        "SELECT number, topic, hours, coalesce(section, '') FROM plan_topics WHERE course = ? "
        "ORDER BY number",
        (course_id,),
    ).fetchall()
    lines, first = [], 1
    for number, topic, hours, section in rows:
        last = first + hours - 1
        state = DONE if held >= last else NOW if held >= first else AHEAD
        lines.append(PlanLine(number, topic, hours, section, first, last, state))
        first = last + 1
    return CoursePlan(course, tuple(lines), first - 1, held, ahead)


def topic_of_lesson(plan: CoursePlan, ordinal: int) -> PlanLine | None:
    """The plan topic of the ``ordinal``-th lesson of the year (from 1), if the plan has one."""
    for line in plan.lines:
        if line.first <= ordinal <= line.last:
            return line
    return None


def lesson_ordinal(db: sqlite3.Connection, course_id: str, day: str, number: int) -> int:
    """How many valid lessons of the course come before lesson ``number`` of ``day``."""
    row = db.execute(
        "SELECT count(*) FROM lessons WHERE course = ? AND invalid = 0 "
        "AND (date < ? OR (date = ? AND number < ?))",
        (course_id, day, day, number),
    ).fetchone()
    return int(row[0])


def timetable_dates(
    db: sqlite3.Connection, course: CourseInfo, start: str, end: str
) -> tuple[tuple[str, int], ...]:
    """(date, lesson number) of every timetable slot of the course between two dates, on
    study days of its grade, where no lesson is recorded yet."""
    recorded = {
        (d, n)
        for d, n in db.execute(
            "SELECT date, number FROM lessons WHERE course = ? AND date BETWEEN ? AND ?",
            (course.course, start, end),
        )
    }
    found = []
    day, last = _date.fromisoformat(max(start, course.start)), min(end, course.end)
    while day.isoformat() <= last:
        text = day.isoformat()
        if day_off(db, course.grade, text) is None:
            for slot in slots_on(db, [course.group], text):
                if slot.course == course.course and (text, slot.number) not in recorded:
                    found.append((text, slot.number))
        day += timedelta(days=1)
    return tuple(found)
