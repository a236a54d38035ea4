"""The school's rules that are pure functions of dates and settings: mark deadlines (R-MRK-1),
grading systems (R-STR-6), weights of work kinds (R-MRK-5).

Defaults follow the seeds (001 App.2 2.1.4; 000 §2.5) and can be changed per school with a
``school.configured`` event.
"""

from __future__ import annotations

from datetime import date

# R-MRK-1: written work within 5 days (grades 2–9) or 7 days (10–11); oral within one day;
# other marks and attendance during the lesson or the same day.
DEFAULT_DEADLINES = {"oral": 1, "written_2_9": 5, "written_10_11": 7, "other": 0, "attendance": 0}
WRITTEN_KINDS = frozenset({"КР", "СР", "ПР", "ЛР", "Д", "ДКТ", "СОЧ", "ИЗЛ", "ТЕСТ", "ВПР"})
ORAL_KINDS = frozenset({"У", "ОТВ"})

# Work kinds with their Russian names, the codes teachers write in the journal column header.
WORK_KINDS = {
    "У": "устный ответ",
    "ДЗ": "домашняя работа",
    "СР": "самостоятельная работа",
    "КР": "контрольная работа",
    "ПР": "практическая работа",
    "ЛР": "лабораторная работа",
    "Д": "диктант",
    "СОЧ": "сочинение",
    "ИЗЛ": "изложение",
    "ТЕСТ": "тест",
    "ВПР": "всероссийская проверочная работа",
}

# R-MRK-5: weights of the weighted average; configurable per school.
DEFAULT_WEIGHTS = {
    "КР": 3,
    "ВПР": 3,
    "СОЧ": 2,
    "ИЗЛ": 2,
    "Д": 2,
    "ПР": 2,
    "ЛР": 2,
    "СР": 2,
    "ТЕСТ": 2,
}
DEFAULT_WEIGHT = 1

# R-STR-6: grading systems and the values each allows.
GRADING_VALUES = {
    "five": ("5", "4", "3", "2", "1"),
    "pass": ("зач", "незач"),
    "none": (),
}
FINAL_EXTRA_VALUES = ("н/а", "осв")  # «не аттестован», «освобождён» for period/final marks
NUMERIC = {"5": 5, "4": 4, "3": 3, "2": 2, "1": 1}
ATTENDANCE_CODES = {
    "Б": "по болезни",
    "У": "по уважительной причине",
    "Н": "без уважительной причины",
}
FINAL_KINDS = ("period", "year", "exam", "final")


def allowed_days(kind: str, grade: int, deadlines: dict[str, int] | None = None) -> int:
    """How many days after the lesson a mark of ``kind`` may be entered on time."""
    d = {**DEFAULT_DEADLINES, **(deadlines or {})}
    if kind in WRITTEN_KINDS:
        return d["written_10_11"] if grade >= 10 else d["written_2_9"]
    if kind in ORAL_KINDS:
        return d["oral"]
    return d.get(kind, d["other"])


def is_late(lesson_date: str, entered: str, days: int) -> bool:
    """Whether an entry made on local date ``entered`` is past ``days`` after ``lesson_date``."""
    return (date.fromisoformat(entered) - date.fromisoformat(lesson_date)).days > days


def weight(kind: str, weights: dict[str, int] | None = None) -> int:
    w = {**DEFAULT_WEIGHTS, **(weights or {})}
    return w.get(kind, DEFAULT_WEIGHT)


def weighted_average(
    marks: list[tuple[str, str]], weights: dict[str, int] | None = None
) -> float | None:
    """R-MRK-5: the weighted average of numeric marks given as (value, work kind); None if none."""
    total = count = 0
    for value, kind in marks:
        n = NUMERIC.get(value)
        if n is None:
            continue
        w = weight(kind, weights)
        total += n * w
        count += w
    return round(total / count, 2) if count else None


def forecast(average: float | None) -> str | None:
    """The period mark a weighted average points to, by the usual rounding (x.5 rounds up)."""
    if average is None:
        return None
    return str(min(5, max(2, int(average + 0.5))))


# R-CTL-1: mark density (накопляемость). The fewest current marks a student should have in a
# course in a period. The seeds ask the deputy head to watch students with no marks and with one
# mark (001 App.1 4.3) but set no number; three is the usual floor in schools' regulations on
# current control (a period mark resting on fewer than three marks is not considered fair).
# The school sets its own with a ``reports.configured`` entry; a report page may ask for another.
DEFAULT_MIN_MARKS = 3
