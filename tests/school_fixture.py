"""A small school with a month of journal for the query and projection tests, built through the
public commands (``ejournal.model.commands``) with a clock the builder moves.

5А (grade 5) in 2026/2027: mathematics (Иванова), Russian (Смирнова), English for subgroup 1
(Кузнецов). Five students; Волков leaves after 2026-09-15, Жуков joins on 2026-09-10. The
school weighs ДЗ at 2 (R-MRK-5). Смирнова's credentials are reported compromised since
2026-09-10 00:00 (+07:00) and reissued on 2026-09-14 (R-SEC-3).

Marks that count in the first quarter, and what the tests compute from them by hand:

======== ================================= ==================== =========================
student  mathematics                       Russian              English (subgroup 1)
======== ================================= ==================== =========================
Алексеев 5 КР, 3 У (late)        → 4.5 / 5 4 У, 5 КР, 5 У → 4.8 4 ПР
Борисова 4 КР, 5 ДЗ              → 4.4 / 4 3 У (correction      5 У (by the substitute)
                                           invalid) → 3.0
Ёлкина   2 КР, 3 У (corrected), 3 СР → 2.5 / 3 —
Волков   4 У                                —
Жуков    5 У                                —
======== ================================= ==================== =========================

Invalid (R-SEC-3): Смирнова's 2 КР for Алексеев and 5 У for Ёлкина on 2026-09-10, her
correction of Борисова's 3 → 4, her homework change and her comment that day, her attendance
mark for Ёлкина that day. Revoked (R-MRK-2): Борисова's mathematics 2 У of 2026-09-09.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path

from ejournal.datadir import init_data_dir
from ejournal.journal import Journal
from ejournal.log import SigningPolicy
from ejournal.model import events as ev
from ejournal.model.access import SYSTEM
from ejournal.model.commands import people, structure, teaching

KRASNOYARSK = timezone(timedelta(hours=7))
YEAR = "2026/2027"
YEAR_START, YEAR_END = "2026-09-01", "2027-05-31"
QUARTERS = [
    ("2026-09-01", "2026-10-25"),
    ("2026-11-05", "2026-12-28"),
    ("2027-01-11", "2027-03-21"),
    ("2027-04-01", "2027-05-31"),
]
COMPROMISED_SINCE = "2026-09-10T00:00:00.000+07:00"


class Clock:
    """The school's clock: stands still until the builder sets it."""

    def __init__(self, text: str) -> None:
        self.current = self._parse(text)

    @staticmethod
    def _parse(text: str) -> datetime:
        return datetime.fromisoformat(text).replace(tzinfo=KRASNOYARSK)

    def now(self) -> datetime:
        return self.current

    def set(self, text: str) -> None:
        """Local time in the school's zone, ``2026-09-07 09:00``; never back."""
        moment = self._parse(text)
        assert moment >= self.current, f"the clock does not go back: {text}"
        self.current = moment


@dataclass
class Ids:
    admin: str = ""
    math_teacher: str = ""  # Иванова, also the class teacher of 5А
    russian_teacher: str = ""  # Смирнова, compromised
    english_teacher: str = ""  # Кузнецов
    c5a: str = ""
    english_group: str = ""
    math: str = ""
    russian: str = ""
    english: str = ""
    math_5a: str = ""
    russian_5a: str = ""
    english_5a: str = ""
    quarters: list[str] = field(default_factory=list)
    halves: list[str] = field(default_factory=list)
    alekseev: str = ""
    borisova: str = ""
    yolkina: str = ""
    volkov: str = ""  # leaves after 2026-09-15
    zhukov: str = ""  # joins on 2026-09-10
    parent: str = ""  # Алексеева, guardian of Алексеев
    lessons: dict[str, str] = field(default_factory=dict)  # "math 09-02" → lesson id
    marks: dict[str, str] = field(default_factory=dict)  # "math 09-02 alekseev" → mark id


@dataclass
class Built:
    path: Path
    ids: Ids


def _person(j: Journal, actor: str, name: str, birth_date: str = "") -> str:
    last, first, *middle = name.split()
    return people.register_person(
        j,
        actor,
        last_name=last,
        first_name=first,
        middle_name=" ".join(middle),
        birth_date=birth_date,
    )


def _structure(j: Journal, clock: Clock, i: Ids) -> None:
    """What the administration sets up in August (R-STR-1..5, R-SEC-1)."""
    i.admin = _person(j, SYSTEM, "Администраторов Андрей Викторович")
    people.grant_role(j, SYSTEM, person=i.admin, role="admin", start="2026-08-01")
    a = i.admin
    # R-MRK-5: the school weighs homework at 2 (the default is 1).
    structure.configure_school(j, a, ev.SchoolConfigured(name="Школа № 1", weights={"ДЗ": 2}))
    structure.define_year(j, a, year=YEAR, start=YEAR_START, end=YEAR_END)
    for n, (first, last) in enumerate(QUARTERS, 1):
        i.quarters.append(
            structure.define_period(
                j,
                a,
                year=YEAR,
                kind="quarter",
                number=n,
                start=first,
                end=last,
                grades=list(range(1, 10)),
            )
        )
    for n, (first, last) in enumerate(
        [("2026-09-01", "2026-12-28"), ("2027-01-11", "2027-05-31")], 1
    ):
        i.halves.append(
            structure.define_period(
                j, a, year=YEAR, kind="half", number=n, start=first, end=last, grades=[10, 11]
            )
        )
    structure.define_holiday(
        j, a, year=YEAR, name="Осенние каникулы", start="2026-10-26", end="2026-11-04"
    )
    for attr, name in [
        ("math_teacher", "Иванова Марина Петровна"),
        ("russian_teacher", "Смирнова Ольга Николаевна"),
        ("english_teacher", "Кузнецов Сергей Ильич"),
    ]:
        teacher = _person(j, a, name)
        people.grant_role(j, a, person=teacher, role="teacher", start="2026-08-01")
        setattr(i, attr, teacher)
    i.c5a = structure.create_class(j, a, year=YEAR, grade=5, letter="А")
    i.english_group = structure.create_group(
        j, a, year=YEAR, name="5А, английский, 1 группа", classes=[i.c5a]
    )
    i.math = structure.define_subject(j, a, name="Математика")
    i.russian = structure.define_subject(j, a, name="Русский язык")
    i.english = structure.define_subject(j, a, name="Английский язык")

    def course(subject: str, teacher: str, group: str) -> str:
        return structure.create_course(
            j,
            a,
            year=YEAR,
            subject=subject,
            teacher=teacher,
            group=group,
            start=YEAR_START,
            end=YEAR_END,
        )

    i.math_5a = course(i.math, i.math_teacher, i.c5a)
    i.russian_5a = course(i.russian, i.russian_teacher, i.c5a)
    i.english_5a = course(i.english, i.english_teacher, i.english_group)
    structure.assign_class_teacher(j, a, class_=i.c5a, teacher=i.math_teacher, start=YEAR_START)
    # R-STR-5: the timetable from 1 September, and a change from 14 September (Monday swaps).
    for group, weekday, number, course_id, room in [
        (i.c5a, 1, 1, i.math_5a, "21"),
        (i.c5a, 1, 2, i.russian_5a, "14"),
        (i.c5a, 2, 1, i.russian_5a, "14"),
        (i.c5a, 2, 2, i.math_5a, "21"),
        (i.c5a, 3, 1, i.math_5a, "21"),
        (i.english_group, 3, 2, i.english_5a, "31"),
        (i.c5a, 4, 1, i.russian_5a, "14"),
        (i.c5a, 5, 1, i.math_5a, "21"),
        (i.english_group, 5, 2, i.english_5a, "31"),
    ]:
        structure.set_timetable(
            j,
            a,
            group=group,
            weekday=weekday,
            number=number,
            course=course_id,
            start=YEAR_START,
            room=room,
        )
    for number, course_id in [(1, i.russian_5a), (2, i.math_5a)]:
        structure.set_timetable(
            j,
            a,
            group=i.c5a,
            weekday=1,
            number=number,
            course=course_id,
            start="2026-09-14",
            room="14",
        )
    # R-STR-2: students of 5А from 1 September; the first two also in the English subgroup.
    for attr, name in [
        ("alekseev", "Алексеев Иван Петрович"),
        ("borisova", "Борисова Анна Сергеевна"),
        ("yolkina", "Ёлкина Вера Андреевна"),
        ("volkov", "Волков Пётр Олегович"),
    ]:
        student = _person(j, a, name, birth_date="2015-04-01")
        people.enroll(j, a, student=student, group=i.c5a, start=YEAR_START)
        setattr(i, attr, student)
    for student in (i.alekseev, i.borisova):
        people.enroll(j, a, student=student, group=i.english_group, start=YEAR_START)
    i.parent = _person(j, a, "Алексеева Елена Ивановна")
    people.grant_role(j, a, person=i.parent, role="parent", start="2026-08-01", scope=i.alekseev)
    people.grant_role(j, a, person=i.alekseev, role="student", start="2026-08-01")


def _teach(j: Journal, clock: Clock, i: Ids) -> None:
    """September as the teachers keep the journal, day by day."""
    m, r, e = i.math_teacher, i.russian_teacher, i.english_teacher

    def lesson(key: str, teacher: str, course: str, day: str, number: int, **fields: object) -> str:
        i.lessons[key] = teaching.record_lesson(
            j, teacher, course=course, date=day, number=number, **fields
        )  # type: ignore[arg-type]
        return i.lessons[key]

    def mark(key: str, teacher: str, student: str, value: str, kind: str) -> str:
        name = next(k for k, v in vars(i).items() if v == student)
        i.marks[f"{key} {name}"] = teaching.give_mark(
            j, teacher, lesson=i.lessons[key], student=student, value=value, kind=kind
        )
        return i.marks[f"{key} {name}"]

    clock.set("2026-09-01 08:15")
    lesson(
        "russian 09-01",
        r,
        i.russian_5a,
        "2026-09-01",
        1,
        topic="Повторение. Звуки и буквы",
        homework="упр. 5",
    )
    lesson("math 09-01", m, i.math_5a, "2026-09-01", 2, topic="Натуральные числа", homework="№ 1–5")
    clock.set("2026-09-01 10:00")
    mark("russian 09-01", r, i.alekseev, "4", "У")
    mark("russian 09-01", r, i.borisova, "3", "У")

    clock.set("2026-09-02 08:15")
    lesson(
        "math 09-02",
        m,
        i.math_5a,
        "2026-09-02",
        1,
        topic="Входная контрольная работа",
        work_kinds=["КР"],
    )
    lesson(
        "english 09-02", e, i.english_5a, "2026-09-02", 2, topic="My summer", homework="p. 7 ex. 3"
    )
    clock.set("2026-09-02 10:00")
    mark("math 09-02", m, i.alekseev, "5", "КР")
    mark("math 09-02", m, i.borisova, "4", "КР")
    mark("math 09-02", m, i.yolkina, "2", "КР")
    teaching.mark_attendance(j, m, lesson=i.lessons["math 09-02"], student=i.volkov, code="Н")
    mark("english 09-02", e, i.alekseev, "4", "ПР")

    clock.set("2026-09-04 08:15")
    lesson("math 09-04", m, i.math_5a, "2026-09-04", 1, topic="Сложение натуральных чисел")
    mark("math 09-04", m, i.borisova, "5", "ДЗ")
    mark("math 09-04", m, i.volkov, "4", "У")
    teaching.mark_attendance(j, m, lesson=i.lessons["math 09-04"], student=i.alekseev, code="Н")
    teaching.mark_attendance(
        j, m, lesson=i.lessons["math 09-04"], student=i.alekseev, code=""
    )  # came late

    clock.set("2026-09-07 08:15")
    lesson("math 09-07", m, i.math_5a, "2026-09-07", 1, topic="Вычитание", homework="№ 20, 21")
    lesson("russian 09-07", r, i.russian_5a, "2026-09-07", 2, topic="Орфограммы")
    mark("math 09-07", m, i.yolkina, "2", "У")
    teaching.mark_attendance(j, m, lesson=i.lessons["math 09-07"], student=i.yolkina, code="Б")
    teaching.add_comment(
        j,
        m,
        lesson=i.lessons["math 09-07"],
        student=i.alekseev,
        kind="praise",
        text="Отличный ответ у доски",
    )

    clock.set("2026-09-08 08:15")
    lesson("russian 09-08", r, i.russian_5a, "2026-09-08", 1, topic="Диктант", work_kinds=["КР"])
    # R-LES-1: a topic filled ahead for Thursday.
    lesson(
        "russian 09-10",
        r,
        i.russian_5a,
        "2026-09-10",
        1,
        topic="Безударные гласные",
        homework="упр. 12",
    )
    clock.set("2026-09-08 10:00")
    mark("russian 09-08", r, i.alekseev, "5", "КР")

    clock.set("2026-09-09 08:15")
    lesson("math 09-09", m, i.math_5a, "2026-09-09", 1, topic="Умножение")
    lesson(
        "english 09-09", e, i.english_5a, "2026-09-09", 2, topic="My family", homework="p. 9 ex. 1"
    )
    teaching.substitute(
        j, e, lesson=i.lessons["english 09-09"], teacher=m, reason="болезнь учителя"
    )
    clock.set("2026-09-09 10:00")
    mark("math 09-07", m, i.alekseev, "3", "У")  # R-MRK-1: two days after the lesson: late
    mark("math 09-09", m, i.yolkina, "3", "СР")
    mark("math 09-09", m, i.borisova, "2", "У")
    teaching.mark_attendance(j, m, lesson=i.lessons["math 09-09"], student=i.borisova, code="У")
    mark("english 09-09", m, i.borisova, "5", "У")  # by the substitute (R-LES-2)
    teaching.correct_mark(
        j, m, mark=i.marks["math 09-07 yolkina"], value="3", reason="ошибка при вводе"
    )
    teaching.revoke_mark(
        j, m, mark=i.marks["math 09-09 borisova"], reason="выставлена не тому ученику"
    )

    # What Смирнова's stolen login does on the 10th (R-SEC-3): all of it is declared invalid.
    clock.set("2026-09-10 10:00")
    mark("russian 09-10", r, i.alekseev, "2", "КР")
    mark("russian 09-10", r, i.yolkina, "5", "У")
    teaching.mark_attendance(j, r, lesson=i.lessons["russian 09-10"], student=i.yolkina, code="Н")
    teaching.update_lesson(j, r, lesson=i.lessons["russian 09-10"], homework="ничего не задано")
    teaching.correct_mark(
        j, r, mark=i.marks["russian 09-01 borisova"], value="4", reason="пересмотр"
    )
    teaching.add_comment(
        j,
        r,
        lesson=i.lessons["russian 09-10"],
        student=i.alekseev,
        kind="remark",
        text="Мешал на уроке",
    )
    people.enroll(j, i.admin, student=_zhukov(j, i), group=i.c5a, start="2026-09-10")

    clock.set("2026-09-11 12:00")
    people.report_compromise(
        j, i.admin, person=r, since=COMPROMISED_SINCE, reason="пароль увидели ученики"
    )
    clock.set("2026-09-14 09:00")
    people.reissue_credentials(j, i.admin, person=r)

    clock.set("2026-09-15 12:00")
    people.leave(j, i.admin, student=i.volkov, group=i.c5a, end="2026-09-15", reason="transfer")

    clock.set("2026-09-16 08:15")
    lesson("math 09-16", m, i.math_5a, "2026-09-16", 1, topic="Деление")
    mark("math 09-16", m, i.zhukov, "5", "У")
    teaching.mark_attendance(j, m, lesson=i.lessons["math 09-16"], student=i.zhukov, code="Н")
    teaching.mark_attendance(j, m, lesson=i.lessons["math 09-16"], student=i.zhukov, code="У")

    clock.set("2026-09-17 08:15")
    lesson("russian 09-17", r, i.russian_5a, "2026-09-17", 1, topic="Проверка безударных гласных")
    mark("russian 09-17", r, i.alekseev, "5", "У")  # after the reissue: counts

    # R-MRK-3: period marks by the last day; one late.
    clock.set("2026-10-23 12:00")
    teaching.give_final_mark(
        j, m, course=i.math_5a, student=i.alekseev, kind="period", value="5", period=i.quarters[0]
    )
    clock.set("2026-10-27 12:00")
    teaching.give_final_mark(
        j, m, course=i.math_5a, student=i.borisova, kind="period", value="4", period=i.quarters[0]
    )


def _zhukov(j: Journal, i: Ids) -> str:
    i.zhukov = _person(j, i.admin, "Жуков Дмитрий Романович", birth_date="2015-02-11")
    return i.zhukov


def build(path: Path) -> Built:
    """Create the school's data directory at ``path`` and fill it."""
    clock = Clock("2026-08-25 10:00")
    init_data_dir(path, clock=clock, policy=SigningPolicy(background=False))
    ids = Ids()
    with Journal.open(path, clock=clock, policy=SigningPolicy(background=False)) as j:
        _structure(j, clock, ids)
        _teach(j, clock, ids)
    return Built(path, ids)


def copy(built: Built, dest: Path) -> Built:
    shutil.copytree(built.path, dest)
    return Built(dest, built.ids)


def open_journal(path: Path, at: str = "2026-10-28 09:00") -> Journal:
    """Open a built school, its clock standing at ``at`` (local time)."""
    return Journal.open(path, clock=Clock(at), policy=SigningPolicy(background=False))
