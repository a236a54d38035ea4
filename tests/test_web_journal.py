"""The teacher's pages: my courses, the journal grid and its cell form; and the route × role
access check of the whole app (R-SEC-1, R-DIA-2)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import pytest
from litestar.handlers import HTTPRouteHandler

from ejournal.model.access import roles_of
from web.security import PUBLIC, SIGNED_IN

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

TODAY = "2026-11-16"  # the school fixture's Monday of the 2nd quarter


def _grid_url(web: Web) -> str:
    i = web.sch.ids
    return f"/journal/{i.math_5a}/{i.quarters[1]}"


def _lesson(web: Web) -> str:
    return web.sch.lesson(web.sch.ids.math_5a, TODAY, number=1, topic="Дроби")


def _cell(web: Web, csrf: str, lesson: str, student: str, value: str):  # type: ignore[no-untyped-def]
    return web.client.post(
        _grid_url(web) + "/cell",
        data={"lesson": lesson, "student": student, "value": value},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )


def test_my_courses_lists_the_teachers_courses(web: Web) -> None:
    web.sign_in("teacher")
    page = web.client.get("/teacher")
    assert page.status_code == 200
    assert "5А — Математика" in page.text and "5Б — Математика" in page.text
    assert f'href="/journal/{web.sch.ids.math_5a}"' in page.text


def test_course_link_opens_the_current_period(web: Web) -> None:
    web.sign_in("teacher")
    response = web.client.get(f"/journal/{web.sch.ids.math_5a}")
    assert response.status_code == 303
    assert response.headers["location"] == _grid_url(web)


def test_grid_renders_for_the_courses_teacher_with_editable_cells(web: Web) -> None:
    _lesson(web)
    web.sign_in("teacher")
    page = web.client.get(_grid_url(web))
    assert page.status_code == 200, page.text
    assert "16.11" in page.text
    assert f'data-url="{_grid_url(web)}/cell"' in page.text and 'name="value"' in page.text
    assert page.text.count("<tr>") == 1 + len(web.sch.ids.students_5a)


def test_grid_is_read_only_for_the_deputy(web: Web) -> None:
    _lesson(web)
    web.sign_in("deputy")
    page = web.client.get(_grid_url(web))
    assert page.status_code == 200
    assert "data-url" not in page.text and 'name="value"' not in page.text


def test_a_mark_posted_through_the_cell_lands_in_the_projection(web: Web) -> None:
    lesson = _lesson(web)
    student = web.sch.ids.students_5a[0]
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = _cell(web, csrf, lesson, student, "5")
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith("<td") and ">5<" in response.text
    assert web.sch.size == before + 1
    assert web.sch.one(
        "SELECT value, kind FROM marks WHERE lesson = ? AND student = ?", lesson, student
    ) == ("5", "У")


def test_a_mark_with_a_work_kind_and_an_absence(web: Web) -> None:
    lesson = _lesson(web)
    first, second = web.sch.ids.students_5a[:2]
    csrf = web.sign_in("teacher")
    assert _cell(web, csrf, lesson, first, "4 кр").status_code == 200
    assert web.sch.one("SELECT value, kind FROM marks WHERE student = ?", first) == ("4", "КР")
    assert _cell(web, csrf, lesson, second, "н").status_code == 200
    assert web.sch.one(
        "SELECT code FROM attendance WHERE lesson = ? AND student = ?", lesson, second
    ) == ("Н",)


def test_a_refused_mark_shows_the_russian_message_and_writes_nothing(web: Web) -> None:
    lesson = _lesson(web)
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = _cell(web, csrf, lesson, web.sch.ids.students_5a[0], "7")
    assert response.status_code == 422
    assert "не из системы оценивания" in response.text
    assert 'role="alert"' in response.text
    assert web.sch.size == before


def test_a_teacher_does_not_see_the_journal_of_a_class_not_theirs(web: Web) -> None:
    # R-SEC-1, R-SEC-4: least privilege. The class teacher of 5А sees 5А's mathematics (read
    # only) but not 5Б's, which she neither teaches nor keeps.
    i = web.sch.ids
    web.sign_in("class_teacher")
    assert web.client.get(_grid_url(web)).status_code == 200
    for url in (f"/journal/{i.math_5b}/{i.quarters[1]}", f"/journal/{i.math_5b}"):
        response = web.client.get(url, follow_redirects=False)
        assert response.status_code == 403, url


def test_a_lesson_of_another_course_is_refused(web: Web) -> None:
    other = web.sch.lesson(web.sch.ids.math_5b, TODAY, number=2)
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = _cell(web, csrf, other, web.sch.ids.students_5b[0], "5")
    assert response.status_code in (404, 422)
    assert "урок" in response.text.lower()
    assert web.sch.size == before


def test_another_teacher_cannot_write_in_the_course(web: Web) -> None:
    lesson = _lesson(web)
    csrf = web.sign_in("class_teacher")
    before = web.sch.size
    response = _cell(web, csrf, lesson, web.sch.ids.students_5a[0], "5")
    assert response.status_code == 422
    assert "только его учитель" in response.text
    assert web.sch.size == before


def test_cell_post_without_csrf_is_refused(web: Web) -> None:
    lesson = _lesson(web)
    web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        _grid_url(web) + "/cell",
        data={"lesson": lesson, "student": web.sch.ids.students_5a[0], "value": "5"},
    )
    assert response.status_code == 403
    assert web.sch.size == before


def test_a_student_never_reaches_a_journal_page(web: Web) -> None:
    """R-DIA-2."""
    web.sign_in("student")
    for url in ("/teacher", f"/journal/{web.sch.ids.math_5a}", _grid_url(web)):
        response = web.client.get(url)
        assert response.status_code == 403, url
        assert "недоступен" in response.text


def _routes(web: Web) -> list[tuple[str, str, object]]:
    found = []
    for route in web.client.app.routes:
        for handler in route.route_handlers:
            if not isinstance(handler, HTTPRouteHandler):
                continue
            for method in handler.http_methods:
                if method in ("OPTIONS", "HEAD"):
                    continue
                found.append((route.path, method, handler.opt.get("roles")))
    return found


def test_every_route_declares_its_roles(web: Web) -> None:
    routes = _routes(web)
    assert len(routes) >= 9
    for path, method, declared in routes:
        assert declared is not None, f"{method} {path} declares no roles"


# Routes that the role may use by its declared roles, but whose object (a course, a class) is
# not this person's: refused by scope with 403 (the math teacher is not 5А's class teacher; the
# class teacher of 5А does not teach its mathematics).
SCOPED_REFUSALS = {
    ("teacher", "GET", "/class/{class_id:str}"),
    ("teacher", "POST", "/class/{class_id:str}/reason"),
    ("teacher", "GET", "/class/{class_id:str}/paper"),
    ("teacher", "GET", "/class/{class_id:str}/paper.pdf"),
    ("teacher", "GET", "/class/{class_id:str}/acknowledgements"),
    ("class_teacher", "POST", "/lesson/{lesson:str}"),
    ("class_teacher", "POST", "/lesson/{lesson:str}/comment"),
    # R-SEC-2: only the class teacher of 5А (or the administrator) issues its families' logins.
    ("teacher", "GET", "/class/{class_id:str}/logins"),
    ("teacher", "POST", "/class/{class_id:str}/logins"),
    ("teacher", "POST", "/class/{class_id:str}/student-role"),
    ("class_teacher", "POST", "/lesson/{lesson:str}/mark"),
    ("class_teacher", "POST", "/lesson/{lesson:str}/substitute"),
    ("class_teacher", "POST", "/plan/{course:str}"),
    ("class_teacher", "POST", "/plan/{course:str}/fill"),
}


@pytest.mark.parametrize(
    "role",
    ["admin", "director", "deputy", "secretary", "teacher", "class_teacher", "parent", "student"],
)
def test_every_route_answers_each_role_as_declared(web: Web, role: str) -> None:
    """R-SEC-1: every route × role against the roles the route declares."""
    i = web.sch.ids
    lesson = _lesson(web)
    csrf = web.sign_in(role)
    person = web.auth.session_for(web.client.cookies.get("ejournal_session")).person  # type: ignore[union-attr]
    held = roles_of(web.sch.j.db, person, web.sch.j.today())
    params = {
        "course": i.math_5a,
        "period": i.quarters[1],
        "lesson": lesson,
        "class_id": i.c5a,
        "file_path": "app.css",
        "person": i.math_teacher,
    }
    for path, method, declared in _routes(web):
        if path == "/logout":
            continue  # would end the session; covered in test_web_auth
        url = path
        for name, value in params.items():
            url = url.replace(f"{{{name}:str}}", value).replace(f"{{{name}:path}}", value)
        if method == "POST":
            response = web.client.post(url, data={"csrf": csrf}, headers={"X-CSRF-Token": csrf})
        else:
            response = web.client.get(url)
        allowed = declared in (PUBLIC, SIGNED_IN) or bool(held & declared)  # type: ignore[operator]
        where = f"{role} {method} {url}: {response.status_code}"
        # A route over an object this test does not make (a student's diary, a message thread:
        # tests/test_web_diary.py checks those per family) may refuse it by scope.
        unknown_object = "{" in url
        if (method, path) == ("POST", "/login"):  # without the sign-in form's own token
            assert response.status_code == 403 and "Форма входа устарела" in response.text, where
        elif allowed and (role, method, path) in SCOPED_REFUSALS:
            assert response.status_code == 403, where
        elif allowed:
            assert unknown_object or response.status_code != 403, where
            assert response.headers.get("location") != "/login", where
        else:
            assert response.status_code == 403, where
            assert "Доступ закрыт" in response.text, where
        if path == "/login" and method == "POST":
            csrf = web.sign_in(role)  # a fresh session and token for the routes after
    if role == "student":
        assert not held & {"teacher", "admin", "director", "deputy"}


def test_signed_out_visitors_are_sent_to_the_login_page(web: Web) -> None:
    for path, method, declared in _routes(web):
        if declared == PUBLIC:
            continue
        url = re.sub(r"\{[a-z_]+:str\}", "x", path)
        response = web.client.get(url) if method == "GET" else web.client.post(url)
        assert response.status_code == 303 and response.headers["location"] == "/login", url


def test_htmx_is_told_to_swap_refusals_into_the_cell(web: Web) -> None:
    """htmx 2 does not swap 4xx answers by default: the page configures 422 (a refusal)."""
    web.sign_in("teacher")
    page = web.client.get("/teacher")
    assert '"code": "422", "swap": true' in page.text
    assert "/static/htmx-2.0.11.min.js" in page.text


def test_an_unexpected_error_is_a_russian_500_page(
    web: Web, monkeypatch: pytest.MonkeyPatch
) -> None:
    import web.views.teacher as teacher_views

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(teacher_views, "my_courses", broken)
    web.sign_in("teacher")
    response = web.client.get("/teacher")
    assert response.status_code == 500
    assert "Ошибка сервера" in response.text and "boom" not in response.text
    assert "Traceback" not in response.text
