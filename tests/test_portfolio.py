"""The portfolio through the commands (R-PRT-1): the student or a parent enters an achievement
with its files, the class teacher confirms it, and sees whose portfolio was not updated this
period; nothing is deleted."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ejournal.model.commands import portfolio
from ejournal.model.errors import PermissionDenied, RuleViolation
from ejournal.model.files import Upload
from ejournal.queries import portfolio as pq

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]


def test_student_and_parent_enter_class_teacher_confirms(sch: Sch) -> None:
    i = sch.ids
    student, other = i.students_10a
    own = portfolio.add_achievement(
        sch.j,
        student,
        student=student,
        kind="olympiad",
        title="Олимпиада по математике",
        level="municipal",
        date="2026-11-10",
        result="призёр",
        uploads=[Upload("диплом.pdf", b"%PDF-1.7 diploma")],
    )
    by_parent = portfolio.add_achievement(
        sch.j,
        i.parent_10a,
        student=student,
        kind="competition",
        title="Лыжня России",
        level="regional",
        date="2026-11-14",
    )
    with sch.refused(PermissionDenied):  # another student's portfolio
        portfolio.add_achievement(
            sch.j,
            other,
            student=student,
            kind="project",
            title="x",
            level="school",
            date="2026-11-10",
        )
    with sch.refused(PermissionDenied):  # a parent of another child
        portfolio.add_achievement(
            sch.j,
            i.parent_5a,
            student=student,
            kind="project",
            title="x",
            level="school",
            date="2026-11-10",
        )
    with sch.refused(RuleViolation):
        portfolio.add_achievement(
            sch.j,
            student,
            student=student,
            kind="project",
            title="x",
            level="school",
            date="2026-12-31",
        )
    with sch.refused(PermissionDenied):  # the class teacher of 10А is english_teacher_2
        portfolio.confirm_achievement(sch.j, i.russian_teacher, achievement=own)
    portfolio.confirm_achievement(sch.j, i.english_teacher_2, achievement=own)
    with sch.refused(RuleViolation):  # declining needs a note
        portfolio.confirm_achievement(
            sch.j, i.english_teacher_2, achievement=by_parent, rejected=True
        )
    portfolio.confirm_achievement(
        sch.j,
        i.english_teacher_2,
        achievement=by_parent,
        rejected=True,
        note="Нет подтверждающего документа.",
    )
    entries = {a.achievement: a for a in pq.achievements_of(sch.j.db, student)}
    assert entries[own].status == "confirmed" and entries[own].files[0].name == "диплом.pdf"
    assert entries[by_parent].status == "rejected" and entries[by_parent].by == i.parent_10a
    size = sch.size
    portfolio.withdraw_achievement(sch.j, student, achievement=by_parent, reason="дубль")
    assert sch.size == size + 1
    assert pq.achievements_of(sch.j.db, student)[0].withdrawn  # still there, flagged

    db, today = sch.j.db, sch.j.today()
    assert pq.may_see_portfolio(db, i.english_teacher_2, student, today)
    assert pq.may_see_portfolio(db, i.parent_10a, student, today)
    assert not pq.may_see_portfolio(db, other, student, today)
    assert not pq.may_see_portfolio(db, i.math_teacher, student, today)


def test_class_teacher_sees_whose_portfolio_was_not_updated_this_period(sch: Sch) -> None:
    i = sch.ids
    student, other = i.students_10a
    portfolio.add_achievement(
        sch.j,
        student,
        student=student,
        kind="certificate",
        title="Сертификат",
        level="school",
        date="2026-11-16",
    )
    states = {
        s.student.person: s
        for s in pq.class_portfolios(sch.j.db, i.c10a, "2026-09-01", "2026-11-16")
    }
    assert not states[student].stale and states[student].unconfirmed == 1
    assert states[other].stale and states[other].last_update == ""
    # From the next period on, the same entry is old: stale again.
    later = {
        s.student.person: s
        for s in pq.class_portfolios(sch.j.db, i.c10a, "2027-01-12", "2027-01-20")
    }
    assert later[student].stale
