"""Lesson plans (КТП) for the demo: the topics of a subject and grade stretched over exactly
the hours the curriculum gives (R-LES-3), one plan line per lesson, with the kind of written
work a line stands for (a test at the end of a section, a laboratory work…)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .subjects import Subject
from .topics import sections


@dataclass(frozen=True)
class PlannedLesson:
    number: int  # 1-based, the plan_topic of the lesson that follows it
    topic: str
    section: str
    kind: str  # the written work of the lesson for the whole class, or ""


# How a topic of several hours continues, by the kind of subject.
_CONTINUATIONS = {
    "exact": ("Решение задач", "Закрепление", "Практикум", "Решение задач", "Обобщение"),
    "rus": ("Упражнения", "Закрепление", "Практикум", "Обобщение"),
    "reading": (
        "Анализ произведения",
        "Образы героев",
        "Выразительное чтение",
        "Обсуждение",
        "Развитие речи",
    ),
    "eng": ("Лексика", "Грамматика", "Чтение", "Аудирование", "Говорение", "Письмо"),
    "humanities": ("Продолжение", "Практикум", "Обобщение", "Семинар"),
    "pe": (
        "Совершенствование техники",
        "Учебная игра",
        "Развитие физических качеств",
        "Совершенствование техники",
        "Контрольные упражнения",
    ),
    "arts": ("Продолжение", "Творческая работа", "Практическая работа"),
}
_FAMILY = {
    "math": "exact",
    "alg": "exact",
    "geom": "exact",
    "prob": "exact",
    "phys": "exact",
    "chem": "exact",
    "inf": "exact",
    "rus": "rus",
    "read": "reading",
    "lit": "reading",
    "eng": "eng",
    "pe": "pe",
    "music": "arts",
    "art": "arts",
    "labour": "arts",
    "project": "arts",
}

# The first match decides; checked in this order, whole words, any case.
_KINDS = tuple(
    (re.compile(pattern, re.IGNORECASE), kind)
    for pattern, kind in (
        (r"\bконтрольные упражнения\b|\bсдача нормативов\b|\bзащита проекта\b", "ПР"),
        (r"\bконтрольн\w*", "КР"),
        (r"\bлабораторная работа\b", "ЛР"),
        (r"\bпрактическая работа\b", "ПР"),
        (r"\bсамостоятельная работа\b", "СР"),
        (r"\bдиктант\b", "Д"),
        (r"\bсочинение\b", "СОЧ"),
        (r"\bизложение\b", "ИЗЛ"),
        (r"\bтест\w*|\bпроверочная работа\b", "ТЕСТ"),
    )
)
TEST_EVERY = 15  # hours of teaching between two tests at the ends of sections


def kind_of(topic: str) -> str:
    """The written work a plan line stands for, from its wording."""
    if topic.startswith("Анализ"):
        return ""
    for pattern, kind in _KINDS:
        if pattern.search(topic):
            return kind
    return ""


def build_plan(subject: Subject, grade: int, hours: int) -> list[PlannedLesson]:
    """A plan of exactly ``hours`` lessons for ``subject`` in ``grade``."""
    secs = sections(subject.key, grade)
    count = min(len(secs), hours // TEST_EVERY) if subject.tests and grade > 1 else 0
    tested = {i for i in range(len(secs)) if (i + 1) * count // len(secs) > i * count // len(secs)}
    test_word = (
        "Контрольный диктант" if subject.key == "rus" and grade >= 2 else "Контрольная работа"
    )
    quiz = not count and "ТЕСТ" in subject.written and grade > 1
    fixed_tail = [("Повторение изученного за год", "Итоговое повторение")]
    if count:
        fixed_tail.insert(0, ("Итоговая контрольная работа", "Итоговое повторение"))
    flexible = hours - len(fixed_tail) - 2 * len(tested) - (len(secs) if quiz else 0)
    topics = [topic for _, items in secs for topic in items]
    works = [i for i, topic in enumerate(topics) if kind_of(topic)]  # one hour each
    weights = _spread(len(topics) - len(works), max(flexible - len(works), 0))
    for i in works:
        weights.insert(i, 1)
    lines: list[tuple[str, str]] = []
    family = _CONTINUATIONS[_FAMILY.get(subject.key, "humanities")]
    index = 0
    for number, (section, items) in enumerate(secs):
        for topic in items:
            for h in range(weights[index]):
                lines.append(
                    (topic if h == 0 else f"{topic}. {family[(h - 1) % len(family)]}", section)
                )
            index += 1
        if number in tested:
            lines.append((f"{test_word} по теме «{section}»", section))
            lines.append(("Анализ контрольной работы. Работа над ошибками", section))
        elif quiz:
            lines.append((f"Тест по теме «{section}»", section))
    lines.extend(fixed_tail)
    lines = _fit(lines, hours)
    return [
        PlannedLesson(n, topic, section, kind_of(topic))
        for n, (topic, section) in enumerate(lines, 1)
    ]


def _spread(count: int, hours: int) -> list[int]:
    """Hours per topic: as even as possible, the extra hours spread along the year."""
    if count == 0:
        return []
    base, extra = divmod(hours, count)
    out = [base] * count
    for i in range(extra):
        out[(i * count) // extra] += 1
    return out


def _fit(lines: list[tuple[str, str]], hours: int) -> list[tuple[str, str]]:
    """Cut or pad to exactly ``hours`` lines (when a subject has more topics than hours)."""
    if len(lines) > hours:
        step = len(lines) / hours
        return [lines[int(i * step)] for i in range(hours - 1)] + [lines[-1]]
    while len(lines) < hours:
        lines.append(("Повторение изученного", "Итоговое повторение"))
    return lines
