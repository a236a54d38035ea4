"""Messages and the announcements board (R-COM-1): a mailbox of threads with unread counts, a
thread with its reply form, a new message to the people one may write to (the rule is
``ejournal.model.correspondence``), and the board the deputy head, the director and the
administrator write on. Every message is a log entry."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.model import access
from ejournal.model.commands import control
from ejournal.model.errors import JournalError
from ejournal.queries.family import classes_of_year, school_names
from ejournal.queries.mailbox import (
    announcements_for,
    correspondent_list,
    thread_messages,
    threads,
    unread_count,
)
from ejournal.queries.periods import current_year

from ..security import SIGNED_IN, ForbiddenError, User, current_user, reading
from . import ru

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
POSTERS = frozenset(access.MATRIX["announcement.post"])


def _journal(request: Request) -> Journal:
    return request.app.state.journal  # type: ignore[no-any-return]


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


def _field(data: dict[str, Any], name: str, limit: int) -> str:
    value = data.get(name, "")
    if isinstance(value, list):
        value = value[-1] if value else ""
    return str(value)[: limit + 1]


def note_unread(request: Request, journal: Journal, person: str) -> None:
    """Set the nav's unread count from a handler already reading the journal (a route with
    ``opt[COUNTS_UNREAD]``; every other full page gets it from the guard, R-COM-1)."""
    request.state.unread = unread_count(journal.db, person)


def _tz(j: Journal) -> Any:
    return ru.zone(school_names(j.db)[1])


class MessagesController(Controller):
    """/messages/… and /announcements."""

    @get("/messages", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def mailbox(self, request: Request) -> Template:
        j, user = _journal(request), _user(request)
        with reading(j):
            found = threads(j.db, user.person)
            notices = announcements_for(j.db, user.person, j.today(), limit=3)
            tz = _tz(j)
        return Template(
            "diary/mailbox.html",
            context={
                "user": user,
                "threads": found,
                "announcements": notices,
                "ru": ru,
                "tz": tz,
            },
        )

    @get("/messages/new", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def compose(self, request: Request) -> Template:
        j, user = _journal(request), _user(request)
        chosen = request.query_params.get("to", "")
        with reading(j):
            people = correspondent_list(j.db, user.person, j.today())
        if chosen and chosen not in {c.person.person for c in people}:
            raise ForbiddenError
        return Template(
            "diary/compose.html",
            context={"user": user, "people": people, "chosen": chosen, "error": "", "form": {}},
        )

    @post("/messages", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def send(self, request: Request, data: Annotated[dict[str, Any], Form]) -> Response[Any]:
        j, user = _journal(request), _user(request)
        to = _field(data, "to", 100)
        subject, text = _field(data, "subject", 200), _field(data, "text", 5000)
        with reading(j):
            try:
                message = control.send_message(
                    j, user.person, to=[to] if to else [], subject=subject, text=text
                )
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                people = correspondent_list(j.db, user.person, j.today())
                return Template(
                    "diary/compose.html",
                    context={
                        "user": user,
                        "people": people,
                        "chosen": to,
                        "error": e.message_ru,
                        "form": {"subject": subject, "text": text},
                    },
                    status_code=422,
                )
        return Redirect(f"/messages/{message}", status_code=303)

    @get("/messages/{thread:str}", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def thread(self, request: Request, thread: FromPath[str]) -> Template:
        j, user = _journal(request), _user(request)
        with reading(j):
            messages = thread_messages(j.db, user.person, thread)
            if not messages:
                raise ForbiddenError  # not one of the person's threads (or none at all)
            for m in messages:
                if m.unread:
                    control.read_message(j, user.person, message=m.message)
            tz = _tz(j)
        read_now = sum(m.unread for m in messages)
        request.state.unread = max(0, request.state.get("unread", 0) - read_now)
        return Template(
            "diary/thread.html",
            context={
                "user": user,
                "messages": messages,
                "thread": thread,
                "subject": messages[0].subject,
                "ru": ru,
                "tz": tz,
                "error": "",
            },
        )

    @post("/messages/{thread:str}/reply", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def reply(
        self, request: Request, thread: FromPath[str], data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = _journal(request), _user(request)
        text = _field(data, "text", 5000)
        with reading(j):
            messages = thread_messages(j.db, user.person, thread)
            if not messages:
                raise ForbiddenError
            theirs = [m for m in messages if m.sender.person != user.person]
            last = theirs[-1] if theirs else messages[-1]
            to = [last.sender.person] if theirs else [p.person for p in last.recipients]
            subject = messages[0].subject
            if not subject.startswith("Re: "):
                subject = f"Re: {subject}"[:200]
            try:
                control.send_message(
                    j, user.person, to=to, subject=subject, text=text, reply_to=last.message
                )
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                return Template(
                    "diary/thread.html",
                    context={
                        "user": user,
                        "messages": messages,
                        "thread": thread,
                        "subject": messages[0].subject,
                        "ru": ru,
                        "tz": _tz(j),
                        "error": e.message_ru,
                    },
                    status_code=422,
                )
        return Redirect(f"/messages/{thread}", status_code=303)

    @get("/announcements", opt={"roles": SIGNED_IN}, sync_to_thread=True)
    def board(self, request: Request) -> Template:
        j, user = _journal(request), _user(request)
        with reading(j):
            found = announcements_for(j.db, user.person, j.today(), limit=50)
            classes = _classes(j) if user.roles & POSTERS else ()
            tz = _tz(j)
        return Template(
            "diary/board.html",
            context={
                "user": user,
                "announcements": found,
                "may_post": bool(user.roles & POSTERS),
                "classes": classes,
                "ru": ru,
                "tz": tz,
                "error": "",
                "posted": request.query_params.get("posted"),
            },
        )

    @post("/announcements", opt={"roles": POSTERS}, sync_to_thread=True)
    def post_announcement(
        self, request: Request, data: Annotated[dict[str, Any], Form]
    ) -> Response[Any]:
        j, user = _journal(request), _user(request)
        with reading(j):
            try:
                control.post_announcement(
                    j,
                    user.person,
                    audience=_field(data, "audience", 100),
                    title=_field(data, "title", 200),
                    text=_field(data, "text", 2000),
                )
            except JournalError as e:
                if e.code == "permission_denied":
                    raise
                return Template(
                    "diary/board.html",
                    context={
                        "user": user,
                        "announcements": announcements_for(j.db, user.person, j.today(), 50),
                        "may_post": True,
                        "classes": _classes(j),
                        "ru": ru,
                        "tz": _tz(j),
                        "error": e.message_ru,
                        "posted": None,
                    },
                    status_code=422,
                )
        return Redirect("/announcements?posted=1", status_code=303)


def _classes(j: Journal) -> tuple[tuple[str, str], ...]:
    """(class, name) of the current year's classes, for the board's audience choice."""
    return classes_of_year(j.db, current_year(j.db, j.today()) or "")
