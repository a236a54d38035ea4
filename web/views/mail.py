"""E-mail digests on the web (R-DIA-3): a parent's subscription settings, the unsubscribe link
that works without signing in (a signed token; RFC 8058 one-click POST too), and the outbox the
administrator watches for letters that could not be sent."""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Annotated, Any

from litestar import Controller, Request, Response, get, post
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath
from litestar.response import Redirect, Template

from ejournal.journal import Journal
from ejournal.mail.outbox import utc_text
from ejournal.mail.store import FREQUENCIES, MailStore, MailStoreError
from ejournal.queries.family import diary_children

from ..security import PUBLIC, User, current_user, reading

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
PARENTS = frozenset({"parent"})
ADMINS = frozenset({"admin", "director"})
_opening = threading.Lock()


def mail_store(request: Request) -> MailStore:
    """The school's mail store (DATA_DIR/mail.sqlite), opened on first use."""
    state = request.app.state
    with _opening:
        store = state.get("mail_store")
        if store is None:
            journal: Journal = state.journal
            store = state.mail_store = MailStore.of(journal.data_dir.path)
    return store  # type: ignore[no-any-return]


def _user(request: Request) -> User:
    user = current_user(request)
    assert user is not None
    return user


def _when(seconds: float | None) -> str:
    if seconds is None:
        return ""
    return datetime.fromtimestamp(seconds, UTC).strftime("%d.%m.%Y %H:%M UTC")


class MailController(Controller):
    """/settings/mail, /unsubscribe/{token}, /mail/outbox."""

    @get("/settings/mail", opt={"roles": PARENTS}, sync_to_thread=True)
    def settings(self, request: Request) -> Template:
        user = _user(request)
        j: Journal = request.app.state.journal
        with reading(j):
            children = diary_children(j.db, user.person, j.today())
        sub = mail_store(request).subscription(user.person)
        return Template(
            "diary/mail.html",
            context={
                "user": user,
                "sub": sub,
                "children": children,
                "frequencies": FREQUENCIES,
                "error": "",
                "saved": request.query_params.get("saved"),
                "email": sub.email if sub else "",
            },
        )

    @post("/settings/mail", opt={"roles": PARENTS}, sync_to_thread=True)
    def save(self, request: Request, data: Annotated[dict[str, Any], Form]) -> Response[Any]:
        user = _user(request)
        store = mail_store(request)
        j: Journal = request.app.state.journal
        if str(data.get("action", "")) == "off":
            store.unsubscribe(user.person)
            return Redirect("/settings/mail?saved=off", status_code=303)
        email = str(data.get("email", ""))[:320]
        frequency = str(data.get("frequency", ""))[:20]
        try:
            store.subscribe(user.person, email, frequency, utc_text(j.now()))
        except MailStoreError as e:
            with reading(j):
                children = diary_children(j.db, user.person, j.today())
            return Template(
                "diary/mail.html",
                context={
                    "user": user,
                    "sub": store.subscription(user.person),
                    "children": children,
                    "frequencies": FREQUENCIES,
                    "error": e.message_ru,
                    "saved": None,
                    "email": email,
                },
                status_code=422,
            )
        return Redirect("/settings/mail?saved=on", status_code=303)

    @get("/unsubscribe/{token:str}", opt={"roles": PUBLIC}, sync_to_thread=True)
    def unsubscribe_page(self, request: Request, token: FromPath[str]) -> Template:
        person = mail_store(request).person_of(token)
        status = 200 if person else 404
        return Template(
            "diary/unsubscribe.html",
            context={"user": None, "token": token, "valid": bool(person), "done": False},
            status_code=status,
        )

    @post("/unsubscribe/{token:str}", opt={"roles": PUBLIC}, sync_to_thread=True)
    def unsubscribe(self, request: Request, token: FromPath[str]) -> Template:
        store = mail_store(request)
        person = store.person_of(token)
        if person:
            store.unsubscribe(person)
        return Template(
            "diary/unsubscribe.html",
            context={"user": None, "token": token, "valid": bool(person), "done": bool(person)},
            status_code=200 if person else 404,
        )

    @get("/mail/outbox", opt={"roles": ADMINS}, sync_to_thread=True)
    def outbox(self, request: Request) -> Template:
        store = mail_store(request)
        letters = store.letters()
        return Template(
            "diary/outbox.html",
            context={
                "user": _user(request),
                "letters": letters,
                "subscriptions": len(store.subscriptions()),
                "when": _when,
            },
        )
