"""Tests through the commands (R-DST-2): a question of each kind, an attempt interrupted and
resumed, the time limit kept by the server, scores worked out by hand, the teacher's check of a
free-text answer, confirmation into the journal, random draws from the recorded seed, and the
deputy head's report per class and question."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from ejournal.log.reader import read_entries
from ejournal.model import events as ev
from ejournal.model import scoring
from ejournal.model.commands import quiz
from ejournal.model.errors import NotFound, PermissionDenied, RuleViolation
from ejournal.queries import grid
from ejournal.queries import quiz as qq

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]
SCALE = [("5", 9), ("4", 7), ("3", 5), ("2", 0)]


def entries(sch: Sch) -> list:  # type: ignore[type-arg]
    return list(read_entries(sch.j.data_dir.feeds / sch.j.data_dir.device_feed_id()))


def bank(sch: Sch) -> list[str]:
    """Five questions, 10 points in all."""
    t, subject = sch.ids.math_teacher, sch.ids.math
    opt = ev.QuizOption
    return [
        quiz.add_question(
            sch.j,
            t,
            subject=subject,
            kind="single",
            text="2 + 2 = ?",
            options=[opt("3"), opt("4", True), opt("5")],
        ),
        quiz.add_question(
            sch.j,
            t,
            subject=subject,
            kind="multiple",
            text="Простые числа",
            points=2,
            options=[opt("2", True), opt("4"), opt("5", True), opt("9")],
        ),
        quiz.add_question(
            sch.j,
            t,
            subject=subject,
            kind="short",
            text="Столица России",
            accepted=["Москва", "г. Москва"],
        ),
        quiz.add_question(
            sch.j,
            t,
            subject=subject,
            kind="number",
            text="π до сотых",
            points=2,
            number="3.14",
            tolerance="0,01",
        ),
        quiz.add_question(
            sch.j, t, subject=subject, kind="free", text="Объясните, что такое процент", points=4
        ),
    ]


def publish(sch: Sch, questions: list[str], lesson: str, **more: object) -> str:
    return quiz.publish_quiz(
        sch.j,
        sch.ids.math_teacher,
        course=sch.ids.math_10a,
        title="Срез по математике",
        questions=questions,
        minutes=20,
        opens="2026-11-16",
        closes="2026-11-20",
        scale=SCALE,
        control="spot_check",
        lesson=lesson,
        **more,  # type: ignore[arg-type]
    )


def test_scoring_of_each_kind_by_hand() -> None:
    single = scoring.Question("q", "single", 1, correct=(1,))
    multiple = scoring.Question("q", "multiple", 2, correct=(0, 2))
    short = scoring.Question("q", "short", 1, accepted=("Ёлка",))
    number = scoring.Question("q", "number", 2, number="3.14", tolerance="0.01")
    assert scoring.score(single, ["1"]) == 1 and scoring.score(single, ["0"]) == 0
    assert scoring.score(multiple, ["0", "2"]) == 2 and scoring.score(multiple, ["0"]) == 0
    assert scoring.score(multiple, ["0", "1", "2"]) == 0
    assert scoring.score(short, ["  елка "]) == 1 and scoring.score(short, ["ёлки"]) == 0
    assert scoring.score(number, ["3,15"]) == 2 and scoring.score(number, ["3.16"]) == 0
    assert scoring.score(number, ["1e3"]) == 0 and scoring.score(number, []) == 0
    assert scoring.score(scoring.Question("q", "free", 4), ["текст"]) is None
    assert [scoring.mark_for(p, SCALE) for p in (10, 9, 8, 7, 6, 5, 4, 0)] == [
        "5",
        "5",
        "4",
        "4",
        "3",
        "3",
        "2",
        "2",
    ]


def test_attempt_interrupted_resumed_scored_checked_confirmed_into_the_journal(sch: Sch) -> None:
    i = sch.ids
    a, b = i.students_10a
    lesson = sch.lesson(i.math_10a, "2026-11-16", topic="Срезовая работа")
    q1, q2, q3, q4, q5 = bank(sch)
    test = publish(sch, [q1, q2, q3, q4, q5], lesson)

    attempt = quiz.start(sch.j, a, quiz=test)
    quiz.save_answer(sch.j, a, attempt=attempt, question=q1, answer=["0"])
    quiz.save_answer(sch.j, a, attempt=attempt, question=q1, answer=["1"])  # changed mind
    quiz.save_answer(sch.j, a, attempt=attempt, question=q2, answer=["2", "0"])
    # The tab is closed; ten minutes later the student comes back: the same attempt, answers kept.
    sch.clock.move(minutes=10)
    size = sch.size
    assert quiz.start(sch.j, a, quiz=test) == attempt
    assert sch.size == size  # resuming writes nothing
    view = qq.attempt_view(sch.j.db, attempt)
    assert [q.answer for q in view.questions[:2]] == [("1",), ("0", "2")]
    quiz.save_answer(sch.j, a, attempt=attempt, question=q3, answer=[" москва "])
    quiz.save_answer(sch.j, a, attempt=attempt, question=q4, answer=["3,15"])
    quiz.save_answer(sch.j, a, attempt=attempt, question=q5, answer=["Сотая часть числа."])
    quiz.finish(sch.j, a, attempt=attempt)
    with sch.refused(RuleViolation):
        quiz.save_answer(sch.j, a, attempt=attempt, question=q1, answer=["0"])
    # Each save is a log entry: 6 answers saved by A.
    assert sch.one("SELECT sum(saves) FROM answers WHERE attempt = ?", attempt) == (6,)

    other = quiz.start(sch.j, b, quiz=test)
    quiz.save_answer(sch.j, b, attempt=other, question=q1, answer=["0"])
    quiz.save_answer(sch.j, b, attempt=other, question=q2, answer=["0"])
    quiz.save_answer(sch.j, b, attempt=other, question=q3, answer=["Мосва"])
    quiz.save_answer(sch.j, b, attempt=other, question=q4, answer=["3.2"])
    sch.clock.move(minutes=20, seconds=1)  # the limit is 20 minutes from B's start
    with sch.refused(RuleViolation):  # the server's clock decides
        quiz.save_answer(sch.j, b, attempt=other, question=q5, answer=["поздно"])
    with sch.refused(PermissionDenied):  # nobody answers in another student's attempt
        quiz.save_answer(sch.j, a, attempt=other, question=q5, answer=["за друга"])

    # A: 1 + 2 + 1 + 2 = 6 automatic, q5 waits for the teacher; B: 0, nothing to check.
    score = qq.attempt_score(sch.j.db, attempt)
    assert (score.points, score.max_points, score.unchecked) == (6, 10, 1)
    assert qq.attempt_score(sch.j.db, other).points == 0
    with sch.refused(RuleViolation):
        quiz.confirm(sch.j, i.math_teacher, attempt=attempt)  # free text not checked yet
    with sch.refused(RuleViolation):
        quiz.check_answer(sch.j, i.math_teacher, attempt=attempt, question=q5, points=5)
    with sch.refused(PermissionDenied):
        quiz.check_answer(sch.j, i.russian_teacher, attempt=attempt, question=q5, points=3)
    quiz.check_answer(sch.j, i.math_teacher, attempt=attempt, question=q5, points=3)
    mark_a = quiz.confirm(sch.j, i.math_teacher, attempt=attempt)  # 9 points → «5»
    mark_b = quiz.confirm(sch.j, i.math_teacher, attempt=other)  # 0 points → «2»
    assert sch.one("SELECT points, value FROM attempts WHERE attempt = ?", attempt) == (9, "5")
    g = grid.journal_grid(sch.j.db, i.math_10a, i.halves[0])
    marks = {
        r.student.person: [
            (m.mark, m.value, m.kind) for c in r.cells if c.lesson == lesson for m in c.marks
        ]
        for r in g.rows
    }
    assert marks == {a: [(mark_a, "5", "ТЕСТ")], b: [(mark_b, "2", "ТЕСТ")]}

    # R-DST-2: the deputy head's report: per class the share of points, per question correct.
    report = qq.control_report(sch.j.db, "spot_check", quiz.now_utc(sch.j))
    assert report.classes == (("10А", 2, 0.45),)  # (9 + 0) / 20
    shares = {s.question: s.per_class for s in report.questions}
    assert shares[q1] == (("10А", 1, 2),) and shares[q2] == (("10А", 1, 2),)
    assert shares[q5] == (("10А", 0, 2),)  # 3 of 4 points is not a full answer
    assert qq.control_report(sch.j.db, "final", quiz.now_utc(sch.j)).classes == ()
    # An attempt still running does not count yet.
    early = qq.control_report(sch.j.db, "spot_check", "2026-11-16T02:05:00.000Z")
    assert early.classes == (("10А", 1, 0.9),)  # only A had finished by then: 9 / 10


def test_window_of_dates_and_students_of_the_course_only(sch: Sch) -> None:
    i = sch.ids
    lesson = sch.lesson(i.math_10a, "2026-11-16")
    test = publish(sch, bank(sch)[:2], lesson)
    with sch.refused(PermissionDenied):
        quiz.start(sch.j, i.students_5a[0], quiz=test)  # no student login, not in 10А
    sch.clock.set("2026-11-21 09:00")
    with sch.refused(RuleViolation):
        quiz.start(sch.j, i.students_10a[0], quiz=test)
    with pytest.raises(NotFound):
        quiz.start(sch.j, i.students_10a[0], quiz="qz-nothing")


def test_random_draw_is_recorded_and_reproducible_from_the_seed(sch: Sch) -> None:
    i = sch.ids
    lesson = sch.lesson(i.math_10a, "2026-11-16")
    pool = bank(sch)
    test = publish(sch, pool, lesson, draw=3)
    drawn = {}
    for student in i.students_10a:
        attempt = quiz.start(sch.j, student, quiz=test)
        drawn[student] = json.loads(
            sch.one("SELECT questions FROM attempts WHERE attempt = ?", attempt)[0]
        )
    published = [e for e in entries(sch) if e.type == "quiz.published"][-1]
    seed = published.data["seed"]
    for student, questions in drawn.items():
        assert len(questions) == 3 and set(questions) <= set(pool)
        assert questions == scoring.draw(pool, 3, seed, student)
        started = [
            e for e in entries(sch) if e.type == "quiz.started" and e.data["student"] == student
        ]
        assert started[0].data["questions"] == questions  # the draw is in the log itself


def test_bad_questions_and_scales_are_refused(sch: Sch) -> None:
    i = sch.ids
    opt = ev.QuizOption
    with sch.refused(RuleViolation):
        quiz.add_question(
            sch.j,
            i.math_teacher,
            subject=i.math,
            kind="single",
            text="?",
            options=[opt("a", True), opt("b", True)],
        )
    with sch.refused(RuleViolation):
        quiz.add_question(
            sch.j, i.math_teacher, subject=i.math, kind="number", text="?", number="три"
        )
    with sch.refused(PermissionDenied):
        quiz.add_question(sch.j, i.students_10a[0], subject=i.math, kind="free", text="?")
    qs = bank(sch)[:2]
    with sch.refused(RuleViolation):  # a scale must start from 0 points
        quiz.publish_quiz(
            sch.j,
            i.math_teacher,
            course=i.math_10a,
            title="т",
            questions=qs,
            minutes=10,
            opens="2026-11-16",
            closes="2026-11-16",
            scale=[("5", 3), ("4", 2)],
            control="final",
        )
    russian = quiz.add_question(sch.j, i.russian_teacher, subject=i.russian, kind="free", text="?")
    with sch.refused(RuleViolation):  # questions of another subject's bank
        quiz.publish_quiz(
            sch.j,
            i.math_teacher,
            course=i.math_10a,
            title="т",
            questions=[*qs, russian],
            minutes=10,
            opens="2026-11-16",
            closes="2026-11-16",
            scale=SCALE,
            control="final",
        )


DISTANCE_TABLES = (
    "blobs",
    "file_refs",
    "materials",
    "assignments",
    "submissions",
    "reviews",
    "submission_marks",
    "questions",
    "quizzes",
    "attempts",
    "answers",
    "answer_checks",
    "achievements",
    "file_limits",
)


def test_rebuild_gives_the_same_distance_tables(sch: Sch, tmp_path: Path) -> None:
    """The projection is disposable: the tables of this area rebuilt from the log alone equal
    the incrementally kept ones (STYLE.md habit 9)."""
    from datetime import datetime, timedelta, timezone

    from ejournal.model.commands import distance, portfolio
    from ejournal.model.files import Upload
    from ejournal.projection.db import rebuild

    i, j = sch.ids, sch.j
    lesson = sch.lesson(i.math_10a, "2026-11-16")
    due = datetime(2026, 11, 16, 12, 0, tzinfo=timezone(timedelta(hours=7)))
    distance.set_file_limits(j, i.admin, file_max=10_000, school_max=100_000)
    asg = distance.publish_assignment(
        j,
        i.math_teacher,
        course=i.math_10a,
        title="ДЗ",
        text="x",
        due=due,
        kind="ДЗ",
        lesson=lesson,
    )
    distance.publish_material(
        j,
        i.math_teacher,
        course=i.math_10a,
        title="М",
        lesson=lesson,
        uploads=[Upload("m.pdf", b"%PDF-m")],
    )
    s1 = distance.submit(j, i.students_10a[0], assignment=asg, uploads=[Upload("a.txt", b"a")])
    distance.withdraw(j, i.students_10a[0], submission=s1)
    sch.clock.set("2026-11-16 13:00")
    s2 = distance.submit(j, i.students_10a[0], assignment=asg, text="поздно")
    distance.review(j, i.math_teacher, submission=s2, comment="ok", value="3")
    distance.mark_review(j, i.math_teacher, submission=s2)
    q1, *_ = qs = bank(sch)
    test = publish(sch, qs, lesson)
    attempt = quiz.start(j, i.students_10a[1], quiz=test)
    quiz.save_answer(j, i.students_10a[1], attempt=attempt, question=q1, answer=["1"])
    quiz.save_answer(j, i.students_10a[1], attempt=attempt, question=qs[4], answer=["текст"])
    quiz.finish(j, i.students_10a[1], attempt=attempt)
    quiz.check_answer(j, i.math_teacher, attempt=attempt, question=qs[4], points=2)
    quiz.confirm(j, i.math_teacher, attempt=attempt)
    ach = portfolio.add_achievement(
        j,
        i.parent_10a,
        student=i.students_10a[0],
        kind="project",
        title="Проект",
        level="school",
        date="2026-11-01",
    )
    portfolio.confirm_achievement(j, i.english_teacher_2, achievement=ach)
    again = tmp_path / "again.sqlite"
    rebuild(j.data_dir.feeds, again)
    fresh = sqlite3.connect(again)
    for table in DISTANCE_TABLES:
        kept = sorted(map(tuple, j.db.execute(f"SELECT * FROM {table}")), key=repr)
        rebuilt = sorted(map(tuple, fresh.execute(f"SELECT * FROM {table}")), key=repr)
        assert kept == rebuilt, table
        assert kept, f"{table} is empty: the test would prove nothing"
