"""Tests on the web (R-DST-2): the question bank of a subject, composing a test, the student's
attempt (each answer saved as it is given, by htmx or a plain form; the server keeps the time),
the teacher's results with the check of free-text answers and the confirmation into the
journal, and the deputy head's report per class and question."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model import events as ev
from ejournal.model import lookup, rules, scoring
from ejournal.model.commands import quiz
from ejournal.model.commands.quiz import now_utc
from ejournal.model.errors import JournalError, NotFound, PermissionDenied, RuleViolation
from ejournal.queries import distance as dq
from ejournal.queries import quiz as qq
from ejournal.queries.courses import course_info
from ejournal.queries.distance import may_see_work
from ejournal.queries.viewers import WRITE, course_access

from ..security import TEACHERS, ForbiddenError, User, reading
from .distance_forms import STAFF_REPORTS, Form, field, fields, journal_of, local, user_of

STUDENT = frozenset({"student"})
QUIZ_VIEWERS = frozenset({"student", "teacher", "admin", "director", "deputy"})


def _int(text: str, what: str) -> int:
    text = text.strip()
    if not text.isdigit():
        raise RuleViolation(f"{what}: целое число.")
    return int(text)


def _options(text: str) -> list[ev.QuizOption]:
    """One option a line; a line starting with «*» is a correct one."""
    found = []
    for line in text.splitlines():
        line = line.strip()
        if line:
            found.append(ev.QuizOption(line.lstrip("*").strip(), line.startswith("*")))
    return found


def _require_course_writer(j: Journal, user: User, course: str) -> None:
    if course_access(j.db, user.person, course, j.today()) != WRITE:
        raise ForbiddenError


def _attempt_context(j: Journal, user: User, attempt: str) -> dict[str, Any]:
    view = qq.attempt_view(j.db, attempt)
    course = view.quiz.course
    if not may_see_work(j.db, user.person, view.student, course, j.today()):
        raise ForbiddenError
    over = bool(view.finished_at) or now_utc(j) > view.deadline
    teacher = user.person != view.student
    return {
        "user": user,
        "view": view,
        "over": over,
        "teacher": teacher,
        "course": course_info(j.db, course),
        "deadline": local(j, view.deadline),
        "score": qq.attempt_score(j.db, attempt) if teacher else None,
        "kinds": scoring.KINDS,
        "saved": {},
        "error": "",
    }


class QuizController(Controller):
    @get("/quiz/bank/{subject:str}", opt={"roles": TEACHERS}, sync_to_thread=True)
    def bank(self, request: Request, subject: FromPath[str]) -> Template:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            return self._bank(j, user, subject)

    def _bank(self, j: Journal, user: User, subject: str, error: str = "") -> Template:
        name = dq.subject_name(j.db, subject)
        return Template(
            "quiz/bank.html",
            context={
                "user": user,
                "subject": subject,
                "name": name,
                "kinds": scoring.KINDS,
                "questions": qq.question_bank(j.db, subject),
                "error": error,
            },
            status_code=422 if error else 200,
        )

    @post("/quiz/bank/{subject:str}", opt={"roles": TEACHERS}, sync_to_thread=True)
    def add_question(
        self, request: Request, subject: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            try:
                quiz.add_question(
                    j,
                    user.person,
                    subject=subject,
                    kind=field(data, "kind"),
                    text=field(data, "text"),
                    points=_int(field(data, "points") or "1", "Баллы"),
                    options=_options(field(data, "options")),
                    accepted=field(data, "accepted").split(";"),
                    number=field(data, "number"),
                    tolerance=field(data, "tolerance"),
                    topic=field(data, "topic"),
                )
            except PermissionDenied:
                raise
            except JournalError as e:
                return self._bank(j, user, subject, e.message_ru)
        return Redirect(f"/quiz/bank/{subject}", status_code=303)

    @get("/quiz/new", opt={"roles": TEACHERS}, sync_to_thread=True)
    def new_quiz(self, request: Request) -> Template:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            return self._new(j, user, request.query_params.get("course", ""))

    def _new(self, j: Journal, user: User, course: str, error: str = "") -> Template:
        info = course_info(j.db, course)
        _require_course_writer(j, user, course)
        lessons = dq.course_lessons(j.db, course)
        return Template(
            "quiz/new.html",
            context={
                "user": user,
                "course": info,
                "questions": qq.question_bank(j.db, info.subject),
                "controls": scoring.CONTROLS,
                "kinds": rules.WORK_KINDS,
                "lessons": lessons,
                "values": rules.GRADING_VALUES.get(info.grading, ()),
                "today": j.today(),
                "error": error,
            },
            status_code=422 if error else 200,
        )

    @post("/quiz/new", opt={"roles": TEACHERS}, sync_to_thread=True)
    def publish(self, request: Request, data: Annotated[dict[str, Any], Form]) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        course = field(data, "course")
        with reading(j):
            info = course_info(j.db, course)
            _require_course_writer(j, user, course)
            try:
                scale = [
                    (v, _int(field(data, f"scale_{v}"), f"Порог отметки «{v}»"))
                    for v in rules.GRADING_VALUES.get(info.grading, ())
                    if field(data, f"scale_{v}").strip()
                ]
                test = quiz.publish_quiz(
                    j,
                    user.person,
                    course=course,
                    title=field(data, "title"),
                    questions=fields(data, "questions"),
                    minutes=_int(field(data, "minutes"), "Время"),
                    opens=field(data, "opens"),
                    closes=field(data, "closes"),
                    scale=scale,
                    control=field(data, "control"),
                    kind=field(data, "kind") or "ТЕСТ",
                    draw=_int(field(data, "draw") or "0", "Вопросов на ученика"),
                    lesson=field(data, "lesson"),
                )
            except PermissionDenied:
                raise
            except JournalError as e:
                return self._new(j, user, course, e.message_ru)
        return Redirect(f"/quiz/{test}", status_code=303)

    @get("/quiz/{quiz_id:str}", opt={"roles": QUIZ_VIEWERS}, sync_to_thread=True)
    def quiz_page(self, request: Request, quiz_id: FromPath[str]) -> Template:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            info = qq.quiz_info(j.db, quiz_id)
            today = j.today()
            access = course_access(j.db, user.person, info.course, today)
            context = {
                "user": user,
                "quiz": info,
                "course": course_info(j.db, info.course),
                "controls": scoring.CONTROLS,
                "kinds": rules.WORK_KINDS,
                "error": "",
            }
            if access:
                context["rows"] = qq.quiz_results(j.db, quiz_id, now_utc(j))
                context["editable"] = access == WRITE
                return Template("quiz/results.html", context=context)
            if "student" not in user.roles or not lookup.is_member(
                j.db, user.person, lookup.course(j.db, info.course).group, today
            ):
                raise ForbiddenError
            attempt = qq.find_attempt(j.db, quiz_id, user.person)
            context["attempt"] = attempt
            context["open"] = info.opens <= today <= info.closes
            return Template("quiz/start.html", context=context)

    @post("/quiz/{quiz_id:str}/start", opt={"roles": STUDENT}, sync_to_thread=True)
    def start(self, request: Request, quiz_id: FromPath[str]) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            attempt = quiz.start(j, user.person, quiz=quiz_id)
        return Redirect(f"/quiz/attempt/{attempt}", status_code=303)

    @get("/quiz/attempt/{attempt:str}", opt={"roles": QUIZ_VIEWERS}, sync_to_thread=True)
    def attempt(self, request: Request, attempt: FromPath[str]) -> Template:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            return Template("quiz/attempt.html", context=_attempt_context(j, user, attempt))

    @post("/quiz/attempt/{attempt:str}/answer", opt={"roles": STUDENT}, sync_to_thread=True)
    def answer(
        self, request: Request, attempt: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        """Save one answer; htmx gets the question's status line back."""
        j, user = journal_of(request), user_of(request)
        question = field(data, "question")
        error, status = "", 200
        with reading(j):
            try:
                quiz.save_answer(
                    j,
                    user.person,
                    attempt=attempt,
                    question=question,
                    answer=fields(data, "answer"),
                )
            except PermissionDenied:
                raise
            except JournalError as e:
                error, status = e.message_ru, 422
            saved = local(j, now_utc(j))[-5:]
            if request.headers.get("hx-request") != "true":
                if error:
                    context = _attempt_context(j, user, attempt)
                    context["error"] = error
                    return Template("quiz/attempt.html", context=context, status_code=422)
                return Redirect(f"/quiz/attempt/{attempt}#q-{question}", status_code=303)
        return Template(
            "quiz/saved.html",
            context={"error": error, "saved": saved, "question": question},
            status_code=status,
        )

    @post("/quiz/attempt/{attempt:str}/finish", opt={"roles": STUDENT}, sync_to_thread=True)
    def finish(self, request: Request, attempt: FromPath[str]) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            quiz.finish(j, user.person, attempt=attempt)
        return Redirect(f"/quiz/attempt/{attempt}", status_code=303)

    @post("/quiz/attempt/{attempt:str}/check", opt={"roles": TEACHERS}, sync_to_thread=True)
    def check(
        self, request: Request, attempt: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            quiz.check_answer(
                j,
                user.person,
                attempt=attempt,
                question=field(data, "question"),
                points=_int(field(data, "points"), "Баллы"),
                comment=field(data, "comment"),
            )
            test = qq.attempt_view(j.db, attempt).quiz.quiz
        return Redirect(f"/quiz/{test}", status_code=303)

    @post("/quiz/attempt/{attempt:str}/confirm", opt={"roles": TEACHERS}, sync_to_thread=True)
    def confirm(
        self, request: Request, attempt: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            quiz.confirm(j, user.person, attempt=attempt, lesson=field(data, "lesson"))
            test = qq.attempt_view(j.db, attempt).quiz.quiz
        return Redirect(f"/quiz/{test}", status_code=303)

    @post("/quiz/{quiz_id:str}/confirm", opt={"roles": TEACHERS}, sync_to_thread=True)
    def confirm_all(self, request: Request, quiz_id: FromPath[str]) -> Response[Any]:
        """Confirm every attempt that is over and fully checked: one mark each, in the journal."""
        j, user = journal_of(request), user_of(request)
        with reading(j):
            info = qq.quiz_info(j.db, quiz_id)
            _require_course_writer(j, user, info.course)
            for row in qq.quiz_results(j.db, quiz_id, now_utc(j)):
                if row.state == "finished" and row.score and not row.score.unchecked:
                    quiz.confirm(j, user.person, attempt=row.attempt)
        return Redirect(f"/quiz/{quiz_id}", status_code=303)

    @get("/distance/report", opt={"roles": STAFF_REPORTS}, sync_to_thread=True)
    def report(self, request: Request) -> Template:
        j, user = journal_of(request), user_of(request)
        control = request.query_params.get("control", "spot_check")
        if control not in scoring.CONTROLS:
            raise NotFound("Такого вида контроля нет.")
        subject = request.query_params.get("subject", "")
        with reading(j):
            report = qq.control_report(j.db, control, now_utc(j), subject)
            subjects = dq.subjects(j.db)
            names = {q.quiz: course_info(j.db, q.course) for q in report.quizzes}
        return Template(
            "quiz/report.html",
            context={
                "user": user,
                "report": report,
                "controls": scoring.CONTROLS,
                "control": control,
                "subject": subject,
                "subjects": subjects,
                "names": names,
            },
        )
