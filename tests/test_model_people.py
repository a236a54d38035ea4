"""People, roles and the movement of students, through the commands: registering, roles with
dates and the access matrix, logins issued by the class teacher, admission, transfer,
withdrawal, year closing and promotion, and a reported credential compromise
(R-STR-2, R-STR-7, R-SEC-1, R-SEC-2, R-SEC-3, R-DIA-2)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ejournal.log import verify_data_dir
from ejournal.model import access
from ejournal.model import events as ev
from ejournal.model.commands import control, people, structure, teaching
from ejournal.model.errors import JournalError, PermissionDenied, RuleViolation
from ejournal.projection.db import rebuild

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]

TODAY = "2026-11-16"


# --- registering people and personal data (R-SEC-1, R-SEC-4) ------------------------------


def test_secretary_edits_people_but_not_structure(sch: Sch) -> None:
    # R-SEC-1: the secretary keeps the lists of people; the year structure is the administration's.
    i = sch.ids
    p = people.register_person(
        sch.j, i.secretary, last_name=" Ёлкина ", first_name="Анна", middle_name="Петровна", sex="ж"
    )
    assert sch.one(
        "SELECT last_name, first_name, middle_name FROM persons WHERE person = ?", p
    ) == ("Ёлкина", "Анна", "Петровна")
    people.update_person(
        sch.j,
        i.secretary,
        ev.PersonUpdated(
            person=p, last_name="Сосновская", reason="смена фамилии, свидетельство о браке"
        ),
    )
    assert sch.one("SELECT last_name FROM persons WHERE person = ?", p) == ("Сосновская",)
    with sch.refused(PermissionDenied):
        structure.create_class(sch.j, i.secretary, year="2026/2027", grade=6, letter="А")
    with sch.refused(PermissionDenied):
        structure.set_curriculum(
            sch.j, i.secretary, year="2026/2027", class_=i.c5a, subject=i.math, hours=6
        )
    with sch.refused(PermissionDenied):
        people.grant_role(sch.j, i.secretary, person=p, role="teacher", start=TODAY)


def test_teachers_parents_and_students_cannot_register_people(sch: Sch) -> None:
    # R-SEC-1
    i = sch.ids
    for actor in (i.math_teacher, i.parent_5a, i.students_10a[0], i.deputy):
        with sch.refused(PermissionDenied):
            people.register_person(sch.j, actor, last_name="Новиков", first_name="Иван")


def test_person_names_and_dates_are_checked(sch: Sch) -> None:
    # R-SEC-4: only what the journal needs, written correctly.
    i = sch.ids
    for fields in (
        {"last_name": "", "first_name": "Иван"},
        {"last_name": "Иванов2", "first_name": "Иван"},
        {"last_name": "Иванов", "first_name": "Иван", "birth_date": "01.02.2015"},
        {"last_name": "Иванов", "first_name": "Иван", "sex": "male"},
    ):
        with sch.refused(RuleViolation):
            people.register_person(sch.j, i.secretary, **fields)
    with sch.refused(RuleViolation):
        people.update_person(
            sch.j, i.secretary, ev.PersonUpdated(person="p-nobody", last_name="Иванов")
        )


# --- roles with dates and the access matrix (R-SEC-1) --------------------------------------------


def test_role_not_yet_started_gives_no_right(sch: Sch) -> None:
    # R-SEC-1: a role counts from its start date.
    i = sch.ids
    newcomer = people.register_person(sch.j, i.secretary, last_name="Белов", first_name="Илья")
    people.grant_role(sch.j, i.admin, person=newcomer, role="teacher", start="2026-11-23")
    people.grant_role(sch.j, i.admin, person=newcomer, role="deputy", start="2026-11-23")
    assert access.roles_of(sch.j.db, newcomer, TODAY) == set()
    with sch.refused(RuleViolation):  # not yet a teacher: cannot be given a course
        structure.create_course(
            sch.j,
            i.deputy,
            year="2026/2027",
            subject=i.math,
            teacher=newcomer,
            group=i.c5b,
            start=TODAY,
            end="2027-05-25",
        )
    with sch.refused(PermissionDenied):
        structure.create_class(sch.j, newcomer, year="2026/2027", grade=6, letter="А")
    sch.clock.set("2026-11-23 08:00")
    assert access.roles_of(sch.j.db, newcomer, "2026-11-23") == {"teacher", "deputy"}
    structure.create_class(sch.j, newcomer, year="2026/2027", grade=6, letter="А")


def test_role_already_ended_gives_no_right(sch: Sch) -> None:
    # R-SEC-1: a revoked role counts up to its end date, inclusive, and not after.
    i = sch.ids
    lesson = sch.lesson(i.math_5a, TODAY)
    people.revoke_role(sch.j, i.admin, person=i.math_teacher, role="teacher", end="2026-11-16")
    teaching.give_mark(
        sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[0], value="5", kind="У"
    )
    sch.clock.set("2026-11-17 09:00")
    assert "teacher" not in access.roles_of(sch.j.db, i.math_teacher, "2026-11-17")
    with sch.refused(PermissionDenied):
        teaching.give_mark(
            sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[1], value="5", kind="У"
        )
    with sch.refused(PermissionDenied):
        people.revoke_role(sch.j, i.secretary, person=i.russian_teacher, role="teacher", end=TODAY)


def test_access_matrix_by_role(sch: Sch) -> None:
    # R-SEC-1: the access matrix; summary forms only for staff who need them.
    i = sch.ids
    allowed = {
        i.admin: {
            "structure.edit",
            "people.edit",
            "roles.grant",
            "journal.read_all",
            "security.compromise",
            "announcement.post",
        },
        i.director: {
            "structure.edit",
            "people.edit",
            "journal.read_all",
            "control.remark",
            "security.compromise",
            "announcement.post",
            "reports.read",
            "summary.read",
            "archive.read",
        },
        i.deputy: {
            "structure.edit",
            "journal.read_all",
            "control.remark",
            "announcement.post",
            "reports.read",
            "summary.read",
        },
        i.secretary: {"people.edit", "summary.read"},
        i.math_teacher: {"journal.write"},
        i.parent_5a: set(),
        i.students_10a[0]: set(),
    }
    for person, actions in allowed.items():
        got = {a for a in access.MATRIX if access.may(sch.j.db, person, a, TODAY)}
        assert got == actions, person
    assert set(access.ROLES) >= {
        "admin",
        "director",
        "deputy",
        "secretary",
        "teacher",
        "parent",
        "student",
        "archivist",
    }
    assert set(access.MATRIX) == set(access.MATRIX_RU)


def test_only_the_administrator_grants_staff_roles(sch: Sch) -> None:
    # R-SEC-1, R-SEC-2: logins of staff are issued by the administrator.
    i = sch.ids
    p = people.register_person(sch.j, i.secretary, last_name="Гусев", first_name="Олег")
    for actor in (i.director, i.deputy, i.russian_teacher):
        with sch.refused(PermissionDenied):
            people.grant_role(sch.j, actor, person=p, role="teacher", start=TODAY)
    with sch.refused(RuleViolation):
        people.grant_role(sch.j, i.admin, person=p, role="king", start=TODAY)
    with sch.refused(RuleViolation):
        people.grant_role(sch.j, i.admin, person="p-nobody", role="teacher", start=TODAY)
    with sch.refused(RuleViolation):
        people.grant_role(sch.j, i.admin, person=p, role="parent", start=TODAY)  # whose parent?
    people.grant_role(sch.j, i.admin, person=p, role="archivist", start=TODAY)
    assert access.may(sch.j.db, p, "archive.read", TODAY)


def test_class_teacher_issues_logins_to_parents_and_students_of_own_class(sch: Sch) -> None:
    # R-SEC-2: the class teacher gives logins to the parents and students of the class; another
    # teacher does not.
    i = sch.ids
    child = i.students_5a[1]
    mother = people.register_person(sch.j, i.secretary, last_name="Кузнецова", first_name="Ольга")
    with sch.refused(PermissionDenied):
        people.grant_role(
            sch.j, i.math_teacher, person=mother, role="parent", start=TODAY, scope=child
        )
    with sch.refused(PermissionDenied):
        people.grant_role(
            sch.j, i.history_teacher, person=mother, role="parent", start=TODAY, scope=child
        )  # 5Б's
    with sch.refused(PermissionDenied):
        people.grant_role(sch.j, i.math_teacher, person=child, role="student", start=TODAY)
    people.grant_role(
        sch.j, i.russian_teacher, person=mother, role="parent", start=TODAY, scope=child
    )
    people.grant_role(sch.j, i.russian_teacher, person=child, role="student", start=TODAY)
    with sch.refused(PermissionDenied):  # staff roles stay with the administrator
        people.grant_role(sch.j, i.russian_teacher, person=mother, role="teacher", start=TODAY)
    assert access.is_guardian(sch.j.db, mother, child, TODAY)
    assert access.roles_of(sch.j.db, child, TODAY) == {"student"}


def test_parents_see_their_own_children_only_and_students_never_write(sch: Sch) -> None:
    # R-DIA-2 (data side): a parent's role is scoped to the child; a student sees only the diary.
    i = sch.ids
    assert access.is_guardian(sch.j.db, i.parent_5a, i.students_5a[0], TODAY)
    assert not access.is_guardian(sch.j.db, i.parent_5a, i.students_5a[1], TODAY)
    assert not access.is_guardian(sch.j.db, i.parent_10a, i.students_5a[0], TODAY)
    lesson = sch.lesson(i.math_10a, TODAY)
    for actor in (i.students_10a[0], i.parent_10a):
        assert not access.may(sch.j.db, actor, "journal.read_all", TODAY)
        with sch.refused(PermissionDenied):
            teaching.give_mark(
                sch.j, actor, lesson=lesson, student=i.students_10a[0], value="5", kind="У"
            )
        with sch.refused(PermissionDenied):
            teaching.mark_attendance(
                sch.j, actor, lesson=lesson, student=i.students_10a[0], code=""
            )


# --- classes, groups, individual plans (R-STR-2) --------------------------------------------


def test_individual_plan_is_recorded_with_the_membership(sch: Sch) -> None:
    # R-STR-2: a student on an individual plan (e.g. home schooling), membership with dates.
    i = sch.ids
    p = people.register_person(
        sch.j, i.secretary, last_name="Титов", first_name="Роман", birth_date="2015-09-09"
    )
    people.enroll(
        sch.j,
        i.secretary,
        student=p,
        group=i.c5b,
        start="2026-11-16",
        order="№ 150-у",
        individual_plan=True,
    )
    assert sch.one(
        "SELECT grp, start, end, individual_plan FROM memberships WHERE student = ?", p
    ) == (i.c5b, "2026-11-16", None, 1)
    assert sch.one(
        "SELECT individual_plan FROM memberships WHERE student = ? AND grp = ?",
        i.students_5b[0],
        i.c5b,
    ) == (0,)


def test_group_across_classes_takes_students_from_both(sch: Sch) -> None:
    # R-STR-2: the elective group of 5А and 5Б.
    i = sch.ids
    lesson = sch.lesson(i.finance_5, TODAY)
    for student in (i.students_5a[0], i.students_5b[0]):
        teaching.give_mark(
            sch.j, i.history_teacher, lesson=lesson, student=student, value="зач", kind="ПР"
        )
    with sch.refused(RuleViolation):  # in 5А, but not in the elective
        teaching.give_mark(
            sch.j,
            i.history_teacher,
            lesson=lesson,
            student=i.students_5a[1],
            value="зач",
            kind="ПР",
        )
    people.enroll(sch.j, i.secretary, student=i.students_5a[1], group=i.finance_group, start=TODAY)
    teaching.give_mark(
        sch.j, i.history_teacher, lesson=lesson, student=i.students_5a[1], value="зач", kind="ПР"
    )


def test_enrolment_refusals(sch: Sch) -> None:
    # R-STR-2, R-STR-7
    i = sch.ids
    with sch.refused(RuleViolation):  # already in 5А this year
        people.enroll(sch.j, i.secretary, student=i.students_5a[0], group=i.c5b, start=TODAY)
    with sch.refused(RuleViolation):
        people.enroll(
            sch.j, i.secretary, student=i.students_5a[0], group="cls-nonexistent", start=TODAY
        )
    with sch.refused(RuleViolation):
        people.enroll(sch.j, i.secretary, student="p-nobody", group=i.c5b, start=TODAY)
    with sch.refused(PermissionDenied):
        people.enroll(sch.j, i.russian_teacher, student=i.students_5b[0], group=i.c5a, start=TODAY)


# --- movement of students (R-STR-7) -----------------------------------------------------------


def test_transfer_moves_the_student_between_classes_from_a_date(sch: Sch) -> None:
    # R-STR-7, R-STR-2: leaves the old class the day before, joins the new one on the date.
    i = sch.ids
    s = i.students_5a[1]
    people.transfer(
        sch.j,
        i.secretary,
        student=s,
        from_class=i.c5a,
        to_class=i.c5b,
        on="2026-11-12",
        order="№ 141-у",
    )
    assert sch.all(
        "SELECT grp, start, end, reason FROM memberships "
        "WHERE student = ? AND grp IN (?, ?) ORDER BY start",
        s,
        i.c5a,
        i.c5b,
    ) == [
        (i.c5a, "2026-09-01", "2026-11-11", "transfer"),
        (i.c5b, "2026-11-12", None, ""),
    ]
    with sch.refused(RuleViolation):  # no longer in 5А
        people.transfer(
            sch.j, i.secretary, student=s, from_class=i.c5a, to_class=i.c5b, on="2026-11-16"
        )


def test_transfer_refused_writes_nothing(sch: Sch) -> None:
    # R-STR-7: a refused transfer leaves the student where they were (no half-done move).
    i = sch.ids
    s = i.students_5a[0]
    for to_class in ("cls-nonexistent", i.english_5a_2):
        with sch.refused(RuleViolation):
            people.transfer(
                sch.j, i.secretary, student=s, from_class=i.c5a, to_class=to_class, on="2026-11-12"
            )
    with sch.refused(RuleViolation):
        people.transfer(
            sch.j, i.secretary, student=s, from_class=i.c5a, to_class=i.c5b, on="12.11.2026"
        )
    with sch.refused(PermissionDenied):
        people.transfer(
            sch.j, i.math_teacher, student=s, from_class=i.c5a, to_class=i.c5b, on="2026-11-12"
        )
    assert sch.one("SELECT end FROM memberships WHERE student = ? AND grp = ?", s, i.c5a) == (None,)


def test_withdrawal_ends_the_membership(sch: Sch) -> None:
    # R-STR-7
    i = sch.ids
    s = i.students_10a[1]
    with sch.refused(RuleViolation):
        people.leave(
            sch.j, i.secretary, student=s, group=i.c10a, end="2026-08-01", reason="withdrawal"
        )
    with sch.refused(RuleViolation):
        people.leave(sch.j, i.secretary, student=s, group=i.c5a, end=TODAY, reason="withdrawal")
    people.leave(
        sch.j,
        i.secretary,
        student=s,
        group=i.c10a,
        end="2026-11-13",
        reason="withdrawal",
        order="№ 152-у",
    )
    assert sch.one(
        "SELECT end, reason FROM memberships WHERE student = ? AND grp = ?", s, i.c10a
    ) == ("2026-11-13", "withdrawal")
    lesson = sch.lesson(i.math_10a, TODAY)
    with sch.refused(RuleViolation):
        teaching.give_mark(sch.j, i.math_teacher, lesson=lesson, student=s, value="5", kind="У")


def test_after_close_year_no_lesson_or_mark_can_be_written_for_that_year(sch: Sch) -> None:
    # R-STR-7: year closing.
    i = sch.ids
    t = i.math_teacher
    a = i.students_5a[0]
    lesson = sch.lesson(i.math_5a, "2027-05-20")
    sch.clock.set("2027-05-21 10:00")
    m = teaching.give_mark(sch.j, t, lesson=lesson, student=a, value="4", kind="У")
    sch.clock.set("2027-05-31 10:00")
    with sch.refused(PermissionDenied):
        structure.close_year(sch.j, t, year="2026/2027")
    structure.close_year(sch.j, i.deputy, year="2026/2027")
    assert sch.one("SELECT closed FROM years WHERE year = '2026/2027'") == (1,)
    attempts = [
        lambda: teaching.record_lesson(sch.j, t, course=i.math_5a, date="2027-05-24"),
        lambda: teaching.give_mark(sch.j, t, lesson=lesson, student=a, value="5", kind="У"),
        lambda: teaching.correct_mark(sch.j, t, mark=m, value="5", reason="пересмотр"),
        lambda: teaching.revoke_mark(sch.j, t, mark=m, reason="ошибка"),
        lambda: teaching.mark_attendance(sch.j, t, lesson=lesson, student=a, code="Н"),
        lambda: teaching.update_lesson(sch.j, t, lesson=lesson, topic="Новая тема"),
        lambda: teaching.give_final_mark(
            sch.j, t, course=i.math_5a, student=a, kind="year", value="4"
        ),
        lambda: teaching.add_comment(
            sch.j, t, lesson=lesson, student=a, kind="praise", text="Молодец!"
        ),
        lambda: teaching.substitute(sch.j, i.deputy, lesson=lesson, teacher=i.history_teacher),
        lambda: structure.close_year(sch.j, i.deputy, year="2026/2027"),
    ]
    for attempt in attempts:
        with sch.refused(RuleViolation):
            attempt()


def test_promotion_to_the_next_grade_at_year_closing(sch: Sch) -> None:
    # R-STR-7: the council's decision per student, then admission to next year's class.
    i = sch.ids
    d = i.deputy
    structure.define_year(sch.j, d, year="2027/2028", start="2027-09-01", end="2028-05-25")
    c6a = structure.create_class(sch.j, d, year="2027/2028", grade=6, letter="А")
    a, b = i.students_5a[:2]
    with sch.refused(RuleViolation):
        people.promote(sch.j, d, student=a, year="2026/2027", decision="moved up")
    with sch.refused(PermissionDenied):
        people.promote(
            sch.j, i.russian_teacher, student=a, year="2026/2027", decision="promoted", to_class=c6a
        )
    people.promote(sch.j, d, student=a, year="2026/2027", decision="promoted", to_class=c6a)
    people.promote(sch.j, d, student=b, year="2026/2027", decision="conditionally", to_class=c6a)
    people.promote(sch.j, d, student=i.students_10a[0], year="2026/2027", decision="promoted")
    assert sch.all(
        "SELECT student, decision, to_class FROM promotions "
        "WHERE year = '2026/2027' ORDER BY decision"
    ) == [
        (b, "conditionally", c6a),
        (a, "promoted", c6a),
        (i.students_10a[0], "promoted", ""),
    ]
    structure.close_year(sch.j, d, year="2026/2027")
    for student in (a, b):
        people.enroll(
            sch.j, i.secretary, student=student, group=c6a, start="2027-09-01", order="№ 90-у"
        )
    assert sch.all("SELECT student FROM memberships WHERE grp = ? ORDER BY student", c6a) == sorted(
        [(a,), (b,)]
    )


# --- credential compromise (R-SEC-3) ----------------------------------------------------------


def _segments(sch: Sch) -> bytes:
    return b"".join(p.read_bytes() for p in sorted(Path(sch.j.feed.dir).glob("seg-*.jsonl")))


def test_compromised_credentials_invalidate_entries_since_the_reported_time(
    sch: Sch, tmp_path: Path
) -> None:
    # R-SEC-3: every entry made with the credentials since the time is invalid in the projection;
    # the rows stay for the administration; the log is untouched.
    i = sch.ids
    t, j = i.math_teacher, sch.j
    a, b, c, d = i.students_5a
    # 09:00, before the theft: honest entries
    lesson = sch.lesson(i.math_5a, TODAY, topic="Сложение дробей")
    honest = teaching.give_mark(j, t, lesson=lesson, student=a, value="3", kind="СР")
    teaching.mark_attendance(j, t, lesson=lesson, student=b, code="Н")
    # 10:00 onwards: someone else uses the teacher's password
    sch.clock.set(f"{TODAY} 10:00")
    forged = teaching.give_mark(j, t, lesson=lesson, student=c, value="5", kind="КР")
    teaching.correct_mark(j, t, mark=honest, value="5", reason="пересчёт")
    teaching.mark_attendance(j, t, lesson=lesson, student=b, code="У")
    teaching.mark_attendance(j, t, lesson=lesson, student=d, code="Б")
    teaching.update_lesson(j, t, lesson=lesson, topic="Взломано")
    teaching.give_final_mark(
        j, t, course=i.math_5a, student=c, kind="period", value="5", period=i.quarters[1]
    )
    teaching.add_comment(j, t, lesson=lesson, student=c, kind="praise", text="Лучший ученик школы.")
    assert sch.one("SELECT current FROM marks WHERE mark = ?", honest) == ("5",)
    # 11:00: the compromise is reported
    sch.clock.set(f"{TODAY} 11:00")
    for actor, since in [
        (i.math_teacher, None),
        (i.deputy, None),
        (i.admin, f"{TODAY}T12:00:00.000+07:00"),
        (i.admin, "10:00"),
    ]:
        with sch.refused(JournalError):
            people.report_compromise(j, actor, person=t, since=since, reason="пароль")
    before = _segments(sch)
    people.report_compromise(
        j, i.admin, person=t, since=f"{TODAY}T10:00:00.000+07:00", reason="пароль видели ученики"
    )
    assert _segments(sch).startswith(before)  # the log only grew: nothing rewritten
    j.feed.checkpoint()
    assert verify_data_dir(j.data_dir.path, j.data_dir.root_verifier()).ok
    assert sch.one("SELECT value, current, invalid FROM marks WHERE mark = ?", honest) == (
        "3",
        "3",
        0,
    )
    assert sch.one("SELECT value, current, invalid FROM marks WHERE mark = ?", forged) == (
        "5",
        None,
        1,
    )
    assert sch.one("SELECT invalid FROM mark_changes WHERE mark = ?", honest) == (1,)
    assert dict(sch.all("SELECT student, code FROM attendance WHERE lesson = ?", lesson)) == {
        b: "Н"
    }
    assert sch.one("SELECT topic FROM lessons WHERE lesson = ?", lesson) == ("Сложение дробей",)
    assert sch.one("SELECT invalid FROM final_marks WHERE student = ?", c) == (1,)
    assert sch.one("SELECT invalid FROM comments WHERE student = ?", c) == (1,)
    # 11:30: before new credentials are issued, entries made with them do not count either
    sch.clock.set(f"{TODAY} 11:30")
    later = teaching.give_mark(j, t, lesson=lesson, student=d, value="2", kind="У")
    assert sch.one("SELECT current, invalid FROM marks WHERE mark = ?", later) == (None, 1)
    # 12:00: new credentials; the teacher's entries count again
    sch.clock.set(f"{TODAY} 12:00")
    with sch.refused(PermissionDenied):
        people.reissue_credentials(j, t, person=t)
    people.reissue_credentials(j, i.admin, person=t)
    sch.clock.set(f"{TODAY} 12:30")
    after = teaching.give_mark(j, t, lesson=lesson, student=d, value="4", kind="У")
    teaching.correct_mark(j, t, mark=honest, value="4", reason="пересдача")
    assert sch.one("SELECT current, invalid FROM marks WHERE mark = ?", after) == ("4", 0)
    assert sch.one("SELECT current FROM marks WHERE mark = ?", honest) == ("4",)
    # the projection rebuilt from the log alone agrees
    copy = tmp_path / "rebuilt.sqlite"
    rebuild(j.data_dir.feeds, copy)
    import sqlite3

    other = sqlite3.connect(copy)
    for sql in (
        "SELECT mark, value, current, invalid, late FROM marks ORDER BY mark",
        "SELECT mark, change, value, invalid FROM mark_changes ORDER BY id",
        "SELECT lesson, student, code FROM attendance ORDER BY lesson, student",
        "SELECT lesson, topic, homework FROM lessons ORDER BY lesson",
        "SELECT course, student, value, invalid FROM final_marks ORDER BY id",
    ):
        assert other.execute(sql).fetchall() == j.db.execute(sql).fetchall(), sql
    other.close()


def test_compromise_of_a_deputy_invalidates_announcements_and_messages(sch: Sch) -> None:
    # R-SEC-3: not only marks: whatever was made with the credentials.
    i = sch.ids
    sch.clock.set(f"{TODAY} 10:00")
    ann = control.post_announcement(
        sch.j, i.deputy, audience="staff", title="Педсовет", text="Педсовет переносится."
    )
    msg = control.send_message(
        sch.j, i.deputy, to=[i.math_teacher], subject="Журнал", text="Удалите все отметки 5А."
    )
    sch.clock.set(f"{TODAY} 11:00")
    people.report_compromise(
        sch.j, i.director, person=i.deputy, since=f"{TODAY}T09:30:00.000+07:00"
    )
    assert sch.one("SELECT invalid FROM announcements WHERE announcement = ?", ann) == (1,)
    assert sch.one("SELECT invalid FROM messages WHERE message = ?", msg) == (1,)


def test_compromise_since_defaults_to_the_report_time(sch: Sch) -> None:
    # R-SEC-3: from the moment the report was received.
    i = sch.ids
    lesson = sch.lesson(i.math_5a, TODAY)
    m = teaching.give_mark(
        sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[0], value="5", kind="У"
    )
    sch.clock.set(f"{TODAY} 10:00")
    people.report_compromise(sch.j, i.admin, person=i.math_teacher)
    assert sch.one("SELECT since FROM compromises WHERE person = ?", i.math_teacher) == (
        f"{TODAY}T03:00:00.000Z",
    )
    assert sch.one("SELECT invalid FROM marks WHERE mark = ?", m) == (0,)
    with sch.refused(RuleViolation):
        people.report_compromise(sch.j, i.admin, person="p-nobody")


@pytest.mark.parametrize("role", ["teacher", "deputy", "secretary"])
def test_only_administrator_or_director_reports_a_compromise(sch: Sch, role: str) -> None:
    # R-SEC-3, R-SEC-1
    i = sch.ids
    actor = {"teacher": i.math_teacher, "deputy": i.deputy, "secretary": i.secretary}[role]
    with sch.refused(PermissionDenied):
        people.report_compromise(sch.j, actor, person=i.russian_teacher)
