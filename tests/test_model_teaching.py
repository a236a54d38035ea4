"""What a teacher does in the journal, through the commands: lessons, substitution, attendance,
current marks and their deadlines, corrections, period and final marks, comments, averages
(R-LES-1, R-LES-2, R-ATT-1, R-MRK-1..5, R-STR-6, R-DIA-1)."""

from __future__ import annotations

import inspect
import json
from typing import TYPE_CHECKING

from ejournal.log.entry import format_time
from ejournal.model import events as ev
from ejournal.model import rules
from ejournal.model.commands import structure, teaching
from ejournal.model.errors import NotFound, PermissionDenied, RuleViolation
from ejournal.projection.times import utc

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]


def mark(sch: Sch, lesson: str, student: str, value: str, kind: str = "У", actor: str = "") -> str:
    teacher = (
        actor
        or sch.one(
            "SELECT c.teacher FROM lessons l JOIN courses c ON c.course = l.course "
            "WHERE l.lesson = ?",
            lesson,
        )[0]
    )
    return teaching.give_mark(
        sch.j, teacher, lesson=lesson, student=student, value=value, kind=kind
    )


# --- lessons (R-LES-1) ----------------------------------------------------------------------


def test_lesson_records_date_topic_homework_and_work_kinds(sch: Sch) -> None:
    # R-LES-1
    i = sch.ids
    lesson = sch.lesson(
        i.math_5a,
        "2026-11-16",
        number=1,
        topic="Сложение дробей",
        homework="§ 12, № 340, 342",
        work_kinds=["У", "СР"],
    )
    row = sch.one(
        "SELECT course, date, number, topic, homework, work_kinds FROM lessons WHERE lesson = ?",
        lesson,
    )
    assert row[:5] == (i.math_5a, "2026-11-16", 1, "Сложение дробей", "§ 12, № 340, 342")
    assert json.loads(row[5]) == ["У", "СР"]


def test_topics_filled_ahead_for_the_period_and_corrected_later(sch: Sch) -> None:
    # R-LES-1: topics may be filled ahead and corrected later; the old text stays in the log.
    i = sch.ids
    ahead = [
        sch.lesson(i.math_5a, day, topic=f"Тема {n}", plan_topic=n)
        for n, day in enumerate(["2026-11-23", "2026-11-24", "2026-11-30"], 1)
    ]
    assert sch.all("SELECT topic FROM lessons WHERE course = ? ORDER BY date", i.math_5a) == [
        ("Тема 1",),
        ("Тема 2",),
        ("Тема 3",),
    ]
    sch.clock.set("2026-11-23 15:00")
    teaching.update_lesson(
        sch.j, i.math_teacher, lesson=ahead[0], topic="Умножение дробей", homework="№ 401"
    )
    assert sch.one("SELECT topic, homework FROM lessons WHERE lesson = ?", ahead[0]) == (
        "Умножение дробей",
        "№ 401",
    )
    assert sch.one("SELECT topic FROM lesson_originals WHERE lesson = ?", ahead[0]) == ("Тема 1",)
    assert sch.all("SELECT topic, homework FROM lesson_updates WHERE lesson = ?", ahead[0]) == [
        ("Умножение дробей", "№ 401")
    ]


def test_lesson_refusals_unknown_work_kind_outside_the_course_and_unknown_course(sch: Sch) -> None:
    # R-LES-1
    i = sch.ids
    with sch.refused(RuleViolation):
        sch.lesson(i.math_5a, "2026-11-16", work_kinds=["XYZ"])
    with sch.refused(RuleViolation):
        sch.lesson(i.math_5a, "2027-06-10", topic="После конца года")
    with sch.refused(NotFound, code="not_found"):
        teaching.record_lesson(sch.j, i.math_teacher, course="crs-nonexistent", date="2026-11-16")


# --- who writes (R-SEC-1, R-CTL-4, R-LES-2, R-DIA-2) -------------------------------------------


def test_teacher_cannot_mark_another_teachers_course(sch: Sch) -> None:
    # R-SEC-1
    i = sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    with sch.refused(PermissionDenied, code="permission_denied"):
        mark(sch, lesson, i.students_5a[0], "5", actor=i.english_teacher)
    with sch.refused(PermissionDenied):
        teaching.record_lesson(sch.j, i.english_teacher, course=i.math_5a, date="2026-11-17")
    with sch.refused(PermissionDenied):
        teaching.update_lesson(sch.j, i.english_teacher, lesson=lesson, topic="Чужая тема")
    with sch.refused(PermissionDenied):
        teaching.mark_attendance(
            sch.j, i.english_teacher, lesson=lesson, student=i.students_5a[0], code="Н"
        )


def test_class_teacher_cannot_edit_other_subjects(sch: Sch) -> None:
    # R-SEC-1, R-CTL-4: the class teacher of 5А sees the class's journal but writes only in
    # her own courses.
    i = sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-16", topic="Дроби")
    ct = i.russian_teacher
    with sch.refused(PermissionDenied):
        mark(sch, lesson, i.students_5a[0], "5", actor=ct)
    with sch.refused(PermissionDenied):
        teaching.update_lesson(sch.j, ct, lesson=lesson, homework="№ 1")
    with sch.refused(PermissionDenied):
        teaching.give_final_mark(
            sch.j,
            ct,
            course=i.math_5a,
            student=i.students_5a[0],
            kind="period",
            value="5",
            period=i.quarters[1],
        )
    with sch.refused(PermissionDenied):
        teaching.add_comment(
            sch.j,
            ct,
            lesson=lesson,
            student=i.students_5a[0],
            kind="remark",
            text="Не готов к уроку",
        )
    own = sch.lesson(i.russian_5a, "2026-11-16")
    mark(sch, own, i.students_5a[0], "4", actor=ct)


def test_deputy_director_parent_and_student_do_not_write_the_journal(sch: Sch) -> None:
    # R-SEC-1, R-DIA-2: a parent and a student never enter the journal; the administration
    # controls it but does not give marks.
    i = sch.ids
    lesson = sch.lesson(i.math_10a, "2026-11-16")
    for actor in (i.deputy, i.director, i.admin, i.parent_10a, i.students_10a[0]):
        with sch.refused(PermissionDenied):
            mark(sch, lesson, i.students_10a[1], "5", actor=actor)
        with sch.refused(PermissionDenied):
            teaching.record_lesson(sch.j, actor, course=i.math_10a, date="2026-11-17")


def test_substitute_may_mark_the_lesson_they_took(sch: Sch) -> None:
    # R-LES-2: the deputy records the substitution; the substitute then keeps the lesson.
    i = sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-16", topic="Дроби")
    with sch.refused(PermissionDenied):
        mark(sch, lesson, i.students_5a[0], "5", actor=i.history_teacher)
    teaching.substitute(
        sch.j, i.deputy, lesson=lesson, teacher=i.history_teacher, reason="болезнь учителя"
    )
    assert sch.one("SELECT teacher FROM lessons WHERE lesson = ?", lesson) == (i.history_teacher,)
    assert sch.one("SELECT teacher, reason, by FROM substitutions WHERE lesson = ?", lesson) == (
        i.history_teacher,
        "болезнь учителя",
        i.deputy,
    )
    mark(sch, lesson, i.students_5a[0], "5", actor=i.history_teacher)
    teaching.mark_attendance(
        sch.j, i.history_teacher, lesson=lesson, student=i.students_5a[1], code="Б"
    )
    teaching.update_lesson(sch.j, i.history_teacher, lesson=lesson, topic="Дроби (замена)")
    # the substitution covers that lesson only
    other = sch.lesson(i.math_5a, "2026-11-17")
    sch.clock.set("2026-11-17 12:00")
    with sch.refused(PermissionDenied):
        mark(sch, other, i.students_5a[0], "5", actor=i.history_teacher)


def test_substitution_is_recorded_by_the_course_teacher_or_the_deputy_and_only_to_a_teacher(
    sch: Sch,
) -> None:
    # R-LES-2
    i = sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    with sch.refused(PermissionDenied):
        teaching.substitute(sch.j, i.history_teacher, lesson=lesson, teacher=i.history_teacher)
    with sch.refused(RuleViolation):
        teaching.substitute(sch.j, i.math_teacher, lesson=lesson, teacher=i.secretary)
    teaching.substitute(
        sch.j,
        i.math_teacher,
        lesson=lesson,
        teacher=i.russian_teacher,
        reason="курсы повышения квалификации",
    )
    assert sch.one("SELECT teacher FROM lessons WHERE lesson = ?", lesson) == (i.russian_teacher,)


# --- grading systems and grade 1 (R-STR-6) ----------------------------------------------------


def test_no_marks_or_homework_in_grade_one(sch: Sch) -> None:
    # R-STR-6: grade 1 has only attendance (and messages to parents).
    i = sch.ids
    with sch.refused(RuleViolation):
        sch.lesson(i.reading_1a, "2026-11-16", topic="Звук [а]", homework="Прочитать с. 12")
    lesson = sch.lesson(i.reading_1a, "2026-11-16", topic="Звук [а]")
    pupil = i.students_1a[0]
    with sch.refused(RuleViolation):
        teaching.update_lesson(sch.j, i.primary_teacher, lesson=lesson, homework="Прочитать с. 12")
    with sch.refused(RuleViolation):
        mark(sch, lesson, pupil, "5")
    with sch.refused(RuleViolation):
        teaching.give_final_mark(
            sch.j,
            i.primary_teacher,
            course=i.reading_1a,
            student=pupil,
            kind="period",
            value="5",
            period=i.quarters[1],
        )
    teaching.mark_attendance(sch.j, i.primary_teacher, lesson=lesson, student=pupil, code="Б")
    teaching.add_comment(
        sch.j,
        i.primary_teacher,
        lesson=lesson,
        student=pupil,
        kind="note",
        text="Принесите, пожалуйста, справку.",
    )
    assert sch.one(
        "SELECT code FROM attendance WHERE lesson = ? AND student = ?", lesson, pupil
    ) == ("Б",)


def test_mark_must_come_from_the_courses_grading_system(sch: Sch) -> None:
    # R-STR-6: five-point for mathematics; pass/fail («зач»/«незач») for the elective.
    i = sch.ids
    math = sch.lesson(i.math_5a, "2026-11-16")
    for bad in ("6", "0", "5+", "зач", "н/а", ""):
        with sch.refused(RuleViolation):
            mark(sch, math, i.students_5a[0], bad)
    mark(sch, math, i.students_5a[0], "5")
    finance = sch.lesson(i.finance_5, "2026-11-16")
    for bad in ("5", "2", "зачёт?"):
        with sch.refused(RuleViolation):
            mark(sch, finance, i.students_5a[0], bad)
    passed = mark(sch, finance, i.students_5a[0], "зач")
    mark(sch, finance, i.students_5b[0], "НЕЗАЧ")  # stored as the grading system spells it
    assert sorted(sch.all("SELECT current FROM marks WHERE lesson = ?", finance)) == [
        ("зач",),
        ("незач",),
    ]
    with sch.refused(RuleViolation):
        teaching.correct_mark(sch.j, i.history_teacher, mark=passed, value="2", reason="ошибка")
    teaching.correct_mark(sch.j, i.history_teacher, mark=passed, value=" Незач ", reason="ошибка")
    assert sch.one("SELECT value, current FROM marks WHERE mark = ?", passed) == ("зач", "незач")


def test_no_marks_in_a_subject_without_grading(sch: Sch) -> None:
    # R-STR-6: «Разговоры о важном» is not graded; attendance is kept.
    i = sch.ids
    lesson = sch.lesson(i.talks_5a, "2026-11-16", topic="Единство народов России")
    with sch.refused(RuleViolation):
        mark(sch, lesson, i.students_5a[0], "5")
    with sch.refused(RuleViolation):
        teaching.give_final_mark(
            sch.j,
            i.russian_teacher,
            course=i.talks_5a,
            student=i.students_5a[0],
            kind="year",
            value="зач",
        )
    teaching.mark_attendance(
        sch.j, i.russian_teacher, lesson=lesson, student=i.students_5a[0], code="Н"
    )


def test_course_grading_overrides_the_subjects(sch: Sch) -> None:
    # R-STR-6: grading configurable per grade: 10А mathematics here graded pass/fail.
    i = sch.ids
    course = structure.create_course(
        sch.j, i.deputy, year="2026/2027", subject=i.math, teacher=i.math_teacher, group=i.c10a,
        start="2026-11-01", end="2027-05-25", grading="pass",
    )  # fmt: skip
    lesson = sch.lesson(course, "2026-11-16")
    with sch.refused(RuleViolation):
        mark(sch, lesson, i.students_10a[0], "5")
    mark(sch, lesson, i.students_10a[0], "зач")


# --- who is in the class on the date (R-STR-2, R-STR-7) ---------------------------------------


def test_mark_for_student_not_in_class_on_that_date_is_refused(sch: Sch) -> None:
    # R-STR-2, R-STR-7: membership has dates — admission, transfer, withdrawal.
    from ejournal.model.commands import people

    i = sch.ids
    sec, math = i.secretary, i.math_5a
    newcomer = people.register_person(
        sch.j, sec, last_name="Орлова", first_name="Вера", birth_date="2015-02-02"
    )
    people.enroll(sch.j, sec, student=newcomer, group=i.c5a, start="2026-11-12", order="№ 140-у")
    moving, leaving = i.students_5a[1], i.students_5a[3]
    people.transfer(
        sch.j,
        sec,
        student=moving,
        from_class=i.c5a,
        to_class=i.c5b,
        on="2026-11-12",
        order="№ 141-у",
    )
    people.leave(
        sch.j,
        sec,
        student=leaving,
        group=i.c5a,
        end="2026-11-11",
        reason="withdrawal",
        order="№ 142-у",
    )
    before, after = sch.lesson(math, "2026-11-11"), sch.lesson(math, "2026-11-12")
    with sch.refused(RuleViolation):
        mark(sch, before, newcomer, "4")  # not yet admitted
    mark(sch, after, newcomer, "4")
    mark(sch, before, moving, "4")  # still in 5А that day
    with sch.refused(RuleViolation):
        mark(sch, after, moving, "4")  # already in 5Б
    mark(sch, sch.lesson(i.math_5b, "2026-11-12"), moving, "4")
    mark(sch, before, leaving, "3")  # the last day
    with sch.refused(RuleViolation):
        mark(sch, after, leaving, "3")
    with sch.refused(RuleViolation):
        teaching.mark_attendance(sch.j, i.math_teacher, lesson=after, student=leaving, code="Н")
    with sch.refused(RuleViolation):
        mark(sch, after, i.students_5b[1], "5")  # never in 5А


def test_subgroup_members_only_and_not_after_leaving_the_class(sch: Sch) -> None:
    # R-STR-2: a subgroup course marks its own members; a student who left the class is no
    # longer in its subgroups.
    from ejournal.model.commands import people

    i = sch.ids
    lesson = sch.lesson(i.english_5a_g1, "2026-11-16")
    mark(sch, lesson, i.students_5a[0], "5")
    with sch.refused(RuleViolation):
        mark(sch, lesson, i.students_5a[2], "5")  # the other subgroup
    people.transfer(
        sch.j,
        i.secretary,
        student=i.students_5a[1],
        from_class=i.c5a,
        to_class=i.c5b,
        on="2026-11-16",
    )
    with sch.refused(RuleViolation):
        mark(sch, lesson, i.students_5a[1], "5")


# --- attendance (R-ATT-1) -----------------------------------------------------------------------


def test_attendance_ill_excused_unexcused_and_clearing(sch: Sch) -> None:
    # R-ATT-1: Б, У, Н; typed in lowercase too; an empty code clears (present).
    i = sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    a, b, c, d = i.students_5a
    for student, code in [(a, "б"), (b, "У"), (c, " н "), (d, "Н")]:
        teaching.mark_attendance(sch.j, i.math_teacher, lesson=lesson, student=student, code=code)
    assert dict(sch.all("SELECT student, code FROM attendance WHERE lesson = ?", lesson)) == {
        a: "Б",
        b: "У",
        c: "Н",
        d: "Н",
    }
    teaching.mark_attendance(
        sch.j, i.math_teacher, lesson=lesson, student=d, code=""
    )  # came late after all
    assert dict(sch.all("SELECT student, code FROM attendance WHERE lesson = ?", lesson)) == {
        a: "Б",
        b: "У",
        c: "Н",
    }
    assert sch.one(
        "SELECT count(*) FROM attendance_events WHERE lesson = ? AND student = ?", lesson, d
    ) == (2,)
    for bad in ("X", "ОТ", "п"):
        with sch.refused(RuleViolation):
            teaching.mark_attendance(sch.j, i.math_teacher, lesson=lesson, student=a, code=bad)


def test_class_teacher_sets_the_reason_of_a_recorded_absence(sch: Sch) -> None:
    # R-ATT-1: the class teacher keeps the absence registry with reasons Б, У, Н.
    i = sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    a, b = i.students_5a[:2]
    teaching.mark_attendance(sch.j, i.math_teacher, lesson=lesson, student=a, code="Н")
    teaching.set_absence_reason(sch.j, i.russian_teacher, lesson=lesson, student=a, code="у")
    assert sch.one("SELECT code FROM attendance WHERE lesson = ? AND student = ?", lesson, a) == (
        "У",
    )
    # the change is a new event by the class teacher; the subject teacher's stays in the log
    assert sch.all(
        "SELECT code, by FROM attendance_events WHERE lesson = ? AND student = ? ORDER BY id",
        lesson,
        a,
    ) == [("Н", i.math_teacher), ("У", i.russian_teacher)]
    with sch.refused(PermissionDenied):  # the class teacher of 5Б is not 5А's
        teaching.set_absence_reason(sch.j, i.history_teacher, lesson=lesson, student=a, code="Б")
    with sch.refused(RuleViolation):  # present: nothing to give a reason for
        teaching.set_absence_reason(sch.j, i.russian_teacher, lesson=lesson, student=b, code="Б")
    with sch.refused(RuleViolation):
        teaching.set_absence_reason(sch.j, i.russian_teacher, lesson=lesson, student=a, code="")


def test_attendance_for_a_lesson_not_yet_held_is_refused_and_late_entry_is_flagged(
    sch: Sch,
) -> None:
    # R-ATT-1: attendance is kept daily, by the fact.
    i = sch.ids
    tomorrow = sch.lesson(i.math_5a, "2026-11-17")
    with sch.refused(RuleViolation):
        teaching.mark_attendance(
            sch.j, i.math_teacher, lesson=tomorrow, student=i.students_5a[0], code="У"
        )
    sch.clock.set("2026-11-17 14:00")
    teaching.mark_attendance(
        sch.j, i.math_teacher, lesson=tomorrow, student=i.students_5a[0], code="Н"
    )
    sch.clock.set("2026-11-18 08:00")
    teaching.mark_attendance(
        sch.j, i.math_teacher, lesson=tomorrow, student=i.students_5a[1], code="Н"
    )
    assert dict(sch.all("SELECT student, late FROM attendance WHERE lesson = ?", tomorrow)) == {
        i.students_5a[0]: 0,
        i.students_5a[1]: 1,
    }


def test_absence_registry_of_a_class_across_subjects(sch: Sch) -> None:
    # R-ATT-1: the class teacher's registry: every absence of the class with its reason.
    i = sch.ids
    a, b = i.students_5a[0], i.students_5a[2]
    math, russian = sch.lesson(i.math_5a, "2026-11-16"), sch.lesson(i.russian_5a, "2026-11-16")
    english = sch.lesson(i.english_5a_g2, "2026-11-16")
    teaching.mark_attendance(sch.j, i.math_teacher, lesson=math, student=a, code="Б")
    teaching.mark_attendance(sch.j, i.russian_teacher, lesson=russian, student=a, code="Б")
    teaching.mark_attendance(sch.j, i.english_teacher_2, lesson=english, student=b, code="Н")
    teaching.mark_attendance(
        sch.j,
        i.math_teacher,
        lesson=sch.lesson(i.math_5b, "2026-11-16"),
        student=i.students_5b[0],
        code="У",
    )
    registry = sch.all(
        "SELECT l.date, s.name, a.student, a.code FROM attendance a "
        "JOIN lessons l ON l.lesson = a.lesson JOIN courses c ON c.course = a.course "
        "JOIN subjects s ON s.subject = c.subject "
        "JOIN group_classes gc ON gc.grp = c.grp WHERE gc.class = ? ORDER BY s.name, a.student",
        i.c5a,
    )
    assert registry == [
        ("2026-11-16", "Английский язык", b, "Н"),
        ("2026-11-16", "Математика", a, "Б"),
        ("2026-11-16", "Русский язык", a, "Б"),
    ]


# --- current marks and their deadlines (R-MRK-1) ------------------------------------------------


def test_late_written_work_is_flagged_after_five_days_in_grade_5_and_seven_in_grade_10(
    sch: Sch,
) -> None:
    # R-MRK-1: written work within 5 days (grades 2–9) or 7 days (10–11); late is accepted and
    # flagged. Boundaries exactly: day 5 on time, day 6 late; day 7 on time, day 8 late.
    i = sch.ids
    five = sch.lesson(i.math_5a, "2026-11-16", work_kinds=["КР"])
    ten = sch.lesson(i.math_10a, "2026-11-16", work_kinds=["КР"])
    entries = [
        ("2026-11-21 18:00", five, i.students_5a[0], 0),
        ("2026-11-22 09:00", five, i.students_5a[1], 1),
        ("2026-11-23 18:00", ten, i.students_10a[0], 0),
        ("2026-11-24 09:00", ten, i.students_10a[1], 1),
    ]
    for when, lesson, student, late in entries:
        sch.clock.set(when)
        m = mark(sch, lesson, student, "4", kind="КР")
        assert sch.one("SELECT late FROM marks WHERE mark = ?", m) == (late,), when


def test_oral_answer_within_one_day_other_marks_the_same_day(sch: Sch) -> None:
    # R-MRK-1: oral within one day; other marks during the lesson or the same day.
    i = sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    a, b, c, d = i.students_5a
    same_day_hw = mark(sch, lesson, a, "5", kind="ДЗ")
    sch.clock.set("2026-11-17 20:00")
    oral_day1 = mark(sch, lesson, b, "4", kind="У")
    hw_day1 = mark(sch, lesson, c, "4", kind="ДЗ")
    sch.clock.set("2026-11-18 08:00")
    oral_day2 = mark(sch, lesson, d, "3", kind="У")
    flags = dict(sch.all("SELECT mark, late FROM marks WHERE lesson = ?", lesson))
    assert flags == {same_day_hw: 0, oral_day1: 0, hw_day1: 1, oral_day2: 1}


def test_deadlines_are_configurable_per_school(sch: Sch) -> None:
    # R-MRK-1: the school may set its own deadlines (configured by the administration).
    i = sch.ids
    structure.configure_school(
        sch.j,
        i.admin,
        ev.SchoolConfigured(name="МБОУ «Средняя школа № 7»", deadline_days={"written_2_9": 3}),
    )
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    sch.clock.set("2026-11-20 10:00")  # day 4
    m = mark(sch, lesson, i.students_5a[0], "5", kind="КР")
    assert sch.one("SELECT late FROM marks WHERE mark = ?", m) == (1,)


def test_mark_for_a_lesson_not_yet_held_is_refused(sch: Sch) -> None:
    # R-MRK-1, R-MRK-2: marks are entered for lessons that took place, not ahead.
    i = sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-17", topic="Заполнено заранее")
    with sch.refused(RuleViolation):
        mark(sch, lesson, i.students_5a[0], "5")
    today = sch.lesson(i.math_5a, "2026-11-16")
    with sch.refused(RuleViolation):
        mark(sch, today, i.students_5a[0], "5", kind="НЕТ")


# --- no correcting, no backdating (R-MRK-2) -----------------------------------------------------


def test_correction_keeps_the_old_mark_and_needs_a_reason(sch: Sch) -> None:
    # R-MRK-2: the marks row keeps the given value; mark_changes has the change; the log has both.
    i = sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    m = mark(sch, lesson, i.students_5a[0], "3", kind="СР")
    for reason in ("", "   "):
        with sch.refused(RuleViolation):
            teaching.correct_mark(sch.j, i.math_teacher, mark=m, value="4", reason=reason)
    with sch.refused(RuleViolation):
        teaching.correct_mark(sch.j, i.math_teacher, mark=m, value="3", reason="та же")
    with sch.refused(RuleViolation):
        teaching.correct_mark(sch.j, i.math_teacher, mark=m, value="7", reason="ошибка")
    with sch.refused(PermissionDenied):
        teaching.correct_mark(sch.j, i.russian_teacher, mark=m, value="5", reason="ошибка")
    sch.clock.set("2026-11-16 15:00")
    teaching.correct_mark(
        sch.j, i.math_teacher, mark=m, value="4", reason="ошибка при подсчёте баллов"
    )
    assert sch.one("SELECT value, current, changed FROM marks WHERE mark = ?", m) == ("3", "4", 1)
    assert sch.all("SELECT change, value, reason, by FROM mark_changes WHERE mark = ?", m) == [
        ("corrected", "4", "ошибка при подсчёте баллов", i.math_teacher)
    ]
    logged = [(e.type, e.data) for e in _entries(sch) if e.data.get("mark") == m]
    assert logged == [
        (
            "mark.given",
            {"mark": m, "lesson": lesson, "student": i.students_5a[0], "value": "3", "kind": "СР"},
        ),
        ("mark.corrected", {"mark": m, "value": "4", "reason": "ошибка при подсчёте баллов"}),
    ]


def test_revoking_a_mark_keeps_it_with_the_reason(sch: Sch) -> None:
    # R-MRK-2: a mark entered by mistake is cancelled by a record, never deleted.
    i = sch.ids
    m = mark(sch, sch.lesson(i.math_5a, "2026-11-16"), i.students_5a[1], "2")
    with sch.refused(RuleViolation):
        teaching.revoke_mark(sch.j, i.math_teacher, mark=m, reason="")
    teaching.revoke_mark(sch.j, i.math_teacher, mark=m, reason="выставлена не тому ученику")
    assert sch.one("SELECT value, current, changed FROM marks WHERE mark = ?", m) == ("2", None, 1)
    with sch.refused(RuleViolation):
        teaching.revoke_mark(sch.j, i.math_teacher, mark=m, reason="ещё раз")
    with sch.refused(NotFound):
        teaching.revoke_mark(sch.j, i.math_teacher, mark="mrk-none", reason="нет такой")


def test_no_backdating_entry_time_is_the_real_time(sch: Sch) -> None:
    # R-MRK-2: no command takes the time of entry; it is the clock's, never earlier than the log.
    i = sch.ids
    for command in (
        teaching.give_mark,
        teaching.correct_mark,
        teaching.give_final_mark,
        teaching.mark_attendance,
        teaching.record_lesson,
    ):
        names = set(inspect.signature(command).parameters)
        assert not names & {"at", "time", "entered", "entered_at", "timestamp", "when"}, (
            command.__name__
        )
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    sch.clock.set("2026-11-19 16:45")
    m = mark(sch, lesson, i.students_5a[0], "5", kind="КР")
    entry = _entries(sch)[-1]
    assert entry.time == format_time(sch.clock.now()) == "2026-11-19T16:45:00.000+07:00"
    assert sch.one("SELECT at FROM marks WHERE mark = ?", m) == (utc(entry.time),)
    # a clock set back does not move entries into the past
    sch.clock.set("2026-11-17 08:00")
    m2 = mark(sch, lesson, i.students_5a[1], "4", kind="КР")
    assert _entries(sch)[-1].time == "2026-11-19T16:45:00.000+07:00"
    assert sch.one("SELECT late FROM marks WHERE mark = ?", m2) == (0,)


def _entries(sch: Sch) -> list:
    from ejournal.log import read_entries

    return list(read_entries(sch.j.feed.dir, 0))


# --- period, year, exam and final marks (R-MRK-3) ---------------------------------------------


def test_period_mark_after_period_end_is_flagged_late(sch: Sch) -> None:
    # R-MRK-3: period marks by the last school day of the period (2nd quarter ends 28 December).
    i = sch.ids
    q2 = i.quarters[1]
    a, b = i.students_5a[:2]
    sch.clock.set("2026-12-28 17:00")
    teaching.give_final_mark(
        sch.j, i.math_teacher, course=i.math_5a, student=a, kind="period", value="5", period=q2
    )
    sch.clock.set("2026-12-29 09:00")
    teaching.give_final_mark(
        sch.j, i.math_teacher, course=i.math_5a, student=b, kind="period", value="4", period=q2
    )
    assert dict(
        sch.all(
            "SELECT student, late FROM final_marks WHERE course = ? AND period = ?", i.math_5a, q2
        )
    ) == {a: 0, b: 1}


def test_year_mark_after_the_year_end_is_flagged_late(sch: Sch) -> None:
    # R-MRK-3
    i = sch.ids
    a, b = i.students_10a
    sch.clock.set("2027-05-25 12:00")
    teaching.give_final_mark(
        sch.j, i.math_teacher, course=i.math_10a, student=a, kind="year", value="5"
    )
    sch.clock.set("2027-05-26 12:00")
    teaching.give_final_mark(
        sch.j, i.math_teacher, course=i.math_10a, student=b, kind="year", value="4"
    )
    assert dict(
        sch.all(
            "SELECT student, late FROM final_marks WHERE course = ? AND kind = 'year'", i.math_10a
        )
    ) == {a: 0, b: 1}


def test_n_a_allowed_for_period_marks(sch: Sch) -> None:
    # R-MRK-3, R-STR-6: «Н/А» (not attested) is a period or final mark, never a current one.
    i = sch.ids
    h1 = i.halves[0]
    student = i.students_10a[1]
    teaching.give_final_mark(
        sch.j,
        i.math_teacher,
        course=i.math_10a,
        student=student,
        kind="period",
        value="Н/А",
        period=h1,
    )
    teaching.give_final_mark(
        sch.j,
        i.history_teacher,
        course=i.finance_5,
        student=i.students_5b[0],
        kind="period",
        value="незач",
        period=i.quarters[1],
    )
    assert sch.one(
        "SELECT value FROM final_marks WHERE course = ? AND student = ?", i.math_10a, student
    ) == ("н/а",)
    lesson = sch.lesson(i.math_10a, "2026-11-16")
    with sch.refused(RuleViolation):
        mark(sch, lesson, student, "н/а")
    with sch.refused(RuleViolation):
        teaching.give_final_mark(
            sch.j, i.math_teacher, course=i.math_10a, student=student, kind="year", value="отл"
        )


def test_period_mark_needs_a_period_of_the_courses_year_and_grade_scheme(sch: Sch) -> None:
    # R-MRK-3, R-STR-1: 10А has halves, not quarters.
    i = sch.ids
    teacher, student = i.math_teacher, i.students_10a[0]
    with sch.refused(RuleViolation):
        teaching.give_final_mark(
            sch.j, teacher, course=i.math_10a, student=student, kind="period", value="5"
        )
    with sch.refused(RuleViolation):
        teaching.give_final_mark(
            sch.j,
            teacher,
            course=i.math_10a,
            student=student,
            kind="period",
            value="5",
            period=i.quarters[1],
        )
    with sch.refused(RuleViolation):
        teaching.give_final_mark(
            sch.j,
            teacher,
            course=i.math_5a,
            student=i.students_5a[0],
            kind="period",
            value="5",
            period=i.halves[0],
        )
    with sch.refused(NotFound):
        teaching.give_final_mark(
            sch.j,
            teacher,
            course=i.math_10a,
            student=student,
            kind="period",
            value="5",
            period="2026-2027-x9",
        )
    with sch.refused(RuleViolation):
        teaching.give_final_mark(
            sch.j, teacher, course=i.math_10a, student=student, kind="semester", value="5"
        )
    with sch.refused(RuleViolation):
        teaching.give_final_mark(
            sch.j, teacher, course=i.math_10a, student=i.students_5a[0], kind="year", value="5"
        )
    teaching.give_final_mark(
        sch.j,
        teacher,
        course=i.math_10a,
        student=student,
        kind="period",
        value="5",
        period=i.halves[0],
    )


def test_replacing_a_final_mark_needs_a_reason(sch: Sch) -> None:
    # R-MRK-3, R-MRK-2: a period mark once given is replaced only by a reasoned record.
    i = sch.ids
    q2, student = i.quarters[1], i.students_5a[0]
    give = teaching.give_final_mark
    give(
        sch.j,
        i.math_teacher,
        course=i.math_5a,
        student=student,
        kind="period",
        value="4",
        period=q2,
    )
    with sch.refused(RuleViolation):
        give(
            sch.j,
            i.math_teacher,
            course=i.math_5a,
            student=student,
            kind="period",
            value="5",
            period=q2,
        )
    give(
        sch.j,
        i.math_teacher,
        course=i.math_5a,
        student=student,
        kind="period",
        value="5",
        period=q2,
        reason="пересдача контрольной работы",
    )
    assert sch.all(
        "SELECT value, reason FROM final_marks WHERE course = ? AND student = ? ORDER BY id",
        i.math_5a,
        student,
    ) == [
        ("4", ""),
        ("5", "пересдача контрольной работы"),
    ]
    give(
        sch.j, i.math_teacher, course=i.math_5a, student=student, kind="exam", value="5"
    )  # another kind: no reason needed


# --- comments (R-MRK-4) -----------------------------------------------------------------------


def test_comments_remarks_praise_and_messages_to_parents(sch: Sch) -> None:
    # R-MRK-4
    i = sch.ids
    lesson = sch.lesson(i.russian_5a, "2026-11-16")
    a = i.students_5a[0]
    t = i.russian_teacher
    teaching.add_comment(
        sch.j, t, lesson=lesson, student=a, kind="praise", text="Отличное   сочинение,\nмолодец!"
    )
    teaching.add_comment(
        sch.j,
        t,
        lesson=lesson,
        student=a,
        kind="remark",
        text="Забыл тетрадь для контрольных работ.",
    )
    teaching.add_comment(
        sch.j, t, lesson=lesson, student=a, kind="note", text="Прошу подписать контрольную работу."
    )
    assert sch.all("SELECT kind, text FROM comments WHERE student = ? ORDER BY at, kind", a) == [
        ("note", "Прошу подписать контрольную работу."),
        ("praise", "Отличное сочинение, молодец!"),
        ("remark", "Забыл тетрадь для контрольных работ."),
    ]
    for kind, text in [
        ("insult", "Плохо."),
        ("remark", "  "),
        ("remark", "ок"),
        ("note", "а" * 1001),
    ]:
        with sch.refused(RuleViolation):
            teaching.add_comment(sch.j, t, lesson=lesson, student=a, kind=kind, text=text)
    with sch.refused(RuleViolation):
        teaching.add_comment(
            sch.j, t, lesson=lesson, student=i.students_5b[0], kind="praise", text="Молодец!"
        )
    with sch.refused(PermissionDenied):
        teaching.add_comment(
            sch.j, i.math_teacher, lesson=lesson, student=a, kind="praise", text="Молодец!"
        )


# --- weighted average and forecast (R-MRK-5) --------------------------------------------------


def _average(sch: Sch, course: str, student: str) -> float | None:
    weights = json.loads(sch.one("SELECT weights FROM school WHERE id = 1")[0] or "{}")
    marks = sch.all(
        "SELECT current, kind FROM marks WHERE course = ? AND student = ? AND current IS NOT NULL",
        course,
        student,
    )
    return rules.weighted_average(marks, weights)


def test_weighted_average_and_forecast_of_the_period_mark(sch: Sch) -> None:
    # R-MRK-5: weights per work kind (КР 3, СР 2, oral 1 by default); revoked marks do not count.
    i = sch.ids
    a = i.students_5a[0]
    assert _average(sch, i.math_5a, a) is None and rules.forecast(None) is None
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    mark(sch, lesson, a, "5", kind="КР")
    mark(sch, lesson, a, "3", kind="У")
    mark(sch, lesson, a, "4", kind="СР")
    wrong = mark(sch, lesson, a, "2", kind="КР")
    teaching.revoke_mark(sch.j, i.math_teacher, mark=wrong, reason="чужая работа")
    assert _average(sch, i.math_5a, a) == round((5 * 3 + 3 + 4 * 2) / 6, 2) == 4.33
    assert rules.forecast(4.33) == "4"
    assert rules.forecast(4.5) == "5" and rules.forecast(2.49) == "2" and rules.forecast(1.0) == "2"
    assert rules.weighted_average([("зач", "У"), ("н/а", "КР")]) is None


def test_weights_are_configurable_per_school(sch: Sch) -> None:
    # R-MRK-5
    i = sch.ids
    structure.configure_school(
        sch.j, i.admin, ev.SchoolConfigured(name="МБОУ «Средняя школа № 7»", weights={"КР": 1})
    )
    a = i.students_5a[0]
    lesson = sch.lesson(i.math_5a, "2026-11-16")
    mark(sch, lesson, a, "5", kind="КР")
    mark(sch, lesson, a, "3", kind="У")
    assert _average(sch, i.math_5a, a) == 4.0 and rules.forecast(4.0) == "4"


# --- the diary's data (R-DIA-1) -------------------------------------------------------------


def test_everything_the_teacher_enters_is_in_the_diary_at_once(sch: Sch) -> None:
    # R-DIA-1: no batch, no delay: the projection the diary reads holds each entry as soon as
    # the command returns.
    i = sch.ids
    a = i.students_5a[0]
    lesson = sch.lesson(i.math_5a, "2026-11-16", topic="Дроби", homework="№ 350")
    assert sch.one("SELECT homework FROM lessons WHERE lesson = ?", lesson) == ("№ 350",)
    m = mark(sch, lesson, a, "5")
    assert sch.one("SELECT current FROM marks WHERE mark = ?", m) == ("5",)
    teaching.mark_attendance(
        sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[1], code="Б"
    )
    assert sch.one(
        "SELECT code FROM attendance WHERE lesson = ? AND student = ?", lesson, i.students_5a[1]
    ) == ("Б",)
    c = teaching.add_comment(
        sch.j,
        i.math_teacher,
        lesson=lesson,
        student=a,
        kind="praise",
        text="Лучшая работа в классе.",
    )
    assert sch.one("SELECT student FROM comments WHERE comment = ?", c) == (a,)
    teaching.update_lesson(sch.j, i.math_teacher, lesson=lesson, homework="№ 350, 351")
    assert sch.one("SELECT homework FROM lessons WHERE lesson = ?", lesson) == ("№ 350, 351",)
