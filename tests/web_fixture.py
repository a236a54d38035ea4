"""The web journal over the small school of ``school.py``: one account per role, a test client
on https (the session cookie is Secure), and a signed-in helper."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from litestar.testing import TestClient
from school import Sch

from ejournal.auth import AuthStore
from web import create_app

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


@pytest.fixture
def web(sch: Sch, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Web]:
    time = FakeTime()
    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)  # argon2id, cheap for tests
    auth = AuthStore(tmp_path_factory.mktemp("auth") / "auth.sqlite", clock=time, hasher=fast)
    logins = {}
    for role, person in people_by_role(sch).items():
        auth.set_password(person, role, PASSWORD)
        logins[role] = role
    app = create_app(sch.j.data_dir.path, journal=sch.j, auth=auth)
    with TestClient(app, base_url="https://testserver.local") as client:
        client.follow_redirects = False
        yield Web(sch, auth, client, time, logins)
    auth.close()
