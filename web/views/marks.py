"""A mark's history and its corrections (R-MRK-2): the mark as given, every correction and
revocation with its reason, author and time; the course's teacher (or the lesson's substitute)
corrects or revokes it here, always with a reason. Entries invalidated by a credential
compromise (R-SEC-3) are shown, struck through, to the administration only."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, tzinfo
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model import rules
from ejournal.model.access import MATRIX
from ejournal.model.commands import teaching
from ejournal.model.errors import JournalError, NotFound, RuleViolation
from ejournal.queries.courses import course_info
from ejournal.queries.history import MarkHistory, mark_history
from ejournal.queries.viewers import WRITE, course_access, lesson_access

from ..security import JOURNAL_READERS, TEACHERS, ForbiddenError, User, current_user, reading

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
REASON_MAX = 500
VALUE_MAX = 10


def when(at: str, zone: tzinfo | None) -> str:
    """An entry time (UTC) as the school reads it: «16.11.2026 09:05»."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    return moment.astimezone(zone).strftime("%d.%m.%Y %H:%M")


def _text(data: dict[str, Any], name: str) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return " ".join(str(value).split())


def _history(j: Journal, user: User, mark: str) -> tuple[MarkHistory, bool, bool]:
    """The history as this user may see it, whether the user corrects it, whether the user is
    of the administration (sees invalid entries)."""
    found = mark_history(j.db, mark)
    if not course_access(j.db, user.person, found.course, j.today()):
        raise ForbiddenError
    admin = bool(user.roles & MATRIX["journal.read_all"])
    if not admin:
        if found.invalid:
            raise NotFound("Такая отметка не найдена.")
        found = _without_invalid(found)
    writes = lesson_access(j.db, user.person, found.lesson, j.today()) == WRITE
    return found, writes, admin


def _without_invalid(found: MarkHistory) -> MarkHistory:
    return replace(found, changes=tuple(c for c in found.changes if not c.invalid))


def _context(j: Journal, user: User, mark: str, **more: Any) -> dict[str, Any]:
    history, writes, admin = _history(j, user, mark)
    course = course_info(j.db, history.course)
    zone = j.now().tzinfo
    return {
        "user": user,
        "h": history,
        "course": course,
        "writes": writes and history.current is not None,
        "admin": admin,
        "values": [v for v in rules.GRADING_VALUES.get(course.grading, ()) if v != history.current],
        "kinds": rules.WORK_KINDS,
        "when": lambda at: when(at, zone),
        "error": "",
        "reason": "",
        **more,
    }


class MarkController(Controller):
    """/mark/{mark}: the history page and its two forms."""

    @get("/mark/{mark:str}", opt={"roles": JOURNAL_READERS}, sync_to_thread=True)
    def history(self, request: Request, mark: FromPath[str]) -> Template:
        j, user = request.app.state.journal, current_user(request)
        assert user is not None
        with reading(j):
            context = _context(j, user, mark)
        return Template("marks/history.html", context=context)

    @post("/mark/{mark:str}/correct", opt={"roles": TEACHERS}, sync_to_thread=True)
    def correct(
        self, request: Request, mark: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        """R-MRK-2: a new value with a reason; the old one stays in the history."""
        return _change(request, mark, data, revoke=False)

    @post("/mark/{mark:str}/revoke", opt={"roles": TEACHERS}, sync_to_thread=True)
    def revoke(
        self, request: Request, mark: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        """R-MRK-2: cancel a mark entered by mistake, with a reason; it is never deleted."""
        return _change(request, mark, data, revoke=True)


def _change(request: Request, mark: str, data: dict[str, Any], *, revoke: bool) -> Response[Any]:
    j, user = request.app.state.journal, current_user(request)
    assert user is not None
    value, reason = _text(data, "value"), _text(data, "reason")
    error = ""
    with reading(j):
        _, writes, _ = _history(j, user, mark)
        if not writes:
            raise ForbiddenError
        try:
            if not reason:
                raise RuleViolation(
                    "Укажите причину: без неё отметка не исправляется и не отменяется."
                )
            if len(reason) > REASON_MAX:
                raise RuleViolation(f"Причина длиннее {REASON_MAX} знаков.")
            if revoke:
                teaching.revoke_mark(j, user.person, mark=mark, reason=reason)
            else:
                if not value or len(value) > VALUE_MAX:
                    raise RuleViolation("Выберите новую отметку.")
                teaching.correct_mark(j, user.person, mark=mark, value=value, reason=reason)
        except JournalError as e:
            if e.code == "permission_denied" or isinstance(e, NotFound):
                raise
            error = e.message_ru
        context = _context(j, user, mark, error=error, reason=reason if error else "")
    htmx = request.headers.get("hx-request") == "true"
    if not error and not htmx:
        return Redirect(f"/mark/{mark}", status_code=303)
    template = "marks/changes.html" if htmx else "marks/history.html"
    return Template(template, context=context, status_code=422 if error else 200)
