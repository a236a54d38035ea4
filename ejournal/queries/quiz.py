"""The read side of tests (R-DST-2): an attempt as the student sees it (never the key), its
score, a test's results for the teacher, and the deputy head's report per class and question.

Only answers saved within the time limit count (the projection keeps no later ones)."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass

from ..model import scoring
from ..model.errors import NotFound
from .courses import course_info
from .people import Person


@dataclass(frozen=True, slots=True)
class QuizInfo:
    quiz: str
    course: str
    title: str
    questions: tuple[str, ...]
    minutes: int
    opens: str
    closes: str
    scale: tuple[tuple[str, int], ...]  # (mark, min points), highest first
    control: str
    kind: str
    draw: int
    lesson: str


def quiz_info(db: sqlite3.Connection, quiz: str) -> QuizInfo:
    row = db.execute(
        "SELECT quiz, course, title, questions, minutes, opens, closes, scale, control, kind, "
        "draw, lesson FROM quizzes WHERE quiz = ? AND invalid = 0",
        (quiz,),
    ).fetchone()
    if row is None:
        raise NotFound("Такой тест не найден.")
    q = list(row)
    q[3] = tuple(json.loads(q[3]))
    q[7] = tuple(tuple(s) for s in json.loads(q[7]))
    return QuizInfo(*q)


def course_quizzes(db: sqlite3.Connection, course: str) -> tuple[QuizInfo, ...]:
    ids = [
        q
        for (q,) in db.execute(
            "SELECT quiz FROM quizzes WHERE course = ? AND invalid = 0 ORDER BY opens, at",
            (course,),
        )
    ]
    return tuple(quiz_info(db, q) for q in ids)


@dataclass(frozen=True, slots=True)
class ShownQuestion:
    """A question as a student sees it: no correct options, no accepted answers."""

    question: str
    kind: str
    text: str
    points: int
    options: tuple[str, ...]
    answer: tuple[str, ...]  # what the student saved


@dataclass(frozen=True, slots=True)
class AttemptView:
    attempt: str
    quiz: QuizInfo
    student: str
    started_at: str
    deadline: str  # UTC
    finished_at: str | None
    confirmed: bool
    value: str  # the mark, once confirmed
    points: int | None  # once confirmed
    questions: tuple[ShownQuestion, ...]


def _attempt_row(db: sqlite3.Connection, attempt: str) -> tuple:  # type: ignore[type-arg]
    row = db.execute(
        "SELECT attempt, quiz, student, questions, started_at, deadline, finished_at, "
        "confirmed_at, value, points FROM attempts WHERE attempt = ? AND invalid = 0",
        (attempt,),
    ).fetchone()
    if row is None:
        raise NotFound("Такая попытка не найдена.")
    return tuple(row)


def _answers(db: sqlite3.Connection, attempt: str) -> dict[str, list[str]]:
    return {
        q: json.loads(a)
        for q, a in db.execute("SELECT question, answer FROM answers WHERE attempt = ?", (attempt,))
    }


def attempt_view(db: sqlite3.Connection, attempt: str) -> AttemptView:
    """The attempt for the student's page: questions and saved answers, nothing of the key."""
    a, quiz, student, qs, started, deadline, finished, confirmed, value, points = _attempt_row(
        db, attempt
    )
    answers = _answers(db, attempt)
    shown = []
    for q in json.loads(qs):
        kind, text, pts, options = db.execute(
            "SELECT kind, text, points, options FROM questions WHERE question = ?", (q,)
        ).fetchone()
        shown.append(
            ShownQuestion(
                q,
                kind,
                text,
                pts,
                tuple(o[0] for o in json.loads(options)),
                tuple(answers.get(q, ())),
            )
        )
    return AttemptView(
        a,
        quiz_info(db, quiz),
        student,
        started,
        deadline,
        finished,
        confirmed is not None,
        value or "",
        points,
        tuple(shown),
    )


def find_attempt(db: sqlite3.Connection, quiz: str, student: str) -> str | None:
    row = db.execute(
        "SELECT attempt FROM attempts WHERE quiz = ? AND student = ? AND invalid = 0",
        (quiz, student),
    ).fetchone()
    return row[0] if row else None


def question_of(db: sqlite3.Connection, question: str) -> scoring.Question:
    kind, points, options, accepted, number, tolerance = db.execute(
        "SELECT kind, points, options, accepted, number, tolerance FROM questions "
        "WHERE question = ?",
        (question,),
    ).fetchone()
    correct = tuple(i for i, (_, ok) in enumerate(json.loads(options)) if ok)
    return scoring.Question(
        question, kind, points, correct, tuple(json.loads(accepted)), number, tolerance
    )


@dataclass(frozen=True, slots=True)
class Score:
    points: int
    max_points: int
    unchecked: int  # free-text answers the teacher has not checked yet
    per_question: tuple[tuple[str, int | None, int], ...]  # (question, points or None, max)


def attempt_score(db: sqlite3.Connection, attempt: str) -> Score:
    """Points of an attempt: automatic for the four kinds, the teacher's for free text."""
    row = _attempt_row(db, attempt)
    answers = _answers(db, attempt)
    checks = dict(
        db.execute(
            "SELECT question, points FROM answer_checks WHERE attempt = ?", (attempt,)
        ).fetchall()
    )
    total = most = unchecked = 0
    per = []
    for q in json.loads(row[3]):
        question = question_of(db, q)
        got = scoring.score(question, answers.get(q, []))
        if got is None:
            got = checks.get(q)
            if got is None and answers.get(q):
                unchecked += 1
            elif got is None:
                got = 0  # nothing written: nothing to check
        per.append((q, got, question.points))
        total += got or 0
        most += question.points
    return Score(total, most, unchecked, tuple(per))


@dataclass(frozen=True, slots=True)
class ResultRow:
    student: Person
    attempt: str
    state: str  # "not_started" | "in_progress" | "finished" | "confirmed"
    score: Score | None
    value: str  # the mark: proposed by the scale, or confirmed
    free_answers: tuple[tuple[str, str, str, int | None, int], ...]  # (q, text, answer, pts, max)


def quiz_results(db: sqlite3.Connection, quiz: str, now_utc: str) -> tuple[ResultRow, ...]:
    """Every student of the course's group with their attempt (the teacher's page)."""
    from .members import members

    info = quiz_info(db, quiz)
    course = course_info(db, info.course)
    rows = []
    for m in members(db, course.group, info.opens, info.closes):
        attempt = find_attempt(db, quiz, m.student.person)
        if attempt is None:
            rows.append(ResultRow(m.student, "", "not_started", None, "", ()))
            continue
        r = _attempt_row(db, attempt)
        score = attempt_score(db, attempt)
        state = "confirmed" if r[7] else "finished" if r[6] or now_utc > r[5] else "in_progress"
        value = r[8] or scoring.mark_for(score.points, list(info.scale))
        answers = _answers(db, attempt)
        free = tuple(
            (
                q,
                db.execute("SELECT text FROM questions WHERE question = ?", (q,)).fetchone()[0],
                " ".join(answers.get(q, [])),
                pts,
                most,
            )
            for q, pts, most in score.per_question
            if question_of(db, q).kind == "free"
        )
        rows.append(ResultRow(m.student, attempt, state, score, value, free))
    return tuple(rows)


@dataclass(frozen=True, slots=True)
class QuestionShare:
    question: str
    text: str
    kind: str
    per_class: tuple[tuple[str, int, int], ...]  # (class name, correct, answered)


@dataclass(frozen=True, slots=True)
class ControlReport:
    control: str
    quizzes: tuple[QuizInfo, ...]
    classes: tuple[tuple[str, int, float], ...]  # (class name, attempts, share of points)
    questions: tuple[QuestionShare, ...]


def control_report(
    db: sqlite3.Connection, control: str, now_utc: str, subject: str = ""
) -> ControlReport:
    """R-DST-2: the deputy head's report over every test of a kind of control (of a subject):
    per class the share of points scored, per question and class the share of correct answers
    (full points). An attempt counts once it is over (finished, or its time ran out at
    ``now_utc``), confirmed or not; a free-text answer not checked yet counts 0 points in the
    class's share and is left out of its question's share."""
    quizzes = [
        quiz_info(db, q)
        for (q,) in db.execute(
            "SELECT q.quiz FROM quizzes q JOIN courses c ON c.course = q.course "
            "WHERE q.control = ? AND q.invalid = 0 AND (? = '' OR c.subject = ?) ORDER BY q.at",
            (control, subject, subject),
        )
    ]
    classes: dict[str, list[int]] = {}
    shares: dict[str, dict[str, list[int]]] = {}
    for quiz in quizzes:
        name = course_info(db, quiz.course).group_name
        for (attempt,) in db.execute(
            "SELECT attempt FROM attempts WHERE quiz = ? AND invalid = 0 "
            "AND (finished_at IS NOT NULL OR deadline < ?)",
            (quiz.quiz, now_utc),
        ).fetchall():
            score = attempt_score(db, attempt)
            got = classes.setdefault(name, [0, 0, 0])
            got[0] += 1
            got[1] += score.points
            got[2] += score.max_points
            for q, pts, most in score.per_question:
                if pts is None:
                    continue
                cell = shares.setdefault(q, {}).setdefault(name, [0, 0])
                cell[0] += int(pts == most)
                cell[1] += 1
    questions = []
    for q, by_class in shares.items():
        text, kind = db.execute(
            "SELECT text, kind FROM questions WHERE question = ?", (q,)
        ).fetchone()
        questions.append(
            QuestionShare(
                q, text, kind, tuple((c, v[0], v[1]) for c, v in sorted(by_class.items()))
            )
        )
    questions.sort(key=lambda s: s.text)
    return ControlReport(
        control,
        tuple(quizzes),
        tuple(
            (c, v[0], round(v[1] / v[2], 3) if v[2] else 0.0) for c, v in sorted(classes.items())
        ),
        tuple(questions),
    )


@dataclass(frozen=True, slots=True)
class BankQuestion:
    question: str
    kind: str
    text: str
    points: int
    topic: str


def question_bank(db: sqlite3.Connection, subject: str) -> tuple[BankQuestion, ...]:
    return tuple(
        BankQuestion(*r)
        for r in db.execute(
            "SELECT question, kind, text, points, topic FROM questions WHERE subject = ? "
            "ORDER BY topic, at",
            (subject,),
        )
    )


def student_quizzes(
    db: sqlite3.Connection, student: str, on: str, now_utc: str
) -> tuple[tuple[QuizInfo, str, str], ...]:
    """(test, subject name, state in Russian) of the courses of the student's groups on ``on``."""
    from .members import groups_of

    groups = groups_of(db, student, on)
    if not groups:
        return ()
    found = []
    for course, subject in db.execute(
        "SELECT c.course, coalesce(s.name, '') FROM courses c LEFT JOIN subjects s "
        f"ON s.subject = c.subject WHERE c.grp IN ({','.join('?' * len(groups))})",
        groups,
    ).fetchall():
        for q in course_quizzes(db, course):
            attempt = find_attempt(db, q.quiz, student)
            state = "не начат"
            if attempt:
                view = attempt_view(db, attempt)
                over = view.finished_at or now_utc > view.deadline
                state = (
                    f"отметка {view.value}"
                    if view.confirmed
                    else ("выполнен" if over else "выполняется")
                )
            found.append((q, subject, state))
    return tuple(found)
