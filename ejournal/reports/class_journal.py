"""The printed class journal of a school year (R-ARC-2; 001 App.1 5.7, App.2 §3; 002 §9.2):
per course and period the grid of marks and absences and the lessons with dates, topics and
homework, bound behind a title page (school, class, year, class teacher, «Начат / Окончен»,
register number) and ending with the certification sheet the secretary fills in when the
journal is stitched, signed, sealed and entered in the register.

The grid is the teacher's own (:func:`ejournal.queries.grid.journal_grid`): what is printed is
what the journal showed, marks as they stand after corrections (R-MRK-2), nothing made with
compromised credentials (R-SEC-3).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..model.errors import NotFound
from ..queries.grid import Grid, journal_grid
from ..queries.people import Person, person, russian_key
from ..queries.periods import periods_of_year
from .scope import school_name

LESSONS_PER_PAGE = 25  # grid columns that fit an A4 landscape page beside the names


@dataclass(frozen=True, slots=True)
class PrintedGrid:
    """One period's page of a course: dates as columns, a row per student."""

    period_name: str
    dates: tuple[str, ...]  # «02.09»
    rows: tuple[tuple[str, tuple[str, ...], str], ...]  # (student, cells, period mark)


@dataclass(frozen=True, slots=True)
class PrintedLesson:
    date: str
    topic: str
    homework: str
    substitute: str


@dataclass(frozen=True, slots=True)
class JournalCourse:
    course: str
    subject: str
    group_name: str
    teacher: Person
    grids: tuple[PrintedGrid, ...]  # per period, split into pages of LESSONS_PER_PAGE
    lessons: tuple[PrintedLesson, ...]

    @property
    def lesson_count(self) -> int:
        return len(self.lessons)


@dataclass(frozen=True, slots=True)
class ClassJournal:
    school: str
    class_: str
    class_name: str
    year: str
    class_teacher: Person | None
    started: str  # the first lesson's date, else the year's start
    finished: str  # the last lesson's date, else the year's end
    register_number: str
    courses: tuple[JournalCourse, ...]


def cell_text(attendance: str, marks: tuple[str, ...]) -> str:
    """A grid cell as printed: the absence code, then the marks, «Н 5/4»."""
    return " ".join(p for p in (attendance, "/".join(marks)) if p)


def class_journal(db: sqlite3.Connection, class_id: str, register_number: str = "") -> ClassJournal:
    """The printed journal of a class for its school year.

    Raises:
        NotFound: no such class.
    """
    row = db.execute(
        "SELECT g.name, g.grade, g.year, y.start, y.end FROM groups g "
        "LEFT JOIN years y ON y.year = g.year WHERE g.grp = ? AND g.kind = 'class'",
        (class_id,),
    ).fetchone()
    if row is None:
        raise NotFound("Такой класс не найден.")
    name, grade, year, start, end = row
    terms = periods_of_year(db, year, grade)
    course_rows = db.execute(
        "SELECT c.course, coalesce(s.name, ''), coalesce(g.name, ''), c.teacher, c.grp "
        "FROM courses c LEFT JOIN subjects s ON s.subject = c.subject "
        "LEFT JOIN groups g ON g.grp = c.grp WHERE c.year = ? "
        "AND c.grp IN (SELECT grp FROM group_classes WHERE class = ?)",
        (year, class_id),
    ).fetchall()
    course_rows.sort(key=lambda r: (russian_key(r[1]), r[4] != class_id, russian_key(r[2]), r[0]))
    printed = []
    dates: list[str] = []
    for course, subject, group_name, teacher, grp in course_rows:
        grids = [journal_grid(db, course, t.period) for t in terms]
        lessons = [les for g in grids for les in g.lessons]
        dates += [les.date for les in lessons]
        printed.append(
            JournalCourse(
                course, subject, "" if grp == class_id else group_name, person(db, teacher),
                tuple(page for g in grids for page in _pages(g)),
                tuple(PrintedLesson(les.date, les.topic, les.homework,
                                    person(db, les.substitute).short_name if les.substitute else "")
                      for les in lessons),
            )
        )  # fmt: skip
    teacher_row = db.execute(
        "SELECT teacher FROM class_teachers WHERE class = ? "
        "ORDER BY start DESC, rowid DESC LIMIT 1",
        (class_id,),
    ).fetchone()
    return ClassJournal(
        school_name(db), class_id, name, year,
        person(db, teacher_row[0]) if teacher_row else None,
        min(dates) if dates else (start or ""), max(dates) if dates else (end or ""),
        register_number, tuple(printed),
    )  # fmt: skip


def _pages(grid: Grid) -> list[PrintedGrid]:
    if not grid.lessons:
        return []
    pages = []
    for first in range(0, len(grid.lessons), LESSONS_PER_PAGE):
        lessons = grid.lessons[first : first + LESSONS_PER_PAGE]
        last_page = first + LESSONS_PER_PAGE >= len(grid.lessons)
        rows = []
        for r in grid.rows:
            cells = tuple(
                cell_text(c.attendance, tuple(m.value for m in c.marks if m.counts))
                if c.member else ""
                for c in r.cells[first : first + LESSONS_PER_PAGE]
            )  # fmt: skip
            mark = r.period_mark.value if (last_page and r.period_mark) else ""
            rows.append((f"{r.student.last_name} {r.student.first_name}", cells, mark))
        pages.append(
            PrintedGrid(
                grid.period.name,
                tuple(f"{les.date[8:10]}.{les.date[5:7]}" for les in lessons),
                tuple(rows),
            )
        )
    return pages
