"""What the administration sets up, through the commands: the year and its periods per grade,
holidays, classes and groups, subjects and grading systems, curriculum, courses and class
teachers, timetable and its changes, lesson plans (R-STR-1..6, R-LES-3, R-SEC-1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ejournal.model import access
from ejournal.model import events as ev
from ejournal.model.commands import structure, teaching
from ejournal.model.errors import NotFound, PermissionDenied, RuleViolation

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]

YEAR = "2026/2027"
TODAY = "2026-11-16"


# --- the school and the year (R-STR-1) -----------------------------------------------------------


def test_school_is_configured_by_the_administration(sch: Sch) -> None:
    # R-STR-1, R-SEC-1
    i = sch.ids
    assert sch.one("SELECT name, timezone FROM school") == (
        "МБОУ «Средняя школа № 7»",
        "Asia/Krasnoyarsk",
    )
    with sch.refused(RuleViolation):
        structure.configure_school(sch.j, i.admin, ev.SchoolConfigured(name="  "))
    for actor in (i.secretary, i.math_teacher):
        with sch.refused(PermissionDenied):
            structure.configure_school(sch.j, actor, ev.SchoolConfigured(name="Другая школа"))


def test_periods_follow_each_grades_scheme_quarters_and_halves_in_one_year(sch: Sch) -> None:
    # R-STR-1: quarters for grades 1–9 and halves for 10–11 in the same year.
    def periods(grade: int) -> list[tuple]:
        return sch.all(
            "SELECT p.kind, p.number, p.name, p.start, p.end FROM periods p "
            "JOIN period_grades g ON g.period = p.period "
            "WHERE g.grade = ? AND p.year = ? ORDER BY p.start",
            grade,
            YEAR,
        )

    assert periods(5) == [
        ("quarter", 1, "1 четверть", "2026-09-01", "2026-10-25"),
        ("quarter", 2, "2 четверть", "2026-11-05", "2026-12-28"),
        ("quarter", 3, "3 четверть", "2027-01-12", "2027-03-21"),
        ("quarter", 4, "4 четверть", "2027-04-01", "2027-05-25"),
    ]
    assert periods(2) == periods(9) == periods(5)
    assert (
        periods(10)
        == periods(11)
        == [
            ("half", 1, "1 полугодие", "2026-09-01", "2026-12-28"),
            ("half", 2, "2 полугодие", "2027-01-12", "2027-05-25"),
        ]
    )
    assert sch.one("SELECT start, end, closed FROM years WHERE year = ?", YEAR) == (
        "2026-09-01",
        "2027-05-25",
        0,
    )


def test_trimesters_for_some_grades_alongside(sch: Sch) -> None:
    # R-STR-1: different grades may use different period schemes.
    structure.define_year(
        sch.j, sch.ids.deputy, year="2027/2028", start="2027-09-01", end="2028-05-25"
    )
    t1 = structure.define_period(
        sch.j,
        sch.ids.deputy,
        year="2027/2028",
        kind="trimester",
        number=1,
        start="2027-09-01",
        end="2027-11-30",
        grades=[2, 3, 4],
    )
    assert sch.all("SELECT grade FROM period_grades WHERE period = ? ORDER BY grade", t1) == [
        (2,),
        (3,),
        (4,),
    ]


def test_period_refusals(sch: Sch) -> None:
    # R-STR-1
    d = sch.ids.deputy
    cases = [
        {
            "year": YEAR,
            "kind": "semester",
            "number": 1,
            "start": "2026-09-01",
            "end": "2026-12-28",
            "grades": [5],
        },
        {
            "year": YEAR,
            "kind": "quarter",
            "number": 1,
            "start": "2026-08-20",
            "end": "2026-10-25",
            "grades": [5],
        },
        {
            "year": YEAR,
            "kind": "quarter",
            "number": 1,
            "start": "2026-10-25",
            "end": "2026-09-01",
            "grades": [5],
        },
        {
            "year": YEAR,
            "kind": "quarter",
            "number": 1,
            "start": "2026-09-01",
            "end": "2026-10-25",
            "grades": [12],
        },
        {
            "year": YEAR,
            "kind": "quarter",
            "number": 1,
            "start": "2026-09-01",
            "end": "2026-10-25",
            "grades": [],
        },
        {
            "year": YEAR,
            "kind": "quarter",
            "number": 1,
            "start": "1.09.2026",
            "end": "2026-10-25",
            "grades": [5],
        },
        {
            "year": "2030/2031",
            "kind": "quarter",
            "number": 1,
            "start": "2030-09-01",
            "end": "2030-10-25",
            "grades": [5],
        },
    ]
    for case in cases:
        with sch.refused(RuleViolation):
            structure.define_period(sch.j, d, **case)  # type: ignore[arg-type]
    with sch.refused(PermissionDenied):
        structure.define_period(
            sch.j,
            sch.ids.math_teacher,
            year=YEAR,
            kind="quarter",
            number=5,
            start="2027-05-01",
            end="2027-05-25",
            grades=[5],
        )


def test_year_must_be_written_as_two_consecutive_years(sch: Sch) -> None:
    # R-STR-1
    d = sch.ids.deputy
    for year, start, end in [
        ("2027-2028", "2027-09-01", "2028-05-25"),
        ("2027/2029", "2027-09-01", "2028-05-25"),
        ("2027/2028", "2028-05-25", "2027-09-01"),
    ]:
        with sch.refused(RuleViolation):
            structure.define_year(sch.j, d, year=year, start=start, end=end)
    with sch.refused(PermissionDenied):
        structure.define_year(
            sch.j, sch.ids.secretary, year="2027/2028", start="2027-09-01", end="2028-05-25"
        )


def test_holidays_are_recorded_for_all_or_some_grades(sch: Sch) -> None:
    # R-STR-1: holidays; first graders have an extra week in February.
    rows = sch.all(
        "SELECT name, start, end, grades FROM holidays WHERE year = ? ORDER BY start", YEAR
    )
    assert rows == [
        ("Осенние каникулы", "2026-10-26", "2026-11-04", "[]"),
        ("Дополнительные каникулы", "2027-02-15", "2027-02-21", "[1]"),
    ]
    with sch.refused(RuleViolation):
        structure.define_holiday(
            sch.j,
            sch.ids.deputy,
            year=YEAR,
            name="Зимние каникулы",
            start="29.12.2026",
            end="2027-01-11",
        )


# --- classes and groups (R-STR-2) -------------------------------------------------------------


def test_classes_grades_subgroups_and_groups_across_classes(sch: Sch) -> None:
    # R-STR-2
    i = sch.ids
    classes = sch.all(
        "SELECT name, grade FROM groups WHERE kind = 'class' AND year = ? ORDER BY grade, letter",
        YEAR,
    )
    assert classes == [("1А", 1), ("5А", 5), ("5Б", 5), ("10А", 10)]
    assert sch.all("SELECT class FROM group_classes WHERE grp = ?", i.english_5a_1) == [(i.c5a,)]
    assert sorted(
        sch.all("SELECT class FROM group_classes WHERE grp = ?", i.finance_group)
    ) == sorted([(i.c5a,), (i.c5b,)])
    assert sch.one("SELECT kind, grade FROM groups WHERE grp = ?", i.finance_group) == ("group", 5)
    assert sch.all(
        "SELECT student FROM memberships WHERE grp = ? ORDER BY student", i.english_5a_1
    ) == sorted((s,) for s in i.students_5a[:2])


def test_class_and_group_refusals(sch: Sch) -> None:
    # R-STR-2
    i, d = sch.ids, sch.ids.deputy
    with sch.refused(RuleViolation):
        structure.create_class(sch.j, d, year=YEAR, grade=5, letter="а")  # 5А exists
    for grade, letter in [(0, "А"), (12, "А"), (5, ""), (5, "АБВГ")]:
        with sch.refused(RuleViolation):
            structure.create_class(sch.j, d, year=YEAR, grade=grade, letter=letter)
    with sch.refused(RuleViolation):  # a subgroup splits one class
        structure.create_group(sch.j, d, year=YEAR, name="Информатика", classes=[i.c5a, i.c5b])
    with sch.refused(RuleViolation):
        structure.create_group(sch.j, d, year=YEAR, name=" ", classes=[i.c5a])
    with sch.refused(RuleViolation):
        structure.create_group(sch.j, d, year=YEAR, name="Кружок", classes=[i.c5a], kind="club")
    with sch.refused(RuleViolation):
        structure.create_group(sch.j, d, year=YEAR, name="Группа", classes=["cls-nonexistent"])
    with sch.refused(PermissionDenied):
        structure.create_group(sch.j, i.russian_teacher, year=YEAR, name="Группа", classes=[i.c5a])


# --- subjects and curriculum (R-STR-3, R-STR-6) --------------------------------------------------


def test_curriculum_sets_weekly_hours_per_subject_and_class(sch: Sch) -> None:
    # R-STR-3: weekly hours per subject per class; subjects and electives.
    i = sch.ids
    assert sch.one(
        "SELECT hours FROM curriculum WHERE year = ? AND class = ? AND subject = ?",
        YEAR,
        i.c5a,
        i.math,
    ) == (5,)
    structure.set_curriculum(sch.j, i.deputy, year=YEAR, class_=i.c5a, subject=i.math, hours=6)
    assert sch.one(
        "SELECT hours FROM curriculum WHERE year = ? AND class = ? AND subject = ?",
        YEAR,
        i.c5a,
        i.math,
    ) == (6,)
    assert sch.one(
        "SELECT sum(hours) FROM curriculum WHERE year = ? AND class = ?", YEAR, i.c5a
    ) == (16,)
    assert sch.one("SELECT elective, grading FROM subjects WHERE subject = ?", i.finance) == (
        1,
        "pass",
    )
    for hours in (-1, 13):
        with sch.refused(RuleViolation):
            structure.set_curriculum(
                sch.j, i.deputy, year=YEAR, class_=i.c5a, subject=i.math, hours=hours
            )
    with sch.refused(RuleViolation):
        structure.set_curriculum(
            sch.j, i.deputy, year=YEAR, class_=i.c5a, subject="sub-nonexistent", hours=2
        )
    with sch.refused(PermissionDenied):
        structure.set_curriculum(
            sch.j, i.math_teacher, year=YEAR, class_=i.c5a, subject=i.math, hours=7
        )


def test_grading_systems_per_subject(sch: Sch) -> None:
    # R-STR-6: five-point, pass/fail, none; «Н/А» is a period mark (test_model_teaching).
    i = sch.ids
    assert dict(sch.all("SELECT subject, grading FROM subjects")) == {
        i.math: "five", i.russian: "five", i.english: "five", i.reading: "five",
        i.finance: "pass", i.talks: "none",
    }  # fmt: skip
    with sch.refused(RuleViolation):
        structure.define_subject(sch.j, i.deputy, name="Музыка", grading="hundred")
    with sch.refused(PermissionDenied):
        structure.define_subject(sch.j, i.secretary, name="Музыка")


# --- courses and class teachers (R-STR-4) ------------------------------------------------------


def test_course_links_teacher_subject_and_class_with_dates(sch: Sch) -> None:
    # R-STR-4
    i = sch.ids
    row = sch.one(
        "SELECT subject, teacher, grp, start, end FROM courses WHERE course = ?", i.english_5a_g1
    )
    assert row == (i.english, i.english_teacher, i.english_5a_1, "2026-09-01", "2027-05-25")
    late_start = structure.create_course(
        sch.j,
        i.deputy,
        year=YEAR,
        subject=i.russian,
        teacher=i.russian_teacher,
        group=i.c5b,
        start="2026-11-16",
        end="2027-05-25",
    )
    with sch.refused(RuleViolation):  # before the course begins
        sch.lesson(late_start, "2026-11-13")
    cases = [
        {"teacher": i.secretary, "group": i.c5b, "subject": i.russian},  # not a teacher
        {"teacher": i.russian_teacher, "group": "cls-nonexistent", "subject": i.russian},
        {"teacher": i.russian_teacher, "group": i.c5b, "subject": "sub-nonexistent"},
    ]
    for case in cases:
        with sch.refused(RuleViolation):
            structure.create_course(
                sch.j, i.deputy, year=YEAR, start="2026-09-01", end="2027-05-25", **case
            )
    with sch.refused(RuleViolation):
        structure.create_course(
            sch.j,
            i.deputy,
            year=YEAR,
            subject=i.russian,
            teacher=i.russian_teacher,
            group=i.c5b,
            start="2027-05-25",
            end="2026-09-01",
        )
    with sch.refused(PermissionDenied):
        structure.create_course(
            sch.j,
            i.russian_teacher,
            year=YEAR,
            subject=i.russian,
            teacher=i.russian_teacher,
            group=i.c5b,
            start="2026-09-01",
            end="2027-05-25",
        )


def test_course_passes_to_another_teacher_from_a_date(sch: Sch) -> None:
    # R-STR-4: a course changes hands during the year; the journal goes with it.
    i = sch.ids
    lesson = sch.lesson(i.math_5b, TODAY)
    with sch.refused(RuleViolation):
        structure.change_course_teacher(
            sch.j, i.deputy, course=i.math_5b, teacher=i.secretary, start=TODAY
        )
    with sch.refused(RuleViolation):
        structure.change_course_teacher(
            sch.j, i.deputy, course=i.math_5b, teacher=i.history_teacher, start="2026-11-30"
        )
    with sch.refused(PermissionDenied):
        structure.change_course_teacher(
            sch.j, i.math_teacher, course=i.math_5b, teacher=i.history_teacher, start=TODAY
        )
    with sch.refused(NotFound):
        structure.change_course_teacher(
            sch.j, i.deputy, course="crs-nonexistent", teacher=i.history_teacher, start=TODAY
        )
    structure.change_course_teacher(
        sch.j, i.deputy, course=i.math_5b, teacher=i.history_teacher, start=TODAY
    )
    assert sch.all(
        "SELECT teacher, start FROM course_teachers WHERE course = ? ORDER BY start", i.math_5b
    ) == [
        (i.math_teacher, "2026-09-01"),
        (i.history_teacher, TODAY),
    ]
    teaching.give_mark(
        sch.j, i.history_teacher, lesson=lesson, student=i.students_5b[0], value="4", kind="У"
    )
    with sch.refused(PermissionDenied):
        teaching.give_mark(
            sch.j, i.math_teacher, lesson=lesson, student=i.students_5b[1], value="4", kind="У"
        )


def test_class_teacher_per_class_from_a_date(sch: Sch) -> None:
    # R-STR-4: one class teacher per class; a new one from a date.
    i = sch.ids
    db = sch.j.db
    assert access.is_class_teacher(db, i.russian_teacher, i.c5a, TODAY)
    assert not access.is_class_teacher(db, i.russian_teacher, i.c5a, "2026-08-31")
    assert not access.is_class_teacher(db, i.math_teacher, i.c5a, TODAY)
    structure.assign_class_teacher(
        sch.j, i.deputy, class_=i.c5a, teacher=i.math_teacher, start="2026-12-01"
    )
    assert access.is_class_teacher(db, i.russian_teacher, i.c5a, "2026-11-30")
    assert access.is_class_teacher(db, i.math_teacher, i.c5a, "2026-12-01")
    assert not access.is_class_teacher(db, i.russian_teacher, i.c5a, "2026-12-01")
    with sch.refused(RuleViolation):
        structure.assign_class_teacher(
            sch.j, i.deputy, class_=i.c5b, teacher=i.secretary, start="2026-12-01"
        )
    with sch.refused(RuleViolation):
        structure.assign_class_teacher(
            sch.j, i.deputy, class_=i.english_5a_1, teacher=i.english_teacher, start="2026-12-01"
        )
    with sch.refused(PermissionDenied):
        structure.assign_class_teacher(
            sch.j, i.secretary, class_=i.c5b, teacher=i.math_teacher, start="2026-12-01"
        )


# --- timetable (R-STR-5) -------------------------------------------------------------------------


def _slot(sch: Sch, group: str, weekday: int, number: int, on: str) -> tuple:
    """The course and room of a timetable slot on a date: the latest setting from before it."""
    return sch.one(
        "SELECT course, room FROM timetable "
        "WHERE grp = ? AND weekday = ? AND number = ? AND start <= ? ORDER BY start DESC LIMIT 1",
        group,
        weekday,
        number,
        on,
    )


def test_timetable_changes_from_a_date(sch: Sch) -> None:
    # R-STR-5: by class, teacher and room; a change from a date keeps the weeks before it.
    i = sch.ids
    structure.set_timetable(
        sch.j,
        i.deputy,
        group=i.c5a,
        weekday=1,
        number=1,
        course=i.russian_5a,
        start="2026-11-23",
        room="14",
    )
    structure.set_timetable(
        sch.j, i.deputy, group=i.c5a, weekday=1, number=2, course="", start="2026-11-23"
    )
    assert _slot(sch, i.c5a, 1, 1, "2026-11-16") == (i.math_5a, "21")
    assert _slot(sch, i.c5a, 1, 1, "2026-11-23") == (i.russian_5a, "14")
    assert _slot(sch, i.c5a, 1, 2, "2026-11-23") == ("", "")  # the slot is free from then on
    assert _slot(sch, i.english_5a_2, 1, 3, "2026-11-23") == (i.english_5a_g2, "32")
    # a teacher's timetable: the slots of the teacher's courses
    mine = sch.all(
        "SELECT t.grp, t.weekday, t.number FROM timetable t JOIN courses c ON c.course = t.course "
        "WHERE c.teacher = ? AND t.start <= ? ORDER BY t.weekday, t.number",
        i.math_teacher,
        "2026-11-16",
    )
    assert mine == [(i.c5a, 1, 1), (i.c5a, 2, 2)]


def test_timetable_refusals(sch: Sch) -> None:
    # R-STR-5
    i = sch.ids
    for weekday, number in [(0, 1), (7, 1), (1, 0), (1, 11)]:
        with sch.refused(RuleViolation):
            structure.set_timetable(
                sch.j,
                i.deputy,
                group=i.c5a,
                weekday=weekday,
                number=number,
                course=i.math_5a,
                start=TODAY,
            )
    with sch.refused(RuleViolation):
        structure.set_timetable(
            sch.j, i.deputy, group=i.c5a, weekday=1, number=1, course=i.math_5a, start="23.11.2026"
        )
    with sch.refused(NotFound):
        structure.set_timetable(
            sch.j, i.deputy, group=i.c5a, weekday=1, number=1, course="crs-nonexistent", start=TODAY
        )
    with sch.refused(RuleViolation):
        structure.set_timetable(
            sch.j,
            i.deputy,
            group="cls-nonexistent",
            weekday=1,
            number=1,
            course=i.math_5a,
            start=TODAY,
        )
    with sch.refused(PermissionDenied):
        structure.set_timetable(
            sch.j, i.math_teacher, group=i.c5a, weekday=1, number=1, course=i.math_5a, start=TODAY
        )


# --- lesson plans (R-LES-3) ------------------------------------------------------------------


def test_lesson_plan_hours_must_match_curriculum_times_weeks(sch: Sch) -> None:
    # R-LES-3: 5 h a week × 34 weeks = 170 h for 5А Russian; 4 h × 33 weeks in grade 1.
    i = sch.ids
    short = [ev.PlanTopic(n, f"Тема {n}", hours=5) for n in range(1, 34)]
    with sch.refused(RuleViolation):
        structure.set_plan(sch.j, i.russian_teacher, course=i.russian_5a, topics=short)
    gap = [ev.PlanTopic(n if n < 10 else n + 1, f"Тема {n}", hours=5) for n in range(1, 35)]
    with sch.refused(RuleViolation):
        structure.set_plan(sch.j, i.russian_teacher, course=i.russian_5a, topics=gap)
    full = [
        ev.PlanTopic(n, f"Тема {n}", hours=5, section="Морфология" if n > 17 else "Синтаксис")
        for n in range(1, 35)
    ]
    with sch.refused(PermissionDenied):
        structure.set_plan(sch.j, i.math_teacher, course=i.russian_5a, topics=full)
    structure.set_plan(sch.j, i.russian_teacher, course=i.russian_5a, topics=full)
    assert sch.one(
        "SELECT count(*), sum(hours) FROM plan_topics WHERE course = ?", i.russian_5a
    ) == (34, 170)
    first_grade = [ev.PlanTopic(n, f"Тема {n}", hours=4) for n in range(1, 34)]
    structure.set_plan(
        sch.j, i.deputy, course=i.reading_1a, topics=first_grade
    )  # the deputy may too
    assert sch.one("SELECT sum(hours) FROM plan_topics WHERE course = ?", i.reading_1a) == (132,)


def test_plan_against_actual_lessons_gives_program_completion(sch: Sch) -> None:
    # R-LES-3: lessons refer to the plan's topics; completion = hours given / hours planned.
    i = sch.ids
    for n, day in enumerate(["2026-11-16", "2026-11-17", "2026-11-18"], 1):
        sch.lesson(i.math_5a, day, topic=f"Тема {n}", plan_topic=n)
    sch.lesson(i.math_5a, "2026-11-19", topic="Повторение")
    planned = sch.one("SELECT sum(hours) FROM plan_topics WHERE course = ?", i.math_5a)[0]
    given = sch.one(
        "SELECT count(*) FROM lessons WHERE course = ? AND plan_topic > 0 AND date <= ?",
        i.math_5a,
        TODAY,
    )[0]
    assert (planned, given) == (170, 1)
    assert sch.one(
        "SELECT count(DISTINCT plan_topic) FROM lessons WHERE course = ? AND plan_topic > 0",
        i.math_5a,
    ) == (3,)
