"""Tests (R-DST-2): a question bank per subject; a test of a course with its questions (fixed,
or drawn at random per student from a seed recorded in the log), time limit, window of dates,
points → mark scale and kind of control; attempts saved answer by answer, with the time kept by
the server; the teacher checks free-text answers and confirms, and the mark goes to the journal
through the normal mark command."""

from __future__ import annotations

import json
import secrets
from datetime import date as _date

from ...journal import Journal
from ...log.entry import format_time
from ...projection.times import utc
from .. import access, lookup, rules, scoring
from .. import events as ev
from ..errors import NotFound, PermissionDenied, RuleViolation
from . import teaching
from .distance import require_course_teacher, require_student_of, text_of

ANSWER_MAX = 5000


def add_question(
    j: Journal,
    actor: str,
    *,
    subject: str,
    kind: str,
    text: str,
    points: int = 1,
    options: list[ev.QuizOption] | None = None,
    accepted: list[str] | None = None,
    number: str = "",
    tolerance: str = "",
    topic: str = "",
) -> str:
    """A question of a subject's bank; any teacher adds to it. Returns its id."""
    text = text_of(text, "Вопрос", 5000)
    options = [ev.QuizOption(o.text.strip(), o.correct) for o in options or [] if o.text.strip()]
    accepted = [a.strip() for a in accepted or [] if a.strip()]
    if kind not in scoring.KINDS:
        raise RuleViolation(
            "Вид вопроса: один ответ, несколько, краткий ответ, число, развёрнутый."
        )
    if not 1 <= points <= 100:
        raise RuleViolation("Баллы за вопрос: от 1 до 100.")
    right = sum(o.correct for o in options)
    if kind in ("single", "multiple") and len(options) < 2:
        raise RuleViolation("Нужно хотя бы два варианта ответа.")
    if kind == "single" and right != 1:
        raise RuleViolation("Отметьте ровно один верный вариант.")
    if kind == "multiple" and right < 1:
        raise RuleViolation("Отметьте хотя бы один верный вариант.")
    if kind == "short" and not accepted:
        raise RuleViolation("Укажите хотя бы один верный вариант краткого ответа.")
    if kind == "number" and (
        scoring.parse_number(number) is None
        or (tolerance and (t := scoring.parse_number(tolerance)) is None)
        or (tolerance and t is not None and t < 0)
    ):
        raise RuleViolation("Ответ и допуск — числа (например, 3,5 и 0,1).")
    with j.command():
        if "teacher" not in access.roles_of(j.db, actor, j.today()):
            raise PermissionDenied("Банк вопросов пополняют учителя.")
        if not j.db.execute("SELECT 1 FROM subjects WHERE subject = ?", (subject,)).fetchone():
            raise NotFound("Такой предмет не найден.")
        question = j.ids.new("qst")
        j.record(
            actor,
            [
                ev.QuestionAdded(
                    question,
                    subject,
                    kind,
                    text,
                    points,
                    options if kind in ("single", "multiple") else [],
                    accepted if kind == "short" else [],
                    number.strip(),
                    tolerance.strip(),
                    topic.strip()[:200],
                )
            ],
        )
        return question


def publish_quiz(
    j: Journal,
    actor: str,
    *,
    course: str,
    title: str,
    questions: list[str],
    minutes: int,
    opens: str,
    closes: str,
    scale: list[tuple[str, int]],
    control: str,
    kind: str = "ТЕСТ",
    draw: int = 0,
    lesson: str = "",
) -> str:
    """A test of a course. ``scale``: (mark, minimum points), one step from 0 points."""
    title = text_of(title, "Название", 200)
    if control not in scoring.CONTROLS:
        raise RuleViolation("Вид контроля: промежуточный, срезовый или итоговый.")
    if kind not in rules.WORK_KINDS:
        raise RuleViolation(f"Неизвестный вид работы: {kind}.")
    if not 1 <= minutes <= 600:
        raise RuleViolation("Время на тест: от 1 до 600 минут.")
    try:
        if _date.fromisoformat(opens) > _date.fromisoformat(closes):
            raise RuleViolation("Тест закрывается раньше, чем открывается.")
    except ValueError as e:
        raise RuleViolation("Даты теста: ГГГГ-ММ-ДД.") from e
    if not questions or len(set(questions)) != len(questions):
        raise RuleViolation("Выберите вопросы теста (каждый один раз).")
    if not 0 <= draw <= len(questions):
        raise RuleViolation("Вопросов для случайного выбора больше, чем в тесте.")
    with j.command():
        c = lookup.course(j.db, course)
        require_course_teacher(j, actor, c)
        teaching._require_marks_allowed(c)
        found = dict(
            j.db.execute(
                f"SELECT question, points FROM questions WHERE subject = ? AND question IN "
                f"({','.join('?' * len(questions))})",
                (c.subject, *questions),
            ).fetchall()
        )
        if len(found) != len(questions):
            raise RuleViolation("Среди вопросов есть не из банка этого предмета.")
        steps = _scale(scale, c.grading)
        if lesson and lookup.lesson(j.db, lesson).course.course != course:
            raise RuleViolation("Урок не из этого курса.")
        quiz = j.ids.new("qz")
        j.record(
            actor,
            [
                ev.QuizPublished(
                    quiz,
                    course,
                    title,
                    questions,
                    minutes,
                    opens,
                    closes,
                    steps,
                    control,
                    kind,
                    draw,
                    secrets.token_hex(8),
                    lesson,
                )
            ],
        )
        return quiz


def _scale(scale: list[tuple[str, int]], grading: str) -> list[ev.ScaleStep]:
    values = [v.strip().lower() for v, _ in scale]
    if any(v not in rules.GRADING_VALUES.get(grading, ()) for v in values):
        raise RuleViolation("В шкале есть отметка не из системы оценивания предмета.")
    if len(set(values)) != len(values) or len({m for _, m in scale}) != len(scale):
        raise RuleViolation("Шкала: у каждой отметки свой порог баллов.")
    if min(m for _, m in scale) != 0 or any(m < 0 for _, m in scale):
        raise RuleViolation("Шкала должна начинаться с 0 баллов.")
    steps = sorted(zip(values, (m for _, m in scale), strict=True), key=lambda x: -x[1])
    return [ev.ScaleStep(v, m) for v, m in steps]


def _quiz(j: Journal, quiz: str) -> tuple[lookup.Course, dict[str, object]]:
    row = j.db.execute(
        "SELECT course, questions, minutes, opens, closes, draw, seed, scale, kind, lesson "
        "FROM quizzes WHERE quiz = ? AND invalid = 0",
        (quiz,),
    ).fetchone()
    if row is None:
        raise NotFound("Такой тест не найден.")
    keys = (
        "course",
        "questions",
        "minutes",
        "opens",
        "closes",
        "draw",
        "seed",
        "scale",
        "kind",
        "lesson",
    )
    info = dict(zip(keys, row, strict=True))
    info["questions"] = json.loads(row[1])
    info["scale"] = [tuple(s) for s in json.loads(row[7])]
    return lookup.course(j.db, row[0]), info


def start(j: Journal, actor: str, *, quiz: str) -> str:
    """Open (or resume) the student's attempt: the one attempt a student has per test."""
    with j.command():
        c, q = _quiz(j, quiz)
        require_student_of(j, actor, c)
        row = j.db.execute(
            "SELECT attempt FROM attempts WHERE quiz = ? AND student = ? AND invalid = 0",
            (quiz, actor),
        ).fetchone()
        if row:
            return str(row[0])  # resumed: the time kept running
        today = j.today()
        if not str(q["opens"]) <= today <= str(q["closes"]):
            raise RuleViolation(f"Тест открыт с {q['opens']} по {q['closes']}.")
        drawn = scoring.draw(q["questions"], int(q["draw"]), str(q["seed"]), actor)  # type: ignore[arg-type]
        attempt = j.ids.new("att")
        j.record(actor, [ev.QuizStarted(attempt, quiz, actor, drawn)])
        return attempt


def _attempt(j: Journal, attempt: str) -> tuple[str, str, list[str], str, str | None, str | None]:
    """(quiz, student, questions, deadline UTC, finished_at, confirmed_at)."""
    row = j.db.execute(
        "SELECT quiz, student, questions, deadline, finished_at, confirmed_at FROM attempts "
        "WHERE attempt = ? AND invalid = 0",
        (attempt,),
    ).fetchone()
    if row is None:
        raise NotFound("Такая попытка не найдена.")
    return row[0], row[1], json.loads(row[2]), row[3], row[4], row[5]


def now_utc(j: Journal) -> str:
    return utc(format_time(j.now()))


def save_answer(j: Journal, actor: str, *, attempt: str, question: str, answer: list[str]) -> None:
    """Save one answer (each save is an entry). Refused after the time limit: the server's
    time counts, not the browser's."""
    answer = [a[:ANSWER_MAX] for a in answer if a.strip()][:20]
    with j.command():
        _, student, questions, deadline, finished, _ = _attempt(j, attempt)
        if student != actor:
            raise PermissionDenied("Это не ваша попытка.")
        if finished:
            raise RuleViolation("Тест уже завершён: ответы больше не принимаются.")
        if now_utc(j) > deadline:
            raise RuleViolation("Время на тест истекло: ответ не принят.")
        if question not in questions:
            raise NotFound("Такого вопроса в вашем тесте нет.")
        kind, options = j.db.execute(
            "SELECT kind, options FROM questions WHERE question = ?", (question,)
        ).fetchone()
        if kind in ("single", "multiple"):
            count = len(json.loads(options))
            if any(a not in {str(n) for n in range(count)} for a in answer) or (
                kind == "single" and len(answer) > 1
            ):
                raise RuleViolation("Выберите вариант из предложенных.")
            answer = sorted(set(answer), key=int)
        else:
            answer = answer[:1]
        j.record(actor, [ev.QuizAnswered(attempt, question, answer)])


def finish(j: Journal, actor: str, *, attempt: str) -> None:
    with j.command():
        _, student, _, _, finished, _ = _attempt(j, attempt)
        if student != actor:
            raise PermissionDenied("Это не ваша попытка.")
        if finished:
            raise RuleViolation("Тест уже завершён.")
        j.record(actor, [ev.QuizFinished(attempt)])


def _teacher_of_attempt(j: Journal, actor: str, attempt: str) -> tuple[lookup.Course, dict]:  # type: ignore[type-arg]
    quiz = _attempt(j, attempt)[0]
    c, q = _quiz(j, quiz)
    require_course_teacher(j, actor, c)
    return c, q


def check_answer(
    j: Journal, actor: str, *, attempt: str, question: str, points: int, comment: str = ""
) -> None:
    """The teacher's points for a free-text answer."""
    with j.command():
        _teacher_of_attempt(j, actor, attempt)
        _, _, questions, _, _, confirmed = _attempt(j, attempt)
        if question not in questions:
            raise NotFound("Такого вопроса в этой попытке нет.")
        if confirmed:
            raise RuleViolation("Результат уже подтверждён.")
        kind, most = j.db.execute(
            "SELECT kind, points FROM questions WHERE question = ?", (question,)
        ).fetchone()
        if kind != "free":
            raise RuleViolation("Этот ответ проверяется автоматически.")
        if not 0 <= points <= most:
            raise RuleViolation(f"Баллы за этот вопрос: от 0 до {most}.")
        j.record(actor, [ev.QuizChecked(attempt, question, points, comment.strip()[:2000])])


def confirm(j: Journal, actor: str, *, attempt: str, lesson: str = "") -> str:
    """Confirm an attempt that is over (finished, or its time ran out) with every free-text
    answer checked: its mark goes to the journal by the normal mark command. Returns the mark."""
    from ...queries.quiz import attempt_score  # the same score the teacher's page shows

    with j.command():
        c, q = _teacher_of_attempt(j, actor, attempt)
        _, student, _, deadline, finished, confirmed = _attempt(j, attempt)
        if confirmed:
            raise RuleViolation("Результат уже подтверждён.")
        if not finished and now_utc(j) <= deadline:
            raise RuleViolation("Ученик ещё выполняет тест.")
        result = attempt_score(j.db, attempt)
        if result.unchecked:
            raise RuleViolation("Проверьте развёрнутые ответы, потом подтвердите результат.")
        lesson = lesson or str(q["lesson"])
        if not lesson:
            raise RuleViolation("Тест не привязан к уроку: выберите урок для отметки.")
        if lookup.lesson(j.db, lesson).course.course != c.course:
            raise RuleViolation("Урок не из курса этого теста.")
        value = scoring.mark_for(result.points, q["scale"])  # type: ignore[arg-type]
        mark = teaching.give_mark(
            j, actor, lesson=lesson, student=student, value=value, kind=str(q["kind"])
        )
        j.record(actor, [ev.QuizConfirmed(attempt, result.points, value, mark)])
        return mark
