"""Administration of people (issue #4 item 5): registering, admission, transfer, withdrawal,
parents (R-STR-2, R-STR-7, R-SEC-4) and roles (R-SEC-1). Refusals write nothing."""

from __future__ import annotations

from typing import TYPE_CHECKING

from test_web_admin import YEAR, _post, _refused

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]


def _register(web: Web, csrf: str, last: str, first: str, **more: str) -> str:
    r = _post(web, csrf, "/admin/people", last_name=last, first_name=first, sex="", **more)
    assert r.status_code == 303, r.text
    return web.sch.one(
        "SELECT person FROM persons WHERE last_name = ? AND first_name = ?", last, first
    )[0]


def test_register_a_person_and_find_them(web: Web) -> None:
    csrf = web.sign_in("secretary")
    person = _register(
        web, csrf, "Петров", "Илья", middle_name="Андреевич", birth_date="2015-02-03"
    )
    assert web.sch.one("SELECT birth_date FROM persons WHERE person = ?", person) == ("2015-02-03",)
    page = web.client.get("/admin/people?q=пет").text
    assert "Петров Илья Андреевич" in page and "Иванов" not in page
    assert "Волков Сергей Иванович" in web.client.get("/admin/people?q=Вол").text


def test_bad_person_input_is_refused(web: Web) -> None:
    csrf = web.sign_in("secretary")
    good = {
        "last_name": "Петров",
        "first_name": "Илья",
        "middle_name": "",
        "sex": "",
        "birth_date": "",
    }
    for change, message in [
        ({"last_name": ""}, "заполните"),
        ({"first_name": "И" * 61}, "не длиннее 60"),
        ({"last_name": "Петров2"}, "без цифр"),
        ({"birth_date": "03.02.2015"}, "ГГГГ-ММ-ДД"),
        ({"sex": "x"}, "из списка"),
    ]:
        _refused(web, csrf, "/admin/people", {**good, **change}, message)


def test_students_page_lists_the_class_with_parents(web: Web) -> None:
    i = web.sch.ids
    web.sign_in("secretary")
    page = web.client.get(f"/admin/students?class={i.c5a}").text
    assert "Иванов Артём Сергеевич" in page and "Иванова Марина Сергеевна" in page
    assert page.count('<th scope="row">') == 4


def test_admission_transfer_and_withdrawal(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("secretary")
    newcomer = _register(web, csrf, "Петров", "Илья", birth_date="2015-02-03")
    page = web.client.get(f"/admin/students?class={i.c5a}").text
    assert f'value="{newcomer}"' in page  # offered for admission
    r = _post(
        web,
        csrf,
        "/admin/students/enrol",
        year=YEAR,
        **{"class": i.c5a},
        student=newcomer,
        start="2026-11-16",
        order="№ 140-у",
    )
    assert r.status_code == 303, r.text
    r = _post(
        web,
        csrf,
        "/admin/students/transfer",
        year=YEAR,
        **{"class": i.c5a},
        student=newcomer,
        to_class=i.c5b,
        on="2026-11-17",
        order="№ 141-у",
    )
    assert r.status_code == 303, r.text
    assert web.sch.all(
        "SELECT grp, start, end FROM memberships WHERE student = ? ORDER BY id", newcomer
    ) == [(i.c5a, "2026-11-16", "2026-11-16"), (i.c5b, "2026-11-17", None)]
    r = _post(
        web,
        csrf,
        "/admin/students/leave",
        year=YEAR,
        **{"class": i.c5b},
        student=newcomer,
        reason="withdrawal",
        end="2026-11-20",
    )
    assert r.status_code == 303
    assert web.sch.one(
        "SELECT end, reason FROM memberships WHERE student = ? AND grp = ?", newcomer, i.c5b
    ) == ("2026-11-20", "withdrawal")


def test_bad_movement_is_refused(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("secretary")
    student = i.students_5a[1]
    base = {"year": YEAR, "class": i.c5a}
    cases = [
        ("/admin/students/enrol", {"student": student, "start": "2026-11-16"}, "уже числится"),
        (
            "/admin/students/enrol",
            {"student": "p-none", "start": "2026-11-16"},
            "не зарегистрирован",
        ),
        ("/admin/students/enrol", {"student": student, "start": "16.11.2026"}, "ГГГГ-ММ-ДД"),
        ("/admin/students/enrol", {"student": "", "start": "2026-11-16"}, "заполните"),
        (
            "/admin/students/enrol",
            {"student": student, "start": "2026-11-16", "order": "№" * 41},
            "не длиннее 40",
        ),
        (
            "/admin/students/transfer",
            {"student": student, "to_class": "cls-none", "on": "2026-11-17"},
            "того же учебного года",
        ),
        (
            "/admin/students/transfer",
            {"student": i.students_5b[0], "to_class": i.c5b, "on": "2026-11-17"},
            "не числится",
        ),
        (
            "/admin/students/leave",
            {"student": student, "reason": "withdrawal", "end": "2026-08-01"},
            "раньше даты зачисления",
        ),
        (
            "/admin/students/leave",
            {"student": student, "reason": "escape", "end": "2026-11-20"},
            "из списка",
        ),
        (
            "/admin/students/parent",
            {
                "student": i.students_5b[0],
                "last_name": "Павлова",
                "first_name": "Ольга",
                "sex": "ж",
            },
            "не числится в классе",
        ),
        (
            "/admin/students/parent",
            {"student": student, "last_name": "", "first_name": "Ольга", "sex": "ж"},
            "заполните",
        ),
    ]
    for url, data, message in cases:
        _refused(web, csrf, url, {**base, **data}, message)


def test_add_a_parent_of_a_student(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("secretary")
    r = _post(
        web,
        csrf,
        "/admin/students/parent",
        year=YEAR,
        **{"class": i.c5a},
        student=i.students_5a[1],
        last_name="Кузнецов",
        first_name="Андрей",
        middle_name="Петрович",
        sex="м",
    )
    assert r.status_code == 303, r.text
    (parent,) = web.sch.one(
        "SELECT person FROM persons WHERE first_name = 'Андрей' AND last_name = 'Кузнецов'"
    )
    assert web.sch.one("SELECT role, scope FROM roles WHERE person = ?", parent) == (
        "parent",
        i.students_5a[1],
    )
    assert "Кузнецов Андрей Петрович" in web.client.get(f"/admin/students?class={i.c5a}").text


def test_people_pages_are_refused_to_the_deputy_and_teachers(web: Web) -> None:
    for role in ("deputy", "teacher", "parent"):
        csrf = web.sign_in(role)
        before = web.sch.size
        assert web.client.get("/admin/people").status_code == 403, role
        r = _post(web, csrf, "/admin/people", last_name="Петров", first_name="Илья", sex="")
        assert r.status_code == 403 and "Доступ закрыт" in r.text, role
        assert web.sch.size == before
        web.client.cookies.clear()


# --- roles (R-SEC-1) ------------------------------------------------------------------------


def test_grant_and_revoke_a_role(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("admin")
    page = web.client.get(f"/admin/roles?person={i.math_teacher}").text
    assert "Волков Сергей Иванович" in page and "учитель" in page and "Снять роль" in page
    r = _post(
        web, csrf, "/admin/roles/grant", person=i.math_teacher, role="deputy", start="2026-11-16"
    )
    assert r.status_code == 303
    assert "deputy" in {
        row[0]
        for row in web.sch.all(
            "SELECT role FROM roles WHERE person = ? AND end IS NULL", i.math_teacher
        )
    }
    r = _post(
        web,
        csrf,
        "/admin/roles/revoke",
        person=i.math_teacher,
        role="deputy",
        scope="",
        end="2026-11-20",
    )
    assert r.status_code == 303
    assert web.sch.one(
        "SELECT end FROM roles WHERE person = ? AND role = 'deputy'", i.math_teacher
    ) == ("2026-11-20",)
    found = web.client.get("/admin/roles?q=Волк").text
    assert f'href="/admin/roles?person={i.math_teacher}"' in found


def test_bad_roles_input_is_refused(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("admin")
    for url, data, message in [
        (
            "/admin/roles/grant",
            {"person": i.math_teacher, "role": "king", "start": "2026-11-16"},
            "из списка",
        ),
        (
            "/admin/roles/grant",
            {"person": i.math_teacher, "role": "parent", "start": "2026-11-16"},
            "из списка",
        ),
        (
            "/admin/roles/grant",
            {"person": "p-none", "role": "teacher", "start": "2026-11-16"},
            "не зарегистрирован",
        ),
        (
            "/admin/roles/grant",
            {"person": i.math_teacher, "role": "teacher", "start": "сегодня"},
            "ГГГГ-ММ-ДД",
        ),
        (
            "/admin/roles/revoke",
            {"person": i.math_teacher, "role": "director", "scope": "", "end": "2026-11-20"},
            "Такой действующей роли",
        ),
        (
            "/admin/roles/revoke",
            {"person": i.math_teacher, "role": "teacher", "scope": "", "end": "2020-01-01"},
            "раньше, чем началась",
        ),
    ]:
        _refused(web, csrf, url, data, message)


def test_roles_page_is_the_administrators_only(web: Web) -> None:
    i = web.sch.ids
    for role in ("director", "secretary", "deputy"):
        csrf = web.sign_in(role)
        before = web.sch.size
        assert web.client.get("/admin/roles").status_code == 403
        r = _post(
            web, csrf, "/admin/roles/grant", person=i.math_teacher, role="admin", start="2026-11-16"
        )
        assert r.status_code == 403
        assert web.sch.size == before
        web.client.cookies.clear()


def test_change_of_personal_data_with_its_reason(web: Web) -> None:
    """R-SEC-4: a change of personal data is recorded with its reason."""
    i = web.sch.ids
    csrf = web.sign_in("secretary")
    url = f"/admin/people/{i.parent_5a}"
    page = web.client.get(url).text
    assert "Иванова Марина Сергеевна" in page and "родитель" in page
    r = _post(web, csrf, url, last_name="Сосновская", reason="свидетельство о браке")
    assert r.status_code == 303, r.text
    assert web.sch.one("SELECT last_name FROM persons WHERE person = ?", i.parent_5a) == (
        "Сосновская",
    )
    for data, message in [
        ({"last_name": "Сосновская2", "reason": "ошибка"}, "без цифр"),
        ({"reason": "ошибка"}, "Изменение пусто"),
        ({"first_name": "Мария", "reason": ""}, "заполните"),
        ({"birth_date": "1.1.1990", "reason": "ошибка"}, "ГГГГ-ММ-ДД"),
        ({"first_name": "М" * 61, "reason": "ошибка"}, "не длиннее 60"),
    ]:
        _refused(web, csrf, url, data, message)
    assert web.client.get("/admin/people/p-none").status_code == 404
    before = web.sch.size
    r = _post(web, csrf, "/admin/people/p-none", first_name="Мария", reason="ошибка")
    assert r.status_code == 404 and "не зарегистрирован" in r.text
    assert web.sch.size == before
