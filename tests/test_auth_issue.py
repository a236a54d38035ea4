"""The auth store's one-time passwords and locks, and who may issue logins to whom
(ejournal/auth/issue.py; R-SEC-2, R-SEC-3)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from argon2 import PasswordHasher

from ejournal.auth import AuthStore, LoginRefused
from ejournal.auth.issue import issue_family, issue_login, reissue, report_compromise
from ejournal.model.errors import PermissionDenied, RuleViolation

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]

FAST = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@pytest.fixture
def auth(tmp_path: Path) -> Iterator[AuthStore]:
    store = AuthStore(tmp_path / "auth.sqlite", hasher=FAST)
    yield store
    store.close()


def test_an_auth_store_made_before_one_time_passwords_is_upgraded(tmp_path: Path) -> None:
    path = tmp_path / "auth.sqlite"
    db = sqlite3.connect(path)
    db.execute(
        "CREATE TABLE accounts (person TEXT PRIMARY KEY, login TEXT NOT NULL UNIQUE, "
        "hash TEXT NOT NULL, must_change INTEGER NOT NULL DEFAULT 0, changed_at REAL NOT NULL)"
    )
    db.execute("INSERT INTO accounts VALUES ('p-1', 'old', 'x', 0, 0)")
    db.commit()
    db.close()
    store = AuthStore(path, hasher=FAST)
    assert store.accounts(["p-1"])["p-1"].issued_used is False
    store.close()


def test_a_one_time_password_signs_in_once(auth: AuthStore) -> None:
    password = auth.issue_password("p-1", "ivanov.a")
    assert auth.verify_login("ivanov.a", password) == "p-1"
    with pytest.raises(LoginRefused, match="уже использован"):
        auth.verify_login("ivanov.a", password)
    auth.change_password("p-1", password, "свой-пароль-1")
    assert auth.verify_login("ivanov.a", "свой-пароль-1") == "p-1"
    assert auth.verify_login("ivanov.a", "свой-пароль-1") == "p-1"  # a chosen one: no limit


def test_a_locked_account_refuses_every_password_and_loses_its_sessions(auth: AuthStore) -> None:
    auth.set_password("p-1", "ivanov.a", "старый-пароль")
    token = auth.create_session("p-1").token
    auth.lock("p-1")
    assert auth.session_for(token) is None
    with pytest.raises(LoginRefused):
        auth.verify_login("ivanov.a", "старый-пароль")
    assert auth.accounts(["p-1"])["p-1"].locked
    fresh = auth.issue_password("p-1", "ivanov.a")
    assert auth.verify_login("ivanov.a", fresh) == "p-1"


def test_who_may_issue_to_whom(sch: Sch, auth: AuthStore) -> None:
    i = sch.ids
    # The administrator: anyone with a role; a login made from the transliterated name.
    issued = issue_login(sch.j, auth, i.admin, i.math_teacher)
    assert issued.login == "volkov.s" and issued.role == "учитель"
    # The class teacher of 10А: its students and their parents, never staff or other classes.
    assert issue_login(sch.j, auth, i.english_teacher_2, i.students_10a[1]).login == "alekseeva.s"
    with pytest.raises(PermissionDenied, match="сотрудникам"):
        issue_login(sch.j, auth, i.english_teacher_2, i.math_teacher)
    with pytest.raises(PermissionDenied, match="классный руководитель"):
        issue_login(sch.j, auth, i.russian_teacher, i.parent_10a)
    with pytest.raises(RuleViolation, match="нет действующей роли"):
        issue_login(sch.j, auth, i.admin, i.students_5a[1])
    with pytest.raises(PermissionDenied):
        issue_family(sch.j, auth, i.math_teacher, i.c10a, i.students_10a[0])
    assert auth.accounts([i.parent_10a, i.students_10a[0]]) == {}


def test_a_compromise_locks_until_new_credentials_are_issued(sch: Sch, auth: AuthStore) -> None:
    i = sch.ids
    auth.set_password(i.math_teacher, "teacher", "пароль-учителя")
    token = auth.create_session(i.math_teacher).token
    before = sch.size
    report_compromise(sch.j, auth, i.director, person=i.math_teacher, since=None, reason="утечка")
    assert sch.size == before + 1 and auth.session_for(token) is None
    with pytest.raises(RuleViolation, match="скомпрометированными"):
        issue_login(sch.j, auth, i.admin, i.math_teacher)
    with sch.refused(PermissionDenied):
        reissue(sch.j, auth, i.deputy, i.math_teacher)
    issued = reissue(sch.j, auth, i.director, i.math_teacher)
    assert issued.login == "teacher" and sch.size == before + 2
    assert auth.verify_login("teacher", issued.password) == i.math_teacher
    with sch.refused(RuleViolation):
        reissue(sch.j, auth, i.director, i.math_teacher)
