"""A student takes a short test on a phone-sized screen (360×740) in Debian's Chromium
(R-DST-2): answers saved as they are given (htmx), the tab closed and the test resumed with
nothing lost, finished; the page fits the screen and has no serious accessibility problems."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from browser import PHONE, live_server, screenshot, serious_accessibility_issues

from ejournal.model import events as ev
from ejournal.model.commands import quiz

pytest_plugins = ["school", "browser"]
PASSWORD = "пароль-для-тестов"


@pytest.fixture
def student_site(
    sch: Any, shared_http_app: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, Any]]:
    from argon2 import PasswordHasher
    from web_fixture import FakeTime

    from ejournal.auth import AuthStore

    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    auth = AuthStore(tmp_path_factory.mktemp("auth") / "auth.sqlite", clock=FakeTime(), hasher=fast)
    auth.set_password(sch.ids.students_10a[0], "kirill", PASSWORD)
    try:
        with shared_http_app.serving(sch.j, auth, live_server) as url:
            yield url, sch
    finally:
        auth.close()


def _short_test(sch: Any) -> str:
    i, j = sch.ids, sch.j
    lesson = sch.lesson(i.math_10a, "2026-11-16")
    opt = ev.QuizOption
    qs = [
        quiz.add_question(
            j,
            i.math_teacher,
            subject=i.math,
            kind="single",
            text="Сколько будет 15 % от 200?",
            options=[opt("15"), opt("30", True), opt("45")],
        ),
        quiz.add_question(
            j,
            i.math_teacher,
            subject=i.math,
            kind="number",
            text="Запишите 3/4 десятичной дробью",
            number="0.75",
        ),
        quiz.add_question(
            j,
            i.math_teacher,
            subject=i.math,
            kind="free",
            text="Как найти процент от числа?",
            points=2,
        ),
    ]
    return quiz.publish_quiz(
        j,
        i.math_teacher,
        course=i.math_10a,
        title="Проценты: срез",
        questions=qs,
        minutes=15,
        opens="2026-11-16",
        closes="2026-11-16",
        scale=[("5", 4), ("4", 3), ("3", 2), ("2", 0)],
        control="spot_check",
        lesson=lesson,
    )


def _wait_saved(page: Any, n: int) -> None:
    page.locator("form.question").nth(n).locator(".saved", has_text="Сохранено").wait_for(
        timeout=10_000
    )


def test_student_takes_a_short_test_on_a_phone(
    student_site: tuple[str, Any], chromium: Any
) -> None:
    url, sch = student_site
    test = _short_test(sch)
    context = chromium.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    page = context.new_page()
    try:
        page.goto(url + "/login")
        page.get_by_label("Логин").fill("kirill")
        page.get_by_label("Пароль").fill(PASSWORD)
        page.get_by_role("button", name="Войти").click()
        page.goto(url + "/student/assignments")
        page.get_by_role("link", name="Математика: Проценты: срез").click()
        page.get_by_role("button", name="Начать тест").click()
        page.wait_for_url("**/quiz/attempt/*")
        page.get_by_label("30").check()
        _wait_saved(page, 0)
        page.locator("form.question").nth(1).locator("input[name=answer]").fill("0,75")
        _wait_saved(page, 1)
        attempt_url = page.url
        page.close()  # the tab is closed (the connection is lost)

        page = context.new_page()
        page.goto(attempt_url)
        assert page.get_by_label("30").is_checked()
        assert (
            page.locator("form.question").nth(1).locator("input[name=answer]").input_value()
            == "0,75"
        )
        page.locator("textarea[name=answer]").fill("Умножить число на процент и разделить на 100.")
        page.locator("textarea[name=answer]").blur()
        _wait_saved(page, 2)
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert serious_accessibility_issues(page) == []
        screenshot(page, "quiz-phone")
        page.get_by_role("button", name="Завершить тест").click()
        page.get_by_text("Тест завершён").wait_for()
        screenshot(page, "quiz-phone-finished")
    finally:
        context.close()
    attempt = sch.one("SELECT attempt FROM attempts WHERE quiz = ?", test)[0]
    answers = dict(sch.all("SELECT question, answer FROM answers WHERE attempt = ?", attempt))
    assert sorted(answers.values()) == sorted(
        ['["1"]', '["0,75"]', '["Умножить число на процент и разделить на 100."]']
    )
    assert sch.one("SELECT finished_at IS NOT NULL FROM attempts WHERE attempt = ?", attempt)[0]
