"""The subjects of a Russian school with their weekly hours per grade, the teachers' specialities
that cover them, the kinds of written work each subject gives, and homework in its usual wording.

Weekly hours follow the federal curricula for a five-day week (ФОП НОО, ФОП ООО, ФОП СОО
universal profile, 2023 editions): grade 1 has 21 hours, grades 2–4 23, grade 5 26 … grade 9
32, grades 10–11 28 and 27. Physical education has a third hour in grades 1–4, as most
schools give it from the part formed by the school.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    key: str  # stable code inside the generator
    name: str
    short: str
    hours: dict[int, int]  # grade → weekly hours
    speciality: str  # who teaches it in grades 5–11 (grades 1–4: the primary teacher, unless set)
    written: tuple[str, ...] = ("СР",)  # written work kinds besides КР, commonest first
    homework: str = ""  # a key of HOMEWORK, or "" for none
    grading: str = "five"
    current_marks: bool = True  # ОРКСЭ: no current marks, a pass at the end
    split: bool = False  # split into two subgroups in classes of SPLIT_SIZE or more
    tests: bool = True  # has КР at the end of sections
    primary_by_specialist: bool = False  # taught in 1–4 by a specialist, not the class's teacher


SPLIT_SIZE = 20


def _h(spec: str) -> dict[int, int]:
    """``"1-4:2 5:3"`` → {1: 2, 2: 2, 3: 2, 4: 2, 5: 3}."""
    hours = {}
    for part in spec.split():
        grades, n = part.split(":")
        first, _, last = grades.partition("-")
        for g in range(int(first), int(last or first) + 1):
            hours[g] = int(n)
    return hours


SUBJECTS = (
    Subject(
        "rus",
        "Русский язык",
        "Рус. яз.",
        _h("1-5:5 6:6 7:4 8-9:3 10-11:2"),
        "rus",
        ("Д", "СР", "ИЗЛ", "СОЧ"),
        "rus",
    ),
    Subject(
        "read",
        "Литературное чтение",
        "Лит. чт.",
        _h("1-3:4 4:3"),
        "primary",
        ("ТЕСТ",),
        "read",
        tests=False,
    ),
    Subject(
        "lit",
        "Литература",
        "Литература",
        _h("5-6:3 7-8:2 9-11:3"),
        "rus",
        ("СОЧ", "ТЕСТ"),
        "lit",
        tests=False,
    ),
    Subject(
        "eng",
        "Иностранный язык (английский)",
        "Англ. яз.",
        _h("2-4:2 5-11:3"),
        "eng",
        ("ТЕСТ", "СР"),
        "eng",
        split=True,
        primary_by_specialist=True,
    ),
    Subject("math", "Математика", "Математика", _h("1-4:4 5-6:5"), "math", ("СР",), "math"),
    Subject("alg", "Алгебра", "Алгебра", _h("7-11:3"), "math", ("СР",), "alg"),
    Subject("geom", "Геометрия", "Геометрия", _h("7-11:2"), "math", ("СР",), "alg"),
    Subject(
        "prob",
        "Вероятность и статистика",
        "Вер. и стат.",
        _h("7-11:1"),
        "math",
        ("СР", "ПР"),
        "alg",
        tests=False,
    ),
    Subject(
        "inf", "Информатика", "Информатика", _h("7-11:1"), "inf", ("ПР", "ТЕСТ"), "inf", tests=False
    ),
    Subject(
        "world",
        "Окружающий мир",
        "Окр. мир",
        _h("1-4:2"),
        "primary",
        ("ТЕСТ", "ПР"),
        "world",
        tests=False,
    ),
    Subject(
        "orkse",
        "Основы религиозных культур и светской этики",
        "ОРКСЭ",
        _h("4:1"),
        "primary",
        grading="pass",
        current_marks=False,
        tests=False,
    ),
    Subject("hist", "История", "История", _h("5-11:2"), "hist", ("ТЕСТ", "СР"), "hist"),
    Subject(
        "soc",
        "Обществознание",
        "Общество",
        _h("6-9:1 10-11:2"),
        "hist",
        ("ТЕСТ",),
        "hist",
        tests=False,
    ),
    Subject(
        "geo",
        "География",
        "География",
        _h("5-6:1 7-9:2 10-11:1"),
        "geo",
        ("ПР", "ТЕСТ"),
        "geo",
        tests=False,
    ),
    Subject(
        "bio",
        "Биология",
        "Биология",
        _h("5-7:1 8-9:2 10-11:1"),
        "bio",
        ("ЛР", "ТЕСТ"),
        "bio",
        tests=False,
    ),
    Subject("phys", "Физика", "Физика", _h("7-8:2 9:3 10-11:2"), "phys", ("ЛР", "СР"), "phys"),
    Subject("chem", "Химия", "Химия", _h("8-9:2 10-11:1"), "chem", ("ПР", "СР"), "chem"),
    Subject(
        "music",
        "Музыка",
        "Музыка",
        _h("1-8:1"),
        "music",
        ("ТЕСТ",),
        "",
        tests=False,
        primary_by_specialist=True,
    ),
    Subject(
        "art", "Изобразительное искусство", "ИЗО", _h("1-7:1"), "art", ("ПР",), "", tests=False
    ),
    Subject(
        "labour",
        "Труд (технология)",
        "Труд",
        _h("1-4:1 5-7:2 8-9:1"),
        "labour",
        ("ПР",),
        "",
        tests=False,
    ),
    Subject(
        "pe",
        "Физическая культура",
        "Физ-ра",
        _h("1-4:3 5-11:2"),
        "pe",
        ("ПР",),
        "",
        tests=False,
        primary_by_specialist=True,
    ),
    Subject(
        "obzr",
        "Основы безопасности и защиты Родины",
        "ОБЗР",
        _h("8-11:1"),
        "obzr",
        ("ТЕСТ", "ПР"),
        "obzr",
        tests=False,
    ),
    Subject(
        "project",
        "Индивидуальный проект",
        "Инд. проект",
        _h("10:1"),
        "project",
        ("ПР",),
        "project",
        tests=False,
    ),
)
BY_KEY = {s.key: s for s in SUBJECTS}

# Teachers' specialities (the qualification a teacher was hired with), by the subjects they cover.
SPECIALITIES = {
    "primary": "учитель начальных классов",
    "rus": "учитель русского языка и литературы",
    "math": "учитель математики",
    "inf": "учитель информатики",
    "eng": "учитель английского языка",
    "hist": "учитель истории и обществознания",
    "geo": "учитель географии",
    "bio": "учитель биологии",
    "chem": "учитель химии",
    "phys": "учитель физики",
    "music": "учитель музыки",
    "art": "учитель изобразительного искусства",
    "labour": "учитель труда (технологии)",
    "pe": "учитель физической культуры",
    "obzr": "преподаватель-организатор ОБЗР",
}
# A small speciality is covered by a colleague of a neighbouring one, as small schools do.
SHARED_WITH = {
    "inf": "math",
    "chem": "bio",
    "obzr": "pe",
    "music": "art",
    "project": "hist",
    "labour": "art",
}
FULL_LOAD = 20  # weekly hours per teacher the school plans its staff for
MAX_LOAD = 27  # more than this and the school hires another teacher


def subjects_for(grade: int) -> list[Subject]:
    return [s for s in SUBJECTS if grade in s.hours]


def weekly_hours(grade: int) -> int:
    return sum(s.hours[grade] for s in subjects_for(grade))
