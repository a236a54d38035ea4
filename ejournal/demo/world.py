"""The state of a demo school while it is being generated: the simulated clock, the agenda of
entries waiting for their moment, who is in which class and group on which dates, and the marks
given so far this year (for period marks).

Simulated time exists only here. A real school's journal always stamps the real time of writing
(R-MRK-2); the demo needs a past, so it opens its journal with a clock it moves itself and
writes the past in the order it happened.
"""

from __future__ import annotations

import heapq
import itertools
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from functools import partial

from ..journal import Journal
from ..log.entry import Entry
from ..log.feed import NewEntry
from ..model.events import Event
from ..model.ids import IdFactory
from .plans import PlannedLesson
from .school import Course, Klass, Student, Teacher
from .schoolyear import SchoolYear
from .timetable import Week

SCHOOL_TZ = timezone(timedelta(hours=7))  # Krasnoyarsk: the demo school is in Берёзовка
TIMEZONE_NAME = "Asia/Krasnoyarsk"
ID_ALPHABET = "0123456789abcdefghjkmnpqrstvwxyz"  # as ejournal.model.ids: Crockford base32


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    """A local moment at the school."""
    return datetime.combine(day, time(hh, mm, ss), SCHOOL_TZ)


class DemoIds(IdFactory):
    """Reproducible ids in the journal's format (``mrk-3kq9x2ab7c``), from the demo's seed."""

    def __init__(self, seed: int) -> None:
        super().__init__(seed)
        self._bits = random.Random(seed).getrandbits

    def new(self, prefix: str) -> str:
        n = self._bits(50)
        return prefix + "-" + "".join(ID_ALPHABET[(n >> shift) & 31] for shift in range(45, -5, -5))


class SimClock:
    """The demo's clock: shows the moment the generator has reached; never goes back."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        if moment > self.current:
            self.current = moment


class Agenda:
    """Writes waiting to happen, run in the order of their moments."""

    def __init__(self) -> None:
        self._heap: list[tuple[datetime, int, Callable[[], object]]] = []
        self._seq = itertools.count()

    def add(self, moment: datetime, action: Callable[[], object]) -> None:
        heapq.heappush(self._heap, (moment, next(self._seq), action))

    def run_until(self, moment: datetime, clock: SimClock) -> None:
        while self._heap and self._heap[0][0] <= moment:
            when, _, action = heapq.heappop(self._heap)
            clock.set(when)
            action()

    def drop(self) -> int:
        dropped = len(self._heap)
        self._heap.clear()
        return dropped


@dataclass
class Member:
    student: Student
    start: date
    end: date | None = None


@dataclass
class MarkRec:
    mark: str
    course: str
    student: str
    value: str
    kind: str
    day: date
    valid: bool = True


@dataclass
class YearState:
    """One school year: its calendar, classes, courses and timetable."""

    cal: SchoolYear
    classes: list[Klass] = field(default_factory=list)
    courses: list[Course] = field(default_factory=list)
    week: Week = field(default_factory=dict)
    periods: dict[tuple[str, int, int], str] = field(
        default_factory=dict
    )  # (kind, number, grade) → id
    marks: dict[tuple[str, str], list[MarkRec]] = field(default_factory=dict)  # (course, student)
    mark_by_id: dict[str, MarkRec] = field(default_factory=dict)
    late_teachers: list[str] = field(default_factory=list)  # who filled in late, for remarks
    term_last_day: dict[tuple[str, int, int], date] = field(default_factory=dict)
    period_marks: dict[tuple[str, str], list[str]] = field(
        default_factory=dict
    )  # (course, student)
    year_marks: dict[tuple[str, str], str] = field(default_factory=dict)
    exam_marks: dict[tuple[str, str], str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.cal.name


@dataclass
class Staff:
    admin: str = ""
    director: str = ""
    deputy: str = ""
    secretary: str = ""
    archivist: str = ""
    teachers: dict[str, list[Teacher]] = field(default_factory=dict)  # pool → teachers
    by_id: dict[str, Teacher] = field(default_factory=dict)
    names: dict[str, str] = field(default_factory=dict)  # person → full name, for the logins


@dataclass
class World:
    j: Journal
    clock: SimClock
    rng: random.Random
    stop: datetime  # nothing is written at or after this moment (the start of --today)
    agenda: Agenda = field(default_factory=Agenda)
    staff: Staff = field(default_factory=Staff)
    subjects: dict[str, str] = field(default_factory=dict)  # subject key → subject id
    groups: dict[str, list[Member]] = field(default_factory=dict)  # class or group id → members
    parents: dict[str, list[str]] = field(default_factory=dict)  # student → guardians
    children: dict[str, list[str]] = field(default_factory=dict)  # guardian → students
    year: YearState | None = None
    students_now: list[Student] = field(default_factory=list)
    ill_until: dict[str, date] = field(default_factory=dict)
    merged: set[str] = field(default_factory=set)  # specialities a colleague covers
    # Continuity from last year: (speciality, grade, letter, subgroup) → teacher; (grade, letter)
    # → class teacher.
    previous_teachers: dict[tuple[str, int, str, str], str] = field(default_factory=dict)
    previous_class_teacher: dict[tuple[int, str], str] = field(default_factory=dict)
    last_lesson: dict[str, tuple[str, date]] = field(default_factory=dict)  # course → lesson, date
    # Lessons recorded ahead (R-LES-1), and who gives them when not their teacher (R-LES-2):
    # (course, date, number) → (lesson id, plan line, homework) / substitute.
    prerecorded: dict[tuple[str, date, int], tuple[str, PlannedLesson | None, str]] = field(
        default_factory=dict
    )
    substitutes: dict[tuple[str, date, int], str] = field(default_factory=dict)
    # Moments when a person writes nothing of their own (the window of a compromise, R-SEC-3).
    quiet: list[tuple[str, datetime, datetime]] = field(default_factory=list)
    pending: list[Entry] = field(default_factory=list)  # appended, not yet in the projection

    def guarded(self, person: str, moment: datetime) -> bool:
        return any(p == person and start <= moment <= end for p, start, end in self.quiet)

    def at(self, moment: datetime) -> None:
        """Bring the school to ``moment``: write what was due before it, then set the clock."""
        self.agenda.run_until(moment, self.clock)
        self.clock.set(moment)
        self.apply()

    def later(self, moment: datetime, actor: str, events: Sequence[Event]) -> None:
        """Write ``events`` by ``actor`` at ``moment`` (in order with everything else)."""
        if moment < self.stop and events:
            batch = [NewEntry(e.TYPE, e.to_data(), actor) for e in events]
            self.agenda.add(moment, lambda: self.pending.extend(self.j.feed.append(batch)))

    def then(self, moment: datetime, action: Callable[[], object]) -> None:
        """Run a command at ``moment``."""
        if moment < self.stop:
            self.agenda.add(moment, partial(self._run, action))

    def _run(self, action: Callable[[], object]) -> None:
        self.apply()
        action()

    def apply(self) -> None:
        """Bring the projection up to the feed.

        :meth:`later` does what :meth:`Journal.record` does in two steps: the append at its
        moment (one durable write with its own time), the projection for many appends at once
        (one SQLite transaction instead of one per teacher and day). Commands read the
        projection, so it is brought up to date before each.
        """
        if self.pending:
            with self.j.command():
                self.j.projection.apply(self.pending)
            self.pending = []

    def members_on(self, group: str, day: date) -> list[Student]:
        return [
            m.student
            for m in self.groups.get(group, ())
            if m.start <= day and (m.end is None or day <= m.end)
        ]

    def is_member(self, student: str, group: str, day: date) -> bool:
        return any(
            m.student.person == student and m.start <= day and (m.end is None or day <= m.end)
            for m in self.groups.get(group, ())
        )

    def join(self, group: str, student: Student, start: date) -> None:
        self.groups.setdefault(group, []).append(Member(student, start))

    def leave(self, group: str, student: str, end: date) -> None:
        for m in self.groups.get(group, ()):
            if m.student.person == student and m.end is None:
                m.end = end


class Office:
    """A member of staff entering data on working days, a few seconds per entry.

    ``flush`` writes what is due in between first; an office working inside an agenda action
    only moves the clock.
    """

    def __init__(
        self, world: World, start: datetime, step: tuple[int, int] = (3, 12), flush: bool = True
    ) -> None:
        self.w = world
        self.moment = start
        self.step_range = step
        self.flush = flush

    def step(self) -> None:
        self.moment += timedelta(seconds=self.w.rng.randint(*self.step_range))
        if self.moment.hour >= 18:
            day = self.moment.date() + timedelta(days=1)
            while day.weekday() >= 5:
                day += timedelta(days=1)
            self.moment = at(day, 9, self.w.rng.randint(0, 20))
        if self.flush:
            self.w.at(self.moment)
        else:
            self.w.clock.set(self.moment)
