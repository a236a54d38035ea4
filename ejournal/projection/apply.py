"""How each event changes the projection. One handler per event type; a handler only writes
what its event says (rules were checked before the entry was written, and replaying the log
must give the same database whatever the rules are today)."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any, NamedTuple

from ..model import events as ev
from ..model import rules


class Ctx(NamedTuple):
    """Where an event comes from: entry reference, UTC time, local date, actor, validity.

    A NamedTuple rather than a frozen dataclass: one is made per entry, and a rebuild makes
    millions (a frozen dataclass's ``__init__`` costs several times more).
    """

    ref: str
    at: str
    local_date: str
    by: str
    invalid: int


def is_compromised(cache: Cache, person: str, at: str) -> bool:
    """Whether an entry by ``person`` at ``at`` (UTC) was made with compromised credentials."""
    for since, until in cache.compromised.get(person, ()):
        if since is not None and since <= at and (until is None or at < until):
            return True
    return False


class Cache:
    """What handlers look up often, kept in memory so a rebuild does not query per entry."""

    def __init__(self, db: sqlite3.Connection) -> None:
        self.lessons: dict[str, tuple[str, str, int]] = {}  # lesson → course, date, grade
        self.course_grade: dict[str, int] = {}
        self.deadlines: dict[str, int] = {}
        self._allowed: dict[tuple[str, int], int] = {}
        self._lateness: dict[tuple[str, str, str, int], int] = {}
        self.period_ends: dict[str, str | None] = {}
        self.year_ends: dict[str, str | None] = {}  # course → its year's last day
        self._originals: set[str] | None = None
        # R-SEC-3 windows per person: [since, reissued_at or None], both UTC.
        self.compromised: dict[str, list[list[str | None]]] = {}
        for person, since, reissued in db.execute(
            "SELECT person, since, reissued_at FROM compromises"
        ):
            self.compromised.setdefault(person, []).append([since, reissued])
        row = db.execute("SELECT deadline_days FROM school WHERE id = 1").fetchone()
        if row and row[0]:
            self.deadlines = json.loads(row[0])

    def set_deadlines(self, deadlines: dict[str, int]) -> None:
        self.deadlines = dict(deadlines)
        self._allowed.clear()
        self._lateness.clear()

    def late(self, kind: str, grade: int, lesson_date: str, entered: str) -> int:
        """Whether an entry of ``kind`` on ``entered`` about a lesson of ``lesson_date`` in
        ``grade`` is late (R-MRK-1), remembered: a rebuild asks it per mark."""
        key = (lesson_date, entered, kind, grade)
        found = self._lateness.get(key)
        if found is None:
            if len(self._lateness) > 100_000:
                self._lateness.clear()
            found = _late(lesson_date, entered, self.allowed_days(kind, grade))
            self._lateness[key] = found
        return found

    def allowed_days(self, kind: str, grade: int) -> int:
        """rules.allowed_days with the school's deadlines, remembered per (kind, grade)."""
        found = self._allowed.get((kind, grade))
        if found is None:
            found = self._allowed[(kind, grade)] = rules.allowed_days(kind, grade, self.deadlines)
        return found

    def period_end(self, db: sqlite3.Connection, period: str) -> str | None:
        if period not in self.period_ends:
            row = db.execute("SELECT end FROM periods WHERE period = ?", (period,)).fetchone()
            self.period_ends[period] = row[0] if row else None
        return self.period_ends[period]

    def year_end(self, db: sqlite3.Connection, course: str) -> str | None:
        """The last day of the course's school year (None: no such course or year)."""
        if course not in self.year_ends:
            row = db.execute(
                "SELECT y.end FROM courses c JOIN years y ON y.year = c.year WHERE c.course = ?",
                (course,),
            ).fetchone()
            self.year_ends[course] = row[0] if row else None
        return self.year_ends[course]

    def originals(self, db: sqlite3.Connection) -> set[str]:
        """The lessons that may have a row in lesson_originals (read once, then kept)."""
        if self._originals is None:
            self._originals = {r[0] for r in db.execute("SELECT lesson FROM lesson_originals")}
        return self._originals

    def lesson_recorded(self, db: sqlite3.Connection, lesson: str, course: str, day: str) -> None:
        """Remember a recorded lesson's course, date and grade (what the marks' and attendance's
        handlers read of it)."""
        self.lessons[lesson] = (course, day, self.grade(db, course))

    def lesson(self, db: sqlite3.Connection, lesson: str) -> tuple[str, str, int]:
        found = self.lessons.get(lesson)
        if found is None:
            row = db.execute(
                "SELECT course, date FROM lessons WHERE lesson = ?", (lesson,)
            ).fetchone()
            course, day = row if row else ("", "1970-01-01")
            found = (course, day, self.grade(db, course))
            if len(self.lessons) > 200_000:
                self.lessons.clear()
            self.lessons[lesson] = found
        return found

    def grade(self, db: sqlite3.Connection, course: str) -> int:
        grade = self.course_grade.get(course)
        if grade is None:
            row = db.execute(
                "SELECT coalesce(g.grade, 0) FROM courses c LEFT JOIN groups g ON g.grp = c.grp "
                "WHERE c.course = ?",
                (course,),
            ).fetchone()
            grade = row[0] if row else 0
            self.course_grade[course] = grade
        return grade


Handler = Callable[[sqlite3.Connection, Cache, Ctx, Any], None]
HANDLERS: dict[type[ev.Event], Handler] = {}


def handles(cls: type[ev.Event]) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[cls] = fn
        return fn

    return register


# Handlers of a run of entries of one type and one feed, in order, for the types a rebuild meets
# by the million: exactly what the type's handler does entry by entry (each such handler is one
# run of one), with the per-entry costs paid once per run.
BulkHandler = Callable[[sqlite3.Connection, Cache, list[Ctx], list[Any]], None]
BULK: dict[type[ev.Event], BulkHandler] = {}


def handles_runs(cls: type[ev.Event]) -> Callable[[BulkHandler], BulkHandler]:
    """Register ``fn`` for runs of ``cls`` (:data:`BULK`) and, as a run of one, for single
    entries (:data:`HANDLERS`)."""

    def register(fn: BulkHandler) -> BulkHandler:
        BULK[cls] = fn
        HANDLERS[cls] = lambda db, cache, c, e: fn(db, cache, [c], [e])
        return fn

    return register


def _json(value: Any) -> str:
    if type(value) is list:
        try:  # work kinds: a handful of distinct lists of strings, remembered
            return _STRING_LISTS[tuple(value)]
        except (KeyError, TypeError):
            pass
        text = json.dumps(value, ensure_ascii=False, sort_keys=True)
        # Only lists of strings: a tuple equal to one of them holds the same strings (with
        # numbers, 1, 1.0 and True are equal keys but different JSON).
        if len(_STRING_LISTS) < 1024 and all(type(v) is str for v in value):
            _STRING_LISTS[tuple(value)] = text
        return text
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


_STRING_LISTS: dict[tuple[str, ...], str] = {}


@lru_cache(maxsize=8192)
def _ordinal(day: str) -> int:
    return date.fromisoformat(day).toordinal()


def _late(lesson_date: str, entered: str, days: int) -> int:
    """rules.is_late on the dates' ordinals, remembered per date: a rebuild asks per mark."""
    return int(_ordinal(entered) - _ordinal(lesson_date) > days)


# --- structure ------------------------------------------------------------------------------


@handles(ev.SchoolConfigured)
def _school(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.SchoolConfigured) -> None:
    db.execute(
        "INSERT OR REPLACE INTO school VALUES (1, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            e.name,
            e.short_name,
            e.inn,
            e.ogrn,
            e.timezone,
            _json(e.deadline_days),
            _json(e.weights),
            e.student_min_age,
        ),
    )
    cache.set_deadlines(e.deadline_days)


@handles(ev.YearDefined)
def _year(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.YearDefined) -> None:
    db.execute(
        "INSERT OR REPLACE INTO years (year, start, end) VALUES (?, ?, ?)", (e.year, e.start, e.end)
    )
    cache.year_ends.clear()


@handles(ev.YearClosed)
def _year_closed(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.YearClosed) -> None:
    db.execute("UPDATE years SET closed = 1 WHERE year = ?", (e.year,))


@handles(ev.PeriodDefined)
def _period(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.PeriodDefined) -> None:
    db.execute(
        "INSERT OR REPLACE INTO periods VALUES (?, ?, ?, ?, ?, ?, ?)",
        (e.period, e.year, e.kind, e.number, e.name, e.start, e.end),
    )
    cache.period_ends.pop(e.period, None)
    db.execute("DELETE FROM period_grades WHERE period = ?", (e.period,))
    db.executemany("INSERT INTO period_grades VALUES (?, ?)", [(e.period, g) for g in e.grades])


@handles(ev.HolidayDefined)
def _holiday(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.HolidayDefined) -> None:
    db.execute(
        "INSERT INTO holidays VALUES (?, ?, ?, ?, ?)",
        (e.year, e.name, e.start, e.end, _json(e.grades)),
    )


@handles(ev.ClassCreated)
def _class(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.ClassCreated) -> None:
    db.execute(
        "INSERT OR REPLACE INTO groups VALUES (?, 'class', ?, ?, ?, ?)",
        (e.class_, e.year, e.grade, e.letter, f"{e.grade}{e.letter}"),
    )
    db.execute("INSERT OR REPLACE INTO group_classes VALUES (?, ?)", (e.class_, e.class_))


@handles(ev.GroupCreated)
def _group(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.GroupCreated) -> None:
    grade = db.execute(
        f"SELECT min(grade) FROM groups WHERE grp IN ({','.join('?' * len(e.classes))})", e.classes
    ).fetchone()[0]
    db.execute(
        "INSERT OR REPLACE INTO groups VALUES (?, ?, ?, ?, '', ?)",
        (e.group, e.kind, e.year, grade or 0, e.name),
    )
    db.executemany(
        "INSERT OR REPLACE INTO group_classes VALUES (?, ?)", [(e.group, k) for k in e.classes]
    )


@handles(ev.StudentEnrolled)
def _enrolled(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.StudentEnrolled) -> None:
    db.execute(
        "INSERT INTO memberships (student, grp, start, end, individual_plan, reason, ref) "
        "VALUES (?, ?, ?, NULL, ?, '', ?)",
        (e.student, e.group, e.start, int(e.individual_plan), c.ref),
    )


@handles(ev.StudentLeft)
def _left(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.StudentLeft) -> None:
    db.execute(
        "UPDATE memberships SET end = ?, reason = ? WHERE student = ? AND grp = ? AND end IS NULL",
        (e.end, e.reason, e.student, e.group),
    )


@handles(ev.StudentPromoted)
def _promoted(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.StudentPromoted) -> None:
    db.execute(
        "INSERT INTO promotions VALUES (?, ?, ?, ?, ?)",
        (e.student, e.year, e.decision, e.to_class, c.at),
    )


@handles(ev.SubjectDefined)
def _subject(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.SubjectDefined) -> None:
    db.execute(
        "INSERT OR REPLACE INTO subjects VALUES (?, ?, ?, ?, ?)",
        (e.subject, e.name, e.short, e.grading, int(e.elective)),
    )


@handles(ev.CurriculumSet)
def _curriculum(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.CurriculumSet) -> None:
    db.execute(
        "INSERT OR REPLACE INTO curriculum VALUES (?, ?, ?, ?)",
        (e.year, e.class_, e.subject, e.hours),
    )


@handles(ev.CourseCreated)
def _course(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.CourseCreated) -> None:
    db.execute(
        "INSERT OR REPLACE INTO courses VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (e.course, e.year, e.subject, e.teacher, e.group, e.start, e.end, e.grading),
    )
    db.execute("INSERT INTO course_teachers VALUES (?, ?, ?)", (e.course, e.teacher, e.start))
    cache.course_grade.pop(e.course, None)
    cache.year_ends.pop(e.course, None)


@handles(ev.CourseTeacherChanged)
def _course_teacher(
    db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.CourseTeacherChanged
) -> None:
    db.execute("UPDATE courses SET teacher = ? WHERE course = ?", (e.teacher, e.course))
    db.execute("INSERT INTO course_teachers VALUES (?, ?, ?)", (e.course, e.teacher, e.start))


@handles(ev.ClassTeacherAssigned)
def _class_teacher(
    db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.ClassTeacherAssigned
) -> None:
    db.execute("INSERT INTO class_teachers VALUES (?, ?, ?)", (e.class_, e.teacher, e.start))


@handles(ev.TimetableSet)
def _timetable(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.TimetableSet) -> None:
    db.execute(
        "INSERT OR REPLACE INTO timetable VALUES (?, ?, ?, ?, ?, ?)",
        (e.group, e.weekday, e.number, e.start, e.course, e.room),
    )


@handles(ev.PlanSet)
def _plan(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.PlanSet) -> None:
    db.execute("DELETE FROM plan_topics WHERE course = ?", (e.course,))
    db.executemany(
        "INSERT INTO plan_topics VALUES (?, ?, ?, ?, ?)",
        [(e.course, t.number, t.topic, t.hours, t.section) for t in e.topics],
    )


# --- people and access ------------------------------------------------------------------------


@handles(ev.PersonRegistered)
def _person(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.PersonRegistered) -> None:
    db.execute(
        "INSERT OR REPLACE INTO persons VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (e.person, e.last_name, e.first_name, e.middle_name, e.birth_date, e.sex, c.at, c.at),
    )


@handles(ev.PersonUpdated)
def _person_updated(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.PersonUpdated) -> None:
    for column in ("last_name", "first_name", "middle_name", "birth_date"):
        value = getattr(e, column)
        if value:
            db.execute(
                f"UPDATE persons SET {column} = ?, updated_at = ? WHERE person = ?",
                (value, c.at, e.person),
            )


@handles(ev.RoleGranted)
def _role(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.RoleGranted) -> None:
    db.execute(
        "INSERT OR REPLACE INTO roles VALUES (?, ?, ?, ?, NULL)",
        (e.person, e.role, e.scope, e.start),
    )


@handles(ev.RoleRevoked)
def _role_revoked(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.RoleRevoked) -> None:
    db.execute(
        "UPDATE roles SET end = ? WHERE person = ? AND role = ? AND scope = ? AND end IS NULL",
        (e.end, e.person, e.role, e.scope),
    )


# Handlers of the teaching, control and security events live in handlers_journal.py.
from . import handlers_journal  # noqa: E402, F401, I001  (registers its handlers)
from . import handlers_distance  # noqa: E402, F401  (distance learning, tests, portfolio)
from . import handlers_diary  # noqa: E402, F401, I001  (the diary's: R-DIA-4)

# The reports' settings: handlers_reports.py.
from . import handlers_reports  # noqa: E402, F401  (register their handlers)
from . import handlers_ops  # noqa: E402, F401  (register their handlers)
