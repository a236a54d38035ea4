"""Who is asking: the session cookie, the person's roles today, the route's declared roles
(R-SEC-1) and the CSRF token of every POST. Guards are plain functions."""

from __future__ import annotations

import hmac
from contextlib import AbstractContextManager
from dataclasses import dataclass

import anyio.to_thread
from litestar.connection import ASGIConnection, Request
from litestar.handlers.base import BaseRouteHandler

from ejournal.auth import AuthStore, Session
from ejournal.journal import Journal
from ejournal.model.access import roles_of
from ejournal.queries.mailbox import unread_count

COOKIE = "ejournal_session"
CSRF_FIELD = "csrf"
CSRF_HEADER = "x-csrf-token"

# What a route declares in opt["roles"]: PUBLIC (no sign-in), SIGNED_IN (any person signed in)
# or a set of roles.
PUBLIC = "public"
SIGNED_IN = "signed-in"
TEACHERS = frozenset({"teacher"})
# Who may open a course's journal grid (R-SEC-1); students and parents never (R-DIA-2).
JOURNAL_READERS = frozenset({"teacher", "admin", "director", "deputy"})
# A route's opt: its handler sets the nav's unread count itself (the guard need not).
COUNTS_UNREAD = "counts_unread"


class NotSignedInError(Exception):
    """No live session: the page sends the browser to /login."""


class ForbiddenError(Exception):
    """The person's roles do not allow this route."""


class MustChangePasswordError(Exception):
    """An issued password must be changed before anything else."""


class CsrfError(Exception):
    """A POST without the session's CSRF token."""


@dataclass(frozen=True, slots=True)
class User:
    person: str
    login: str
    roles: frozenset[str]
    session: Session
    token: str

    @property
    def csrf(self) -> str:
        return self.session.csrf


def reading(journal: Journal) -> AbstractContextManager[None]:
    """Hold the journal while a page reads it from a worker thread.

    Handlers run in threads (``sync_to_thread``) and share the projection's one connection: a
    read must not see a command's half-applied transaction, so it waits for the journal's lock
    (reads are milliseconds; the event loop stays free).
    """
    return journal.command()


def current_user(connection: ASGIConnection, *, unread: bool = False) -> User | None:
    """The signed-in user of a request (cached in the request's state), or None.

    Args:
        connection: the request.
        unread: also put the person's unread message count in the request's state (the nav of
            every full page shows it, R-COM-1), read under the same hold of the journal.
    """
    state = connection.scope.setdefault("state", {})  # type: ignore[typeddict-item]
    cached = state.get("user", False)
    if cached is not False:
        return cached  # type: ignore[no-any-return]
    auth: AuthStore = connection.app.state.auth
    journal: Journal = connection.app.state.journal
    token = connection.cookies.get(COOKIE)
    session = auth.session_for(token)
    user = None
    if session is not None and token:
        with reading(journal):
            roles = frozenset(roles_of(journal.db, session.person, journal.today()))
            if unread:
                state["unread"] = unread_count(journal.db, session.person)
        user = User(session.person, session.login, roles, session, token)
    state["user"] = user
    return user


def _shows_nav(connection: ASGIConnection, handler: BaseRouteHandler) -> bool:
    """Whether the answer is a full page with the nav (a GET that is not an htmx fragment)."""
    return (
        connection.scope["method"] == "GET"
        and connection.headers.get("hx-request") != "true"
        and not handler.opt.get(COUNTS_UNREAD)
    )


async def role_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Every route declares opt["roles"]; refuse whoever it does not name (R-SEC-1)."""
    declared = handler.opt.get("roles")
    if declared is None:
        raise ForbiddenError  # a route that forgot to declare is closed, not open
    if declared == PUBLIC:
        return
    # The auth store and the journal are synchronous SQLite: off the event loop, in one trip to
    # a worker thread (with the nav's unread count, not a second trip per page).
    unread = _shows_nav(connection, handler)
    user = await anyio.to_thread.run_sync(lambda: current_user(connection, unread=unread))
    if user is None:
        raise NotSignedInError
    if connection.scope["method"] not in ("GET", "HEAD"):
        await _check_csrf(connection, user)
    if user.session.must_change and not handler.opt.get("while_must_change"):
        raise MustChangePasswordError
    if declared != SIGNED_IN and not (user.roles & declared):
        raise ForbiddenError


async def _check_csrf(connection: ASGIConnection, user: User) -> None:
    sent = connection.headers.get(CSRF_HEADER)
    if not sent and isinstance(connection, Request):
        form = await connection.form()
        sent = form.get(CSRF_FIELD)
    if not sent or not hmac.compare_digest(str(sent).encode(), user.csrf.encode()):
        raise CsrfError
