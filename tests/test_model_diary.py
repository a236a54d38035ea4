"""Who may write to whom (R-COM-1), families' confirmations of final marks (R-DIA-4), and the
diary's queries: the period's results, threads and unread counts, announcements per audience."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

from ejournal.model import correspondence
from ejournal.model.commands import control, diary, people, teaching
from ejournal.model.errors import NotFound, PermissionDenied, RuleViolation
from ejournal.projection.db import rebuild
from ejournal.queries.diary_period import diary_period, period_for
from ejournal.queries.family import class_acknowledgements, diary_children
from ejournal.queries.mailbox import (
    announcements_for,
    correspondent_list,
    thread_messages,
    threads,
    unread_count,
)

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]

TODAY = "2026-11-16"


def _send(sch: Sch, sender: str, to: str, reply_to: str = "") -> str:
    return control.send_message(
        sch.j, sender, to=[to], subject="Тема", text="Текст", reply_to=reply_to
    )


def test_families_write_to_their_teachers_and_the_administration(sch: Sch) -> None:
    # R-COM-1
    i = sch.ids
    _send(sch, i.parent_5a, i.russian_teacher)  # the class teacher of 5А
    _send(sch, i.parent_5a, i.math_teacher)  # teaches the child
    _send(sch, i.parent_5a, i.english_teacher)  # the child's English subgroup
    _send(sch, i.parent_5a, i.deputy)
    _send(sch, i.students_10a[0], i.english_teacher_2)  # the class teacher of 10А
    _send(sch, i.students_10a[0], i.math_teacher)


def test_families_never_write_to_strangers_or_other_families(sch: Sch) -> None:
    # R-COM-1, R-SEC-4
    i = sch.ids
    for sender, to in [
        (i.parent_5a, i.english_teacher_2),  # the other English subgroup of 5А
        (i.parent_5a, i.primary_teacher),  # teaches 1А only
        (i.parent_5a, i.parent_10a),  # another family
        (i.parent_5a, i.students_10a[0]),
        (i.students_10a[0], i.students_10a[1]),  # students do not message each other
        (i.students_10a[0], i.parent_5a),
        (i.parent_5a, i.admin),  # the administrator runs the server, not the classes
    ]:
        with sch.refused(PermissionDenied):
            _send(sch, sender, to)


def test_teachers_write_to_the_families_of_their_students_only(sch: Sch) -> None:
    i = sch.ids
    _send(sch, i.russian_teacher, i.parent_5a)  # class teacher
    _send(sch, i.math_teacher, i.parent_10a)  # teaches 10А mathematics
    _send(sch, i.english_teacher_2, i.students_10a[1])
    with sch.refused(PermissionDenied):
        _send(sch, i.primary_teacher, i.parent_5a)
    with sch.refused(PermissionDenied):
        _send(sch, i.english_teacher_2, i.parent_5a)  # the other subgroup
    _send(sch, i.deputy, i.parent_5a)  # the administration writes to any family
    _send(sch, i.primary_teacher, i.history_teacher)  # staff to staff
    _send(sch, i.secretary, i.director)


def test_anyone_may_answer_a_message_received(sch: Sch) -> None:
    i = sch.ids
    with sch.refused(PermissionDenied):
        _send(sch, i.parent_5a, i.admin)
    first = _send(sch, i.admin, i.parent_5a)
    _send(sch, i.parent_5a, i.admin, reply_to=first)
    with sch.refused(RuleViolation):  # replying to somebody else's message
        _send(sch, i.parent_10a, i.admin, reply_to=first)


def test_correspondents_are_whom_the_rule_allows(sch: Sch) -> None:
    i = sch.ids
    listed = set(correspondence.correspondents(sch.j.db, i.parent_5a, TODAY))
    assert {i.russian_teacher, i.math_teacher, i.english_teacher, i.deputy} <= listed
    assert i.parent_10a not in listed and i.english_teacher_2 not in listed
    for person in listed:
        assert correspondence.may_write(sch.j.db, i.parent_5a, person, TODAY), person
    notes = {c.person.person: c.note for c in correspondent_list(sch.j.db, i.parent_5a, TODAY)}
    assert notes[i.russian_teacher] == "классный руководитель 5А, Разговоры о важном, Русский язык"
    assert notes[i.math_teacher] == "Математика"
    assert notes[i.deputy] == "заместитель директора по УВР"
    teacher = set(correspondence.correspondents(sch.j.db, i.math_teacher, TODAY))
    assert {i.parent_5a, i.parent_10a, i.students_10a[0], i.deputy} <= teacher


def test_threads_group_replies_and_count_unread(sch: Sch) -> None:
    i = sch.ids
    first = _send(sch, i.parent_5a, i.russian_teacher)
    sch.clock.move(minutes=5)
    assert unread_count(sch.j.db, i.russian_teacher) == 1
    control.read_message(sch.j, i.russian_teacher, message=first)
    assert unread_count(sch.j.db, i.russian_teacher) == 0
    answer = _send(sch, i.russian_teacher, i.parent_5a, reply_to=first)
    assert [t.thread for t in threads(sch.j.db, i.parent_5a)] == [first]
    (thread,) = threads(sch.j.db, i.parent_5a)
    assert (thread.messages, thread.unread) == (2, 1)
    assert [m.message for m in thread_messages(sch.j.db, i.parent_5a, first)] == [first, answer]
    assert thread_messages(sch.j.db, i.parent_10a, first) == ()  # not a party to it


def test_a_class_teachers_letter_to_all_parents_keeps_each_familys_answer_private(
    sch: Sch,
) -> None:
    # R-SEC-4: parents answering one letter to the class never see each other's answers.
    i = sch.ids
    other = people.register_person(sch.j, i.secretary, last_name="Орехова", first_name="Анна")
    people.grant_role(
        sch.j, i.secretary, person=other, role="parent", start="2026-11-01", scope=i.students_5a[1]
    )
    letter = control.send_message(
        sch.j, i.russian_teacher, to=[i.parent_5a, other], subject="Собрание", text="В четверг."
    )
    _send(sch, i.parent_5a, i.russian_teacher, reply_to=letter)
    _send(sch, other, i.russian_teacher, reply_to=letter)
    assert len(thread_messages(sch.j.db, i.russian_teacher, letter)) == 3
    assert len(thread_messages(sch.j.db, i.parent_5a, letter)) == 2
    assert len(thread_messages(sch.j.db, other, letter)) == 2


def test_announcements_reach_their_audience(sch: Sch) -> None:
    i = sch.ids
    for audience, title in [
        ("all", "Всем"),
        ("staff", "Сотрудникам"),
        (i.c5a, "5А"),
        (i.c10a, "10А"),
    ]:
        control.post_announcement(sch.j, i.deputy, audience=audience, title=title, text="Текст")
        sch.clock.move(minutes=1)

    def titles(person: str) -> set[str]:
        return {a.title for a in announcements_for(sch.j.db, person, TODAY)}

    assert titles(i.parent_5a) == {"Всем", "5А"}
    assert titles(i.students_10a[0]) == {"Всем", "10А"}
    assert titles(i.math_teacher) == {"Всем", "Сотрудникам"}
    assert titles(i.russian_teacher) == {"Всем", "Сотрудникам", "5А"}  # the class teacher
    assert titles(i.director) == {"Всем", "Сотрудникам", "5А", "10А"}


def test_period_results_by_hand(sch: Sch) -> None:
    # R-MRK-5: КР 3, СР 2, У 1 → (5·3 + 4·2 + 2·1) / 6 = 4.17 → 4; period mark shown once set.
    i = sch.ids
    student = i.students_5a[0]
    q2 = i.quarters[1]
    for day, value, kind in [
        ("2026-11-09", "5", "КР"),
        ("2026-11-10", "4", "СР"),
        (TODAY, "2", "У"),
    ]:
        lesson = sch.lesson(i.math_5a, day, number=1)
        teaching.give_mark(
            sch.j, i.math_teacher, lesson=lesson, student=student, value=value, kind=kind
        )
    result = diary_period(sch.j.db, student, q2)
    math = next(s for s in result.subjects if s.course == i.math_5a)
    assert [(m.date, m.value, m.kind) for m in math.marks] == [
        ("2026-11-09", "5", "КР"),
        ("2026-11-10", "4", "СР"),
        (TODAY, "2", "У"),
    ]
    assert (math.average, math.forecast, math.period_mark) == (4.17, "4", None)
    assert i.talks_5a not in {s.course for s in result.subjects}  # no marks in that subject
    assert period_for(sch.j.db, student, TODAY).period == q2  # type: ignore[union-attr]
    assert [p.period for p in result.periods] == i.quarters
    teaching.give_final_mark(
        sch.j, i.math_teacher, course=i.math_5a, student=student, kind="period", value="4",
        period=q2,
    )  # fmt: skip
    math = next(s for s in diary_period(sch.j.db, student, q2).subjects if s.course == i.math_5a)
    assert math.period_mark == "4"


def test_families_confirm_final_marks_and_the_class_teacher_sees_who(sch: Sch) -> None:
    # R-DIA-4
    i = sch.ids
    q2 = i.quarters[1]
    student = i.students_5a[0]
    with sch.refused(RuleViolation):  # nothing to confirm yet
        diary.acknowledge_finals(sch.j, i.parent_5a, student=student, period=q2)
    teaching.give_final_mark(
        sch.j, i.math_teacher, course=i.math_5a, student=student, kind="period", value="5",
        period=q2,
    )  # fmt: skip
    with sch.refused(PermissionDenied):
        diary.acknowledge_finals(sch.j, i.parent_10a, student=student, period=q2)
    with sch.refused(NotFound):
        diary.acknowledge_finals(sch.j, i.parent_5a, student=student, period="no-such")
    sch.clock.move(hours=1)
    diary.acknowledge_finals(sch.j, i.parent_5a, student=student, period=q2)
    rows = class_acknowledgements(sch.j.db, i.c5a, q2, "2026-11-05", "2026-12-28")
    confirmed = {a.student.person: a for a in rows}
    assert confirmed[student].confirmed_by.person == i.parent_5a  # type: ignore[union-attr]
    assert confirmed[student].confirmed_at == "2026-11-16T03:00:00.000Z"
    assert all(a.confirmed_at is None for p, a in confirmed.items() if p != student)
    assert result_ack(sch, student, q2) == "2026-11-16T03:00:00.000Z"


def result_ack(sch: Sch, student: str, period: str) -> str | None:
    return diary_period(sch.j.db, student, period).acknowledged_at


def test_a_student_with_a_login_confirms_the_own_year_marks(sch: Sch) -> None:
    i = sch.ids
    student = i.students_10a[0]
    sch.clock.set("2027-05-26 10:00")
    teaching.give_final_mark(
        sch.j, i.math_teacher, course=i.math_10a, student=student, kind="year", value="4"
    )
    diary.acknowledge_finals(sch.j, student, student=student, period="2026/2027")
    with sch.refused(PermissionDenied):
        diary.acknowledge_finals(sch.j, i.students_10a[1], student=student, period="2026/2027")


def test_diary_children_are_the_parents_children_and_the_old_enough_student(sch: Sch) -> None:
    # R-DIA-2
    i = sch.ids
    (child,) = diary_children(sch.j.db, i.parent_5a, TODAY)
    assert (child.student.person, child.class_name) == (i.students_5a[0], "5А")
    assert [c.student.person for c in diary_children(sch.j.db, i.students_10a[0], TODAY)] == [
        i.students_10a[0]
    ]
    assert diary_children(sch.j.db, i.math_teacher, TODAY) == ()


def test_acknowledgements_and_threads_survive_a_rebuild(sch: Sch, tmp_path: Path) -> None:
    # The projection is disposable: the new tables come back the same from the log.
    i = sch.ids
    q2 = i.quarters[1]
    teaching.give_final_mark(
        sch.j, i.math_teacher, course=i.math_5a, student=i.students_5a[0], kind="period",
        value="5", period=q2,
    )  # fmt: skip
    diary.acknowledge_finals(sch.j, i.parent_5a, student=i.students_5a[0], period=q2)
    first = _send(sch, i.parent_5a, i.russian_teacher)
    _send(sch, i.russian_teacher, i.parent_5a, reply_to=first)
    copy = tmp_path / "rebuilt.sqlite"
    rebuild(sch.j.data_dir.feeds, copy)
    db = sqlite3.connect(copy)
    for sql in (
        "SELECT student, period, by, at FROM acknowledgements ORDER BY id",
        "SELECT message, thread, by FROM messages ORDER BY message",
    ):
        assert db.execute(sql).fetchall() == sch.all(sql)
    db.close()
