"""Administration pages of the structure (issue #4 item 5): the home, who opens each area,
school years, periods, holidays, classes and groups, subjects and curriculum, courses
(R-STR-1..4, R-STR-6, R-SEC-1). Every form: a success writes, a refusal writes nothing.
The timetable, settings and year closing are in test_web_admin_schedule.py."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

YEAR = "2026/2027"


def _post(web: Web, csrf: str, url: str, **data: object) -> object:
    return web.client.post(url, data={"csrf": csrf, **data})


def _refused(web: Web, csrf: str, url: str, data: dict[str, object], message: str) -> None:
    """A form refused with a Russian message beside it, status 422, nothing in the log."""
    before = web.sch.size
    response = web.client.post(url, data={"csrf": csrf, **data})
    assert response.status_code == 422, (url, data, response.status_code, response.text[-500:])
    assert message in response.text, (data, response.text[-1500:])
    assert 'role="alert"' in response.text
    assert web.sch.size == before, f"{url} {data} wrote to the log"


@pytest.mark.parametrize(
    "url",
    [
        "/admin",
        "/admin/year",
        f"/admin/year?year={YEAR}",
        "/admin/classes",
        "/admin/subjects",
        "/admin/courses",
        "/admin/timetable",
        "/admin/config",
        "/admin/closing",
        "/admin/people",
        "/admin/students",
        "/admin/roles",
        "/admin/accounts",
        "/admin/security",
    ],
)
def test_every_admin_page_opens_for_the_administrator(web: Web, url: str) -> None:
    web.sign_in("admin")
    response = web.client.get(url)
    assert response.status_code == 200, response.text
    assert "<form" in response.text
    assert "Traceback" not in response.text


def test_admin_home_links_each_area_the_roles_open(web: Web) -> None:
    web.sign_in("admin")
    page = web.client.get("/admin").text
    for href in (
        "/admin/year",
        "/admin/people",
        "/admin/roles",
        "/admin/accounts",
        "/admin/security",
        "/admin/backups",
    ):
        assert f'href="{href}"' in page, href
    assert 'href="/admin/remarks"' not in page  # remarks are the deputy's and director's
    web.client.cookies.clear()
    web.sign_in("secretary")
    page = web.client.get("/admin").text
    assert 'href="/admin/people"' in page and 'href="/admin/students"' in page
    assert 'href="/admin/year"' not in page and 'href="/admin/roles"' not in page
    web.client.cookies.clear()
    web.sign_in("deputy")
    page = web.client.get("/admin").text
    assert 'href="/admin/remarks"' in page and 'href="/admin/year"' in page
    assert 'href="/admin/accounts"' not in page


def test_admin_nav_link_only_for_the_administration(web: Web) -> None:
    web.sign_in("secretary")
    assert 'href="/admin"' in web.client.get("/password").text
    web.client.cookies.clear()
    web.sign_in("teacher")
    assert 'href="/admin"' not in web.client.get("/teacher").text
    assert web.client.get("/admin").status_code == 403


# --- year, periods, holidays (R-STR-1) ------------------------------------------------------


def test_year_page_lists_periods_per_grade_and_holidays(web: Web) -> None:
    web.sign_in("deputy")
    page = web.client.get("/admin/year").text
    assert "2026/2027" in page and "1 четверть" in page and "2 полугодие" in page
    assert "1, 2, 3, 4, 5, 6, 7, 8, 9" in page and "10, 11" in page
    assert "Осенние каникулы" in page and "Дополнительные каникулы" in page


def test_define_a_year_a_period_and_a_holiday(web: Web) -> None:
    csrf = web.sign_in("deputy")
    before = web.sch.size
    r = _post(web, csrf, "/admin/year", name="2027/2028", start="2027-09-01", end="2028-05-26")
    assert r.status_code == 303 and "done=year" in r.headers["location"]
    assert web.sch.one("SELECT start, end FROM years WHERE year = '2027/2028'") == (
        "2027-09-01",
        "2028-05-26",
    )
    r = _post(
        web,
        csrf,
        "/admin/year/period",
        year="2027/2028",
        kind="half",
        number="1",
        start="2027-09-01",
        end="2027-12-27",
        grades=["10", "11"],
    )
    assert r.status_code == 303, r.text
    assert web.sch.one("SELECT name FROM periods WHERE year = '2027/2028' AND kind = 'half'") == (
        "1 полугодие",
    )
    r = _post(
        web,
        csrf,
        "/admin/year/holiday",
        year="2027/2028",
        name="Зимние каникулы",
        start="2027-12-28",
        end="2028-01-11",
    )
    assert r.status_code == 303
    assert web.sch.size == before + 3
    page = web.client.get(r.headers["location"]).text
    assert "Зимние каникулы" in page and "Каникулы записаны" in page and "все" in page


BAD_YEAR = [
    ("/admin/year", {"name": "", "start": "2027-09-01", "end": "2028-05-26"}, "заполните"),
    ("/admin/year", {"name": "2027/2029", "start": "2027-09-01", "end": "2028-05-26"}, "2025/2026"),
    (
        "/admin/year",
        {"name": "2027/2028", "start": "1 сентября", "end": "2028-05-26"},
        "ГГГГ-ММ-ДД",
    ),
    ("/admin/year", {"name": "2027/2028", "start": "2028-09-01", "end": "2028-05-26"}, "позже"),
    ("/admin/year", {"name": "2" * 50, "start": "2027-09-01", "end": "2028-05-26"}, "не длиннее 9"),
    (
        "/admin/year/period",
        {
            "year": YEAR,
            "kind": "week",
            "number": "1",
            "start": "2026-09-01",
            "end": "2026-10-01",
            "grades": "5",
        },
        "Вид периода",
    ),
    (
        "/admin/year/period",
        {
            "year": YEAR,
            "kind": "quarter",
            "number": "пять",
            "start": "2026-09-01",
            "end": "2026-10-01",
            "grades": "5",
        },
        "целое число",
    ),
    (
        "/admin/year/period",
        {
            "year": YEAR,
            "kind": "quarter",
            "number": "1",
            "start": "2026-09-01",
            "end": "2026-10-01",
        },
        "параллели",
    ),
    (
        "/admin/year/period",
        {
            "year": YEAR,
            "kind": "quarter",
            "number": "1",
            "start": "2026-09-01",
            "end": "2026-10-01",
            "grades": "12",
        },
        "от 1 до 11",
    ),
    (
        "/admin/year/period",
        {
            "year": YEAR,
            "kind": "quarter",
            "number": "1",
            "start": "2026-08-01",
            "end": "2026-10-01",
            "grades": "5",
        },
        "внутри учебного года",
    ),
    (
        "/admin/year/period",
        {
            "year": "1999/2000",
            "kind": "quarter",
            "number": "1",
            "start": "2026-09-01",
            "end": "2026-10-01",
            "grades": "5",
        },
        "задайте учебный год",
    ),
    (
        "/admin/year/holiday",
        {"year": YEAR, "name": "", "start": "2026-12-29", "end": "2027-01-11"},
        "заполните",
    ),
    (
        "/admin/year/holiday",
        {"year": YEAR, "name": "К" * 101, "start": "2026-12-29", "end": "2027-01-11"},
        "не длиннее 100",
    ),
    (
        "/admin/year/holiday",
        {"year": YEAR, "name": "Зимние", "start": "2027-01-11", "end": "2026-12-29"},
        "не раньше",
    ),
    (
        "/admin/year/holiday",
        {"year": "нет", "name": "Зимние", "start": "2026-12-29", "end": "2027-01-11"},
        "задайте учебный год",
    ),
]


def test_bad_year_input_is_refused(web: Web) -> None:
    csrf = web.sign_in("deputy")
    for url, data, message in BAD_YEAR:
        _refused(web, csrf, url, data, message)


def test_refused_form_keeps_what_was_typed(web: Web) -> None:
    csrf = web.sign_in("deputy")
    r = _post(
        web,
        csrf,
        "/admin/year/holiday",
        year=YEAR,
        name="Зимние каникулы",
        start="2027-01-11",
        end="2026-12-29",
    )
    assert r.status_code == 422 and 'value="Зимние каникулы"' in r.text


# --- classes, groups, class teachers (R-STR-2, R-STR-4) -------------------------------------


def test_classes_page_lists_classes_groups_and_class_teachers(web: Web) -> None:
    web.sign_in("director")
    page = web.client.get("/admin/classes").text
    assert "5А англ. 1" in page and "Финансовая грамотность 5" in page
    assert "Новикова Татьяна Андреевна" in page  # the class teacher of 5А
    assert "<td>4</td>" in page  # 5А has four students today


def test_create_a_class_a_group_and_assign_a_class_teacher(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    r = _post(web, csrf, "/admin/classes", year=YEAR, grade="6", letter="а")
    assert r.status_code == 303, r.text
    (c6a,) = web.sch.one("SELECT grp FROM groups WHERE name = '6А' AND year = ?", YEAR)
    r = _post(
        web,
        csrf,
        "/admin/classes/group",
        year=YEAR,
        name="5 информатика",
        kind="group",
        classes=[i.c5a, i.c5b],
    )
    assert r.status_code == 303
    assert web.sch.one("SELECT kind FROM groups WHERE name = '5 информатика'") == ("group",)
    r = _post(
        web,
        csrf,
        "/admin/classes/teacher",
        year=YEAR,
        **{"class": c6a},
        teacher=i.math_teacher,
        start="2026-11-16",
    )
    assert r.status_code == 303
    assert "Волков Сергей Иванович" in web.client.get("/admin/classes").text


BAD_CLASS = [
    ("/admin/classes", {"year": YEAR, "grade": "5", "letter": "А"}, "уже есть"),
    ("/admin/classes", {"year": YEAR, "grade": "12", "letter": "А"}, "от 1 до 11"),
    ("/admin/classes", {"year": YEAR, "grade": "5", "letter": ""}, "заполните"),
    ("/admin/classes", {"year": YEAR, "grade": "5", "letter": "АБВГ"}, "не длиннее 3"),
    ("/admin/classes", {"year": "2030/2031", "grade": "5", "letter": "В"}, "задайте учебный год"),
    (
        "/admin/classes/group",
        {"year": YEAR, "name": "Хор", "kind": "subgroup", "classes": ["cls-none"]},
        "Нет такого класса",
    ),
    (
        "/admin/classes/group",
        {"year": YEAR, "name": "Хор", "kind": "club", "classes": ["x"]},
        "Вид группы",
    ),
    ("/admin/classes/group", {"year": YEAR, "name": "Хор", "kind": "subgroup"}, "её классы"),
    (
        "/admin/classes/teacher",
        {"year": YEAR, "class": "cls-none", "teacher": "p-none", "start": "2026-11-16"},
        "Нет такого класса",
    ),
]


def test_bad_class_input_is_refused(web: Web) -> None:
    csrf = web.sign_in("deputy")
    for url, data, message in BAD_CLASS:
        _refused(web, csrf, url, data, message)


def test_only_a_teacher_becomes_a_class_teacher(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    _refused(
        web,
        csrf,
        "/admin/classes/teacher",
        {"year": YEAR, "class": i.c5b, "teacher": i.secretary, "start": "2026-11-16"},
        "только учитель",
    )


# --- subjects, curriculum (R-STR-3, R-STR-6) ------------------------------------------------


def test_define_a_subject_and_its_hours(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    r = _post(
        web,
        csrf,
        "/admin/subjects",
        year=YEAR,
        name="Информатика",
        short="информ.",
        grading="pass",
        elective="1",
    )
    assert r.status_code == 303
    subject, grading, elective = web.sch.one(
        "SELECT subject, grading, elective FROM subjects WHERE name = 'Информатика'"
    )
    assert (grading, elective) == ("pass", 1)
    r = _post(
        web,
        csrf,
        "/admin/subjects/hours",
        year=YEAR,
        **{"class": i.c5a},
        subject=subject,
        hours="2",
    )
    assert r.status_code == 303
    assert web.sch.one(
        "SELECT hours FROM curriculum WHERE class = ? AND subject = ?", i.c5a, subject
    ) == (2,)
    page = web.client.get("/admin/subjects").text
    assert "зачёт / незачёт (зач, незач)" in page and "Информатика" in page


BAD_SUBJECT = [
    ("/admin/subjects", {"name": "", "grading": "five"}, "заполните"),
    ("/admin/subjects", {"name": "Химия", "grading": "ten"}, "Система оценивания"),
    ("/admin/subjects", {"name": "Химия", "short": "х" * 21, "grading": "five"}, "не длиннее 20"),
    (
        "/admin/subjects/hours",
        {"year": YEAR, "class": "cls-x", "subject": "sub-x", "hours": "2"},
        "Нет такого класса",
    ),
    (
        "/admin/subjects/hours",
        {"year": YEAR, "class": "", "subject": "", "hours": "2"},
        "заполните",
    ),
    (
        "/admin/subjects/hours",
        {"year": YEAR, "class": "c", "subject": "s", "hours": "13"},
        "от 0 до 12",
    ),
    (
        "/admin/subjects/hours",
        {"year": YEAR, "class": "c", "subject": "s", "hours": "+2"},
        "целое число",
    ),
]


def test_bad_subject_input_is_refused(web: Web) -> None:
    csrf = web.sign_in("deputy")
    for url, data, message in BAD_SUBJECT:
        _refused(web, csrf, url, data, message)


# --- courses (R-STR-4) ----------------------------------------------------------------------


def test_create_a_course_and_change_its_teacher(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    r = _post(
        web,
        csrf,
        "/admin/courses",
        year=YEAR,
        subject=i.russian,
        teacher=i.history_teacher,
        group=i.c5b,
        start="2026-09-01",
        end="2027-05-25",
        grading="",
    )
    assert r.status_code == 303, r.text
    (course,) = web.sch.one(
        "SELECT course FROM courses WHERE subject = ? AND grp = ?", i.russian, i.c5b
    )
    r = _post(
        web,
        csrf,
        "/admin/courses/teacher",
        year=YEAR,
        course=course,
        teacher=i.russian_teacher,
        start="2026-11-16",
    )
    assert r.status_code == 303
    assert web.sch.one("SELECT teacher FROM courses WHERE course = ?", course) == (
        i.russian_teacher,
    )
    page = web.client.get(f"/admin/courses?year={YEAR}&group={i.c5b}").text
    assert "Учитель курса сменён" not in page  # no done= on a plain visit
    assert f'href="/journal/{course}"' in page and "Новикова Татьяна Андреевна" in page
    assert f'href="/journal/{i.math_5a}"' not in page  # one class at a time
    five_a = web.client.get(f"/admin/courses?group={i.c5a}").text
    assert f'href="/journal/{i.english_5a_g1}"' in five_a  # with its subgroups' courses


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"teacher": "secretary"}, "только учитель"),
        ({"group": "grp-none"}, "Нет такого класса или группы"),
        ({"subject": "sub-none"}, "Нет такого предмета"),
        ({"start": "2027-06-01"}, "не раньше"),
        ({"end": "31.05.2027"}, "ГГГГ-ММ-ДД"),
        ({"grading": "ten"}, "Система оценивания"),
    ],
)
def test_bad_course_input_is_refused(web: Web, form: dict, message: str) -> None:
    i = web.sch.ids
    data = {
        "year": YEAR,
        "subject": i.russian,
        "teacher": i.history_teacher,
        "group": i.c5b,
        "start": "2026-09-01",
        "end": "2027-05-25",
        "grading": "",
    }
    data.update(form)
    if data["teacher"] == "secretary":
        data["teacher"] = i.secretary
    csrf = web.sign_in("deputy")
    _refused(web, csrf, "/admin/courses", data, message)


def test_a_change_of_teacher_ahead_or_of_an_unknown_course_is_refused(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    _refused(
        web,
        csrf,
        "/admin/courses/teacher",
        {"course": i.math_5a, "teacher": i.history_teacher, "start": "2026-12-01"},
        "в день, с которого",
    )
    before = web.sch.size
    r = _post(
        web,
        csrf,
        "/admin/courses/teacher",
        course="crs-none",
        teacher=i.history_teacher,
        start="2026-11-16",
    )
    assert r.status_code == 404 and "не найден" in r.text
    assert web.sch.size == before


# R-SEC-1: each administration route opens for exactly the roles of its action in the matrix.
EXPECTED_ACCESS = {
    "/admin/year": "structure.edit",
    "/admin/classes": "structure.edit",
    "/admin/subjects": "structure.edit",
    "/admin/courses": "structure.edit",
    "/admin/timetable": "structure.edit",
    "/admin/config": "structure.edit",
    "/admin/closing": "structure.edit",
    "/admin/people": "people.edit",
    "/admin/students": "people.edit",
    "/admin/roles": "roles.grant",
    "/admin/accounts": "roles.grant",
    "/admin/security": "security.compromise",
    "/admin/remarks": "control.remark",
}


def test_admin_routes_declare_the_roles_of_the_access_matrix(web: Web) -> None:
    from litestar.handlers import HTTPRouteHandler

    from ejournal.model.access import MATRIX

    seen = set()
    for route in web.client.app.routes:
        for handler in route.route_handlers:
            if not isinstance(handler, HTTPRouteHandler) or handler.http_methods == {"OPTIONS"}:
                continue
            path = route.path
            if path == "/admin":
                assert handler.opt["roles"] == {"admin", "director", "deputy", "secretary"}
                continue
            area = next((a for a in EXPECTED_ACCESS if path == a or path.startswith(a + "/")), None)
            if path.startswith("/admin/") and not path.startswith(
                ("/admin/backups", "/admin/import")
            ):
                assert area is not None, path
            if area:
                assert handler.opt["roles"] == MATRIX[EXPECTED_ACCESS[area]], path
                seen.add(area)
            if path in ("/class/{class_id:str}/logins", "/class/{class_id:str}/student-role"):
                assert handler.opt["roles"] == {"teacher"} | MATRIX["roles.grant"]
    assert seen == set(EXPECTED_ACCESS)


def test_the_administration_reaches_every_journal_from_the_lists(web: Web) -> None:
    """Issue #4 item 5: the deputy head reads all journals; the lists link to them."""
    i = web.sch.ids
    web.sign_in("deputy")
    assert f'href="/journal/{i.math_5b}"' in web.client.get(f"/admin/courses?group={i.c5b}").text
    assert f'href="/class/{i.c10a}"' in web.client.get("/admin/classes").text
    assert web.client.get(f"/journal/{i.math_5b}").status_code == 303  # to its current period
