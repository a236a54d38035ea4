"""The lesson page: topic, homework and work kinds (the course's teacher edits them), the
students with attendance, marks and comments; a comment form per student (R-LES-1, R-MRK-4).
Deputy head, director and administrator, and the class teacher of the class, read it."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model import rules
from ejournal.model.commands import teaching
from ejournal.model.errors import JournalError, NotFound, RuleViolation
from ejournal.queries.lesson import LessonDetail, lesson_detail
from ejournal.queries.substitution import substitute_candidates
from ejournal.queries.viewers import WRITE, lesson_access

from ..security import JOURNAL_READERS, TEACHERS, ForbiddenError, User, current_user, reading
from .teacher import save_cell_text

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
TOPIC_MAX = 500
HOMEWORK_MAX = 2000
COMMENT_MAX = 1000
REASON_MAX = 200


def _journal(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


def _htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


def _open(j: Journal, user: User, lesson: str) -> tuple[LessonDetail, bool]:
    """The lesson and whether this user edits it; ForbiddenError for a stranger to it."""
    allowed = lesson_access(j.db, user.person, lesson, j.today())
    if not allowed:
        raise ForbiddenError
    return lesson_detail(j.db, lesson), allowed == WRITE


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)


def _list(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name, [])
    return [str(v) for v in (value if isinstance(value, list) else [value]) if str(v)]


def _require_writer(j: Journal, user: User, lesson: str) -> None:
    if lesson_access(j.db, user.person, lesson, j.today()) != WRITE:
        raise ForbiddenError


def _may_substitute(user: User, detail: LessonDetail) -> bool:
    # R-LES-2: here the course's teacher records who takes the lesson (the command also lets
    # the administration do it, on its own pages).
    return detail.course.teacher.person == user.person


def _context(
    j: Journal, user: User, detail: LessonDetail, editable: bool, **more: Any
) -> dict[str, Any]:
    substitutes: tuple[Any, ...] = ()
    if _may_substitute(user, detail) and not detail.substitution:
        with reading(j):  # re-entrant: callers may hold it already
            substitutes = substitute_candidates(j.db, detail.lesson)
    return {
        "substitutes": substitutes,
        "sub_error": "",
        "mark_error": "",
        "user": user,
        "les": detail,
        "editable": editable,
        "kinds": rules.WORK_KINDS,
        "comment_kinds": teaching.COMMENT_KINDS,
        "error": "",
        "comment_error": "",
        "comment_for": "",
        "text": "",
        **more,
    }


class LessonController(Controller):
    """/lesson (record today's lesson) and /lesson/{lesson} with its forms."""

    @post("/lesson", opt={"roles": TEACHERS}, sync_to_thread=True)
    def record_today(
        self, request: Request, data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = _journal(request), _user(request)
        try:
            number = int(_text(data, "number") or "0")
        except ValueError:
            raise RuleViolation("Номер урока должен быть числом.") from None
        if not 0 <= number <= 20:
            raise RuleViolation("Номер урока должен быть от 1 до 20.")
        with reading(j):
            lesson = teaching.record_lesson(
                j, user.person, course=_text(data, "course")[:100], date=j.today(), number=number
            )
        return Redirect(f"/lesson/{lesson}", status_code=303)

    @get("/lesson/{lesson:str}", opt={"roles": JOURNAL_READERS}, sync_to_thread=True)
    def lesson_page(self, request: Request, lesson: FromPath[str]) -> Template:
        j, user = _journal(request), _user(request)
        with reading(j):
            detail, editable = _open(j, user, lesson)
        return Template("lesson/page.html", context=_context(j, user, detail, editable))

    @post("/lesson/{lesson:str}", opt={"roles": TEACHERS}, sync_to_thread=True)
    def update(
        self, request: Request, lesson: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = _journal(request), _user(request)
        topic, homework = _text(data, "topic").strip(), _text(data, "homework").strip()
        kinds = _list(data, "kinds")
        error = ""
        with reading(j):
            _require_writer(j, user, lesson)
            try:
                if len(topic) > TOPIC_MAX:
                    raise RuleViolation(f"Тема урока длиннее {TOPIC_MAX} знаков.")
                if len(homework) > HOMEWORK_MAX:
                    raise RuleViolation(f"Домашнее задание длиннее {HOMEWORK_MAX} знаков.")
                if not topic and "topic" not in data:
                    raise RuleViolation("Форма урока пуста: укажите тему урока.")
                teaching.update_lesson(
                    j, user.person, lesson=lesson, topic=topic, homework=homework, work_kinds=kinds
                )
            except NotFound:
                raise
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                error = e.message_ru
            detail, editable = _open(j, user, lesson)
        if not _htmx(request) and not error:
            return Redirect(f"/lesson/{lesson}", status_code=303)
        context = _context(j, user, detail, editable, error=error)
        if _htmx(request):
            return Template("lesson/info.html", context=context, status_code=422 if error else 200)
        return Template("lesson/page.html", context=context, status_code=422)

    @post("/lesson/{lesson:str}/comment", opt={"roles": TEACHERS}, sync_to_thread=True)
    def comment(
        self, request: Request, lesson: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = _journal(request), _user(request)
        student, kind, text = _text(data, "student"), _text(data, "kind"), _text(data, "text")
        error = ""
        with reading(j):
            _require_writer(j, user, lesson)
            try:
                if len(text) > COMMENT_MAX * 2:
                    raise RuleViolation("Текст записи должен быть от 3 до 1000 знаков.")
                teaching.add_comment(
                    j, user.person, lesson=lesson, student=student, kind=kind, text=text
                )
            except NotFound:
                raise
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                error = e.message_ru
            detail, editable = _open(j, user, lesson)
        rows = [(i, s) for i, s in enumerate(detail.students) if s.student.person == student]
        if not rows:
            raise RuleViolation(error) if error else NotFound("Такого ученика на этом уроке нет.")
        if not _htmx(request) and not error:
            return Redirect(f"/lesson/{lesson}", status_code=303)
        index, row = rows[0]
        context = _context(
            j,
            user,
            detail,
            editable,
            comment_error=error,
            comment_for=student,
            s=row,
            i=index,
            text=text if error else "",
        )
        if _htmx(request):
            return Template(
                "lesson/student.html", context=context, status_code=422 if error else 200
            )
        return Template("lesson/page.html", context=context, status_code=422)

    @post("/lesson/{lesson:str}/mark", opt={"roles": TEACHERS}, sync_to_thread=True)
    def mark(
        self, request: Request, lesson: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        """A mark or an absence typed for one student on the lesson page (htmx): the course's
        teacher and the substitute of the lesson (R-LES-2) record it here."""
        j, user = _journal(request), _user(request)
        student = _text(data, "student")
        error = ""
        with reading(j):
            _require_writer(j, user, lesson)
            les = lesson_detail(j.db, lesson)
            try:
                save_cell_text(
                    j, user.person, les.course.course, lesson, student, _text(data, "value")
                )
            except NotFound:
                raise
            except JournalError as e:
                error = e.message_ru
            detail, editable = _open(j, user, lesson)
            rows = [(i, s) for i, s in enumerate(detail.students) if s.student.person == student]
            if not rows:
                raise NotFound("Такого ученика на этом уроке нет.")
            index, row = rows[0]
            context = _context(j, user, detail, editable, mark_error=error, s=row, i=index)
        if not _htmx(request):
            if error:
                return Template("lesson/page.html", context=context, status_code=422)
            return Redirect(f"/lesson/{lesson}", status_code=303)
        return Template("lesson/student.html", context=context, status_code=422 if error else 200)

    @post("/lesson/{lesson:str}/substitute", opt={"roles": TEACHERS}, sync_to_thread=True)
    def substitute(
        self, request: Request, lesson: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        """R-LES-2: another teacher takes this lesson; the substitute then records it."""
        j, user = _journal(request), _user(request)
        teacher, reason = _text(data, "teacher"), " ".join(_text(data, "reason").split())
        error = ""
        with reading(j):
            detail, editable = _open(j, user, lesson)
            if not _may_substitute(user, detail):
                raise ForbiddenError
            try:
                if not teacher:
                    raise RuleViolation("Выберите учителя, который заменяет урок.")
                if len(reason) > REASON_MAX:
                    raise RuleViolation(f"Причина замены длиннее {REASON_MAX} знаков.")
                if teacher not in {p.person for p in substitute_candidates(j.db, lesson)}:
                    raise RuleViolation("Заменять урок может только учитель школы из списка.")
                teaching.substitute(j, user.person, lesson=lesson, teacher=teacher, reason=reason)
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                error = e.message_ru
            detail, editable = _open(j, user, lesson)
            context = _context(j, user, detail, editable, sub_error=error)
        if error:
            return Template("lesson/page.html", context=context, status_code=422)
        return Redirect(f"/lesson/{lesson}", status_code=303)
