"""Distance courses through the commands (R-DST-1): a teacher publishes materials and an
assignment, a student submits twice before the due time and once after (flagged late), the
review becomes a journal mark that shows in the journal grid and in the diary."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

import pytest

from ejournal.model.commands import distance
from ejournal.model.errors import NotFound, PermissionDenied, RuleViolation
from ejournal.model.files import Upload
from ejournal.queries import diary, grid
from ejournal.queries import distance as dq

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]
KRASNOYARSK = timezone(timedelta(hours=7))

DUE = datetime(2026, 11, 18, 18, 0, tzinfo=KRASNOYARSK)


def _assignment(sch: Sch, lesson: str = "", kind: str = "ДЗ") -> str:
    i = sch.ids
    return distance.publish_assignment(
        sch.j,
        i.math_teacher,
        course=i.math_10a,
        title="Задачи на проценты",
        text="Решите № 12–15, пришлите фото решения.",
        due=DUE,
        kind=kind,
        lesson=lesson,
    )


def test_teacher_publishes_materials_and_assignments_ordered_by_lesson(sch: Sch) -> None:
    # R-DST-1: per course, materials and assignments ordered by lesson (and the КТП topic).
    i = sch.ids
    later = sch.lesson(i.math_10a, "2026-11-20", topic="Проценты, решение задач")
    today = sch.lesson(i.math_10a, "2026-11-16", topic="Проценты")
    asg = _assignment(sch, lesson=later)
    mat = distance.publish_material(
        sch.j,
        i.math_teacher,
        course=i.math_10a,
        title="Конспект",
        text="Процент — сотая часть.",
        lesson=today,
        uploads=[Upload("конспект.pdf", b"%PDF-1.4 test")],
    )
    plan = distance.publish_material(
        sch.j, i.math_teacher, course=i.math_5a, title="К теме 3", plan_topic=3
    )
    items = dq.course_items(sch.j.db, i.math_10a)
    assert [x.item for x in items] == [mat, asg]
    assert items[0].lesson_date == "2026-11-16" and items[1].lesson_date == "2026-11-20"
    assert items[0].files[0].name == "конспект.pdf"
    assert items[0].files[0].media_type == "application/pdf"
    assert items[1].due == "2026-11-18T18:00:00.000+07:00" and items[1].work_kind == "ДЗ"
    at_lesson = distance.publish_material(
        sch.j,
        i.math_teacher,
        course=i.math_5a,
        title="К уроку",
        lesson=sch.lesson(i.math_5a, "2026-11-16", plan_topic=7),
    )
    topic_item, lesson_item = sorted(dq.course_items(sch.j.db, i.math_5a), key=lambda x: x.title)
    assert topic_item.item == plan and topic_item.plan_title == "Тема 3"
    # A material at a lesson is linked to the lesson plan through its lesson.
    assert lesson_item.item == at_lesson
    assert (lesson_item.plan_topic, lesson_item.plan_title) == (7, "Тема 7")


def test_only_the_course_teacher_publishes(sch: Sch) -> None:
    i = sch.ids
    with sch.refused(PermissionDenied):
        distance.publish_assignment(
            sch.j, i.russian_teacher, course=i.math_10a, title="x", text="y", due=DUE, kind="ДЗ"
        )
    with sch.refused(PermissionDenied):
        distance.publish_material(sch.j, i.students_10a[0], course=i.math_10a, title="x")
    with sch.refused(RuleViolation):  # the due time has passed already
        distance.publish_assignment(
            sch.j,
            i.math_teacher,
            course=i.math_10a,
            title="x",
            text="y",
            due=datetime(2026, 11, 15, 18, 0, tzinfo=KRASNOYARSK),
            kind="ДЗ",
        )
    with sch.refused(RuleViolation):  # R-STR-6: a course without marks has no assignments
        distance.publish_assignment(
            sch.j, i.russian_teacher, course=i.talks_5a, title="x", text="y", due=DUE, kind="ДЗ"
        )


def test_submissions_before_and_after_the_due_time_then_review_becomes_a_mark(sch: Sch) -> None:
    i = sch.ids
    student = i.students_10a[0]
    lesson = sch.lesson(i.math_10a, "2026-11-16", topic="Проценты")
    asg = _assignment(sch, lesson=lesson)
    first = distance.submit(sch.j, student, assignment=asg, text="№ 12: 25 %")
    sch.clock.set("2026-11-18 17:59")
    second = distance.submit(
        sch.j,
        student,
        assignment=asg,
        text="№ 12–13",
        uploads=[Upload("решение.jpg", b"\xff\xd8\xff\xe0 photo")],
    )
    sch.clock.set("2026-11-18 18:01")
    third = distance.submit(sch.j, student, assignment=asg, text="№ 12–15, всё")
    rows = sch.all("SELECT submission, late FROM submissions WHERE assignment = ? ORDER BY at", asg)
    assert rows == [(first, 0), (second, 0), (third, 1)]  # R-DST-1: the late one is flagged
    work = dq.student_work(sch.j.db, asg, student)
    assert work.current is not None and work.current.submission == third
    assert [s.submission for s in work.history] == [first, second, third]
    assert work.history[1].files[0].media_type == "image/jpeg"

    detail = dq.assignment_detail(sch.j.db, asg, sch.j.today())
    states = {w.student.person: w.current for w in detail.work}
    assert set(states) == set(i.students_10a)
    assert states[i.students_10a[1]] is None  # who did not submit shows too

    distance.review(sch.j, i.math_teacher, submission=third, comment="Верно, но поздно.", value="4")
    mark = distance.mark_review(sch.j, i.math_teacher, submission=third)
    # The normal mark command wrote it: a mark.given of the assignment's work kind, then the link.
    assert sch.one("SELECT lesson, student, value, kind FROM marks WHERE mark = ?", mark) == (
        lesson,
        student,
        "4",
        "ДЗ",
    )
    g = grid.journal_grid(sch.j.db, i.math_10a, i.halves[0])
    row = next(r for r in g.rows if r.student.person == student)
    cell = next(c for c in row.cells if c.lesson == lesson)
    assert [(m.value, m.kind) for m in cell.marks] == [("4", "ДЗ")]
    week = diary.diary_week(sch.j.db, student, "2026-11-16")
    (day_lesson,) = week.days[0].lessons
    assert [m.value for m in day_lesson.marks] == ["4"]
    assert dq.student_assignments(sch.j.db, student, sch.j.today(), "9999")[0].status == "marked"
    with sch.refused(RuleViolation):  # one action, once
        distance.mark_review(sch.j, i.math_teacher, submission=third)
    with sch.refused(RuleViolation):  # reviewed and past the due time: no more resubmission
        distance.submit(sch.j, student, assignment=asg, text="ещё раз")


def test_mark_from_a_review_keeps_the_mark_rules(sch: Sch) -> None:
    # The same rules as give_mark: a mark for a lesson that has not happened yet is refused.
    i = sch.ids
    future = sch.lesson(i.math_10a, "2026-11-25")
    asg = _assignment(sch, lesson=future)
    sub = distance.submit(sch.j, i.students_10a[0], assignment=asg, text="ответ")
    distance.review(sch.j, i.math_teacher, submission=sub, value="5")
    with sch.refused(RuleViolation):
        distance.mark_review(sch.j, i.math_teacher, submission=sub)
    with sch.refused(PermissionDenied):
        distance.mark_review(sch.j, i.russian_teacher, submission=sub)
    with sch.refused(RuleViolation):  # a value outside the course's grading system
        distance.review(sch.j, i.math_teacher, submission=sub, value="зач")


def test_withdrawn_submission_stays_in_the_log(sch: Sch) -> None:
    # R-DST-1 item 5: nothing is deleted; a withdrawal is a new entry.
    i = sch.ids
    asg = _assignment(sch)
    sub = distance.submit(sch.j, i.students_10a[0], assignment=asg, text="черновик")
    size = sch.size
    distance.withdraw(sch.j, i.students_10a[0], submission=sub, reason="не тот файл")
    assert sch.size == size + 1
    work = dq.student_work(sch.j.db, asg, i.students_10a[0])
    assert work.current is None and work.history[0].withdrawn
    with sch.refused(PermissionDenied):
        distance.withdraw(sch.j, i.students_10a[1], submission=sub)


def test_only_students_of_the_course_submit(sch: Sch) -> None:
    i = sch.ids
    asg = _assignment(sch)
    with sch.refused(PermissionDenied):  # a parent does not submit for the child
        distance.submit(sch.j, i.parent_10a, assignment=asg, text="за сына")
    with sch.refused(PermissionDenied):  # a teacher is not a student
        distance.submit(sch.j, i.math_teacher, assignment=asg, text="x")
    with sch.refused(RuleViolation):
        distance.submit(sch.j, i.students_10a[0], assignment=asg)
    with pytest.raises(NotFound):
        distance.submit(sch.j, i.students_10a[0], assignment="asg-nothing", text="x")


def test_parents_and_students_see_the_assignments_with_their_status(sch: Sch) -> None:
    i = sch.ids
    asg = _assignment(sch)
    db, today = sch.j.db, sch.j.today()
    assert dq.may_see_course(db, i.parent_10a, i.math_10a, today)
    assert dq.may_see_course(db, i.students_10a[1], i.math_10a, today)
    assert not dq.may_see_course(db, i.parent_5a, i.math_10a, today)
    assert not dq.may_see_work(db, i.students_10a[1], i.students_10a[0], i.math_10a, today)
    assert dq.may_see_work(db, i.parent_10a, i.students_10a[0], i.math_10a, today)
    (before,) = dq.student_assignments(db, i.students_10a[0], today, "2026-11-16T02:00:00.000Z")
    assert before.item.item == asg and before.status == "todo"
    (overdue,) = dq.student_assignments(db, i.students_10a[0], today, "2026-11-19T00:00:00.000Z")
    assert overdue.status == "overdue"
