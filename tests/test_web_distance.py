"""Distance courses, tests, portfolio and files on the web (R-DST-1, R-DST-2, R-PRT-1): the
pages and forms end to end, downloads with their headers, the limit's message, and a privacy
test over every route of the area with another student's ids (403)."""

from __future__ import annotations

import re
from hashlib import sha256
from typing import TYPE_CHECKING

import pytest
from litestar.handlers import HTTPRouteHandler

from ejournal.model import events as ev
from ejournal.model.commands import distance, portfolio, quiz
from ejournal.model.files import Upload

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]
PASSWORD = "пароль-для-тестов"
JPEG = b"\xff\xd8\xff\xe0" + b"photo" * 50
AREA = ("/distance", "/quiz", "/portfolio", "/files", "/student")
MULTIPART = {
    "/portfolio/{student:str}",
    "/distance/assignment/{assignment:str}/submit",
    "/distance/course/{course:str}/material",
    "/distance/course/{course:str}/assignment",
}


@pytest.fixture
def w(web: Web) -> Web:
    """The web fixture with logins for 10А: its two students, a parent, its class teacher."""
    i = web.sch.ids
    for login, person in {
        "student_a": i.students_10a[0],
        "student_b": i.students_10a[1],
        "parent_a": i.parent_10a,
        "class_teacher_10": i.english_teacher_2,
    }.items():
        web.auth.set_password(person, login, PASSWORD)
        web.logins[login] = login
    return web


def _post(w: Web, csrf: str, url: str, data: dict, files: object = None, htmx: bool = False):  # type: ignore[no-untyped-def,type-arg]
    headers = {"X-CSRF-Token": csrf}
    if htmx:
        headers["HX-Request"] = "true"
    return w.client.post(url, data={"csrf": csrf, **data}, files=files, headers=headers)


def test_assignment_published_submitted_with_a_file_and_marked_through_the_pages(w: Web) -> None:
    i = w.sch.ids
    lesson = w.sch.lesson(i.math_10a, "2026-11-16", topic="Проценты")
    csrf = w.sign_in("teacher")
    response = _post(
        w,
        csrf,
        f"/distance/course/{i.math_10a}/assignment",
        {
            "title": "Проценты",
            "text": "Решите № 12.",
            "due": "2026-11-18T18:00",
            "kind": "ДЗ",
            "lesson": lesson,
        },
        files={"files": ("условие.pdf", b"%PDF-1.4 task", "application/pdf")},
    )
    assert response.status_code == 303, response.text
    asg = response.headers["location"].rsplit("/", 1)[-1]
    page = w.client.get(f"/distance/course/{i.math_10a}")
    assert "Проценты" in page.text and "условие.pdf" in page.text

    csrf = w.sign_in("student_a")
    mine = w.client.get("/student/assignments")
    assert mine.status_code == 200 and "Проценты" in mine.text and "не сдано" in mine.text
    response = _post(
        w,
        csrf,
        f"/distance/assignment/{asg}/submit",
        {"text": "Ответ: 25 %"},
        files={"files": ("решение.jpg", JPEG, "image/jpeg")},
    )
    assert response.status_code == 303, response.text
    sub = w.sch.one("SELECT submission FROM submissions WHERE assignment = ?", asg)[0]
    digest = sha256(JPEG).hexdigest()
    photo = w.client.get(f"/files/{sub}/{digest}")
    assert photo.status_code == 200 and photo.content == JPEG
    assert photo.headers["content-type"] == "image/jpeg"
    assert photo.headers["content-disposition"].startswith("inline;")
    assert photo.headers["x-content-type-options"] == "nosniff"
    task = w.client.get(f"/files/{asg}/{sha256(b'%PDF-1.4 task').hexdigest()}")
    assert task.status_code == 200 and task.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''%D1%83%D1%81%D0%BB" in task.headers["content-disposition"]

    csrf = w.sign_in("teacher")
    page = w.client.get(f"/distance/assignment/{asg}")
    assert "Ответ: 25 %" in page.text and "решение.jpg" in page.text
    response = _post(
        w,
        csrf,
        f"/distance/submission/{sub}/review",
        {"comment": "Молодец", "value": "5", "action": "mark"},
    )
    assert response.status_code == 303, response.text
    assert w.sch.one("SELECT value, kind FROM marks WHERE lesson = ?", lesson) == ("5", "ДЗ")
    assert "отметка 5 в журнале" in w.client.get(f"/distance/assignment/{asg}").text

    w.sign_in("parent_a")  # R-DST-1: parents see assignments and their status
    status = w.client.get("/student/assignments")
    assert status.status_code == 200 and "отметка в журнале 5" in status.text


def test_files_other_than_images_and_pdf_are_downloads_never_sniffed(w: Web) -> None:
    i = w.sch.ids
    asg = _assignment(w)
    sub = distance.submit(
        w.sch.j,
        i.students_10a[0],
        assignment=asg,
        uploads=[
            Upload("page.html", b"<script>alert(1)</script>"),
            Upload("fake.png", b"<script>not a png</script>"),
        ],
    )
    w.sign_in("teacher")
    for body in (b"<script>alert(1)</script>", b"<script>not a png</script>"):
        response = w.client.get(f"/files/{sub}/{sha256(body).hexdigest()}")
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/octet-stream"
        assert response.headers["content-disposition"].startswith("attachment;")
        assert response.headers["x-content-type-options"] == "nosniff"


def test_an_upload_over_the_limit_shows_a_clear_message_and_writes_nothing(w: Web) -> None:
    i = w.sch.ids
    distance.set_file_limits(w.sch.j, i.admin, file_max=100, school_max=10_000)
    asg = _assignment(w)
    size = w.sch.size
    csrf = w.sign_in("student_a")
    response = _post(
        w,
        csrf,
        f"/distance/assignment/{asg}/submit",
        {"text": "работа"},
        files={"files": ("скан.jpg", JPEG, "image/jpeg")},
    )
    assert response.status_code == 422
    assert "Файл «скан.jpg» слишком большой" in response.text
    assert "не больше 100 Б" in response.text and "Файл не сохранён" in response.text
    assert w.sch.size == size
    assert not list((w.sch.j.data_dir.path / "blobs").glob("??/*"))


def test_the_administration_sets_the_file_limits_on_the_hub(w: Web) -> None:
    from ejournal.model.files import Limits, limits

    csrf = w.sign_in("deputy")
    hub = w.client.get("/distance")
    assert "Файлы школы" in hub.text and "из 20 ГБ" in hub.text
    response = _post(w, csrf, "/distance/limits", {"file_max": "5", "school_max": "2048"})
    assert response.status_code == 303
    assert limits(w.sch.j.db) == Limits(5 << 20, 2048 << 20)
    bad = _post(w, csrf, "/distance/limits", {"file_max": "много", "school_max": "1"})
    assert bad.status_code == 422 and "целые числа мегабайт" in bad.text
    csrf = w.sign_in("teacher")
    assert (
        _post(w, csrf, "/distance/limits", {"file_max": "1", "school_max": "1"}).status_code == 403
    )


def _assignment(w: Web) -> str:
    from datetime import datetime, timedelta, timezone

    i = w.sch.ids
    due = datetime(2026, 11, 18, 18, 0, tzinfo=timezone(timedelta(hours=7)))
    return distance.publish_assignment(
        w.sch.j, i.math_teacher, course=i.math_10a, title="ДЗ", text="Задачи", due=due, kind="ДЗ"
    )


def _quiz(w: Web, lesson: str) -> tuple[str, list[str]]:
    i, j = w.sch.ids, w.sch.j
    opt = ev.QuizOption
    qs = [
        quiz.add_question(
            j,
            i.math_teacher,
            subject=i.math,
            kind="single",
            text="2 + 2 = ?",
            options=[opt("3"), opt("4", True)],
        ),
        quiz.add_question(
            j,
            i.math_teacher,
            subject=i.math,
            kind="short",
            text="Столица России",
            accepted=["г. Москва"],
        ),
        quiz.add_question(
            j, i.math_teacher, subject=i.math, kind="free", text="Объясните", points=2
        ),
    ]
    test = quiz.publish_quiz(
        j,
        i.math_teacher,
        course=i.math_10a,
        title="Срез",
        questions=qs,
        minutes=15,
        opens="2026-11-16",
        closes="2026-11-16",
        scale=[("5", 4), ("4", 3), ("3", 2), ("2", 0)],
        control="spot_check",
        lesson=lesson,
    )
    return test, qs


def test_a_test_through_the_pages_saved_as_the_student_goes(w: Web) -> None:
    i = w.sch.ids
    lesson = w.sch.lesson(i.math_10a, "2026-11-16")
    test, (q1, q2, q3) = _quiz(w, lesson)
    csrf = w.sign_in("student_a")
    assert "Начать тест" in w.client.get(f"/quiz/{test}").text
    response = _post(w, csrf, f"/quiz/{test}/start", {})
    attempt = response.headers["location"].rsplit("/", 1)[-1]
    page = w.client.get(f"/quiz/attempt/{attempt}")
    assert page.status_code == 200 and "2 + 2 = ?" in page.text
    assert "г. Москва" not in page.text  # the answer key never reaches the student
    saved = _post(
        w, csrf, f"/quiz/attempt/{attempt}/answer", {"question": q1, "answer": "1"}, htmx=True
    )
    assert saved.status_code == 200 and "Сохранено в 09:00" in saved.text
    _post(w, csrf, f"/quiz/attempt/{attempt}/answer", {"question": q2, "answer": "г. москва"})
    _post(w, csrf, f"/quiz/attempt/{attempt}/answer", {"question": q3, "answer": "Потому что"})
    # The tab was closed: the page comes back with the answers.
    again = w.client.get(f"/quiz/{test}")
    assert f"/quiz/attempt/{attempt}" in again.text
    page = w.client.get(f"/quiz/attempt/{attempt}")
    assert 'value="1" checked' in page.text and "г. москва" in page.text
    w.sch.clock.move(minutes=16)
    late = _post(
        w, csrf, f"/quiz/attempt/{attempt}/answer", {"question": q1, "answer": "0"}, htmx=True
    )
    assert late.status_code == 422 and "Время на тест истекло" in late.text

    csrf = w.sign_in("teacher")
    results = w.client.get(f"/quiz/{test}")
    assert "Потому что" in results.text and "2 из 4" in results.text
    assert (
        _post(
            w, csrf, f"/quiz/attempt/{attempt}/check", {"question": q3, "points": "2"}
        ).status_code
        == 303
    )
    assert "Подтвердить все проверенные работы" in w.client.get(f"/quiz/{test}").text
    assert _post(w, csrf, f"/quiz/{test}/confirm", {}).status_code == 303  # all at once
    assert w.sch.one("SELECT value, kind FROM marks WHERE lesson = ?", lesson) == ("5", "ТЕСТ")
    w.sign_in("deputy")
    report = w.client.get("/distance/report?control=spot_check")
    assert report.status_code == 200 and "10А" in report.text and "100 %" in report.text


def _routes(w: Web) -> set[tuple[str, str]]:
    found = set()
    for route in w.client.app.routes:
        for handler in route.route_handlers:
            if isinstance(handler, HTTPRouteHandler) and route.path.startswith(AREA):
                found |= {
                    (m, route.path) for m in handler.http_methods if m not in ("HEAD", "OPTIONS")
                }
    return found


def test_privacy_every_route_with_another_students_ids_is_refused(w: Web) -> None:
    """R-SEC-1, R-SEC-4: student B, of the same class, tries every route of the area with
    student A's submission, attempt, portfolio entry and files: 403 each time; and A's answers
    and the key never show in what B may open."""
    i, j = w.sch.ids, w.sch.j
    a = i.students_10a[0]
    lesson = w.sch.lesson(i.math_10a, "2026-11-16")
    asg = _assignment(w)
    sub = distance.submit(j, a, assignment=asg, text="секрет А", uploads=[Upload("a.jpg", JPEG)])
    test, (q1, _, _) = _quiz(w, lesson)
    attempt = quiz.start(j, a, quiz=test)
    quiz.save_answer(j, a, attempt=attempt, question=q1, answer=["1"])
    ach = portfolio.add_achievement(
        j,
        a,
        student=a,
        kind="project",
        title="Проект А",
        level="school",
        date="2026-11-10",
        uploads=[Upload("диплом.pdf", b"%PDF-diploma")],
    )
    digest = sha256(JPEG).hexdigest()
    ids = {
        "{course:str}": i.math_10a,
        "{assignment:str}": asg,
        "{submission:str}": sub,
        "{quiz_id:str}": test,
        "{attempt:str}": attempt,
        "{student:str}": a,
        "{achievement:str}": ach,
        "{subject:str}": i.math,
        "{owner:str}": sub,
        "{digest:str}": digest,
    }
    # Routes B may use for B's own things, answered without A's data.
    own = {
        ("GET", "/distance"),
        ("GET", "/student/assignments"),
        ("GET", "/distance/course/{course:str}"),
        ("GET", "/quiz/{quiz_id:str}"),
        ("POST", "/quiz/{quiz_id:str}/start"),
        ("GET", "/distance/assignment/{assignment:str}"),
        ("POST", "/distance/assignment/{assignment:str}/submit"),
    }
    csrf = w.sign_in("student_b")
    routes = _routes(w)
    assert len(routes) >= 20
    for method, path in sorted(routes - own):
        url = path
        for name, value in ids.items():
            url = url.replace(name, value)
        if method == "GET":
            query = "?student=" + a if "student" not in path else ""
            response = w.client.get(
                url + (query if "{" not in path or "assignment" in path else "")
            )
        elif path in MULTIPART:
            response = _post(
                w,
                csrf,
                url,
                {
                    "title": "x",
                    "text": "x",
                    "kind": "project",
                    "level": "school",
                    "date": "2026-11-10",
                },
                files={"files": ("x.txt", b"x", "text/plain")},
            )
        else:
            response = _post(w, csrf, url, {"question": q1, "answer": "0", "points": "1"})
        assert response.status_code == 403, f"{method} {url}: {response.status_code}"
    for extra in (
        f"/files/{ach}/{sha256(b'%PDF-diploma').hexdigest()}",
        f"/student/assignments?student={a}",
        f"/distance/assignment/{asg}?student={a}",
    ):
        assert w.client.get(extra).status_code == 403, extra
    for method, path in own:
        url = path
        for name, value in ids.items():
            url = url.replace(name, value)
        response = (
            w.client.get(url)
            if method == "GET"
            else _post(w, csrf, url, {"text": "Б"}, files={"files": ("b.txt", b"b", "text/plain")})
        )
        assert response.status_code in (200, 303), f"{method} {url}: {response.status_code}"
        if method == "GET":
            assert "секрет А" not in response.text and "Проект А" not in response.text
    # B's own attempt shows B's questions, never A's answers nor the key.
    b_attempt = w.sch.one("SELECT attempt FROM attempts WHERE student = ?", i.students_10a[1])[0]
    page = w.client.get(f"/quiz/attempt/{b_attempt}")
    assert page.status_code == 200 and "checked" not in page.text and "г. Москва" not in page.text
    assert w.sch.one("SELECT answer FROM answers WHERE attempt = ?", attempt) == ('["1"]',)
    assert re.search(
        r"Доступ закрыт|Действие не выполнено", w.client.get(f"/quiz/attempt/{attempt}").text
    )


def test_class_teacher_confirms_and_watches_the_portfolio(w: Web) -> None:
    i = w.sch.ids
    a, b = i.students_10a
    csrf = w.sign_in("parent_a")
    response = _post(
        w,
        csrf,
        f"/portfolio/{a}",
        {
            "kind": "olympiad",
            "title": "Олимпиада по физике",
            "level": "regional",
            "date": "2026-11-12",
            "result": "победитель",
        },
        files={"files": ("диплом.jpg", JPEG, "image/jpeg")},
    )
    assert response.status_code == 303, response.text
    ach = w.sch.one("SELECT achievement FROM achievements WHERE student = ?", a)[0]
    csrf = w.sign_in("class_teacher_10")
    stale = w.client.get(f"/portfolio/class?class_id={i.c10a}")
    assert stale.status_code == 200
    rows = re.findall(
        r"<tr( class=\"stale\")?><th scope=\"row\"><a href=\"/portfolio/([^\"]+)", stale.text
    )
    assert dict((s, bool(c)) for c, s in rows) == {a: False, b: True}
    assert (
        _post(w, csrf, f"/portfolio/entry/{ach}/confirm", {"action": "confirm"}).status_code == 303
    )
    assert "подтверждено классным руководителем" in w.client.get(f"/portfolio/{a}").text
    w.sign_in("teacher")  # the math teacher is no class teacher of 10А
    assert w.client.get(f"/portfolio/{a}").status_code == 403


def test_a_file_larger_than_the_frameworks_default_body_limit_is_accepted(w: Web) -> None:
    # The school's limit (20 MiB by default) decides, not Litestar's 10 MB request default.
    asg = _assignment(w)
    scan = b"%PDF-1.7\n" + b"0" * (12 * 1024 * 1024)
    csrf = w.sign_in("student_a")
    response = _post(
        w,
        csrf,
        f"/distance/assignment/{asg}/submit",
        {"text": ""},
        files={"files": ("скан.pdf", scan, "application/pdf")},
    )
    assert response.status_code == 303, response.text[:300]
    (blob,) = (w.sch.j.data_dir.path / "blobs").glob("??/*")
    assert blob.stat().st_size == len(scan)
