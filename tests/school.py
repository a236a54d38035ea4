"""A small school built through the public commands, for the model's tests.

The school of the 2026/2027 year: an administrator, a director, a deputy head and a secretary;
six teachers; classes 1А, 5А, 5Б and 10А with quarters for grades 1–9 and halves for 10–11;
subjects with the three grading systems (five-point, pass/fail, none); the curriculum, courses,
an English subgroup split of 5А, a pass/fail elective group across 5А and 5Б, class teachers,
students, parents, a timetable and the lesson plan (КТП) of 5А mathematics.

It is set up the way a school does it, before September (the clock stands at 2026-08-25), once
per test session; every test gets its own copy, opened with the clock at Monday 2026-11-16
09:00 in Krasnoyarsk (+07:00), in the second quarter. Tests move the clock forward.

Use it with ``pytest_plugins = ["school"]`` and the ``sch`` fixture.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from ejournal.datadir import init_data_dir
from ejournal.journal import Journal
from ejournal.log import SigningPolicy
from ejournal.model import events as ev
from ejournal.model.access import SYSTEM
from ejournal.model.commands import people, structure, teaching
from ejournal.model.errors import JournalError

KRASNOYARSK = timezone(timedelta(hours=7))
SETUP_TIME = datetime(2026, 8, 25, 10, 0, tzinfo=KRASNOYARSK)
TEST_TIME = datetime(2026, 11, 16, 9, 0, tzinfo=KRASNOYARSK)  # a Monday of the 2nd quarter
YEAR = "2026/2027"
YEAR_START, YEAR_END = "2026-09-01", "2027-05-25"
CYRILLIC = re.compile("[А-Яа-яЁё]")


class SchoolClock:
    """The school's clock: stands still until the test moves it forward."""

    def __init__(self, start: datetime) -> None:
        self.current = start

    def now(self) -> datetime:
        return self.current

    def move(self, **delta: float) -> None:
        """Move by a timedelta's keyword arguments: ``clock.move(days=5)``."""
        self.current += timedelta(**delta)

    def set(self, text: str) -> None:
        """Set to a local time in the school's zone: ``clock.set("2026-11-20 15:30")``."""
        self.current = datetime.fromisoformat(text).replace(tzinfo=KRASNOYARSK)


@dataclass
class SchoolIds:
    """Everything the setup created, by role in the tests."""

    admin: str = ""
    director: str = ""
    deputy: str = ""
    secretary: str = ""
    # teachers
    math_teacher: str = ""  # mathematics in 5А, 5Б, 10А
    russian_teacher: str = ""  # Russian and «Разговоры о важном» in 5А; class teacher of 5А
    english_teacher: str = ""  # English, 5А subgroup 1
    english_teacher_2: str = ""  # English, 5А subgroup 2; class teacher of 10А
    primary_teacher: str = ""  # 1А, class teacher of 1А
    history_teacher: str = ""  # the financial literacy elective (pass/fail); class teacher of 5Б
    # year structure
    quarters: list[str] = field(default_factory=list)  # grades 1–9
    halves: list[str] = field(default_factory=list)  # grades 10–11
    # classes and groups
    c1a: str = ""
    c5a: str = ""
    c5b: str = ""
    c10a: str = ""
    english_5a_1: str = ""  # subgroups of 5А
    english_5a_2: str = ""
    finance_group: str = ""  # elective across 5А and 5Б
    # subjects
    math: str = ""
    russian: str = ""
    english: str = ""
    reading: str = ""
    finance: str = ""  # pass/fail
    talks: str = ""  # «Разговоры о важном», no marks
    # courses
    math_5a: str = ""
    math_5b: str = ""
    math_10a: str = ""
    russian_5a: str = ""
    english_5a_g1: str = ""
    english_5a_g2: str = ""
    reading_1a: str = ""
    math_1a: str = ""
    finance_5: str = ""
    talks_5a: str = ""
    # students: 5А has four (two in each English subgroup), 5Б two, 10А two, 1А two
    students_5a: list[str] = field(default_factory=list)
    students_5b: list[str] = field(default_factory=list)
    students_10a: list[str] = field(default_factory=list)
    students_1a: list[str] = field(default_factory=list)
    parent_5a: str = ""  # guardian of students_5a[0]
    parent_10a: str = ""  # guardian of students_10a[0]


@dataclass
class Sch:
    """An open copy of the school: the journal, its clock, and what was created."""

    j: Journal
    clock: SchoolClock
    ids: SchoolIds

    @property
    def size(self) -> int:
        """How many entries the school's feed holds (a refused command adds none)."""
        return self.j.feed.size

    def one(self, sql: str, *params: object) -> tuple:
        row = self.j.db.execute(sql, params).fetchone()
        assert row is not None, f"no row for {sql} {params}"
        return tuple(row)

    def all(self, sql: str, *params: object) -> list[tuple]:
        return [tuple(r) for r in self.j.db.execute(sql, params).fetchall()]

    @contextmanager
    def refused(
        self, error: type[JournalError] = JournalError, code: str | None = None
    ) -> Iterator[None]:
        """Expect a command to be refused with a typed error and a Russian message, writing
        nothing to the log."""
        before = self.size
        with pytest.raises(error) as info:
            yield
        assert info.value.code, "a refusal carries a machine code"
        if code is not None:
            assert info.value.code == code
        assert CYRILLIC.search(info.value.message_ru), info.value.message_ru
        assert self.size == before, "a refused command wrote to the log"

    def lesson(self, course: str, date: str, **fields: object) -> str:
        """A lesson of a course recorded by its teacher."""
        teacher = self.one("SELECT teacher FROM courses WHERE course = ?", course)[0]
        return teaching.record_lesson(self.j, teacher, course=course, date=date, **fields)  # type: ignore[arg-type]


def _person(j: Journal, actor: str, name: str, birth_date: str = "", sex: str = "") -> str:
    last, first, *middle = name.split()
    return people.register_person(
        j,
        actor,
        last_name=last,
        first_name=first,
        middle_name=" ".join(middle),
        birth_date=birth_date,
        sex=sex,
    )


def build_school(j: Journal) -> SchoolIds:
    """Set up the school through the public commands, as its administration would."""
    i = SchoolIds()
    start = "2026-08-01"

    # The first administrator is brought in by the system at installation.
    i.admin = _person(j, SYSTEM, "Соколов Андрей Викторович", sex="м")
    people.grant_role(j, SYSTEM, person=i.admin, role="admin", start=start)
    structure.configure_school(
        j,
        i.admin,
        ev.SchoolConfigured(
            name="МБОУ «Средняя школа № 7»", short_name="СШ № 7", timezone="Asia/Krasnoyarsk"
        ),
    )
    i.secretary = _person(j, i.admin, "Кузнецова Ирина Сергеевна", sex="ж")
    people.grant_role(j, i.admin, person=i.secretary, role="secretary", start=start)
    sec = i.secretary
    i.director = _person(j, sec, "Морозова Елена Петровна", sex="ж")
    i.deputy = _person(j, sec, "Лебедева Ольга Николаевна", sex="ж")
    people.grant_role(j, i.admin, person=i.director, role="director", start=start)
    people.grant_role(j, i.admin, person=i.deputy, role="deputy", start=start)
    teachers = {
        "math_teacher": "Волков Сергей Иванович",
        "russian_teacher": "Новикова Татьяна Андреевна",
        "english_teacher": "Смирнова Анна Владимировна",
        "english_teacher_2": "Попов Дмитрий Олегович",
        "primary_teacher": "Егорова Наталья Михайловна",
        "history_teacher": "Орлов Павел Алексеевич",
    }
    for attr, name in teachers.items():
        person = _person(j, sec, name)
        people.grant_role(j, i.admin, person=person, role="teacher", start=start)
        setattr(i, attr, person)

    # R-STR-1: the year, quarters for grades 1–9 and halves for 10–11, holidays.
    dep = i.deputy
    structure.define_year(j, dep, year=YEAR, start=YEAR_START, end=YEAR_END)
    quarters = [
        ("2026-09-01", "2026-10-25"),
        ("2026-11-05", "2026-12-28"),
        ("2027-01-12", "2027-03-21"),
        ("2027-04-01", "2027-05-25"),
    ]
    for n, (first, last) in enumerate(quarters, 1):
        i.quarters.append(
            structure.define_period(
                j,
                dep,
                year=YEAR,
                kind="quarter",
                number=n,
                start=first,
                end=last,
                grades=list(range(1, 10)),
            )
        )
    for n, (first, last) in enumerate(
        [("2026-09-01", "2026-12-28"), ("2027-01-12", "2027-05-25")], 1
    ):
        i.halves.append(
            structure.define_period(
                j, dep, year=YEAR, kind="half", number=n, start=first, end=last, grades=[10, 11]
            )
        )
    structure.define_holiday(
        j, dep, year=YEAR, name="Осенние каникулы", start="2026-10-26", end="2026-11-04"
    )
    structure.define_holiday(
        j,
        dep,
        year=YEAR,
        name="Дополнительные каникулы",
        start="2027-02-15",
        end="2027-02-21",
        grades=[1],
    )

    # R-STR-2: classes and groups.
    i.c1a = structure.create_class(j, dep, year=YEAR, grade=1, letter="А")
    i.c5a = structure.create_class(j, dep, year=YEAR, grade=5, letter="А")
    i.c5b = structure.create_class(j, dep, year=YEAR, grade=5, letter="Б")
    i.c10a = structure.create_class(j, dep, year=YEAR, grade=10, letter="А")
    i.english_5a_1 = structure.create_group(j, dep, year=YEAR, name="5А англ. 1", classes=[i.c5a])
    i.english_5a_2 = structure.create_group(j, dep, year=YEAR, name="5А англ. 2", classes=[i.c5a])
    i.finance_group = structure.create_group(
        j, dep, year=YEAR, name="Финансовая грамотность 5", classes=[i.c5a, i.c5b], kind="group"
    )

    # R-STR-3, R-STR-6: subjects and their grading systems, the curriculum.
    i.math = structure.define_subject(j, dep, name="Математика", short="матем.")
    i.russian = structure.define_subject(j, dep, name="Русский язык", short="рус. яз.")
    i.english = structure.define_subject(j, dep, name="Английский язык", short="англ. яз.")
    i.reading = structure.define_subject(j, dep, name="Литературное чтение", short="лит. чт.")
    i.finance = structure.define_subject(
        j, dep, name="Финансовая грамотность", grading="pass", elective=True
    )
    i.talks = structure.define_subject(j, dep, name="Разговоры о важном", grading="none")
    for class_, subject, hours in [
        (i.c5a, i.math, 5), (i.c5a, i.russian, 5), (i.c5a, i.english, 3),
        (i.c5a, i.talks, 1), (i.c5a, i.finance, 1),
        (i.c5b, i.math, 5), (i.c5b, i.finance, 1), (i.c10a, i.math, 4),
        (i.c1a, i.reading, 4), (i.c1a, i.math, 4),
    ]:  # fmt: skip
        structure.set_curriculum(j, dep, year=YEAR, class_=class_, subject=subject, hours=hours)

    # R-STR-4: courses and class teachers.
    def course(subject: str, teacher: str, group: str) -> str:
        return structure.create_course(
            j,
            dep,
            year=YEAR,
            subject=subject,
            teacher=teacher,
            group=group,
            start=YEAR_START,
            end=YEAR_END,
        )

    i.math_5a = course(i.math, i.math_teacher, i.c5a)
    i.math_5b = course(i.math, i.math_teacher, i.c5b)
    i.math_10a = course(i.math, i.math_teacher, i.c10a)
    i.russian_5a = course(i.russian, i.russian_teacher, i.c5a)
    i.english_5a_g1 = course(i.english, i.english_teacher, i.english_5a_1)
    i.english_5a_g2 = course(i.english, i.english_teacher_2, i.english_5a_2)
    i.reading_1a = course(i.reading, i.primary_teacher, i.c1a)
    i.math_1a = course(i.math, i.primary_teacher, i.c1a)
    i.finance_5 = course(i.finance, i.history_teacher, i.finance_group)
    i.talks_5a = course(i.talks, i.russian_teacher, i.c5a)
    for class_, teacher in [
        (i.c5a, i.russian_teacher),
        (i.c5b, i.history_teacher),
        (i.c10a, i.english_teacher_2),
        (i.c1a, i.primary_teacher),
    ]:
        structure.assign_class_teacher(j, dep, class_=class_, teacher=teacher, start=YEAR_START)

    # R-STR-5: a few timetable slots (Monday and Tuesday of 5А).
    for group, weekday, number, course_id, room in [
        (i.c5a, 1, 1, i.math_5a, "21"), (i.c5a, 1, 2, i.russian_5a, "14"),
        (i.english_5a_1, 1, 3, i.english_5a_g1, "31"),
        (i.english_5a_2, 1, 3, i.english_5a_g2, "32"),
        (i.c5a, 2, 1, i.russian_5a, "14"), (i.c5a, 2, 2, i.math_5a, "21"),
    ]:  # fmt: skip
        structure.set_timetable(
            j,
            dep,
            group=group,
            weekday=weekday,
            number=number,
            course=course_id,
            start=YEAR_START,
            room=room,
        )

    # R-STR-2, R-STR-7: students admitted from 1 September, subgroups, the elective group.
    def students(class_: str, names: list[str], born: str) -> list[str]:
        ids = [_person(j, sec, name, birth_date=born) for name in names]
        for student in ids:
            people.enroll(j, sec, student=student, group=class_, start=YEAR_START, order="№ 112-у")
        return ids

    i.students_5a = students(
        i.c5a,
        [
            "Иванов Артём Сергеевич",
            "Кузнецова Полина Андреевна",
            "Смирнов Егор Ильич",
            "Васильева Дарья Олеговна",
        ],
        "2015-03-14",
    )
    i.students_5b = students(
        i.c5b, ["Павлов Никита Романович", "Фёдорова Алиса Денисовна"], "2015-06-02"
    )
    i.students_10a = students(
        i.c10a, ["Михайлов Кирилл Игоревич", "Алексеева Софья Павловна"], "2010-01-20"
    )
    i.students_1a = students(
        i.c1a, ["Зайцев Михаил Артёмович", "Белова Ева Максимовна"], "2019-04-11"
    )
    for student in i.students_5a[:2]:
        people.enroll(j, sec, student=student, group=i.english_5a_1, start=YEAR_START)
    for student in i.students_5a[2:]:
        people.enroll(j, sec, student=student, group=i.english_5a_2, start=YEAR_START)
    for student in (i.students_5a[0], i.students_5b[0]):
        people.enroll(j, sec, student=student, group=i.finance_group, start=YEAR_START)

    # R-SEC-1, R-SEC-2: guardians and the older students get their logins.
    i.parent_5a = _person(j, sec, "Иванова Марина Сергеевна", sex="ж")
    people.grant_role(
        j, sec, person=i.parent_5a, role="parent", start=start, scope=i.students_5a[0]
    )
    i.parent_10a = _person(j, sec, "Михайлов Игорь Викторович", sex="м")
    people.grant_role(
        j, sec, person=i.parent_10a, role="parent", start=start, scope=i.students_10a[0]
    )
    for student in i.students_10a:
        people.grant_role(j, sec, person=student, role="student", start=start)

    # R-LES-3: the lesson plan of 5А mathematics: 5 h a week × 34 weeks = 170 h.
    topics = [ev.PlanTopic(n, f"Тема {n}", hours=5) for n in range(1, 35)]
    structure.set_plan(j, i.math_teacher, course=i.math_5a, topics=topics)
    return i


def open_journal(path: Path, clock: SchoolClock) -> Journal:
    return Journal.open(path, clock=clock, policy=SigningPolicy(background=False))


@pytest.fixture(scope="session")
def school_template(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, SchoolIds]:
    """The school as set up before September, built once per session."""
    path = tmp_path_factory.mktemp("template") / "school"
    clock = SchoolClock(SETUP_TIME)
    init_data_dir(path, clock=clock, policy=SigningPolicy(background=False))
    with open_journal(path, clock) as j:
        ids = build_school(j)
    return path, ids


@pytest.fixture
def sch(school_template: tuple[Path, SchoolIds], tmp_path: Path) -> Iterator[Sch]:
    """A fresh copy of the school, open on Monday 2026-11-16 09:00 (+07:00)."""
    template, ids = school_template
    path = tmp_path / "school"
    shutil.copytree(template, path)
    clock = SchoolClock(TEST_TIME)
    j = open_journal(path, clock)
    try:
        yield Sch(j, clock, ids)
    finally:
        j.close()
