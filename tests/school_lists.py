"""Spreadsheets a real school would upload (issue #10): a class list of N students with
their parents, made from the demo school's Russian names, deterministic for a seed; and a
fresh school to import them into (first start + its classes 1А–11Б)."""

from __future__ import annotations

import csv
import io
import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

from ejournal.demo.names import adult, child
from ejournal.first_start import SchoolSetup, first_start, parse_schemes
from ejournal.journal import Journal
from ejournal.log import SigningPolicy
from ejournal.model.commands import structure

KRASNOYARSK = timezone(timedelta(hours=7))
SETUP_TIME = datetime(2026, 8, 25, 10, 0, tzinfo=KRASNOYARSK)
YEAR = "2026/2027"
LETTERS = "АБ"
STUDENT_HEADER = ["№", "ФИО обучающегося", "Дата рождения", "Класс", "Пол"]
PARENT_HEADER = ["ФИО родителя (законного представителя)", "Телефон", "Эл. почта",
                 "ФИО ребёнка", "Дата рождения ребёнка"]  # fmt: skip


class Clock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def now(self) -> datetime:
        return self.current


@dataclass(frozen=True)
class Student:
    name: str
    birth: date
    class_: str  # "5А"
    sex: str
    parent: str
    phone: str


def students(n: int, seed: int = 7) -> list[Student]:
    """``n`` students in classes 1А–11Б, with distinct ФИО and dates of birth; a few
    siblings share a parent."""
    rng = random.Random(seed)
    out: list[Student] = []
    seen: set[tuple[str, date]] = set()
    family = ("", "", "", "")  # surname, father's first name, parent, phone
    while len(out) < n:
        grade = len(out) * 11 // n + 1
        class_ = f"{grade}{LETTERS[len(out) % 2]}"
        sex = rng.choice("мж")
        if family[0] and rng.random() < 0.05:  # a sibling of the previous student
            surname, father, parent, phone = family
        else:
            dad = adult(rng, "м")
            mum = adult(rng, "ж", surname=dad.last)
            surname, father = dad.last, dad.first
            parent, phone = mum.full, f"+7 9{rng.randrange(10**8, 10**9)}"
            family = (surname, father, parent, phone)
        kid = child(rng, sex, surname, father)
        birth = date(2026 - 6 - grade, 9, 1) + timedelta(days=rng.randrange(365))
        if (kid.full, birth) in seen or (out and out[-1].name == kid.full):
            continue
        seen.add((kid.full, birth))
        out.append(Student(kid.full, birth, class_, sex, parent, phone))
    return out


def student_rows(items: list[Student]) -> list[list[object]]:
    return [[i + 1, s.name, s.birth.strftime("%d.%m.%Y"), s.class_, s.sex]
            for i, s in enumerate(items)]  # fmt: skip


def parent_rows(items: list[Student]) -> list[list[object]]:
    return [[s.parent, s.phone, "", s.name, s.birth.strftime("%d.%m.%Y")] for s in items]


def to_csv(header: list[str], rows: list[list[object]], encoding: str = "utf-8-sig") -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=";", lineterminator="\r\n").writerows([header, *rows])
    return out.getvalue().encode(encoding)


def to_xlsx(header: list[str], rows: list[list[object]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Список обучающихся МБОУ «СШ № 7» на 2026/2027 учебный год"])  # a title row
    sheet.append([])
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def new_school(path: Path, clock: Clock | None = None) -> tuple[str, str]:
    """A school after its first start, with classes 1А–11Б: (admin person id, password)."""
    clock = clock or Clock(SETUP_TIME)
    setup = SchoolSetup(
        name="МБОУ «Средняя школа № 7»", short_name="СШ № 7", inn="7707083893",
        ogrn="1027700132195", timezone="Asia/Krasnoyarsk", year=YEAR,
        year_start="2026-09-01", year_end="2027-05-25",
        schemes=parse_schemes("1-9:quarters,10-11:halves"),
        admin_name="Соколов Андрей Викторович", admin_login="admin",
    )  # fmt: skip
    options = {"clock": clock, "policy": SigningPolicy(background=False)}
    done = first_start(path, setup, **options)
    with Journal.open(path, **options) as j:
        for grade in range(1, 12):
            for letter in LETTERS:
                structure.create_class(j, done.admin, year=YEAR, grade=grade, letter=letter)
    return done.admin, done.password
