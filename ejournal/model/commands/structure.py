"""What the administration sets up before 5 September and changes during the year: the school,
the year and its periods, classes and groups, subjects and curriculum, courses, class teachers,
timetable, lesson plans; year closing and promotion (R-STR-1..7, R-LES-3)."""

from __future__ import annotations

from datetime import date as _date

from ...journal import Journal
from .. import access, lookup, rules
from .. import events as ev
from ..errors import RuleViolation

PERIOD_KINDS = {"quarter": "четверть", "half": "полугодие", "trimester": "триместр"}


def _structure(j: Journal, actor: str) -> None:
    access.require(j.db, actor, "structure.edit", j.today())


def _iso(value: str, what: str) -> str:
    try:
        return _date.fromisoformat(value).isoformat()
    except (TypeError, ValueError) as e:
        raise RuleViolation(f"{what}: дата должна быть в виде ГГГГ-ММ-ДД.") from e


def _require_class(j: Journal, class_: str) -> None:
    row = j.db.execute(
        "SELECT 1 FROM groups WHERE grp = ? AND kind = 'class'", (class_,)
    ).fetchone()
    if row is None:
        raise RuleViolation("Нет такого класса.")


def _require_year(j: Journal, year: str) -> None:
    if j.db.execute("SELECT 1 FROM years WHERE year = ?", (year,)).fetchone() is None:
        raise RuleViolation("Сначала задайте учебный год.")


def _title(value: str, what: str, limit: int = 100) -> str:
    value = " ".join(value.split())
    if not value or len(value) > limit:
        raise RuleViolation(f"{what}: от 1 до {limit} знаков.")
    return value


def _require_subject(j: Journal, subject: str) -> None:
    if j.db.execute("SELECT 1 FROM subjects WHERE subject = ?", (subject,)).fetchone() is None:
        raise RuleViolation("Нет такого предмета.")


def configure_school(j: Journal, actor: str, event: ev.SchoolConfigured) -> None:
    if not event.name.strip():
        raise RuleViolation("Укажите название школы.")
    with j.command():
        _structure(j, actor)
        j.record(actor, [event])


def define_year(j: Journal, actor: str, *, year: str, start: str, end: str) -> None:
    """A school year such as 2025/2026 with its first and last study days (R-STR-1)."""
    first, last = _iso(start, "Начало года"), _iso(end, "Конец года")
    parts = year.split("/")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or int(parts[1]) != int(parts[0]) + 1:
        raise RuleViolation("Учебный год записывается как 2025/2026.")
    if not first < last:
        raise RuleViolation("Учебный год должен кончаться позже, чем начинается.")
    with j.command():
        _structure(j, actor)
        j.record(actor, [ev.YearDefined(year, first, last)])


def define_period(
    j: Journal,
    actor: str,
    *,
    year: str,
    kind: str,
    number: int,
    start: str,
    end: str,
    grades: list[int],
) -> str:
    """A quarter, half or trimester of a year for some grades (R-STR-1)."""
    if kind not in PERIOD_KINDS:
        raise RuleViolation("Вид периода: четверть, полугодие или триместр.")
    first, last = _iso(start, "Начало периода"), _iso(end, "Конец периода")
    if not first <= last:
        raise RuleViolation("Период должен кончаться не раньше, чем начинается.")
    if not grades or any(not 1 <= g <= 11 for g in grades):
        raise RuleViolation("Укажите параллели от 1 до 11.")
    with j.command():
        _structure(j, actor)
        row = j.db.execute("SELECT start, end FROM years WHERE year = ?", (year,)).fetchone()
        if row is None:
            raise RuleViolation("Сначала задайте учебный год.")
        if first < row[0] or last > row[1]:
            raise RuleViolation("Период должен лежать внутри учебного года.")
        period_id = (
            f"{year.replace('/', '-')}-{kind[0]}{number}-{'.'.join(map(str, sorted(grades)))}"
        )
        name = f"{number} {PERIOD_KINDS[kind]}"
        j.record(
            actor,
            [ev.PeriodDefined(period_id, year, kind, number, name, first, last, sorted(grades))],
        )
        return period_id


def define_holiday(
    j: Journal,
    actor: str,
    *,
    year: str,
    name: str,
    start: str,
    end: str,
    grades: list[int] | None = None,
) -> None:
    name = _title(name, "Название каникул")
    first, last = _iso(start, "Начало каникул"), _iso(end, "Конец каникул")
    if not first <= last:
        raise RuleViolation("Каникулы должны кончаться не раньше, чем начинаются.")
    if any(not 1 <= g <= 11 for g in grades or []):
        raise RuleViolation("Укажите параллели от 1 до 11.")
    with j.command():
        _structure(j, actor)
        _require_year(j, year)
        j.record(actor, [ev.HolidayDefined(year, name, first, last, sorted(grades or []))])


def create_class(j: Journal, actor: str, *, year: str, grade: int, letter: str) -> str:
    if not 1 <= grade <= 11:
        raise RuleViolation("Параллель — число от 1 до 11.")
    letter = letter.strip().upper()
    if not letter or len(letter) > 3:
        raise RuleViolation("Буква класса: от одной до трёх букв.")
    with j.command():
        _structure(j, actor)
        _require_year(j, year)
        taken = j.db.execute(
            "SELECT 1 FROM groups WHERE kind = 'class' AND year = ? AND grade = ? AND letter = ?",
            (year, grade, letter),
        ).fetchone()
        if taken:
            raise RuleViolation(f"Класс {grade}{letter} в этом году уже есть.")
        class_id = j.ids.new("cls")
        j.record(actor, [ev.ClassCreated(class_id, year, grade, letter)])
        return class_id


def create_group(
    j: Journal, actor: str, *, year: str, name: str, classes: list[str], kind: str = "subgroup"
) -> str:
    """A subgroup of one class or a group across classes (R-STR-2)."""
    if kind not in ("subgroup", "group") or not classes or not name.strip():
        raise RuleViolation("Укажите название группы и её классы.")
    name = _title(name, "Название группы")
    if kind == "subgroup" and len(classes) != 1:
        raise RuleViolation("Подгруппа делит один класс.")
    with j.command():
        _structure(j, actor)
        _require_year(j, year)
        for class_ in classes:
            _require_class(j, class_)
            if (
                j.db.execute("SELECT year FROM groups WHERE grp = ?", (class_,)).fetchone()[0]
                != year
            ):
                raise RuleViolation("Группа собирается из классов своего учебного года.")
        group_id = j.ids.new("grp")
        j.record(actor, [ev.GroupCreated(group_id, year, name.strip(), classes, kind)])
        return group_id


def define_subject(
    j: Journal,
    actor: str,
    *,
    name: str,
    short: str = "",
    grading: str = "five",
    elective: bool = False,
) -> str:
    if grading not in rules.GRADING_VALUES:
        raise RuleViolation("Система оценивания: пятибалльная, зачёт/незачёт или без отметок.")
    name = _title(name, "Название предмета")
    if len(short) > 20:
        raise RuleViolation("Краткое название предмета: не длиннее 20 знаков.")
    with j.command():
        _structure(j, actor)
        subject_id = j.ids.new("sub")
        j.record(
            actor, [ev.SubjectDefined(subject_id, name.strip(), short.strip(), grading, elective)]
        )
        return subject_id


def set_curriculum(
    j: Journal, actor: str, *, year: str, class_: str, subject: str, hours: int
) -> None:
    """Weekly hours of a subject in a class (R-STR-3)."""
    if not 0 <= hours <= 12:
        raise RuleViolation("Недельная нагрузка — от 0 до 12 часов.")
    with j.command():
        _structure(j, actor)
        _require_year(j, year)
        _require_class(j, class_)
        _require_subject(j, subject)
        j.record(actor, [ev.CurriculumSet(year, class_, subject, hours)])


def create_course(
    j: Journal,
    actor: str,
    *,
    year: str,
    subject: str,
    teacher: str,
    group: str,
    start: str,
    end: str,
    grading: str = "",
) -> str:
    """A teacher teaches a subject to a class or group between two dates (R-STR-4)."""
    first, last = _iso(start, "Начало"), _iso(end, "Окончание")
    if not first <= last:
        raise RuleViolation("Курс должен кончаться не раньше, чем начинается.")
    if grading and grading not in rules.GRADING_VALUES:
        raise RuleViolation("Система оценивания: пятибалльная, зачёт/незачёт или без отметок.")
    with j.command():
        _structure(j, actor)
        _require_year(j, year)
        _require_subject(j, subject)
        if "teacher" not in access.roles_of(j.db, teacher, first):
            raise RuleViolation("Вести курс может только учитель.")
        if j.db.execute("SELECT 1 FROM groups WHERE grp = ?", (group,)).fetchone() is None:
            raise RuleViolation("Нет такого класса или группы.")
        course_id = j.ids.new("crs")
        j.record(
            actor,
            [ev.CourseCreated(course_id, year, subject, teacher, group, first, last, grading)],
        )
        return course_id


def change_course_teacher(j: Journal, actor: str, *, course: str, teacher: str, start: str) -> None:
    """The course passes to another teacher from a date (R-STR-4); the journal goes with it.

    Recorded on or after the day it takes effect: from the moment it is recorded, only the new
    teacher writes in the course.
    """
    first = _iso(start, "Дата")
    with j.command():
        _structure(j, actor)
        c = lookup.course(j.db, course)
        if first > j.today():
            raise RuleViolation("Смену учителя вносят в день, с которого она действует, или позже.")
        if not c.start <= first <= c.end:
            raise RuleViolation("Дата смены учителя вне сроков курса.")
        if "teacher" not in access.roles_of(j.db, teacher, first):
            raise RuleViolation("Вести курс может только учитель.")
        j.record(actor, [ev.CourseTeacherChanged(course, teacher, first)])


def assign_class_teacher(j: Journal, actor: str, *, class_: str, teacher: str, start: str) -> None:
    """The class teacher of a class from a date (R-STR-4); a later assignment replaces them."""
    first = _iso(start, "Дата")
    with j.command():
        _structure(j, actor)
        _require_class(j, class_)
        if "teacher" not in access.roles_of(j.db, teacher, first):
            raise RuleViolation("Классным руководителем может быть только учитель.")
        j.record(actor, [ev.ClassTeacherAssigned(class_, teacher, first)])


def set_timetable(
    j: Journal,
    actor: str,
    *,
    group: str,
    weekday: int,
    number: int,
    course: str,
    start: str,
    room: str = "",
) -> None:
    """A timetable slot from a date; later changes replace it from their date (R-STR-5)."""
    if not 1 <= weekday <= 6 or not 1 <= number <= 10:
        raise RuleViolation("День недели — от 1 до 6, номер урока — от 1 до 10.")
    first = _iso(start, "Дата")
    with j.command():
        _structure(j, actor)
        if j.db.execute("SELECT 1 FROM groups WHERE grp = ?", (group,)).fetchone() is None:
            raise RuleViolation("Нет такого класса или группы.")
        if course and lookup.course(j.db, course).group != group:
            raise RuleViolation("Этот курс ведётся в другом классе или группе.")
        if len(room) > 20:
            raise RuleViolation("Кабинет: не длиннее 20 знаков.")
        j.record(actor, [ev.TimetableSet(group, weekday, number, course, first, room)])


def set_plan(j: Journal, actor: str, *, course: str, topics: list[ev.PlanTopic]) -> None:
    """The lesson plan (КТП) of a course; its hours must match the curriculum (R-LES-3).

    The course's teacher writes it; the deputy head may too.
    """
    with j.command():
        c = lookup.course(j.db, course)
        if actor != c.teacher:
            _structure(j, actor)
        planned = sum(t.hours for t in topics)
        expected = plan_hours_expected(j, c)
        if expected is not None and planned != expected:
            raise RuleViolation(f"В плане {planned} ч, а по учебному плану положено {expected} ч.")
        numbers = [t.number for t in topics]
        if numbers != list(range(1, len(topics) + 1)):
            raise RuleViolation("Темы плана нумеруются по порядку с 1.")
        j.record(actor, [ev.PlanSet(course, topics)])


STUDY_WEEKS = 34  # 33 for grade 1 (federal curriculum); see plan_hours_expected


def plan_hours_expected(j: Journal, c: lookup.Course) -> int | None:
    """Hours a year's plan must have: weekly hours × study weeks (R-LES-3), or None if the
    curriculum does not say."""
    row = j.db.execute(
        "SELECT cu.hours FROM curriculum cu JOIN group_classes gc ON gc.class = cu.class "
        "WHERE cu.year = ? AND cu.subject = ? AND gc.grp = ? LIMIT 1",
        (c.year, c.subject, c.group),
    ).fetchone()
    if row is None:
        return None
    return row[0] * (33 if c.grade == 1 else STUDY_WEEKS)


def close_year(j: Journal, actor: str, *, year: str) -> None:
    """R-STR-7: close a school year; nothing can be entered for it afterwards."""
    with j.command():
        _structure(j, actor)
        if lookup.year_closed(j.db, year):
            raise RuleViolation("Этот учебный год уже закрыт.")
        j.record(actor, [ev.YearClosed(year)])
