"""The portfolio on the web (R-PRT-1): a student's achievements with the form for the student
or a parent, the class teacher's confirmation, and the class teacher's list of whose portfolio
was not updated this period."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.params import FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model.commands import portfolio
from ejournal.model.errors import JournalError, NotFound, PermissionDenied
from ejournal.queries import portfolio as pq
from ejournal.queries.members import group_name
from ejournal.queries.people import person
from ejournal.queries.viewers import KEEP, class_access, class_period, classes_kept_by

from ..security import TEACHERS, ForbiddenError, User, reading
from .distance_forms import (
    STAFF_REPORTS,
    UPLOAD_BODY_MAX,
    VIEWERS,
    Form,
    Multipart,
    field,
    journal_of,
    local,
    uploads,
    user_of,
)


def _page(j: Journal, user: User, student: str, error: str = "", **more: Any) -> Template:
    today = j.today()
    if not pq.is_person(j.db, student):
        raise NotFound("Такой ученик не найден.")
    if not pq.may_see_portfolio(j.db, user.person, student, today):
        raise ForbiddenError
    keeper = any(
        class_access(j.db, user.person, c, today) == KEEP
        for c in portfolio.student_classes(j, student, today)
    )
    return Template(
        "portfolio/page.html",
        context={
            "user": user,
            "student": person(j.db, student),
            "entries": pq.achievements_of(j.db, student),
            "may_enter": pq.may_enter_portfolio(j.db, user.person, student, today),
            "keeper": keeper,
            "kinds": portfolio.KINDS,
            "levels": portfolio.LEVELS,
            "local": lambda t: local(j, t),
            "today": today,
            "error": error,
            "form": more,
        },
        status_code=422 if error else 200,
    )


class PortfolioController(Controller):
    @get("/portfolio/{student:str}", opt={"roles": VIEWERS}, sync_to_thread=True)
    def page(self, request: Request, student: FromPath[str]) -> Template:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            return _page(j, user, student)

    @post(
        "/portfolio/{student:str}",
        opt={"roles": frozenset({"student", "parent"})},
        sync_to_thread=True,
        request_max_body_size=UPLOAD_BODY_MAX,
    )
    def add(
        self, request: Request, student: FromPath[str], data: Annotated[dict[str, Any], Multipart]
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            if not pq.may_enter_portfolio(j.db, user.person, student, j.today()):
                raise ForbiddenError
            try:
                portfolio.add_achievement(
                    j,
                    user.person,
                    student=student,
                    kind=field(data, "kind"),
                    title=field(data, "title"),
                    level=field(data, "level"),
                    date=field(data, "date"),
                    result=field(data, "result"),
                    uploads=uploads(data),
                )
            except PermissionDenied:
                raise
            except JournalError as e:
                return _page(
                    j,
                    user,
                    student,
                    e.message_ru,
                    title=field(data, "title"),
                    result=field(data, "result"),
                )
        return Redirect(f"/portfolio/{student}", status_code=303)

    @post(
        "/portfolio/entry/{achievement:str}/confirm", opt={"roles": TEACHERS}, sync_to_thread=True
    )
    def confirm(
        self, request: Request, achievement: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            portfolio.confirm_achievement(
                j,
                user.person,
                achievement=achievement,
                rejected=field(data, "action") == "reject",
                note=field(data, "note"),
            )
            student = pq.achievement_student(j.db, achievement)
        return Redirect(f"/portfolio/{student}", status_code=303)

    @post(
        "/portfolio/entry/{achievement:str}/withdraw",
        opt={"roles": frozenset({"student", "parent"})},
        sync_to_thread=True,
    )
    def withdraw(
        self, request: Request, achievement: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = journal_of(request), user_of(request)
        with reading(j):
            portfolio.withdraw_achievement(
                j, user.person, achievement=achievement, reason=field(data, "reason")
            )
            student = pq.achievement_student(j.db, achievement)
        return Redirect(f"/portfolio/{student}", status_code=303)

    @get("/portfolio/class", opt={"roles": TEACHERS | STAFF_REPORTS}, sync_to_thread=True)
    def class_page(self, request: Request) -> Template:
        """?class_id=…; without it, the first class the class teacher keeps."""
        j, user = journal_of(request), user_of(request)
        with reading(j):
            today = j.today()
            class_id = request.query_params.get("class_id", "")
            kept = classes_kept_by(j.db, user.person, today)
            if not class_id and kept:
                class_id = kept[0][0]
            if not class_id:
                raise NotFound("Укажите класс.")
            if not class_access(j.db, user.person, class_id, today):
                raise ForbiddenError
            period = class_period(j.db, class_id, today)
            since = period.start if period else today
            name = group_name(j.db, class_id)
            rows = pq.class_portfolios(j.db, class_id, since, today)
        return Template(
            "portfolio/class.html",
            context={
                "user": user,
                "rows": rows,
                "period": period,
                "name": name,
                "local": lambda t: local(j, t),
                "kept": kept,
            },
        )
