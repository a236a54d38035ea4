"""Administration pages of the timetable (R-STR-5), the school's settings (R-MRK-1, R-MRK-5,
R-STR-6) and the year's end (R-STR-7): every form writes on success, nothing on a refusal."""

from __future__ import annotations

from typing import TYPE_CHECKING

from test_web_admin import YEAR, _post, _refused

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

# --- timetable (R-STR-5) --------------------------------------------------------------------


def test_timetable_of_a_class_shows_its_subgroups(web: Web) -> None:
    i = web.sch.ids
    web.sign_in("deputy")
    page = web.client.get(f"/admin/timetable?class={i.c5a}&date=2026-11-16").text
    assert "Математика" in page and "каб. 21" in page
    assert "5А англ. 1" in page and "5А англ. 2" in page  # lesson 3 on Monday, by subgroup


def test_a_timetable_change_from_a_date_keeps_the_earlier_week(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    r = _post(
        web,
        csrf,
        "/admin/timetable",
        year=YEAR,
        **{"class": i.c5a},
        group=i.c5a,
        weekday="3",
        number="1",
        course=i.math_5a,
        start="2026-11-18",
        room="22",
    )
    assert r.status_code == 303, r.text
    after = web.client.get(f"/admin/timetable?class={i.c5a}&date=2026-11-18").text
    before = web.client.get(f"/admin/timetable?class={i.c5a}&date=2026-11-17").text
    assert "каб. 22" in after and "каб. 22" not in before


def test_bad_timetable_input_is_refused(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    good = {
        "year": YEAR,
        "class": i.c5a,
        "group": i.c5a,
        "weekday": "3",
        "number": "1",
        "course": i.math_5a,
        "start": "2026-11-18",
        "room": "22",
    }
    for change, message in [
        ({"weekday": "7"}, "от 1 до 6"),
        ({"number": "0"}, "от 1 до 10"),
        ({"start": "завтра"}, "ГГГГ-ММ-ДД"),
        ({"course": i.math_5b}, "в другом классе"),
        ({"group": "grp-none"}, "Нет такого класса"),
        ({"room": "к" * 21}, "не длиннее 20"),
    ]:
        _refused(web, csrf, "/admin/timetable", {**good, **change}, message)
    r = _post(web, csrf, "/admin/timetable", **{**good, "course": "crs-none"})
    assert r.status_code == 404


# --- settings: deadlines, weights (R-MRK-1, R-MRK-5), grading systems (R-STR-6) -------------


def _settings(**change: str) -> dict[str, str]:
    from ejournal.model import rules
    from web.views.admin_schedule import DEADLINES_RU

    data = {
        "name": "МБОУ «Средняя школа № 7»",
        "short_name": "СШ № 7",
        "inn": "",
        "ogrn": "",
        "timezone": "Asia/Krasnoyarsk",
        "student_min_age": "14",
    }
    data |= {f"deadline_{k}": "5" for k in DEADLINES_RU}
    data |= {f"weight_{k}": "1" for k in rules.WORK_KINDS}
    return data | change


def test_settings_page_shows_defaults_and_records_the_schools_own(web: Web) -> None:
    csrf = web.sign_in("director")
    page = web.client.get("/admin/config").text
    assert 'value="МБОУ «Средняя школа № 7»"' in page
    assert 'name="deadline_written_2_9" type="number" value="5"' in page  # the default
    assert 'name="weight_КР" type="number" value="3"' in page
    assert "зач, незач" in page and "н/а" in page
    r = _post(
        web, csrf, "/admin/config", **_settings(weight_КР="4", deadline_oral="2", inn="2466000000")
    )
    assert r.status_code == 303, r.text
    weights, deadlines, inn = web.sch.one("SELECT weights, deadline_days, inn FROM school")
    assert '"КР":4' in weights.replace(" ", "") and '"oral":2' in deadlines.replace(" ", "")
    assert inn == "2466000000"


def test_bad_settings_are_refused(web: Web) -> None:
    csrf = web.sign_in("director")
    for change, message in [
        ({"name": ""}, "заполните"),
        ({"name": "Ш" * 201}, "не длиннее 200"),
        ({"inn": "12345"}, "10 или 12 цифр"),
        ({"ogrn": "abc"}, "13 или 15 цифр"),
        ({"timezone": "Mars/Olympus"}, "из списка"),
        ({"weight_КР": "0"}, "от 1 до 10"),
        ({"deadline_oral": "много"}, "целое число"),
        ({"student_min_age": "40"}, "от 0 до 18"),
    ]:
        _refused(web, csrf, "/admin/config", _settings(**change), message)


# --- year closing and promotion (R-STR-7) ---------------------------------------------------


def test_promotion_decision_and_closing_the_year(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    page = web.client.get(f"/admin/closing?year={YEAR}&class={i.c5a}").text
    assert "Иванов Артём Сергеевич" in page and "Закрыть учебный год" in page
    r = _post(
        web,
        csrf,
        "/admin/closing/promote",
        year=YEAR,
        **{"class": i.c5a},
        student=i.students_5a[0],
        decision="promoted",
        to_class="",
    )
    assert r.status_code == 303
    assert web.sch.one("SELECT decision FROM promotions WHERE student = ?", i.students_5a[0]) == (
        "promoted",
    )
    assert "переведён" in web.client.get(r.headers["location"]).text
    _refused(web, csrf, "/admin/closing/close", {"year": YEAR}, "Подтвердите")
    r = _post(web, csrf, "/admin/closing/close", year=YEAR, confirm="1")
    assert r.status_code == 303
    assert web.sch.one("SELECT closed FROM years WHERE year = ?", YEAR) == (1,)
    assert "закрыт" in web.client.get(f"/admin/closing?year={YEAR}").text
    _refused(web, csrf, "/admin/closing/close", {"year": YEAR, "confirm": "1"}, "уже закрыт")


def test_bad_promotion_input_is_refused(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    good = {
        "year": YEAR,
        "class": i.c5a,
        "student": i.students_5a[0],
        "decision": "promoted",
        "to_class": "",
    }
    for change, message in [
        ({"decision": "expelled"}, "из списка"),
        ({"student": "p-none"}, "не зарегистрирован"),
        ({"year": "1990/1991"}, "Нет такого учебного года"),
        ({"to_class": "cls-none"}, "Нет такого класса"),
        ({"student": ""}, "заполните"),
    ]:
        _refused(web, csrf, "/admin/closing/promote", {**good, **change}, message)


def test_structure_forms_are_refused_to_the_secretary(web: Web) -> None:
    csrf = web.sign_in("secretary")
    before = web.sch.size
    for url in ("/admin/year", "/admin/classes", "/admin/timetable", "/admin/closing/close"):
        r = _post(web, csrf, url, name="2027/2028", start="2027-09-01", end="2028-05-26")
        assert r.status_code == 403 and "Доступ закрыт" in r.text, url
    assert web.sch.size == before


def test_a_promotion_decision_through_htmx_gives_back_the_row(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    headers = {"HX-Request": "true", "X-CSRF-Token": csrf}
    page = web.client.get(f"/admin/closing?year={YEAR}&class={i.c5a}").text
    assert 'hx-post="/admin/closing/promote"' in page
    data = {"year": YEAR, "class": i.c5a, "student": i.students_5a[2], "n": "3",
            "decision": "conditionally", "to_class": ""}  # fmt: skip
    r = web.client.post("/admin/closing/promote", data=data, headers=headers)
    assert r.status_code == 200, r.text
    assert r.text.lstrip().startswith('<tr id="decision-3">') and "переведён условно" in r.text
    before = web.sch.size
    bad = web.client.post("/admin/closing/promote", data={**data, "decision": "x"}, headers=headers)
    assert bad.status_code == 422 and "из списка" in bad.text and 'role="alert"' in bad.text
    assert bad.text.lstrip().startswith('<tr id="decision-3">')
    assert web.sch.size == before
