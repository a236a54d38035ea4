"""More of the teacher's pages of issue #4 through the test client: substitution and marks on
the lesson page (R-LES-2), remarks addressed to the teacher (R-CTL-2), print views (R-ARC-5)
and the one-cell answer after a grid save. Refusals: a Russian message, 4xx, nothing logged."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

import pytest

from ejournal.model.commands import control

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
        assert words in response.text, response.text[:3000]
    assert web.sch.size == before, "a refused request wrote to the log"


def _lesson(web: Web) -> str:
    return web.sch.lesson(web.sch.ids.math_5a, TODAY, number=1, topic="Дроби")


# --- substitution, R-LES-2 -------------------------------------------------------------------


def test_the_courses_teacher_records_a_substitute_who_then_records_the_lesson(web: Web) -> None:
    i = web.sch.ids
    lesson = _lesson(web)
    csrf = web.sign_in("teacher")
    page = web.client.get(f"/lesson/{lesson}")
    assert "Записать замену" in page.text and i.history_teacher in page.text
    assert i.math_teacher not in page.text.split('id="sub-teacher"')[1].split("</select>")[0]
    before = web.sch.size
    response = web.client.post(
        f"/lesson/{lesson}/substitute",
        data={"csrf": csrf, "teacher": i.history_teacher, "reason": "курсы"},
    )
    assert response.status_code == 303
    assert web.sch.size == before + 1
    assert "Урок ведёт Орлов Павел Алексеевич (курсы)" in web.client.get(f"/lesson/{lesson}").text
    # The substitute signs in and records a mark and an absence on the lesson page.
    web.auth.set_password(i.history_teacher, "substitute", "пароль-для-тестов")
    web.logins["substitute"] = "substitute"
    csrf = web.sign_in("substitute")
    page = web.client.get(f"/lesson/{lesson}")
    assert page.status_code == 200 and 'name="value"' in page.text
    student, absent = i.students_5a[:2]
    saved = web.client.post(
        f"/lesson/{lesson}/mark", data={"student": student, "value": "5"}, headers=_htmx(csrf)
    )
    assert saved.status_code == 200 and saved.text.lstrip().startswith('<tr id="student-')
    assert (
        web.client.post(
            f"/lesson/{lesson}/mark", data={"student": absent, "value": "Н"}, headers=_htmx(csrf)
        ).status_code
        == 200
    )
    assert web.sch.one("SELECT value, by FROM marks WHERE lesson = ?", lesson) == (
        "5",
        i.history_teacher,
    )
    assert web.sch.one(
        "SELECT code FROM attendance WHERE lesson = ? AND student = ?", lesson, absent
    ) == ("Н",)


@pytest.mark.parametrize(
    ("teacher", "reason", "words"),
    [
        ("", "", "Выберите учителя"),
        ("prs-nobody", "", "только учитель школы из списка"),
        ("self", "", "только учитель школы из списка"),
        ("history", "п" * 201, "длиннее 200 знаков"),
    ],
)
def test_bad_substitutions_are_refused(web: Web, teacher: str, reason: str, words: str) -> None:
    i = web.sch.ids
    lesson = _lesson(web)
    who = {"self": i.math_teacher, "history": i.history_teacher}.get(teacher, teacher)
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/lesson/{lesson}/substitute", data={"csrf": csrf, "teacher": who, "reason": reason}
    )
    _refused(web, response, 422, before, words)


def test_a_class_teacher_cannot_record_a_substitution_or_marks(web: Web) -> None:
    i = web.sch.ids
    lesson = _lesson(web)
    csrf = web.sign_in("class_teacher")
    page = web.client.get(f"/lesson/{lesson}")
    assert "Записать замену" not in page.text and 'name="value"' not in page.text
    before = web.sch.size
    for url, data in (
        (f"/lesson/{lesson}/substitute", {"teacher": i.history_teacher}),
        (f"/lesson/{lesson}/mark", {"student": i.students_5a[0], "value": "5"}),
    ):
        _refused(
            web, web.client.post(url, data={"csrf": csrf, **data}), 403, before, "Доступ закрыт"
        )


@pytest.mark.parametrize(
    ("value", "words"),
    [("7", "не из системы оценивания"), ("5" * 21, "Слишком длинная"), ("5 XX", "Неизвестный вид")],
)
def test_bad_marks_on_the_lesson_page_are_refused(web: Web, value: str, words: str) -> None:
    lesson = _lesson(web)
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/lesson/{lesson}/mark",
        data={"student": web.sch.ids.students_5a[0], "value": value},
        headers=_htmx(csrf),
    )
    _refused(web, response, 422, before, words)


def test_a_mark_for_a_student_not_at_the_lesson_is_refused(web: Web) -> None:
    lesson = _lesson(web)
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/lesson/{lesson}/mark",
        data={"student": web.sch.ids.students_5b[0], "value": "5"},
        headers=_htmx(csrf),
    )
    _refused(web, response, 404, before, "Такого ученика на этом уроке нет")


# --- remarks addressed to me, R-CTL-2 -------------------------------------------------------


def _remark(web: Web, due: str, text: str = "Не заполнены темы уроков") -> str:
    i = web.sch.ids
    return control.issue_remark(
        web.sch.j, i.deputy, teacher=i.math_teacher, text=text, due=due, course=i.math_5a
    )


def test_remarks_list_shows_due_dates_and_highlights_overdue_ones(web: Web) -> None:
    soon = _remark(web, "2026-11-18", "Выставьте отметки за контрольную")
    later = _remark(web, "2026-11-30")
    web.sch.clock.set("2026-11-20 10:00")  # the first is now overdue
    web.sign_in("teacher")
    page = web.client.get("/teacher/remarks")
    assert page.status_code == 200
    text = page.text
    assert text.index(soon) < text.index(later)  # open ones by due date
    assert "18.11.2026" in text and "30.11.2026" in text
    assert text.count("просрочено</span>") == 1 and 'class="remark overdue"' in text
    assert "Неустранённых: <strong>2</strong>" in text and "5А — Математика" in text
    assert "Замечания по ведению журнала: 2 неустранённых" in web.client.get("/teacher").text


def test_marking_a_remark_fixed_with_a_note(web: Web) -> None:
    remark = _remark(web, "2026-11-30")
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/teacher/remarks/{remark}/fix", data={"note": "Темы вписаны"}, headers=_htmx(csrf)
    )
    assert response.status_code == 200 and "устранено" in response.text
    assert "Темы вписаны" in response.text
    assert web.sch.size == before + 1
    again = web.client.post(
        f"/teacher/remarks/{remark}/fix", data={"note": "ещё раз"}, headers=_htmx(csrf)
    )
    _refused(web, again, 422, before + 1, "уже отмечено устранённым")


@pytest.mark.parametrize(("note", "words"), [("", "что исправлено"), ("н" * 1001, "длиннее 1000")])
def test_a_remark_is_not_fixed_without_a_sensible_note(web: Web, note: str, words: str) -> None:
    remark = _remark(web, "2026-11-30")
    csrf = web.sign_in("teacher")
    before = web.sch.size
    response = web.client.post(
        f"/teacher/remarks/{remark}/fix", data={"note": note}, headers=_htmx(csrf)
    )
    _refused(web, response, 422, before, words)


def test_a_teacher_cannot_fix_a_remark_addressed_to_someone_else(web: Web) -> None:
    remark = _remark(web, "2026-11-30")
    csrf = web.sign_in("class_teacher")
    assert remark not in web.client.get("/teacher/remarks").text
    before = web.sch.size
    response = web.client.post(
        f"/teacher/remarks/{remark}/fix", data={"csrf": csrf, "note": "не моё"}
    )
    _refused(web, response, 404, before, "Такого замечания, адресованного вам, нет")
    unknown = web.client.post("/teacher/remarks/rmk-nosuch/fix", data={"csrf": csrf, "note": "x"})
    _refused(web, unknown, 404, before)


def test_remarks_are_refused_to_the_deputy_and_students(web: Web) -> None:
    for role in ("deputy", "student", "parent"):
        web.sign_in(role)
        assert web.client.get("/teacher/remarks").status_code == 403, role


# --- print views, R-ARC-5 -------------------------------------------------------------------


def test_print_view_of_the_journal_page_has_the_marks_and_places_to_sign(web: Web) -> None:
    from ejournal.model.commands import teaching

    i = web.sch.ids
    lesson = _lesson(web)
    j = web.sch.j
    teaching.give_mark(
        j, i.math_teacher, lesson=lesson, student=i.students_5a[0], value="5", kind="У"
    )
    teaching.mark_attendance(j, i.math_teacher, lesson=lesson, student=i.students_5a[1], code="Б")
    web.sign_in("deputy")
    page = web.client.get(f"/journal/{i.math_5a}/{i.quarters[1]}/print")
    assert page.status_code == 200
    text = page.text
    assert "МБОУ «Средняя школа № 7»" in text and "Классный журнал: 5А — Математика" in text
    assert "16.11" in text and ">5</td>" in text and ">Б</td>" in text
    assert "М. П." in text and "Заместитель директора" in text and "Волков С. И." in text
    assert 'class="landscape"' in text and "hx-post" not in text


def test_print_view_of_the_lesson_list_has_topics_and_homework_by_date(web: Web) -> None:
    i = web.sch.ids
    web.sch.lesson(i.math_5a, TODAY, number=1, topic="Дроби", homework="№ 12, 14")
    web.sch.lesson(i.math_5a, "2026-11-17", number=2, topic="Сложение дробей")
    web.sign_in("teacher")
    page = web.client.get(f"/journal/{i.math_5a}/{i.quarters[1]}/lessons/print")
    assert page.status_code == 200
    text = page.text
    assert text.index("16.11.2026") < text.index("17.11.2026")
    assert "Дроби" in text and "№ 12, 14" in text and "Сложение дробей" in text
    assert "М. П." in text


def test_print_views_are_refused_to_strangers_and_a_foreign_period_is_not_found(web: Web) -> None:
    i = web.sch.ids
    for role in ("student", "parent"):
        web.sign_in(role)
        assert web.client.get(f"/journal/{i.math_5a}/{i.quarters[1]}/print").status_code == 403
    web.sign_in("teacher")
    assert web.client.get(f"/journal/{i.english_5a_g1}/{i.quarters[1]}/print").status_code == 403
    missing = web.client.get(f"/journal/{i.math_5a}/no-such-period/lessons/print")
    assert missing.status_code == 404 and CYRILLIC.search(missing.text)


# --- the grid cell after a save: only that cell is queried ---------------------------------


def test_a_cell_save_answers_with_that_cell_only(web: Web, monkeypatch: pytest.MonkeyPatch) -> None:
    import web.views.teacher as teacher_views

    i = web.sch.ids
    lesson = _lesson(web)
    csrf = web.sign_in("teacher")

    def no_grid(*args: object, **kwargs: object) -> None:
        raise AssertionError("the whole grid was recomputed for one cell")

    monkeypatch.setattr(teacher_views, "journal_grid", no_grid)
    url = f"/journal/{i.math_5a}/{i.quarters[1]}/cell"
    response = web.client.post(
        url, data={"lesson": lesson, "student": i.students_5a[2], "value": "4"}, headers=_htmx(csrf)
    )
    assert response.status_code == 200, response.text
    assert response.text.strip().startswith("<td>") and response.text.strip().endswith("</td>")
    assert ">4<" in response.text and 'name="value"' in response.text
    refused = web.client.post(
        url, data={"lesson": lesson, "student": i.students_5a[2], "value": "9"}, headers=_htmx(csrf)
    )
    assert refused.status_code == 422 and refused.text.strip().startswith('<td class="refused">')
    assert "не из системы оценивания" in refused.text
