"""The class teacher's page: the own class across all subjects, read-only (R-CTL-4), and the
absence registry where the class teacher sets the reason of an absence (R-ATT-1)."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model.commands import teaching
from ejournal.model.errors import JournalError, NotFound, RuleViolation
from ejournal.queries.overview import class_overview
from ejournal.queries.viewers import KEEP, class_absences, class_access, class_period

from ..security import JOURNAL_READERS, TEACHERS, ForbiddenError, User, current_user, reading

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
REASONS = {"Б": "по болезни", "У": "по уважительной причине", "Н": "без причины"}


def _journal(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


def _page_context(j: Journal, user: User, class_id: str) -> dict[str, Any]:
    allowed = class_access(j.db, user.person, class_id, j.today())
    if not allowed:
        raise ForbiddenError
    term = class_period(j.db, class_id, j.today())
    if term is None:
        raise NotFound("У этого класса нет учебных периодов в текущем году.")
    overview = class_overview(j.db, class_id, term.period)
    return {
        "user": user,
        "ov": overview,
        "absences": class_absences(j.db, class_id, term.start, min(term.end, j.today())),
        "keeps": allowed == KEEP,
        "reasons": REASONS,
        "error": "",
        "error_for": "",
    }


class ClassController(Controller):
    """/class/{class_id} and its absence reasons."""

    @get("/class/{class_id:str}", opt={"roles": JOURNAL_READERS}, sync_to_thread=True)
    def class_page(self, request: Request, class_id: FromPath[str]) -> Template:
        j, user = _journal(request), _user(request)
        with reading(j):
            context = _page_context(j, user, class_id)
        return Template("class/page.html", context=context)

    @post("/class/{class_id:str}/reason", opt={"roles": TEACHERS}, sync_to_thread=True)
    def set_reason(
        self, request: Request, class_id: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = _journal(request), _user(request)
        lesson, student = str(data.get("lesson", ""))[:100], str(data.get("student", ""))[:100]
        code = str(data.get("code", ""))[:10]
        error = ""
        with reading(j):
            if class_access(j.db, user.person, class_id, j.today()) != KEEP:
                raise ForbiddenError
            try:
                teaching.set_absence_reason(
                    j, user.person, lesson=lesson, student=student, code=code
                )
            except NotFound:
                raise
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                error = e.message_ru
            context = _page_context(j, user, class_id)
        if request.headers.get("hx-request") != "true":
            if error:
                return Template(
                    "class/page.html",
                    context={**context, "error": error, "error_for": f"{lesson}:{student}"},
                    status_code=422,
                )
            return Redirect(f"/class/{class_id}", status_code=303)
        rows = [
            (i, a)
            for i, a in enumerate(context["absences"])
            if a.lesson == lesson and a.student.person == student
        ]
        if not rows:
            raise RuleViolation(error) if error else NotFound("Такого пропуска в реестре нет.")
        i, a = rows[0]
        return Template(
            "class/absence.html",
            context={**context, "i": i, "a": a, "error": error, "error_for": f"{lesson}:{student}"},
            status_code=422 if error else 200,
        )
