"""The period marks page of a course (R-MRK-3, R-MRK-5): averages, forecasts and the period
mark, set by the course's teacher through htmx; read only for readers, refused for others."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ejournal.model.commands import teaching

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

TODAY = "2026-11-16"  # the school fixture's Monday of the 2nd quarter


def _finals_url(web: Web, quarter: int = 1) -> str:
    i = web.sch.ids
    return f"/journal/{i.math_5a}/{i.quarters[quarter]}/finals"


def _marks(web: Web) -> None:
    """Two fives for the first student, two fours for the second."""
    i = web.sch.ids
    first, second = i.students_5a[:2]
    for number in (1, 2):
        lesson = web.sch.lesson(i.math_5a, TODAY, number=number, topic="Дроби")
        teaching.give_mark(
            web.sch.j, i.math_teacher, lesson=lesson, student=first, value="5", kind="У"
        )
        teaching.give_mark(
            web.sch.j, i.math_teacher, lesson=lesson, student=second, value="4", kind="У"
        )


def _post(web: Web, csrf: str, student: str, value: str, reason: str = "", quarter: int = 1):  # type: ignore[no-untyped-def]
    return web.client.post(
        _finals_url(web, quarter),
        data={"student": student, "value": value, "reason": reason},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )


def _period_mark(web: Web, student: str, quarter: int = 1) -> list[tuple[str, str]]:
    i = web.sch.ids
    return web.sch.all(
        "SELECT value, reason FROM final_marks WHERE course = ? AND student = ? "
        "AND kind = 'period' AND period = ? ORDER BY id",
        i.math_5a,
        student,
        i.quarters[quarter],
    )


def test_the_grid_links_to_the_period_marks(web: Web) -> None:
    web.sign_in("teacher")
    page = web.client.get(f"/journal/{web.sch.ids.math_5a}/{web.sch.ids.quarters[1]}")
    assert page.status_code == 200
    assert f'href="{_finals_url(web)}"' in page.text and "Отметки за период" in page.text


def test_the_teacher_sees_averages_and_forecasts_and_sets_a_period_mark(web: Web) -> None:
    _marks(web)
    first, second = web.sch.ids.students_5a[:2]
    csrf = web.sign_in("teacher")
    page = web.client.get(_finals_url(web))
    assert page.status_code == 200, page.text
    assert page.text.count('<tr id="final-') == len(web.sch.ids.students_5a)
    assert '<td class="forecast">5</td>' in page.text
    assert '<td class="forecast">4</td>' in page.text
    assert 'hx-post="' + _finals_url(web) + '"' in page.text
    assert "н/а" in page.text

    before = web.sch.size
    response = _post(web, csrf, first, "5")
    assert response.status_code == 200, response.text
    assert response.text.lstrip().startswith("<tr") and "<strong" in response.text
    assert web.sch.size == before + 1
    assert _period_mark(web, first) == [("5", "")]
    assert _period_mark(web, second) == []
    assert "внесена с опозданием" not in response.text


def test_replacing_a_period_mark_needs_a_reason(web: Web) -> None:
    _marks(web)
    first = web.sch.ids.students_5a[0]
    csrf = web.sign_in("teacher")
    assert _post(web, csrf, first, "5").status_code == 200
    before = web.sch.size
    response = _post(web, csrf, first, "4")
    assert response.status_code == 422
    assert "укажите причину" in response.text and 'role="alert"' in response.text
    assert web.sch.size == before
    assert _period_mark(web, first) == [("5", "")]

    response = _post(web, csrf, first, "4", reason="ошибка при выставлении")
    assert response.status_code == 200, response.text
    assert _period_mark(web, first)[-1] == ("4", "ошибка при выставлении")


def test_a_late_period_mark_is_flagged(web: Web) -> None:
    first = web.sch.ids.students_5a[0]
    csrf = web.sign_in("teacher")
    response = _post(web, csrf, first, "н/а", quarter=0)  # the 1st quarter is over
    assert response.status_code == 200, response.text
    assert "внесена с опозданием" in response.text
    assert "внесена с опозданием" in web.client.get(_finals_url(web, 0)).text


def test_the_deputy_sees_the_period_marks_read_only(web: Web) -> None:
    _marks(web)
    web.sign_in("deputy")
    page = web.client.get(_finals_url(web))
    assert page.status_code == 200
    assert '<td class="forecast">5</td>' in page.text
    assert "hx-post" not in page.text and "<select" not in page.text


def test_a_teacher_of_another_class_is_refused(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("class_teacher")  # keeps 5А, neither teaches nor keeps 5Б
    url = f"/journal/{i.math_5b}/{i.quarters[1]}/finals"
    assert web.client.get(url).status_code == 403
    before = web.sch.size
    response = web.client.post(
        url,
        data={"student": i.students_5b[0], "value": "5"},
        headers={"HX-Request": "true", "X-CSRF-Token": csrf},
    )
    assert response.status_code == 403
    assert web.sch.size == before


def test_another_teacher_cannot_set_a_period_mark(web: Web) -> None:
    csrf = web.sign_in("class_teacher")  # reads 5А's mathematics, does not teach it
    assert "<select" not in web.client.get(_finals_url(web)).text
    before = web.sch.size
    response = _post(web, csrf, web.sch.ids.students_5a[0], "5")
    assert response.status_code == 422
    assert web.sch.size == before
