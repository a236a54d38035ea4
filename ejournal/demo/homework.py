"""Homework as teachers write it in the journal («§ 12, № 3–5», «стр. 45, упр. 7»), by the
kind of subject, with paragraph, page and exercise numbers that grow through the year."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

Homework = Callable[[random.Random, int, int, int, int], str]  # rng, paragraph, page, number, grade


@dataclass(frozen=True)
class Progress:
    """Where a course stands, for numbering homework: lesson index, section, grade."""

    lesson: int  # 0-based lesson of the year
    per_week: int
    grade: int


def homework(style: str, p: Progress, rng: random.Random) -> str:
    """Homework text in the form teachers write it: «§ 12, № 3–5», «стр. 45, упр. 7»."""
    if not style:
        return ""
    para = 1 + p.lesson * 4 // (5 * p.per_week)  # about 27 paragraphs a year, whatever the hours
    page = 4 + p.lesson * 3 + rng.randint(0, 2)
    n = 5 + p.lesson * 4 + rng.randint(0, 3)
    return _HOMEWORK[style](rng, para, page, n, p.grade)


def _rus(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    if grade <= 4:
        return rng.choice(
            [f"стр. {page}, упр. {n}", f"стр. {page}, упр. {n}, правило выучить", f"упр. {n}"]
        )
    return rng.choice(
        [
            f"§ {para}, упр. {n}",
            f"§ {para}, правило, упр. {n}, {n + 2}",
            f"упр. {n}",
            f"§ {para}, словарные слова, упр. {n}",
        ]
    )


def _read(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [
            f"стр. {page}–{page + 3}, читать",
            f"стр. {page}–{page + 4}, выразительное чтение",
            f"стр. {page}, выучить стихотворение наизусть",
            f"стр. {page}–{page + 2}, ответить на вопросы",
        ]
    )


def _lit(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    page = page * 2
    return rng.choice(
        [
            f"стр. {page}–{page + 12}, читать, вопросы 1–4",
            f"стр. {page}–{page + 8}, пересказ",
            f"стр. {page}, выучить наизусть",
            f"стр. {page}–{page + 10}, письменно ответить на вопрос 3",
            "дочитать произведение до конца",
        ]
    )


def _eng(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [
            f"учебник стр. {page}, упр. {rng.randint(2, 9)}",
            f"учебник стр. {page}, упр. {rng.randint(2, 9)}; рабочая тетрадь стр. {page // 2 + 1}",
            f"стр. {page}, выучить слова",
            f"рабочая тетрадь стр. {page // 2 + 1}, упр. {rng.randint(1, 6)}",
        ]
    )


def _math(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    if grade <= 4:
        return rng.choice(
            [
                f"стр. {page}, № {rng.randint(1, 6)}, {rng.randint(7, 9)}",
                f"стр. {page}, задача {rng.randint(1, 8)}",
            ]
        )
    return rng.choice([f"№ {n}, {n + 2}, {n + 5}", f"п. {para}, № {n}–{n + 3}", f"№ {n}, {n + 1}"])


def _alg(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [
            f"§ {para}, № {n}, {n + 3}",
            f"п. {para}, № {n}–{n + 4}",
            f"§ {para}, № {n} (а, в), {n + 2}",
        ]
    )


def _world(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [
            f"учебник стр. {page}–{page + 3}, вопросы",
            f"рабочая тетрадь стр. {page // 2 + 1}",
            f"стр. {page}–{page + 3}, пересказ",
        ]
    )


def _para(questions: bool) -> Homework:
    def make(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
        options = [
            f"§ {para}, вопросы 1–{rng.randint(3, 5)}",
            f"§ {para}, пересказ",
            f"§ {para}, составить план",
        ]
        if questions:
            options.append(f"§ {para}, вопросы на стр. {page}")
        return rng.choice(options)

    return make


def _geo(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [f"§ {para}, вопросы 1–4", f"§ {para}, контурная карта", f"§ {para}, работа с атласом"]
    )


def _bio(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [f"§ {para}, вопросы 1–5", f"§ {para}, заполнить таблицу", f"§ {para}, зарисовать схему"]
    )


def _phys(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [
            f"§ {para}, упр. {para // 2 + 1} ({rng.randint(1, 3)}, {rng.randint(4, 5)})",
            f"§ {para}, вопросы после параграфа",
            f"§ {para}, задачи {rng.randint(1, 4)}–{rng.randint(5, 7)}",
        ]
    )


def _chem(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [
            f"§ {para}, упр. {rng.randint(1, 4)}–{rng.randint(5, 8)}",
            f"§ {para}, задача {rng.randint(1, 6)}",
            f"§ {para}, составить уравнения реакций",
        ]
    )


def _inf(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [
            f"§ {para}, вопросы 1–{rng.randint(4, 7)}",
            f"§ {para}, задание {rng.randint(1, 9)} в рабочей тетради",
        ]
    )


def _obzr(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return f"§ {para}, вопросы"


def _project(rng: random.Random, para: int, page: int, n: int, grade: int) -> str:
    return rng.choice(
        [
            "подобрать источники по теме проекта",
            "составить план проекта",
            "написать введение к проекту",
            "подготовить презентацию",
        ]
    )


_HOMEWORK: dict[str, Homework] = {
    "rus": _rus,
    "read": _read,
    "lit": _lit,
    "eng": _eng,
    "math": _math,
    "alg": _alg,
    "world": _world,
    "hist": _para(True),
    "geo": _geo,
    "bio": _bio,
    "phys": _phys,
    "chem": _chem,
    "inf": _inf,
    "obzr": _obzr,
    "project": _project,
}
HOMEWORK_SHARE = 0.8  # of lessons in a subject with homework (the rest: none set, or «повторить»)
