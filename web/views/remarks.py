"""Remarks of the deputy head addressed to me (R-CTL-2): the teacher's list with due dates,
overdue ones highlighted, and marking one fixed with a note. (The deputy head writes them on
the administration's pages.)"""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model.commands import control
from ejournal.model.errors import JournalError, NotFound, RuleViolation
from ejournal.queries.my_remarks import Remark, remarks_to

from ..security import TEACHERS, User, current_user, reading
from .marks import when

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
NOTE_MAX = 1000


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


def _context(j: Journal, user: User, **more: Any) -> dict[str, Any]:
    zone = j.now().tzinfo
    return {
        "user": user,
        "remarks": remarks_to(j.db, user.person, j.today()),
        "when": lambda at: when(at, zone),
        "error": "",
        "error_for": "",
        **more,
    }


def _find(remarks: tuple[Remark, ...], remark: str) -> tuple[int, Remark]:
    for index, found in enumerate(remarks):
        if found.remark == remark:
            return index, found
    raise NotFound("Такого замечания, адресованного вам, нет.")


class RemarksController(Controller):
    """/teacher/remarks and the form that marks one fixed."""

    @get("/teacher/remarks", opt={"roles": TEACHERS}, sync_to_thread=True)
    def remarks(self, request: Request) -> Template:
        j, user = request.app.state.journal, _user(request)
        with reading(j):
            context = _context(j, user)
        return Template("remarks/list.html", context=context)

    @post("/teacher/remarks/{remark:str}/fix", opt={"roles": TEACHERS}, sync_to_thread=True)
    def fix(
        self, request: Request, remark: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        """R-CTL-2: the teacher marks a remark fixed, with a note on what was done."""
        j, user = request.app.state.journal, _user(request)
        raw = data.get("note", "")
        note = " ".join(str(raw[-1] if isinstance(raw, list) and raw else raw).split())
        error = ""
        with reading(j):
            _find(remarks_to(j.db, user.person, j.today()), remark)  # only one's own
            try:
                if len(note) > NOTE_MAX:
                    raise RuleViolation(f"Пояснение длиннее {NOTE_MAX} знаков.")
                if not note:
                    raise RuleViolation("Напишите коротко, что исправлено.")
                control.fix_remark(j, user.person, remark=remark, note=note)
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                error = e.message_ru
            context = _context(j, user, error=error, error_for=remark, note=note if error else "")
            index, found = _find(context["remarks"], remark)
        htmx = request.headers.get("hx-request") == "true"
        if not error and not htmx:
            return Redirect("/teacher/remarks", status_code=303)
        if htmx:
            context.update(r=found, i=index)
            return Template("remarks/item.html", context=context, status_code=422 if error else 200)
        return Template("remarks/list.html", context=context, status_code=422)
