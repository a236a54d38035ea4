"""The deputy head's control and the school's communication, through the commands: remarks
with due dates, the class teacher's read-only overview, announcements and messages
(R-CTL-2, R-CTL-4, R-COM-1, R-SEC-1)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ejournal.model import access
from ejournal.model.commands import control, teaching
from ejournal.model.errors import NotFound, PermissionDenied, RuleViolation

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]

TODAY = "2026-11-16"


# --- remarks of the deputy head (R-CTL-2) ----------------------------------------------------


def test_deputy_remark_has_a_due_date_and_only_the_addressed_teacher_fixes_it(sch: Sch) -> None:
    # R-CTL-2
    i = sch.ids
    r = control.issue_remark(
        sch.j,
        i.deputy,
        teacher=i.math_teacher,
        course=i.math_5a,
        text="Не заполнены темы уроков за 9–13 ноября.",
        due="2026-11-20",
    )
    row = sch.one("SELECT teacher, course, due, by, fixed_at FROM remarks WHERE remark = ?", r)
    assert row == (i.math_teacher, i.math_5a, "2026-11-20", i.deputy, None)
    for actor in (i.russian_teacher, i.deputy, i.director):
        with sch.refused(PermissionDenied):
            control.fix_remark(sch.j, actor, remark=r, note="готово")
    sch.clock.set("2026-11-18 16:00")
    control.fix_remark(sch.j, i.math_teacher, remark=r, note="Темы заполнены по КТП.")
    assert sch.one("SELECT fixed_at, fixed_note FROM remarks WHERE remark = ?", r) == (
        "2026-11-18T09:00:00.000Z",
        "Темы заполнены по КТП.",
    )
    with sch.refused(RuleViolation):
        control.fix_remark(sch.j, i.math_teacher, remark=r)
    with sch.refused(RuleViolation):
        control.fix_remark(sch.j, i.math_teacher, remark="rmk-nonexistent")


def test_remark_due_date_in_the_past_is_refused(sch: Sch) -> None:
    # R-CTL-2
    i = sch.ids
    with sch.refused(RuleViolation):
        control.issue_remark(
            sch.j, i.deputy, teacher=i.math_teacher, text="Нет отметок за КР.", due="2026-11-15"
        )
    with sch.refused(RuleViolation):
        control.issue_remark(
            sch.j, i.deputy, teacher=i.math_teacher, text="Нет отметок за КР.", due="20.11.2026"
        )
    with sch.refused(RuleViolation):
        control.issue_remark(sch.j, i.deputy, teacher=i.math_teacher, text="   ", due="2026-11-20")
    control.issue_remark(
        sch.j, i.deputy, teacher=i.math_teacher, text="Нет отметок за КР.", due=TODAY
    )  # today is fine


def test_only_deputy_or_director_issue_remarks_about_the_teachers_own_course(sch: Sch) -> None:
    # R-CTL-2, R-SEC-1
    i = sch.ids
    for actor in (i.math_teacher, i.secretary, i.admin, i.parent_5a):
        with sch.refused(PermissionDenied):
            control.issue_remark(
                sch.j, actor, teacher=i.russian_teacher, text="Замечание", due="2026-11-20"
            )
    with sch.refused(RuleViolation):
        control.issue_remark(
            sch.j,
            i.deputy,
            teacher=i.russian_teacher,
            course=i.math_5a,
            text="Замечание",
            due="2026-11-20",
        )
    with sch.refused(NotFound):
        control.issue_remark(
            sch.j,
            i.deputy,
            teacher=i.russian_teacher,
            course="crs-nonexistent",
            text="Замечание",
            due="2026-11-20",
        )
    control.issue_remark(
        sch.j,
        i.director,
        teacher=i.russian_teacher,
        text="Проверить накопляемость в 5А.",
        due="2026-11-30",
    )


# --- the class teacher's overview (R-CTL-4, R-SEC-1) ---------------------------------------


def test_class_teacher_sees_the_own_class_across_subjects_but_edits_only_own_courses(
    sch: Sch,
) -> None:
    # R-CTL-4 (data side), R-SEC-1: the class teacher of 5А reads all of the class, read-only.
    i = sch.ids
    ct = i.russian_teacher
    db = sch.j.db
    assert access.is_class_teacher(db, ct, i.c5a, TODAY)
    assert not access.is_class_teacher(db, ct, i.c5b, TODAY)
    assert not access.may(db, ct, "journal.read_all", TODAY)
    math = sch.lesson(i.math_5a, TODAY)
    english = sch.lesson(i.english_5a_g1, TODAY)
    teaching.give_mark(
        sch.j, i.math_teacher, lesson=math, student=i.students_5a[0], value="5", kind="КР"
    )
    teaching.give_mark(
        sch.j, i.english_teacher, lesson=english, student=i.students_5a[0], value="4", kind="У"
    )
    overview = sch.all(
        "SELECT s.name, m.student, m.current FROM marks m JOIN courses c ON c.course = m.course "
        "JOIN subjects s ON s.subject = c.subject JOIN group_classes gc ON gc.grp = c.grp "
        "WHERE gc.class = ? ORDER BY s.name",
        i.c5a,
    )
    assert overview == [
        ("Английский язык", i.students_5a[0], "4"),
        ("Математика", i.students_5a[0], "5"),
    ]
    courses = {
        c
        for (c,) in sch.all(
            "SELECT c.course FROM courses c JOIN group_classes gc ON gc.grp = c.grp "
            "WHERE gc.class = ?",
            i.c5a,
        )
    }
    assert courses == {
        i.math_5a,
        i.russian_5a,
        i.english_5a_g1,
        i.english_5a_g2,
        i.finance_5,
        i.talks_5a,
    }
    with sch.refused(PermissionDenied):
        teaching.give_mark(sch.j, ct, lesson=math, student=i.students_5a[1], value="2", kind="У")
    with sch.refused(PermissionDenied):
        teaching.correct_mark(
            sch.j,
            ct,
            mark=sch.one("SELECT mark FROM marks WHERE lesson = ?", math)[0],
            value="4",
            reason="по просьбе родителей",
        )
    with sch.refused(PermissionDenied):
        teaching.mark_attendance(sch.j, ct, lesson=english, student=i.students_5a[1], code="У")


def test_summary_forms_only_for_staff_who_need_them(sch: Sch) -> None:
    # R-SEC-1: сводная ведомость and reports are not for every teacher.
    i = sch.ids
    db = sch.j.db
    assert [
        p for p in (i.director, i.deputy, i.secretary) if access.may(db, p, "summary.read", TODAY)
    ] == [i.director, i.deputy, i.secretary]
    for person in (i.math_teacher, i.russian_teacher, i.parent_5a, i.students_10a[0], i.admin):
        assert not access.may(db, person, "summary.read", TODAY)
        assert not access.may(db, person, "reports.read", TODAY)


# --- announcements and messages (R-COM-1) ---------------------------------------------------


def test_announcements_from_the_deputy_head_for_all_staff_or_a_class(sch: Sch) -> None:
    # R-COM-1
    i = sch.ids
    a1 = control.post_announcement(
        sch.j,
        i.deputy,
        audience="all",
        title="Родительское собрание",
        text="27 ноября в 18:00, актовый зал.",
    )
    a2 = control.post_announcement(
        sch.j, i.deputy, audience="staff", title="Педсовет", text="Педсовет 30 ноября в 15:00."
    )
    a3 = control.post_announcement(
        sch.j, i.director, audience=i.c5a, title="Экскурсия", text="5А едет в музей 20 ноября."
    )
    assert set(sch.all("SELECT announcement, audience, by FROM announcements")) == {
        (a1, "all", i.deputy),
        (a2, "staff", i.deputy),
        (a3, i.c5a, i.director),
    }
    for actor in (i.math_teacher, i.secretary, i.parent_5a):
        with sch.refused(PermissionDenied):
            control.post_announcement(
                sch.j, actor, audience="all", title="Объявление", text="Текст"
            )
    for audience, title, text in [
        (i.english_5a_1, "Группа", "Текст"),
        ("parents", "Всем", "Текст"),
        ("all", "", "Текст"),
        ("all", "Заголовок", "  "),
    ]:
        with sch.refused(RuleViolation):
            control.post_announcement(sch.j, i.deputy, audience=audience, title=title, text=text)


def test_messages_between_parents_teachers_and_administration(sch: Sch) -> None:
    # R-COM-1
    i = sch.ids
    m = control.send_message(
        sch.j,
        i.parent_5a,
        to=[i.russian_teacher, i.parent_5a],
        subject="Пропуск",
        text="Артём болеет, справку принесём.",
    )
    assert sch.one("SELECT by, subject FROM messages WHERE message = ?", m) == (
        i.parent_5a,
        "Пропуск",
    )
    assert sch.all("SELECT person, read_at FROM message_recipients WHERE message = ?", m) == [
        (i.russian_teacher, None)
    ]
    with sch.refused(PermissionDenied):
        control.read_message(sch.j, i.math_teacher, message=m)
    sch.clock.set("2026-11-16 12:30")
    control.read_message(sch.j, i.russian_teacher, message=m)
    control.read_message(sch.j, i.russian_teacher, message=m)  # reading again writes nothing new
    assert sch.one("SELECT read_at FROM message_recipients WHERE message = ?", m) == (
        "2026-11-16T05:30:00.000Z",
    )
    reply = control.send_message(
        sch.j,
        i.russian_teacher,
        to=[i.parent_5a],
        subject="Re: Пропуск",
        text="Спасибо, выздоравливайте.",
        reply_to=m,
    )
    assert sch.one("SELECT reply_to FROM messages WHERE message = ?", reply) == (m,)
    control.send_message(
        sch.j, i.students_10a[0], to=[i.math_teacher], subject="Вопрос", text="Можно пересдать КР?"
    )


def test_message_refusals(sch: Sch) -> None:
    # R-COM-1: only people with a current role write, and only to such people.
    i = sch.ids
    outsider = sch.ids.students_5a[1]  # no login yet
    with sch.refused(RuleViolation):
        control.send_message(sch.j, i.deputy, to=[i.deputy], subject="Себе", text="Текст")
    with sch.refused(RuleViolation):
        control.send_message(sch.j, i.deputy, to=[outsider], subject="Тема", text="Текст")
    with sch.refused(PermissionDenied):
        control.send_message(sch.j, outsider, to=[i.deputy], subject="Тема", text="Текст")
    with sch.refused(RuleViolation):
        control.send_message(sch.j, i.deputy, to=[i.math_teacher], subject="Тема", text="")
