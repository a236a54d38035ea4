"""The teacher's day, the lesson page and the class teacher's page (issue #4), and the
handlers running off the event loop."""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING

from litestar.handlers import HTTPRouteHandler

from ejournal.model.commands import teaching

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

TODAY = "2026-11-16"  # Monday: 5А mathematics is lesson 1 in room 21


def _lesson(web: Web, **fields: object) -> str:
    return web.sch.lesson(web.sch.ids.math_5a, TODAY, number=1, **fields)


def _htmx(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def test_handlers_touching_the_journal_run_in_worker_threads(web: Web) -> None:
    for route in web.client.app.routes:
        for handler in route.route_handlers:
            if not isinstance(handler, HTTPRouteHandler) or route.path.startswith("/static"):
                continue
            if handler.http_methods == {"OPTIONS"}:
                continue  # Litestar's own
            assert not inspect.iscoroutinefunction(handler.fn), route.path
            assert handler.sync_to_thread, route.path


# --- the teacher's day ------------------------------------------------------------------------


def test_today_lists_the_timetable_above_my_classes(web: Web) -> None:
    web.sign_in("teacher")
    page = web.client.get("/teacher").text
    assert "Сегодня, 16.11.2026" in page
    assert page.index("Сегодня") < page.index("Мои классы</h2>")
    assert "5А" in page and "Математика" in page and "<td>21</td>" in page
    assert "Записать урок" in page


def test_recording_todays_lesson_opens_it_and_the_day_links_to_it(web: Web) -> None:
    csrf = web.sign_in("teacher")
    response = web.client.post(
        "/lesson", data={"csrf": csrf, "course": web.sch.ids.math_5a, "number": "1"}
    )
    assert response.status_code == 303
    lesson = response.headers["location"].removeprefix("/lesson/")
    assert web.sch.one("SELECT date, number FROM lessons WHERE lesson = ?", lesson) == (TODAY, 1)
    assert f'href="/lesson/{lesson}"' in web.client.get("/teacher").text


def test_recording_a_lesson_of_a_foreign_course_is_refused(web: Web) -> None:
    csrf = web.sign_in("class_teacher")
    before = web.sch.size
    response = web.client.post(
        "/lesson", data={"csrf": csrf, "course": web.sch.ids.math_5a, "number": "1"}
    )
    assert response.status_code == 403 and "только его учитель" in response.text
    bad = web.client.post("/lesson", data={"csrf": csrf, "course": "x", "number": "пять"})
    assert bad.status_code == 422 and "числом" in bad.text
    assert web.sch.size == before


def test_class_teacher_sees_a_link_to_the_own_class(web: Web) -> None:
    web.sign_in("class_teacher")
    assert f'href="/class/{web.sch.ids.c5a}"' in web.client.get("/teacher").text


# --- the lesson page --------------------------------------------------------------------------


def test_lesson_page_shows_topic_students_marks_and_forms(web: Web) -> None:
    lesson = _lesson(web, topic="Дроби", homework="№ 12")
    student = web.sch.ids.students_5a[0]
    teaching.give_mark(web.sch.j, web.sch.ids.math_teacher, lesson=lesson, student=student,
                       value="5", kind="У")  # fmt: skip
    web.sign_in("teacher")
    page = web.client.get(f"/lesson/{lesson}")
    assert page.status_code == 200
    assert 'value="Дроби"' in page.text and "№ 12" in page.text
    assert page.text.count('id="student-') == len(web.sch.ids.students_5a)
    assert ">5</a>" in page.text  # the mark links to its history (R-MRK-2)
    assert 'hx-post="/lesson/' in page.text and "/comment" in page.text


def test_update_lesson_through_htmx(web: Web) -> None:
    lesson = _lesson(web, topic="Дроби")
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/lesson/{lesson}",
        data={"topic": "Сложение дробей", "homework": "№ 15", "kinds": ["СР", "КР"]},
        headers=_htmx(csrf),
    )
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith('<section id="lesson-info"')
    assert 'value="Сложение дробей"' in response.text
    assert web.sch.size == before + 1
    row = web.sch.one("SELECT topic, homework, work_kinds FROM lessons WHERE lesson = ?", lesson)
    assert row[0] == "Сложение дробей" and row[1] == "№ 15" and "КР" in row[2] and "СР" in row[2]


def test_bad_lesson_input_is_refused_in_russian_and_writes_nothing(web: Web) -> None:
    lesson = _lesson(web, topic="Дроби")
    csrf = web.sign_in("teacher")
    before = web.sch.size
    for data, message in [
        ({"topic": "т" * 501}, "длиннее 500"),
        ({"topic": "Дроби", "kinds": "ЖЖ"}, "Неизвестный вид работы"),
        ({}, "Форма урока пуста"),
    ]:
        response = web.client.post(f"/lesson/{lesson}", data=data, headers=_htmx(csrf))
        assert response.status_code == 422, data
        assert message in response.text and 'role="alert"' in response.text
    missing = web.client.post("/lesson/les-none", data={"topic": "x"}, headers=_htmx(csrf))
    assert missing.status_code == 404
    assert web.sch.size == before


def test_comment_to_parents_through_htmx(web: Web) -> None:
    lesson = _lesson(web)
    student = web.sch.ids.students_5a[1]
    csrf = web.sign_in("teacher")
    response = web.client.post(
        f"/lesson/{lesson}/comment",
        data={"student": student, "kind": "note", "text": "Забыл тетрадь"},
        headers=_htmx(csrf),
    )
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith('<tr id="student-')
    assert "сообщение родителям" in response.text and "Забыл тетрадь" in response.text
    assert web.sch.one("SELECT kind, text FROM comments WHERE student = ?", student) == (
        "note",
        "Забыл тетрадь",
    )


def test_bad_comments_are_refused(web: Web) -> None:
    lesson = _lesson(web)
    student = web.sch.ids.students_5a[1]
    csrf = web.sign_in("teacher")
    before = web.sch.size
    for data, message in [
        ({"student": student, "kind": "note", "text": "да"}, "от 3 до 1000"),
        ({"student": student, "kind": "spam", "text": "Текст"}, "Вид записи"),
        ({"student": web.sch.ids.students_5b[0], "kind": "note", "text": "Текст"}, "не числится"),
    ]:
        response = web.client.post(f"/lesson/{lesson}/comment", data=data, headers=_htmx(csrf))
        assert response.status_code == 422, (data, response.text)
        assert message in response.text
    assert web.sch.size == before


def test_lesson_page_is_read_only_for_the_deputy_and_the_class_teacher(web: Web) -> None:
    lesson = _lesson(web, topic="Дроби")
    for role in ("deputy", "class_teacher"):
        csrf = web.sign_in(role)
        page = web.client.get(f"/lesson/{lesson}")
        assert page.status_code == 200, role
        assert (
            "Дроби" in page.text
            and "hx-post" not in page.text
            and "<form" not in page.text.split("<main")[1]
        )
        refused = web.client.post(f"/lesson/{lesson}", data={"topic": "x"}, headers=_htmx(csrf))
        assert refused.status_code == 403, role
        web.client.cookies.clear()


def test_lesson_page_is_refused_to_a_stranger_to_the_class(web: Web) -> None:
    other = web.sch.lesson(web.sch.ids.math_5b, TODAY, number=2)
    web.sign_in("class_teacher")  # class teacher of 5А, not 5Б
    response = web.client.get(f"/lesson/{other}")
    assert response.status_code == 403 and "Доступ закрыт" in response.text
    web.client.cookies.clear()
    web.sign_in("parent")
    assert web.client.get(f"/lesson/{other}").status_code == 403


# --- the class teacher ------------------------------------------------------------------------


def _absent(web: Web, code: str = "Н") -> tuple[str, str]:
    lesson = _lesson(web)
    student = web.sch.ids.students_5a[2]
    teaching.mark_attendance(web.sch.j, web.sch.ids.math_teacher, lesson=lesson,
                             student=student, code=code)  # fmt: skip
    return lesson, student


def test_class_page_shows_the_overview_and_the_absence_registry(web: Web) -> None:
    _absent(web)
    web.sign_in("class_teacher")
    page = web.client.get(f"/class/{web.sch.ids.c5a}")
    assert page.status_code == 200, page.text
    assert "5А" in page.text and "Математика" in page.text and "Русский язык" in page.text
    assert "Реестр пропусков" in page.text and "16.11" in page.text
    assert 'hx-post="/class/' in page.text and "/reason" in page.text


def test_class_teacher_sets_a_reason_through_htmx(web: Web) -> None:
    lesson, student = _absent(web)
    csrf = web.sign_in("class_teacher")
    response = web.client.post(
        f"/class/{web.sch.ids.c5a}/reason",
        data={"lesson": lesson, "student": student, "code": "У"},
        headers=_htmx(csrf),
    )
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith('<tr id="absence-')
    assert web.sch.one(
        "SELECT code FROM attendance WHERE lesson = ? AND student = ?", lesson, student
    ) == ("У",)


def test_bad_reasons_are_refused(web: Web) -> None:
    lesson, student = _absent(web)
    csrf = web.sign_in("class_teacher")
    before = web.sch.size
    url = f"/class/{web.sch.ids.c5a}/reason"
    same = web.client.post(
        url, data={"lesson": lesson, "student": student, "code": "Н"}, headers=_htmx(csrf)
    )
    assert same.status_code == 422 and "уже указана" in same.text
    wrong = web.client.post(
        url, data={"lesson": lesson, "student": student, "code": "Ж"}, headers=_htmx(csrf)
    )
    assert wrong.status_code == 422 and "Причина пропуска" in wrong.text
    present = web.client.post(
        url,
        data={"lesson": lesson, "student": web.sch.ids.students_5a[0], "code": "У"},
        headers=_htmx(csrf),
    )
    assert present.status_code == 422 and "пропуск не отмечен" in present.text
    assert web.sch.size == before


def test_class_page_is_read_only_for_the_deputy_and_refused_to_other_teachers(web: Web) -> None:
    lesson, student = _absent(web)
    web.sign_in("deputy")
    page = web.client.get(f"/class/{web.sch.ids.c5a}")
    assert page.status_code == 200 and "hx-post" not in page.text and "без причины" in page.text
    web.client.cookies.clear()
    csrf = web.sign_in("teacher")
    before = web.sch.size
    assert web.client.get(f"/class/{web.sch.ids.c5a}").status_code == 403
    refused = web.client.post(
        f"/class/{web.sch.ids.c5a}/reason",
        data={"lesson": lesson, "student": student, "code": "У"},
        headers=_htmx(csrf),
    )
    assert refused.status_code == 403
    assert web.sch.size == before
    assert web.client.get("/class/no-such-class").status_code in (403, 404)
