"""Build the demo school year by year, in the order things happen, into a new data directory."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from ..datadir import DataDir, init_data_dir
from ..journal import Journal
from ..log.feed import SigningPolicy
from . import incidents, scenes
from .closing import close_year
from .days import plan_day
from .enrolment import Household
from .school import Layout, layout
from .schoolyear import current_first_year
from .world import DemoIds, Office, SimClock, World, YearState, at
from .years import define_year, hires_for, install, set_up, weekday_on_or_after


class DemoError(ValueError):
    """The demo cannot be built there (the directory already holds data)."""


@dataclass(frozen=True)
class DemoOptions:
    students: int = 300
    years: int = 2  # school years including the current one
    seed: int = 1
    today: date | None = None  # default: the real local date


@dataclass(frozen=True)
class Login:
    role: str
    person: str
    name: str


@dataclass(frozen=True)
class DemoResult:
    path: Path
    today: date
    students: int
    teachers: int
    entries: int
    lessons: int
    marks: int
    seconds: float
    logins: list[Login]


Progress = Callable[[str], None]


def build_demo(path: Path, options: DemoOptions, progress: Progress | None = None) -> DemoResult:
    """Create ``path`` and fill it with the demo school up to the day before ``options.today``.

    Raises:
        DemoError: ``path`` exists and is not empty.
    """
    if options.students < 11 or options.years < 1:
        raise DemoError("--students must be at least 11 and --years at least 1")
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise DemoError(
            f"{path} already exists and is not empty: the demo is built only into a new directory"
        )
    started = time.perf_counter()
    today = options.today or date.today()
    current = current_first_year(today)
    firsts = list(range(current - options.years + 1, current + 1))
    lay = layout(options.students, current)
    hires, merged = hires_for(firsts, lay)
    clock = SimClock(at(weekday_on_or_after(date(firsts[0], 8, 3)), 8, 55))
    policy = SigningPolicy(background=False)
    init_data_dir(path, clock=clock, policy=policy)
    j = Journal.open(path, clock=clock, policy=policy)
    try:
        _fast_projection(j)
        j.ids = DemoIds(options.seed)
        w = World(j, clock, random.Random(options.seed), stop=at(today, 0))
        w.merged = merged
        _run(w, firsts, lay, hires, today, progress or (lambda _: None))
        w.at(w.stop - timedelta(milliseconds=1))
        w.agenda.drop()
        j.feed.checkpoint()
        return _result(w, path, today, time.perf_counter() - started)
    finally:
        j.close()


def _fast_projection(j: Journal) -> None:
    """Settings of this connection only, for writing years at once: the projection is
    disposable (``ejournal rebuild``), so it needs no fsync of its own while the demo is
    built; the feed, the record of truth, is still fsynced on every append."""
    j.db.execute("PRAGMA synchronous = OFF")
    j.db.execute("PRAGMA cache_size = -262144")  # 256 MiB
    j.db.execute("PRAGMA wal_autocheckpoint = 16384")


def _run(
    w: World, firsts: list[int], lay: Layout, hires: dict[str, int], today: date, progress: Progress
) -> None:
    office = install(w, firsts[0], hires)
    households: list[Household] = []
    y = define_year(w, office, firsts[0], lay)
    scene_year = _scene_year(firsts, today)
    for i, first in enumerate(firsts):
        if at(date(first, 8, 10), 9) >= w.stop:
            return
        set_up(w, y, lay, households, first_year_of_school=(i == 0))
        w.year = y
        scenes.movement(w, y, households)
        for plan in (scenes.remarks, scenes.announcements, scenes.messages, incidents.corrections):
            plan(w, y)
        _study(w, y, first == scene_year)
        progress(f"{y.name}: {w.j.feed.size} entries")
        # In June the next year's classes are formed, then this year is closed.
        june = at(weekday_on_or_after(date(first + 1, 6, 1)), 10)
        if june >= w.stop:
            return
        nxt = define_year(w, Office(w, june), first + 1, lay)
        if at(date(first + 1, 6, 30), 13) < w.stop:
            close_year(w, y, nxt)
        y = nxt


def _scene_year(firsts: list[int], today: date) -> int:
    """The year of the substitution and the compromise: this one, unless it has barely begun."""
    current = firsts[-1]
    if len(firsts) > 1 and today < date(current, 10, 1):
        return firsts[-2]
    return current


def _study(w: World, y: YearState, with_scenes: bool) -> None:
    """Every day of the year from 1 September to 31 May (or the day before --today)."""
    days = y.cal.study_days(5)
    stop_day = (w.stop - timedelta(milliseconds=1)).date()
    reached = [d for d in days if d <= stop_day]
    sub_eve = sub_day = comp_day = None
    if with_scenes and len(reached) >= 20:
        n = len(reached) * 2 // 5
        sub_eve, sub_day, comp_day = reached[n - 1], reached[n], reached[len(reached) * 7 // 10]
    day = y.cal.start
    while day <= y.cal.end and at(day, 0) < w.stop:
        w.at(at(day, 8, 0))
        plan_day(w, day)
        if day == sub_eve:
            incidents.substitution(w, y, sub_day)  # type: ignore[arg-type]
        if day == comp_day:
            incidents.compromise(w, y, day)
        day += timedelta(days=1)
    w.at(min(at(y.cal.end, 23, 59), w.stop - timedelta(milliseconds=1)))


def _result(w: World, path: Path, today: date, seconds: float) -> DemoResult:
    db, on = w.j.db, (today - timedelta(days=1)).isoformat()

    def count(sql: str, *args: object) -> int:
        return int(db.execute(sql, args).fetchone()[0])

    students = count(
        "SELECT count(DISTINCT person) FROM roles WHERE role = 'student' AND start <= ? "
        "AND (end IS NULL OR end >= ?)",
        on,
        on,
    )
    teachers = count("SELECT count(DISTINCT person) FROM roles WHERE role = 'teacher'")
    return DemoResult(
        path,
        today,
        students,
        teachers,
        w.j.feed.size,
        count("SELECT count(*) FROM lessons"),
        count("SELECT count(*) FROM marks"),
        seconds,
        logins(w, on),
    )


def logins(w: World, on: str) -> list[Login]:
    """One person per role to sign in as (issue #4 gives them passwords)."""
    s, y = w.staff, w.year
    found: list[tuple[str, str]] = [
        ("администратор", s.admin),
        ("директор", s.director),
        ("заместитель директора по УВР", s.deputy),
        ("секретарь", s.secretary),
        ("архивист", s.archivist),
    ]
    if y is not None:
        by_grade = sorted(y.classes, key=lambda k: (k.grade, k.letter))
        math = next(
            (c.teacher for c in y.courses if c.subject.key in ("alg", "math") and c.grade >= 5), ""
        )
        found.append(("учитель (алгебра, математика)", math))
        fifth = next((k for k in by_grade if k.grade == 5), by_grade[-1])
        found.append((f"классный руководитель {fifth.name}", fifth.teacher))
        found.append(
            (
                f"учитель начальных классов, классный руководитель {by_grade[0].name}",
                by_grade[0].teacher,
            )
        )
        members = {
            st.person for k in y.classes for st in w.members_on(k.id, date.fromisoformat(on))
        }
        parents = sorted(
            w.children, key=lambda p: (-len([c for c in w.children[p] if c in members]), p)
        )
        if parents:
            kids = len([c for c in w.children[parents[0]] if c in members])
            found.append(
                (f"родитель (детей в школе: {kids})" if kids > 1 else "родитель", parents[0])
            )
        ninth = [k for k in by_grade if k.grade == 9]
        pupils = w.members_on(ninth[0].id, date.fromisoformat(on)) if ninth else []
        if pupils:
            found.append(
                (f"ученик {ninth[0].name}", sorted(pupils, key=lambda p: p.person)[0].person)
            )
    return [Login(role, person, w.staff.names.get(person, "")) for role, person in found if person]


def exists(path: Path) -> bool:
    return DataDir(path).exists()
