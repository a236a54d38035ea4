"""Signing in and out, throttling, CSRF and passwords in the web journal (issue #4)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from web_fixture import login_form

from ejournal.auth.store import LOCK_SECONDS, MAX_FAILURES

if TYPE_CHECKING:
    from web_fixture import Web

PASSWORD = "пароль-для-тестов"  # as web_fixture sets

pytest_plugins = ["school", "web_fixture"]


def test_sign_in_sets_a_secure_httponly_cookie_and_opens_the_journal(web: Web) -> None:
    response = web.client.post("/login", data=login_form(web.client, "teacher", PASSWORD))
    assert response.status_code == 303
    cookie = response.headers["set-cookie"]
    assert (
        "HttpOnly" in cookie
        and "Secure" in cookie
        and "SameSite=lax" in cookie.replace("Lax", "lax")
    )
    assert response.headers["location"] == "/"
    assert web.client.get("/").headers["location"] == "/teacher"
    assert "Мои классы" in web.client.get("/teacher").text


def test_wrong_password_is_refused_in_russian(web: Web) -> None:
    response = web.client.post("/login", data=login_form(web.client, "teacher", "не тот"))
    assert response.status_code == 401
    assert "Неверный логин или пароль" in response.text
    assert web.client.get("/teacher").status_code == 303  # still not signed in


def test_unknown_login_gets_the_same_answer(web: Web) -> None:
    response = web.client.post("/login", data=login_form(web.client, "nobody", "x"))
    assert response.status_code == 401
    assert "Неверный логин или пароль" in response.text


def test_five_failures_lock_the_login_for_a_minute(web: Web) -> None:
    for _ in range(MAX_FAILURES):
        web.client.post("/login", data=login_form(web.client, "teacher", "wrong"))
    locked = web.client.post("/login", data=login_form(web.client, "teacher", PASSWORD))
    assert locked.status_code == 429
    assert "Слишком много неудачных попыток" in locked.text
    web.time.now += LOCK_SECONDS + 1
    assert (
        web.client.post("/login", data=login_form(web.client, "teacher", PASSWORD)).status_code
        == 303
    )


def test_failures_from_one_address_lock_other_logins_too(web: Web) -> None:
    for n in range(MAX_FAILURES):
        web.client.post("/login", data=login_form(web.client, f"guess{n}", "wrong"))
    locked = web.client.post("/login", data=login_form(web.client, "teacher", PASSWORD))
    assert locked.status_code == 429


def test_sign_out_ends_the_session(web: Web) -> None:
    csrf = web.sign_in("teacher")
    assert web.client.post("/logout", data={"csrf": csrf}).status_code == 303
    assert web.client.get("/teacher").headers["location"] == "/login"


def test_post_without_csrf_token_is_refused(web: Web) -> None:
    web.sign_in("teacher")
    response = web.client.post("/logout", data={})
    assert response.status_code == 403
    assert "Форма устарела" in response.text
    assert web.client.get("/teacher").status_code == 200  # still signed in


def test_post_with_a_wrong_csrf_header_is_refused(web: Web) -> None:
    web.sign_in("teacher")
    response = web.client.post("/logout", headers={"X-CSRF-Token": "forged"})
    assert response.status_code == 403


def test_change_own_password(web: Web) -> None:
    csrf = web.sign_in("teacher")
    bad = web.client.post(
        "/password", data={"csrf": csrf, "old": PASSWORD, "new": "короткий"[:5], "repeat": "корот"}
    )
    assert bad.status_code == 422 and "не короче 8 символов" in bad.text
    wrong_old = web.client.post(
        "/password",
        data={"csrf": csrf, "old": "нет", "new": "новый-пароль", "repeat": "новый-пароль"},
    )
    assert wrong_old.status_code == 422 and "Текущий пароль введён неверно" in wrong_old.text
    ok = web.client.post(
        "/password",
        data={"csrf": csrf, "old": PASSWORD, "new": "новый-пароль", "repeat": "новый-пароль"},
    )
    assert ok.status_code == 303
    assert web.client.get("/teacher").status_code == 200  # the new session works
    web.client.cookies.clear()
    assert (
        web.client.post("/login", data=login_form(web.client, "teacher", PASSWORD)).status_code
        == 401
    )
    assert (
        web.client.post(
            "/login", data=login_form(web.client, "teacher", "новый-пароль")
        ).status_code
        == 303
    )


def test_an_issued_password_must_be_changed_before_anything_else(web: Web) -> None:
    person = web.sch.ids.math_teacher
    one_time = web.auth.issue_password(person, "teacher")
    response = web.client.post("/login", data=login_form(web.client, "teacher", one_time))
    assert response.headers["location"] == "/password"
    assert web.client.get("/teacher").headers["location"] == "/password"
    page = web.client.get("/password")
    assert "временный пароль" in page.text
    csrf = web.csrf()
    done = web.client.post(
        "/password",
        data={"csrf": csrf, "old": one_time, "new": "мой-пароль-1", "repeat": "мой-пароль-1"},
    )
    assert done.status_code == 303
    assert web.client.get("/teacher").status_code == 200


def test_unknown_page_is_a_russian_404(web: Web) -> None:
    web.sign_in("teacher")
    response = web.client.get("/no-such-page")
    assert response.status_code == 404
    assert "Страница не найдена" in response.text


def test_static_files_are_served_without_sign_in(web: Web) -> None:
    assert web.client.get("/static/app.css").status_code == 200
    js = web.client.get("/static/htmx-2.0.11.min.js")
    assert js.status_code == 200 and "htmx" in js.text
