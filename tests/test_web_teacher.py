"""The teacher's pages of issue #4 through the test client: the lesson plan (КТП) editor
(R-LES-3, R-LES-1), a mark's history with corrections and revocations (R-MRK-2), late marks
flagged (R-MRK-1), substitution on the lesson page (R-LES-2), remarks addressed to the teacher
(R-CTL-2), print views (R-ARC-5), and the one-cell answer after a save. Every refusal: a
Russian message, a 4xx status, nothing written to the log."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from ejournal.model.commands import teaching

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

TODAY = "2026-11-16"
CYRILLIC = re.compile("[А-Яа-яЁё]")


def _htmx(csrf: str) -> dict[str, str]:
    return {"HX-Request": "true", "X-CSRF-Token": csrf}


def _refused(web: Web, response: Any, status: int, before: int, words: str = "") -> None:
    assert response.status_code == status, (response.status_code, response.text[:300])
    assert CYRILLIC.search(response.text)
    if words:
        assert words in response.text, response.text[:2000]
    assert web.sch.size == before, "a refused request wrote to the log"


def _mark(web: Web, value: str = "4", student: int = 0) -> tuple[str, str]:
    i = web.sch.ids
    lesson = web.sch.lesson(i.math_5a, TODAY, number=1, topic="Дроби")
    mark = teaching.give_mark(
        web.sch.j,
        i.math_teacher,
        lesson=lesson,
        student=i.students_5a[student],
        value=value,
        kind="У",
    )
    return lesson, mark


def _plan_form(
    csrf: str, rows: list[tuple[str, str, str]], action: str = "save"
) -> list[tuple[str, str]]:
    form = [("csrf", csrf), ("action", action)]
    for topic, hours, section in rows:
        form += [("topic", topic), ("hours", hours), ("section", section)]
    return form


def _post_form(web: Web, url: str, form: list[tuple[str, str]]) -> Any:
    from urllib.parse import urlencode

    return web.client.post(
        url,
        content=urlencode(form).encode(),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


# --- the lesson plan (КТП), R-LES-3 ------------------------------------------------------


def test_plan_page_lists_topics_by_lesson_number_and_completion(web: Web) -> None:
    i = web.sch.ids
    for n, day in enumerate(("2026-11-09", "2026-11-10", TODAY), 1):
        web.sch.lesson(i.math_5a, day, number=n)
    web.sign_in("teacher")
    page = web.client.get(f"/plan/{i.math_5a}")
    assert page.status_code == 200
    # 34 topics × 5 h = 170 h, as the curriculum wants (5 h a week × 34 weeks).
    assert "В плане <strong>170 ч</strong> из 170 ч" in page.text and "совпадает" in page.text
    assert 'value="Тема 34"' in page.text
    assert '<td class="lessons">6–10</td>' in page.text  # topic 2 covers lessons 6–10
    assert "Проведено уроков: <strong>3</strong> из 170 ч" in page.text and "(2 %)" in page.text


def test_plan_is_read_only_for_the_class_teacher(web: Web) -> None:
    web.sign_in("class_teacher")
    page = web.client.get(f"/plan/{web.sch.ids.math_5a}")
    assert page.status_code == 200
    assert "Сохранить план" not in page.text and "Тема 1" in page.text and "впереди" in page.text


def test_plan_is_refused_to_a_teacher_of_another_class_and_to_students(web: Web) -> None:
    i = web.sch.ids
    web.sign_in("teacher")
    assert web.client.get(f"/plan/{i.english_5a_g1}").status_code == 403
    web.sign_in("student")
    assert web.client.get(f"/plan/{i.math_5a}").status_code == 403


def test_saving_a_plan_whose_hours_match_the_curriculum(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("teacher")
    rows = [("Натуральные числа", "90", "Числа"), ("Дроби", "80", "Числа")]
    before = web.sch.size
    response = _post_form(web, f"/plan/{i.math_5a}", _plan_form(csrf, rows))
    assert response.status_code == 303
    assert web.sch.size == before + 1
    assert web.sch.all(
        "SELECT number, topic, hours, section FROM plan_topics WHERE course = ? ORDER BY number",
        i.math_5a,
    ) == [(1, "Натуральные числа", 90, "Числа"), (2, "Дроби", 80, "Числа")]
    assert "План сохранён" in web.client.get(response.headers["location"]).text


def test_a_plan_with_the_wrong_hours_is_refused_with_the_numbers(web: Web) -> None:
    """R-LES-3: 2 h planned where the curriculum wants 170 h."""
    csrf = web.sign_in("teacher")
    before = web.sch.size
    rows = [("Натуральные числа", "1", ""), ("Дроби", "1", "")]
    response = _post_form(web, f"/plan/{web.sch.ids.math_5a}", _plan_form(csrf, rows))
    _refused(web, response, 422, before, "В плане 2 ч, а по учебному плану положено 170 ч")
    assert 'value="Натуральные числа"' in response.text  # the draft is kept
    assert "не хватает 168 ч" in response.text


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ([("", "170", "")], "впишите название темы"),
        ([("Тема", "сто", "")], "часы — целое число"),
        ([("Тема", "0", "")], "часы — целое число"),
        ([("Тема", "+7", "")], "часы — целое число"),
        ([("Т" * 301, "170", "")], "длиннее 300 знаков"),
        ([("", "", "")], "План пуст"),
    ],
)
def test_bad_plan_rows_are_refused(web: Web, rows: list[tuple[str, str, str]], words: str) -> None:
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = _post_form(web, f"/plan/{web.sch.ids.math_5a}", _plan_form(csrf, rows))
    _refused(web, response, 422, before, words)


def test_a_damaged_plan_form_and_an_unknown_action_are_refused(web: Web) -> None:
    csrf = web.sign_in("teacher")
    url = f"/plan/{web.sch.ids.math_5a}"
    before = web.sch.size
    damaged = [("csrf", csrf), ("topic", "a"), ("topic", "b"), ("hours", "1"), ("section", "")]
    _refused(web, _post_form(web, url, damaged), 422, before, "Форма плана повреждена")
    unknown = _plan_form(csrf, [("Тема", "1", "")], action="drop-table")
    _refused(web, _post_form(web, url, unknown), 422, before, "Неизвестное действие")
    out_of_range = _plan_form(csrf, [("Тема", "1", "")], action="del-5")
    _refused(web, _post_form(web, url, out_of_range), 422, before, "Такой строки в плане нет")


def test_reordering_adding_and_deleting_rows_is_a_draft_that_writes_nothing(web: Web) -> None:
    csrf = web.sign_in("teacher")
    url = f"/plan/{web.sch.ids.math_5a}"
    rows = [("Первая", "1", ""), ("Вторая", "2", ""), ("Третья", "3", "")]
    before = web.sch.size
    moved = _post_form(web, url, _plan_form(csrf, rows, action="up-2"))
    assert moved.status_code == 200 and "ещё не сохранены" in moved.text
    assert moved.text.index('value="Третья"') < moved.text.index('value="Вторая"')
    deleted = _post_form(web, url, _plan_form(csrf, rows, action="del-0"))
    assert 'value="Первая"' not in deleted.text and 'value="Вторая"' in deleted.text
    added = _post_form(web, url, _plan_form(csrf, rows, action="add"))
    assert added.text.count('name="topic"') == 4
    assert web.sch.size == before


def test_another_teacher_cannot_save_the_plan(web: Web) -> None:
    csrf = web.sign_in("class_teacher")
    before = web.sch.size
    response = _post_form(
        web, f"/plan/{web.sch.ids.math_5a}", _plan_form(csrf, [("Тема", "170", "")])
    )
    _refused(web, response, 403, before, "Доступ закрыт")


def test_a_plan_of_a_foreign_course_id_is_not_found(web: Web) -> None:
    csrf = web.sign_in("teacher")
    before = web.sch.size
    assert web.client.get("/plan/crs-nosuchcourse").status_code == 404
    response = _post_form(web, "/plan/crs-nosuchcourse", _plan_form(csrf, [("Т", "1", "")]))
    _refused(web, response, 404, before, "не найден")


def test_filling_topics_ahead_records_the_timetables_lessons_with_plan_topics(web: Web) -> None:
    """R-LES-1: from Monday 16.11 to the end of the 2nd quarter (28.12) 5А has mathematics on
    Mondays (lesson 1) and Tuesdays (lesson 2): 7 Mondays (16.11 … 28.12) and 6 Tuesdays
    (17.11 … 22.12) = 13 lessons."""
    i = web.sch.ids
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/plan/{i.math_5a}/fill", data={"csrf": csrf, "period": i.quarters[1]}
    )
    assert response.status_code == 303, response.text
    assert response.headers["location"].endswith("filled=13")
    assert web.sch.size == before + 13
    rows = web.sch.all(
        "SELECT date, number, topic, plan_topic FROM lessons WHERE course = ? "
        "ORDER BY date, number",
        i.math_5a,
    )
    assert rows[0] == (TODAY, 1, "Тема 1", 1)  # no lesson held before: the 1st lesson, topic 1
    assert rows[5] == ("2026-12-01", 2, "Тема 2", 2)  # the 6th lesson starts topic 2 (5 h each)
    assert rows[-1] == ("2026-12-28", 1, "Тема 3", 3)
    again = web.client.post(f"/plan/{i.math_5a}/fill", data={"csrf": csrf, "period": i.quarters[1]})
    _refused(web, again, 422, before + 13, "нет незаполненных уроков")


def test_filling_ahead_needs_a_period_of_the_course(web: Web) -> None:
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/plan/{web.sch.ids.math_5a}/fill", data={"csrf": csrf, "period": web.sch.ids.halves[0]}
    )
    _refused(web, response, 422, before, "Выберите учебный период")


# --- a mark's history, corrections and revocations, R-MRK-2 --------------------------------


def test_a_marks_history_shows_the_original_every_correction_and_the_revocation(web: Web) -> None:
    _, mark = _mark(web, "4")
    j, teacher = web.sch.j, web.sch.ids.math_teacher
    web.sch.clock.move(minutes=10)
    teaching.correct_mark(j, teacher, mark=mark, value="5", reason="Ошибка при вводе")
    web.sch.clock.move(minutes=5)
    teaching.revoke_mark(j, teacher, mark=mark, reason="Работа не его")
    web.sign_in("teacher")
    page = web.client.get(f"/mark/{mark}")
    assert page.status_code == 200
    text = page.text
    assert "выставлена" in text and "исправлена" in text and "отменена" in text
    assert "Ошибка при вводе" in text and "Работа не его" in text
    assert "16.11.2026 09:00" in text and "16.11.2026 09:10" in text and "16.11.2026 09:15" in text
    assert "Волков С. И." in text
    assert "Действующая отметка: <strong>нет</strong>" in text
    assert "Исправить отметку" not in text  # nothing left to correct


def test_correcting_a_mark_through_htmx_needs_a_reason(web: Web) -> None:
    _, mark = _mark(web, "4")
    csrf = web.sign_in("teacher")
    before = web.sch.size
    refused = web.client.post(
        f"/mark/{mark}/correct", data={"value": "5", "reason": "  "}, headers=_htmx(csrf)
    )
    _refused(web, refused, 422, before, "Укажите причину")
    done = web.client.post(
        f"/mark/{mark}/correct",
        data={"value": "5", "reason": "Пересчёт баллов"},
        headers=_htmx(csrf),
    )
    assert done.status_code == 200 and 'id="mark-changes"' in done.text
    assert "Пересчёт баллов" in done.text
    assert web.sch.size == before + 1
    assert web.sch.one("SELECT current FROM marks WHERE mark = ?", mark) == ("5",)


@pytest.mark.parametrize(
    ("value", "reason", "words"),
    [
        ("7", "причина", "не из системы оценивания"),
        ("отлично", "причина", "не из системы оценивания"),
        ("", "причина", "Выберите новую отметку"),
        ("4", "причина", "совпадает с действующей"),
        ("5", "п" * 501, "длиннее 500 знаков"),
    ],
)
def test_bad_corrections_are_refused(web: Web, value: str, reason: str, words: str) -> None:
    _, mark = _mark(web, "4")
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/mark/{mark}/correct", data={"value": value, "reason": reason}, headers=_htmx(csrf)
    )
    _refused(web, response, 422, before, words)


def test_revoking_a_mark_with_a_reason(web: Web) -> None:
    _, mark = _mark(web, "3")
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/mark/{mark}/revoke", data={"csrf": csrf, "reason": "Не тот ученик"}
    )
    assert response.status_code == 303
    assert web.sch.size == before + 1
    assert web.sch.one("SELECT current FROM marks WHERE mark = ?", mark) == (None,)
    again = web.client.post(f"/mark/{mark}/revoke", data={"csrf": csrf, "reason": "ещё раз"})
    _refused(web, again, 422, before + 1, "уже отменена")


def test_only_the_courses_teacher_corrects_a_mark(web: Web) -> None:
    _, mark = _mark(web, "4")
    csrf = web.sign_in("class_teacher")
    page = web.client.get(f"/mark/{mark}")
    assert page.status_code == 200 and "Исправить отметку" not in page.text
    before = web.sch.size
    response = web.client.post(
        f"/mark/{mark}/correct", data={"csrf": csrf, "value": "5", "reason": "хочу"}
    )
    _refused(web, response, 403, before, "Доступ закрыт")


def test_a_marks_history_is_refused_to_strangers_and_unknown_marks_are_not_found(web: Web) -> None:
    _, mark = _mark(web, "4")
    web.sign_in("student")
    assert web.client.get(f"/mark/{mark}").status_code == 403
    web.sign_in("parent")
    assert web.client.get(f"/mark/{mark}").status_code == 403
    csrf = web.sign_in("teacher")
    missing = web.client.get("/mark/mrk-nosuchmark")
    assert missing.status_code == 404 and "не найдена" in missing.text
    before = web.sch.size
    response = web.client.post(
        "/mark/mrk-nosuchmark/revoke", data={"csrf": csrf, "reason": "причина"}
    )
    _refused(web, response, 404, before)


def test_a_mark_made_with_compromised_credentials_is_struck_through_for_the_administration_only(
    web: Web,
) -> None:
    """R-MRK-2, R-SEC-3."""
    from ejournal.model.commands import people

    _, mark = _mark(web, "4")
    web.sch.clock.move(minutes=30)
    teaching.correct_mark(web.sch.j, web.sch.ids.math_teacher, mark=mark, value="2", reason="месть")
    people.report_compromise(
        web.sch.j,
        web.sch.ids.admin,
        person=web.sch.ids.math_teacher,
        since="2026-11-16T09:20:00.000+07:00",
        reason="пароль украден",
    )
    web.sign_in("deputy")
    page = web.client.get(f"/mark/{mark}")
    assert page.status_code == 200
    assert "<del>2</del>" in page.text and "скомпрометированный вход" in page.text
    web.sign_in("teacher")
    own = web.client.get(f"/mark/{mark}")
    assert own.status_code == 200 and "месть" not in own.text and "<del>" not in own.text


def test_grid_and_lesson_page_link_marks_to_their_history_and_flag_late_ones(web: Web) -> None:
    """R-MRK-1: a lesson of Monday 09.11 marked on 16.11 is late and flagged."""
    i = web.sch.ids
    old = web.sch.lesson(i.math_5a, "2026-11-09", number=1)
    late = teaching.give_mark(
        web.sch.j, i.math_teacher, lesson=old, student=i.students_5a[1], value="5", kind="У"
    )
    web.sign_in("teacher")
    grid = web.client.get(f"/journal/{i.math_5a}/{i.quarters[1]}").text
    assert f'href="/mark/{late}"' in grid and "с опозданием" in grid and 'class="flag"' in grid
    lesson = web.client.get(f"/lesson/{old}").text
    assert f'href="/mark/{late}"' in lesson and "(с опозданием)" in lesson
    web.sign_in("deputy")
    printed = web.client.get(f"/journal/{i.math_5a}/{i.quarters[1]}/print").text
    assert "5*" in printed
