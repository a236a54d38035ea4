"""The web journal over the small school of ``school.py``: one account per role, a test client
on https (the session cookie is Secure), and a signed-in helper."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager as ContextManager
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, TypeVar

import pytest
from argon2 import PasswordHasher
from litestar import Litestar
from litestar.datastructures import State
from litestar.testing import TestClient
from school import Sch

from ejournal.auth import AuthStore
from ejournal.journal import Journal
from web import create_app

T = TypeVar("T")

PASSWORD = "пароль-для-тестов"
CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def login_form(client: TestClient, login: str, password: str) -> dict[str, str]:  # type: ignore[type-arg]
    """The fields of the sign-in form as a browser sends them: the page is fetched first for its
    CSRF token (kept in the sign-in cookie as well)."""
    found = CSRF.search(client.get("/login").text)
    assert found, "no CSRF token on /login"
    return {"csrf": found.group(1), "login": login, "password": password}


class FakeTime:
    """The auth store's clock (seconds), moved by the tests for throttling and expiry."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Web:
    sch: Sch
    auth: AuthStore
    client: TestClient  # type: ignore[type-arg]
    time: FakeTime
    logins: dict[str, str]  # role → login

    def sign_in(self, role: str, password: str = PASSWORD) -> str:
        """Sign in as the person of a role; returns the session's CSRF token."""
        response = self.client.post(
            "/login", data=login_form(self.client, self.logins[role], password)
        )
        assert response.status_code in (200, 303), response.text
        return self.csrf()

    def csrf(self) -> str:
        page = self.client.get("/password")
        found = CSRF.search(page.text)
        assert found, page.text
        return found.group(1)


def people_by_role(sch: Sch) -> dict[str, str]:
    i = sch.ids
    return {
        "admin": i.admin,
        "director": i.director,
        "deputy": i.deputy,
        "secretary": i.secretary,
        "teacher": i.math_teacher,
        "class_teacher": i.russian_teacher,  # class teacher of 5А, not teaching mathematics
        "parent": i.parent_5a,
        "student": i.students_5a[0],
    }


class Current:
    """Stands for the journal or auth store of the running test: attribute reads go to it."""

    def __init__(self) -> None:
        self.target: Any = None

    def __getattr__(self, name: str) -> Any:
        return getattr(self.target, name)


@dataclass(frozen=True)
class SharedApp:
    """One web app for every test of a worker (process): building one takes ~0.7 s of CPU
    (Litestar inspects every handler's signature); once per test, that was a fifth of the
    suite. Its startup hooks keep the objects create_app was given: these stand-ins forward to
    the running test's journal and auth store."""

    app: Litestar
    journal: Current
    auth: Current
    secure_cookies: bool

    @classmethod
    def build(cls, tmp_path_factory: pytest.TempPathFactory, secure_cookies: bool) -> SharedApp:
        journal, auth = Current(), Current()
        app = create_app(
            tmp_path_factory.mktemp("no-school"),
            journal=journal,  # type: ignore[arg-type]
            auth=auth,  # type: ignore[arg-type]
            secure_cookies=secure_cookies,
        )
        return cls(app, journal, auth, secure_cookies)

    @contextmanager
    def serving(
        self, journal: Journal, auth: AuthStore, start: Callable[[Litestar], ContextManager[T]]
    ) -> Iterator[T]:
        """The app as ``create_app(journal.data_dir.path, journal=journal, auth=auth,
        secure_cookies=...)`` makes it, started by ``start`` (a test client, a live server):
        nothing of the previous test's state (its mail store, its replication thread) is kept.
        """
        self.app.state = State({"secure_cookies": self.secure_cookies})
        self.journal.target, self.auth.target = journal, auth
        try:
            with start(self.app) as running:
                # the startup hooks ran: pages and tests see the real objects
                self.app.state.journal, self.app.state.auth = journal, auth
                yield running
        finally:
            self.journal.target = self.auth.target = None


@pytest.fixture(scope="session")
def shared_app(tmp_path_factory: pytest.TempPathFactory) -> SharedApp:
    return SharedApp.build(tmp_path_factory, secure_cookies=True)


@pytest.fixture
def web(sch: Sch, shared_app: SharedApp, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    time = FakeTime()
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # argon2id, cheap for tests
    auth = AuthStore(tmp_path_factory.mktemp("auth") / "auth.sqlite", clock=time, hasher=fast)
    logins = {}
    for role, person in people_by_role(sch).items():
        auth.set_password(person, role, PASSWORD)
        logins[role] = role

    def client(app: Litestar) -> TestClient:  # type: ignore[type-arg]
        return TestClient(app, base_url="https://testserver.local")

    try:
        with shared_app.serving(sch.j, auth, client) as started:
            started.follow_redirects = False
            yield Web(sch, auth, started, time, logins)
    finally:
        auth.close()
