"""Benchmark of the projection and the read side (issue #3).

Run: ``.venv/bin/python bench/bench_projection.py [--students 1000] [--years 10] [--dir DIR]
[--db FILE]``. On the 10-year demo school, which the bench only reads:
``.venv/bin/python bench/bench_projection.py --dir /work/bench-data/demo10 --db /tmp/r.sqlite``.

Prints, in one run:

(a) projection rebuild speed from the feeds, in entries/s of wall time (target ≥ 100,000
    entries/s), with the CPU time of the rebuild's process and of its helper processes and the
    load average (on a shared machine the wall time says little), and,
    with the bench's own generator, the incremental apply speed while the school was made;
(b) the journal grid query (``ejournal.queries.grid.journal_grid``) for a course and quarter:
    p50 / p95 / max over random (course, quarter) pairs (target p95 ≤ 10 ms);
(c) the size on disk: feeds and ``journal.sqlite``;
(d) for the record, the other pages' queries: diary week, lesson, teacher's day, class overview.

The school comes from the demo generator, ``ejournal.demo.build_demo``, when that package is
importable (checked at run time). Otherwise, or with ``--own-generator``, from the bench's own
minimal bulk generator below, written before the demo existed: the structure through the public
commands (``ejournal.model.commands``); the daily journal (lessons, marks, attendance, a few
corrections, period marks) appended in batches of one school day and applied to the projection
as :meth:`Journal.record` does, but with each entry's own actor. The run prints which one it
used. With ``--dir`` the generated school is kept (``bench-school.txt`` says what it is) and
reused by the next run.
"""

from __future__ import annotations

import argparse
import importlib
import importlib.util
import os
import random
import resource
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

from ejournal.datadir import init_data_dir
from ejournal.journal import Journal
from ejournal.log import SigningPolicy
from ejournal.log.feed import NewEntry
from ejournal.model import events as ev
from ejournal.model.access import SYSTEM
from ejournal.model.commands import people, structure
from ejournal.model.ids import IdFactory
from ejournal.projection.db import rebuild
from ejournal.projection.rebuild import CPU as rebuild_cpu
from ejournal.queries.diary import diary_week
from ejournal.queries.grid import journal_grid
from ejournal.queries.lesson import lesson_detail
from ejournal.queries.overview import class_overview
from ejournal.queries.teacher import teacher_day

ZONE = timezone(timedelta(hours=7))
SUBJECTS = {  # name → weekly hours (grades 2–11; grade 1 takes the first four, no marks)
    "Русский язык": 5,
    "Литература": 3,
    "Математика": 5,
    "Английский язык": 3,
    "История": 2,
    "Обществознание": 1,
    "География": 2,
    "Биология": 2,
    "Физика": 2,
    "Химия": 2,
    "Информатика": 1,
    "Физическая культура": 2,
}
KINDS = ["У"] * 10 + ["ДЗ"] * 3 + ["СР"] * 3 + ["КР"] * 2 + ["ПР"] * 2
VALUES = ["5"] * 6 + ["4"] * 8 + ["3"] * 5 + ["2"]
LETTERS = "АБВГ"
SURNAMES = ["Иванов", "Смирнов", "Кузнецов", "Попов", "Васильев", "Петров", "Соколов", "Михайлов"]
FIRST = ["Иван", "Пётр", "Анна", "Мария", "Алексей", "Дарья", "Егор", "Полина", "Артём", "Софья"]


class BenchClock:
    """The school's clock, set by the generator day by day."""

    def __init__(self, moment: datetime) -> None:
        self.current = moment

    def now(self) -> datetime:
        return self.current

    def set(self, day: date, hour: int) -> None:
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=ZONE)
        self.current = max(self.current, moment)


@dataclass(frozen=True)
class Slot:
    course: str
    teacher: str
    weekday: int
    number: int


@dataclass
class YearPlan:
    first: int
    quarters: list[tuple[str, date, date]] = field(default_factory=list)  # grades 1–9
    halves: list[tuple[str, date, date]] = field(default_factory=list)  # grades 10–11
    classes: dict[str, tuple[int, list[str]]] = field(
        default_factory=dict
    )  # class → grade, students
    courses: dict[str, list[tuple[str, str]]] = field(
        default_factory=dict
    )  # class → (course, teacher)
    slots: dict[str, list[Slot]] = field(default_factory=dict)  # class → its weekly timetable


# --- the bench's own generator ----------------------------------------------------------------


class Generator:
    """A 1,000-student school over some years, deterministic for a seed."""

    def __init__(self, path: Path, students: int, years: int, seed: int = 7) -> None:
        self.path, self.students, self.years = path, students, years
        self.rng = random.Random(seed)
        self.first_year = date.today().year - years
        self.clock = BenchClock(datetime(self.first_year, 8, 1, 9, tzinfo=ZONE))
        self.subjects: dict[str, str] = {}
        self.teachers: list[str] = []
        self.pupils: dict[int, list[str]] = {}  # grade → students in it this year
        self.applied_seconds = 0.0
        self.applied_entries = 0

    def run(self) -> None:
        init_data_dir(self.path, clock=self.clock, policy=SigningPolicy(background=False))
        with Journal.open(self.path, clock=self.clock, policy=SigningPolicy(background=False)) as j:
            j.ids = IdFactory(seed=11)
            self._school(j)
            for n in range(self.years):
                plan = self._year(j, self.first_year + n)
                self._teach(j, plan)
                self._promote(j, plan)

    def _school(self, j: Journal) -> None:
        admin = people.register_person(j, SYSTEM, last_name="Администраторов", first_name="Андрей")
        people.grant_role(j, SYSTEM, person=admin, role="admin", start=f"{self.first_year}-08-01")
        self.admin = admin
        structure.configure_school(j, admin, ev.SchoolConfigured(name="Бенчмарк-школа"))
        for name in SUBJECTS:
            self.subjects[name] = structure.define_subject(j, admin, name=name)
        per_class = sum(SUBJECTS.values())
        classes = max(11, round(self.students / 26))
        for _ in range(max(12, classes * per_class // 24)):
            teacher = self._person(j)
            people.grant_role(
                j, admin, person=teacher, role="teacher", start=f"{self.first_year}-08-01"
            )
            self.teachers.append(teacher)
        per_grade = self.students // 11
        for grade in range(1, 12):
            self.pupils[grade] = [self._person(j) for _ in range(per_grade)]

    def _person(self, j: Journal) -> str:
        return people.register_person(
            j, self.admin, last_name=self.rng.choice(SURNAMES), first_name=self.rng.choice(FIRST)
        )

    def _year(self, j: Journal, first: int) -> YearPlan:
        a, plan, year = self.admin, YearPlan(first), f"{first}/{first + 1}"
        self.clock.set(date(first, 8, 20), 10)
        start, end = date(first, 9, 1), date(first + 1, 5, 25)
        structure.define_year(j, a, year=year, start=start.isoformat(), end=end.isoformat())
        quarters = [
            (date(first, 9, 1), date(first, 10, 26)),
            (date(first, 11, 5), date(first, 12, 27)),
            (date(first + 1, 1, 9), date(first + 1, 3, 22)),
            (date(first + 1, 4, 1), end),
        ]
        for n, (s, e) in enumerate(quarters, 1):
            period = structure.define_period(
                j,
                a,
                year=year,
                kind="quarter",
                number=n,
                start=s.isoformat(),
                end=e.isoformat(),
                grades=list(range(1, 10)),
            )
            plan.quarters.append((period, s, e))
        for n, (s, e) in enumerate([(quarters[0][0], quarters[1][1]), (quarters[2][0], end)], 1):
            period = structure.define_period(
                j,
                a,
                year=year,
                kind="half",
                number=n,
                start=s.isoformat(),
                end=e.isoformat(),
                grades=[10, 11],
            )
            plan.halves.append((period, s, e))
        for grade, pupils in self.pupils.items():
            count = max(1, round(len(pupils) / 26))
            for k in range(count):
                class_id = structure.create_class(j, a, year=year, grade=grade, letter=LETTERS[k])
                members = pupils[k::count]
                for student in members:
                    people.enroll(j, a, student=student, group=class_id, start=start.isoformat())
                plan.classes[class_id] = (grade, members)
                self._courses(j, plan, year, class_id, grade, start, end)
        return plan

    def _courses(
        self,
        j: Journal,
        plan: YearPlan,
        year: str,
        class_id: str,
        grade: int,
        start: date,
        end: date,
    ) -> None:
        names = list(SUBJECTS)[:4] if grade == 1 else list(SUBJECTS)
        plan.courses[class_id], plan.slots[class_id] = [], []
        free = [(day, number) for number in range(1, 8) for day in range(1, 6)]
        self.rng.shuffle(free)
        for name in names:
            teacher = self.rng.choice(self.teachers)
            course = structure.create_course(
                j,
                self.admin,
                year=year,
                subject=self.subjects[name],
                teacher=teacher,
                group=class_id,
                start=start.isoformat(),
                end=end.isoformat(),
            )
            plan.courses[class_id].append((course, teacher))
            for _ in range(SUBJECTS[name]):  # R-STR-5: the weekly slots
                weekday, number = free.pop()
                structure.set_timetable(
                    j,
                    self.admin,
                    group=class_id,
                    weekday=weekday,
                    number=number,
                    course=course,
                    start=start.isoformat(),
                )
                plan.slots[class_id].append(Slot(course, teacher, weekday, number))

    def _teach(self, j: Journal, plan: YearPlan) -> None:
        """Every school day: each class's lessons, marks for about 3 students a lesson,
        absences for about 1.5, a correction now and then; period marks at each period's end."""
        day = plan.quarters[0][1]
        ends = {e: p for p, _, e in plan.quarters} | {e: p for p, _, e in plan.halves}
        while day <= plan.quarters[-1][2]:
            if day.isoweekday() <= 5 and any(s <= day <= e for _, s, e in plan.quarters):
                self.clock.set(day, 15)
                self._day(j, plan, day)
            if day in ends:
                self.clock.set(day, 17)
                self._period_marks(j, plan, ends[day])
            day += timedelta(days=1)

    def _day(self, j: Journal, plan: YearPlan, day: date) -> None:
        rng, batch = self.rng, []
        for class_id, (grade, students) in plan.classes.items():
            for slot in plan.slots[class_id]:
                if slot.weekday != day.isoweekday():
                    continue
                lesson, teacher = j.ids.new("les"), slot.teacher
                recorded = ev.LessonRecorded(
                    lesson, slot.course, day.isoformat(), slot.number, "Тема", "§ 5"
                )
                batch.append((teacher, recorded))
                for student in rng.sample(
                    students, min(len(students), rng.choice((1, 1, 2, 2, 3)))
                ):
                    batch.append(
                        (teacher, ev.AttendanceMarked(lesson, student, rng.choice("БУНН")))
                    )
                if grade == 1:
                    continue  # R-STR-6: no marks in grade 1
                for student in rng.sample(students, min(len(students), rng.choice((2, 3, 3, 4)))):
                    mark = j.ids.new("mrk")
                    batch.append(
                        (
                            teacher,
                            ev.MarkGiven(
                                mark, lesson, student, rng.choice(VALUES), rng.choice(KINDS)
                            ),
                        )
                    )
                    if rng.random() < 0.01:
                        batch.append(
                            (
                                teacher,
                                ev.MarkCorrected(mark, rng.choice(VALUES), "ошибка при вводе"),
                            )
                        )
        self._record(j, batch)

    def _period_marks(self, j: Journal, plan: YearPlan, period: str) -> None:
        halves = {p for p, _, _ in plan.halves}
        batch = []
        for class_id, (grade, students) in plan.classes.items():
            if grade == 1 or (period in halves) != (grade >= 10):
                continue
            for course, teacher in plan.courses[class_id]:
                for student in students:
                    value = self.rng.choice(VALUES)
                    batch.append(
                        (teacher, ev.FinalMarkGiven(course, student, "period", value, period))
                    )
        self._record(j, batch)

    def _record(self, j: Journal, batch: Sequence[tuple[str, ev.Event]]) -> None:
        """Journal.record, with each entry's own actor: one durable append, one apply."""
        if not batch:
            return
        with j.command():
            entries = j.feed.append([NewEntry(e.TYPE, e.to_data(), actor) for actor, e in batch])
            t0 = time.perf_counter()
            j.projection.apply(entries)
            self.applied_seconds += time.perf_counter() - t0
            self.applied_entries += len(entries)

    def _promote(self, j: Journal, plan: YearPlan) -> None:
        """R-STR-7: everyone moves up a grade; the 11th graduates, a new 1st grade comes."""
        end = plan.quarters[-1][2].isoformat()
        self.clock.set(plan.quarters[-1][2] + timedelta(days=3), 10)
        for class_id, (_, students) in plan.classes.items():
            for student in students:
                people.leave(
                    j, self.admin, student=student, group=class_id, end=end, reason="promotion"
                )
        self.pupils = {grade + 1: pupils for grade, pupils in self.pupils.items() if grade < 11}
        self.pupils[1] = [self._person(j) for _ in range(len(self.pupils[2]))]


# --- measuring --------------------------------------------------------------------------------


def demo_generator() -> tuple[str, Callable[[Path, int, int], object]] | None:
    """``ejournal.demo.build_demo``, if the package is there (checked at run time: the bench
    predates it and keeps its own generator for when it is not)."""
    if importlib.util.find_spec("ejournal.demo") is None:
        return None
    module = importlib.import_module("ejournal.demo")
    build, options = getattr(module, "build_demo", None), getattr(module, "DemoOptions", None)
    if build is None or options is None:
        return None

    def run(path: Path, students: int, years: int) -> object:
        return build(path, options(students=students, years=years))

    return "ejournal.demo.build_demo", run


ABOUT = "bench-school.txt"  # what the kept school is, written beside its feeds


def generate(path: Path, students: int, years: int, own: bool = False) -> str:
    found = None if own else demo_generator()
    t0 = time.perf_counter()
    about = f"{students:,} students, {years} years"
    if found is not None:
        name, fn = found
        fn(path, students, years)
        print(f"generated with {name} in {time.perf_counter() - t0:.0f} s")
        (path / ABOUT).write_text(f"{about}, by {name}\n")
        return name
    gen = Generator(path, students, years)
    gen.run()
    (path / ABOUT).write_text(f"{about}, by the bench's own generator\n")
    took = time.perf_counter() - t0
    print(f"generated with the bench's own generator in {took:.0f} s")
    if gen.applied_entries:
        print(
            f"  incremental apply of the daily journal: "
            f"{gen.applied_entries / gen.applied_seconds:,.0f} entries/s "
            f"({gen.applied_entries:,} entries in batches of a school day)"
        )
    return "bench generator"


def size(path: Path) -> int:
    return (
        sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
        if path.is_dir()
        else path.stat().st_size
    )


def bench_rebuild(data: Path, target: Path | None = None) -> Path:
    """Rebuild the projection from ``data/feeds`` into ``target`` (the feeds are only read) and
    print entries/s by wall time, and the CPU time of this process and of the rebuild's other
    processes (the strict line check and the table writer, ejournal/projection/rebuild.py)."""
    target = target or data / "rebuilt.sqlite"
    load = os.getloadavg()[0]
    before = host_reference()
    own, children = time.process_time(), _children_cpu()
    t0 = time.perf_counter()
    count = rebuild(data / "feeds", target)
    took = time.perf_counter() - t0
    own, children = time.process_time() - own, _children_cpu() - children
    each = ", ".join(f"{name} {seconds:.1f} s" for name, seconds in rebuild_cpu.items())
    print(
        f"(a) rebuild: {count / took:,.0f} entries/s ({count:,} entries in {took:.1f} s wall); "
        f"target ≥ 100,000. CPU: this process {own:.1f} s ({count / max(own, 1e-9):,.0f} "
        f"entries per CPU-second), other processes {children:.1f} s; per process: {each}; "
        f"load average {load:.1f} before, {os.getloadavg()[0]:.1f} after "
        f"({os.cpu_count()} cores); host reference loop {before:.2f} s before, "
        f"{host_reference():.2f} s after"
    )
    return target


def host_reference() -> float:
    """CPU seconds of a fixed loop of Python arithmetic: how fast this host is just now.

    A VM's host can run the same rebuild at half its speed minutes later (the CPU seconds grow
    with the wall time): compare rebuilds whose reference loops took alike. On the 2-vCPU
    machine of the session of 2026-12-01 it took 0.29-0.31 s in a slow phase (the 10-year
    school rebuilt in 45.8 s).
    """
    started = time.process_time()
    total = 0
    for i in range(3_000_000):
        total += i * i
    return time.process_time() - started


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def bench_grid(db_path: Path, queries: int, seed: int = 3) -> None:
    import sqlite3

    conn = sqlite3.connect(db_path)
    pairs = conn.execute(
        "SELECT c.course, p.period FROM courses c JOIN groups g ON g.grp = c.grp "
        "JOIN period_grades pg ON pg.grade = g.grade JOIN periods p ON p.period = pg.period "
        "AND p.year = c.year WHERE p.kind = 'quarter' AND g.grade >= 2"
    ).fetchall()
    rng = random.Random(seed)
    sample = [rng.choice(pairs) for _ in range(queries)]
    for course, period in sample[:10]:  # warm the page cache as a running server would be
        journal_grid(conn, course, period)
    times, cpu, cells, marks = [], [], 0, 0
    for course, period in sample:
        t0, c0 = time.perf_counter(), time.process_time()
        grid = journal_grid(conn, course, period)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.process_time() - c0) * 1000)
        cells += sum(len(r.cells) for r in grid.rows)
        marks += sum(len(c.marks) for r in grid.rows for c in r.cells)
    times.sort()
    p95 = times[int(len(times) * 0.95) - 1]
    print(
        f"(b) journal grid of a course and quarter, {len(times)} random queries "
        f"over {len(pairs):,} pairs: p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms, "
        f"max {times[-1]:.2f} ms; target p95 ≤ 10 ms "
        f"(on average {cells / len(times):.0f} cells, {marks / len(times):.0f} marks a grid); "
        f"CPU time {_percentiles(cpu)}; load average {os.getloadavg()[0]:.1f}"
    )
    conn.close()


def _percentiles(times: list[float]) -> str:
    times = sorted(times)
    p95 = times[max(0, int(len(times) * 0.95) - 1)]
    return f"p50 {statistics.median(times):.2f} ms, p95 {p95:.2f} ms"


def bench_other_queries(db_path: Path, count: int, seed: int = 5) -> None:
    """The other pages' queries on the same database, for the record (no targets)."""
    import sqlite3

    conn = sqlite3.connect(db_path)
    rng = random.Random(seed)
    column = lambda sql: [r[0] for r in conn.execute(sql)]  # noqa: E731
    students = column("SELECT DISTINCT student FROM memberships")
    lessons = column("SELECT lesson FROM lessons WHERE invalid = 0")
    teachers = column("SELECT DISTINCT teacher FROM course_teachers")
    days = column("SELECT DISTINCT date FROM lessons")
    class_terms = conn.execute(
        "SELECT g.grp, p.period FROM groups g JOIN period_grades pg ON pg.grade = g.grade "
        "JOIN periods p ON p.period = pg.period AND p.year = g.year WHERE g.kind = 'class'"
    ).fetchall()
    cases: list[tuple[str, Callable[[], object]]] = []
    for _ in range(count):
        day = date.fromisoformat(rng.choice(days))
        monday = (day - timedelta(days=day.isoweekday() - 1)).isoformat()
        student, lesson, teacher = rng.choice(students), rng.choice(lessons), rng.choice(teachers)
        class_, term = rng.choice(class_terms)
        cases += [
            ("diary week", partial(diary_week, conn, student, monday)),
            ("lesson", partial(lesson_detail, conn, lesson)),
            ("teacher's day", partial(teacher_day, conn, teacher, day.isoformat())),
            ("class overview", partial(class_overview, conn, class_, term)),
        ]
    times: dict[str, list[float]] = {}
    for name, run in cases:
        t0 = time.perf_counter()
        run()
        times.setdefault(name, []).append((time.perf_counter() - t0) * 1000)
    print(
        "(d) other queries, "
        + "; ".join(f"{name}: {_percentiles(ts)}" for name, ts in times.items())
    )
    conn.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--students", type=int, default=1000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--dir", type=Path, help="keep the generated school here and reuse it")
    parser.add_argument(
        "--db",
        type=Path,
        help="rebuild into this file (default DIR/rebuilt.sqlite; the feeds are only read)",
    )
    parser.add_argument(
        "--own-generator",
        action="store_true",
        help="use the bench's generator even if ejournal.demo is there",
    )
    args = parser.parse_args()
    tmp = None
    if args.dir is None:
        tmp = Path(tempfile.mkdtemp(prefix="bench-projection-"))
        data = tmp / "school"
    else:
        data = args.dir
    try:
        if not (data / "feeds").is_dir():
            generate(data, args.students, args.years, args.own_generator)
        else:
            about = data / ABOUT
            what = about.read_text().strip() if about.exists() else "made elsewhere"
            print(f"reusing the school in {data}: {what}")
        rebuilt = bench_rebuild(data, args.db)
        bench_grid(rebuilt, args.queries)
        bench_other_queries(rebuilt, args.queries // 3)
        feeds, db = size(data / "feeds"), size(rebuilt)
        print(f"(c) size on disk: feeds {feeds / 1e6:,.0f} MB, journal.sqlite {db / 1e6:,.0f} MB")
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
