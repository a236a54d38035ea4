"""Issuing logins (R-SEC-2): the class teacher for the own class's families with a printable
slip, the administrator for staff; one-time passwords that sign in once and must be changed.
A credential compromise (R-SEC-3) invalidates, locks and ends sessions; the deputy head's
remarks to teachers (R-CTL-2)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from test_web_admin import _post, _refused
from web_fixture import login_form

from ejournal.model.commands import control, people, teaching
from ejournal.queries.admin_control import invalidated

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

SLIP = re.compile(r"<code>([^<]+)</code></td><td><code>([^<]+)</code>")


def _issue_family(web: Web, student: str) -> list[tuple[str, str]]:
    csrf = web.sign_in("class_teacher")
    r = _post(web, csrf, f"/class/{web.sch.ids.c5a}/logins", student=student)
    assert r.status_code == 200, r.text
    assert r.headers["cache-control"] == "no-store"
    web.client.cookies.clear()
    return SLIP.findall(r.text)


def test_class_teacher_sees_the_families_of_the_own_class(web: Web) -> None:
    i = web.sch.ids
    web.sign_in("class_teacher")
    page = web.client.get(f"/class/{i.c5a}/logins")
    assert page.status_code == 200
    assert page.text.count('<th scope="row">') == 4
    assert "Иванова Марина Сергеевна: parent" in page.text  # web_fixture gave her a login
    assert "нет роли «обучающийся»" in page.text and "родители не внесены" in page.text


def test_a_family_slip_has_the_login_a_one_time_password_and_a_signature_line(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("class_teacher")
    before = web.sch.size
    r = _post(web, csrf, f"/class/{i.c5a}/logins", student=i.students_5a[0])
    assert r.status_code == 200, r.text
    ((login, password),) = SLIP.findall(r.text)  # the parent; the student has no role
    assert login == "parent"  # a reset keeps the login
    assert re.fullmatch(r"[a-z2-9]{4}-[a-z2-9]{4}-[a-z2-9]{4}", password)
    for text in (
        "Храните логин и пароль в тайне",
        "подпись родителя",
        "https://testserver.local/login",
        "Иванов Артём Сергеевич, 5А",
        'class="slip"',
    ):
        assert text in r.text, text
    assert web.sch.size == before  # accounts are not in the log
    # Never stored in clear: only an argon2id hash is in the auth store.
    assert password.encode() not in web.auth.path.read_bytes()
    account = web.auth.accounts([i.parent_5a])[i.parent_5a]
    assert account.login == login and account.must_change
    assert "break-after: page" in web.client.get("/static/app.css").text


def test_an_issued_password_signs_in_once_and_forces_a_change(web: Web) -> None:
    ((login, password),) = _issue_family(web, web.sch.ids.students_5a[0])
    r = web.client.post("/login", data=login_form(web.client, login, password))
    assert r.status_code == 303 and r.headers["location"] == "/password"
    assert web.client.get("/").headers["location"] == "/password"
    web.client.cookies.clear()
    again = web.client.post("/login", data=login_form(web.client, login, password))
    assert again.status_code == 401 and "уже использован" in again.text
    # A reset gives a new one-time password for the same login.
    ((login2, password2),) = _issue_family(web, web.sch.ids.students_5a[0])
    assert login2 == login and password2 != password
    assert (
        web.client.post("/login", data=login_form(web.client, login, password2)).status_code == 303
    )
    csrf = web.csrf()
    done = web.client.post(
        "/password",
        data={"csrf": csrf, "old": password2, "new": "свой-пароль-1", "repeat": "свой-пароль-1"},
    )
    assert done.status_code == 303
    web.client.cookies.clear()
    assert (
        web.client.post("/login", data=login_form(web.client, login, password2)).status_code == 401
    )
    assert (
        web.client.post("/login", data=login_form(web.client, login, "свой-пароль-1")).headers[
            "location"
        ]
        == "/"
    )


def test_class_teacher_issues_only_for_the_own_class(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("class_teacher")  # class teacher of 5А
    assert web.client.get(f"/class/{i.c5b}/logins").status_code == 403
    r = _post(web, csrf, f"/class/{i.c5b}/logins", student=i.students_5b[0])
    assert r.status_code == 403
    _refused(web, csrf, f"/class/{i.c5a}/logins", {"student": i.students_10a[0]}, "не числится")
    _refused(web, csrf, f"/class/{i.c5a}/logins", {"student": i.students_5a[1]}, "выдавать нечего")
    _refused(web, csrf, f"/class/{i.c5a}/logins", {"student": ""}, "Выберите семью")
    assert _post(web, csrf, "/class/cls-none/logins", student="all").status_code == 404
    assert web.auth.accounts([i.parent_10a, i.students_5b[0]]) == {}
    web.client.cookies.clear()
    csrf = web.sign_in("teacher")  # teaches 5А but is not its class teacher
    assert web.client.get(f"/class/{i.c5a}/logins").status_code == 403
    assert _post(web, csrf, f"/class/{i.c5a}/logins", student=i.students_5a[0]).status_code == 403
    assert not web.auth.accounts([i.parent_5a])[i.parent_5a].must_change  # not reset


def _sign_in_class_teacher_of_10a(web: Web) -> str:
    web.auth.set_password(web.sch.ids.english_teacher_2, "ct10", "пароль-для-тестов")
    web.logins["ct10"] = "ct10"
    return web.sign_in("ct10")


def test_a_family_slip_holds_the_student_and_the_parent_logins(web: Web) -> None:
    i = web.sch.ids
    csrf = _sign_in_class_teacher_of_10a(web)
    r = _post(web, csrf, f"/class/{i.c10a}/logins", student=i.students_10a[0])
    assert r.status_code == 200, r.text
    logins = dict(SLIP.findall(r.text))
    assert set(logins) == {"mikhaylov.k", "mikhaylov.i"}  # the student and the father
    assert r.text.count('class="slip"') == 1


def test_issue_all_missing_logins_one_slip_per_family_and_resets_nobody(web: Web) -> None:
    i = web.sch.ids
    csrf = _sign_in_class_teacher_of_10a(web)
    r = _post(web, csrf, f"/class/{i.c10a}/logins", student=i.students_10a[1])
    ((login, password),) = SLIP.findall(r.text)
    web.auth.change_password(i.students_10a[1], password, "мой-пароль-10")
    r = _post(web, csrf, f"/class/{i.c10a}/logins", student="all")
    assert r.status_code == 200 and r.text.count('class="slip"') == 1
    assert {x for x, _ in SLIP.findall(r.text)} == {"mikhaylov.k", "mikhaylov.i"}
    _refused(web, csrf, f"/class/{i.c10a}/logins", {"student": "all"}, "уже есть")
    assert web.auth.verify_login(login, "мой-пароль-10") == i.students_10a[1]


def test_administrator_issues_staff_logins(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("admin")
    page = web.client.get("/admin/accounts").text
    assert "Волков Сергей Иванович" in page and "Выдать логин" in page and "Сбросить пароль" in page
    r = _post(web, csrf, "/admin/accounts/issue", person=i.history_teacher)
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    ((login, password),) = SLIP.findall(r.text)
    assert login == "orlov.p" and "учитель" in r.text
    r = _post(web, csrf, "/admin/accounts/issue", person=i.math_teacher)  # has «teacher»
    assert SLIP.findall(r.text)[0][0] == "teacher"
    assert "выдан временный пароль" in web.client.get("/admin/accounts").text
    before = web.sch.size
    _refused(web, csrf, "/admin/accounts/issue", {"person": "p-none"}, "не зарегистрирован")
    newcomer = _post(web, csrf, "/admin/people", last_name="Новый", first_name="Человек", sex="")
    assert newcomer.status_code == 303
    (person,) = web.sch.one("SELECT person FROM persons WHERE last_name = 'Новый'")
    before = web.sch.size
    _refused(web, csrf, "/admin/accounts/issue", {"person": person}, "нет действующей роли")
    assert web.sch.size == before


def test_staff_logins_are_refused_to_others(web: Web) -> None:
    i = web.sch.ids
    for role in ("director", "class_teacher", "secretary"):
        csrf = web.sign_in(role)
        assert web.client.get("/admin/accounts").status_code == 403
        r = _post(web, csrf, "/admin/accounts/issue", person=i.math_teacher)
        assert r.status_code == 403 and "Доступ закрыт" in r.text
        web.client.cookies.clear()
    assert web.auth.accounts([i.math_teacher])[i.math_teacher].must_change is False


# --- compromise (R-SEC-3) -------------------------------------------------------------------


def test_a_compromise_invalidates_locks_and_ends_sessions(web: Web) -> None:
    i = web.sch.ids
    lesson = web.sch.lesson(i.math_5a, "2026-11-16", number=1, topic="Дроби")
    teaching.give_mark(
        web.sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[0], value="5", kind="У"
    )
    web.sign_in("teacher")
    token = web.client.cookies.get("ejournal_session")
    assert web.auth.session_for(token) is not None
    web.client.cookies.clear()
    csrf = web.sign_in("admin")
    page = web.client.get(f"/admin/security?person={i.math_teacher}").text
    assert "Заявить компрометацию: Волков Сергей Иванович" in page
    before = web.sch.size
    r = _post(
        web,
        csrf,
        "/admin/security/compromise",
        person=i.math_teacher,
        since="2026-11-16T08:30",
        reason="пароль записан на доске",
    )
    assert r.status_code == 303, r.text
    assert r.headers["location"] == f"/admin/security/{i.math_teacher}?done=compromise"
    assert web.sch.size == before + 1
    assert web.sch.one("SELECT invalid, current FROM marks WHERE lesson = ?", lesson) == (1, None)
    assert web.auth.session_for(token) is None  # the sessions ended
    detail = web.client.get(r.headers["location"]).text
    assert "<del>Иванов Артём, 2026-11-16: 5 (У)</del>" in detail
    assert "<del>Математика, 2026-11-16: Дроби</del>" in detail
    assert "Недействительных записей: <strong>2</strong>." in detail
    rows, total = invalidated(web.sch.j.db, i.math_teacher, limit=1)
    assert len(rows) == 1 and total == 2 and rows[0].kind == "урок"  # the first made
    assert "вход заблокирован" in detail and "Выдать новые данные" in detail
    assert "пароль записан на доске" in web.client.get("/admin/security").text
    web.client.cookies.clear()
    locked = web.client.post("/login", data=login_form(web.client, "teacher", "пароль-для-тестов"))
    assert locked.status_code == 401
    # New credentials: recorded in the log, a one-time password on a slip.
    csrf = web.sign_in("admin")
    r = _post(web, csrf, f"/admin/security/{i.math_teacher}/reissue")
    assert r.status_code == 200, r.text
    ((login, password),) = SLIP.findall(r.text)
    assert login == "teacher" and web.sch.size == before + 2
    _refused(web, csrf, f"/admin/security/{i.math_teacher}/reissue", {}, "не заявлено")
    web.client.cookies.clear()
    assert (
        web.client.post("/login", data=login_form(web.client, login, password)).headers["location"]
        == "/password"
    )


def test_class_teacher_cannot_reset_a_locked_family_login(web: Web) -> None:
    i = web.sch.ids
    _issue_family(web, i.students_5a[0])
    csrf = web.sign_in("director")
    r = _post(
        web, csrf, "/admin/security/compromise", person=i.parent_5a, since="", reason="утерян"
    )
    assert r.status_code == 303
    web.client.cookies.clear()
    csrf = web.sign_in("class_teacher")
    _refused(
        web, csrf, f"/class/{i.c5a}/logins", {"student": i.students_5a[0]}, "скомпрометированными"
    )


def test_bad_compromise_reports_are_refused(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("director")
    good = {"person": i.math_teacher, "since": "2026-11-16T08:30", "reason": "утечка"}
    for change, message in [
        ({"since": "вчера"}, "ГГГГ-ММ-ДД ЧЧ:ММ"),
        ({"since": "2026-11-17T08:30"}, "в будущем"),
        ({"reason": ""}, "заполните"),
        ({"reason": "у" * 501}, "не длиннее 500"),
    ]:
        _refused(web, csrf, "/admin/security/compromise", {**good, **change}, message)
    before = web.sch.size
    r = _post(web, csrf, "/admin/security/compromise", **{**good, "person": "p-none"})
    assert r.status_code == 404 and web.sch.size == before
    assert web.client.get("/admin/security/p-none").status_code == 404
    assert web.auth.accounts([i.math_teacher])[i.math_teacher].locked is False
    web.client.cookies.clear()
    csrf = web.sign_in("deputy")
    r = _post(web, csrf, "/admin/security/compromise", **good)
    assert r.status_code == 403 and web.sch.size == before


# --- the deputy head's remarks (R-CTL-2) ----------------------------------------------------


def test_deputy_writes_a_remark_and_follows_its_state(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    page = web.client.get("/admin/remarks").text
    assert "Математика, 5А — Волков С. И." in page
    r = _post(
        web,
        csrf,
        "/admin/remarks",
        course=i.math_5a,
        teacher="",
        text="Не заполнены темы уроков за ноябрь",
        due="2026-11-20",
    )
    assert r.status_code == 303, r.text
    remark, teacher = web.sch.one("SELECT remark, teacher FROM remarks")
    assert teacher == i.math_teacher  # the course's teacher
    assert "в работе" in web.client.get("/admin/remarks").text
    web.sch.clock.move(days=5)
    assert "просрочено" in web.client.get("/admin/remarks").text
    control.fix_remark(web.sch.j, i.math_teacher, remark=remark, note="заполнил")
    page = web.client.get("/admin/remarks").text
    assert "устранено" in page and "заполнил" in page


def test_bad_remarks_are_refused(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("deputy")
    good = {"course": i.math_5a, "teacher": i.math_teacher, "text": "Темы", "due": "2026-11-20"}
    for change, message in [
        ({"text": ""}, "заполните"),
        ({"text": "т" * 2001}, "не длиннее 2000"),
        ({"due": "2026-11-01"}, "в прошлом"),
        ({"due": "20.11.2026"}, "ГГГГ-ММ-ДД"),
        ({"teacher": i.russian_teacher}, "другой учитель"),
        ({"course": "", "teacher": i.secretary}, "адресуется учителю"),
        ({"course": "", "teacher": ""}, "заполните"),
    ]:
        _refused(web, csrf, "/admin/remarks", {**good, **change}, message)
    before = web.sch.size
    assert _post(web, csrf, "/admin/remarks", **{**good, "course": "crs-none"}).status_code == 404
    web.client.cookies.clear()
    csrf = web.sign_in("admin")
    assert _post(web, csrf, "/admin/remarks", **good).status_code == 403
    assert web.sch.size == before


def test_issue_all_skips_a_family_it_cannot_issue_to_and_serves_the_others(web: Web) -> None:
    i = web.sch.ids
    csrf = _sign_in_class_teacher_of_10a(web)
    # The second student's parent is also a teacher: staff logins are the administrator's.
    people.grant_role(
        web.sch.j,
        i.secretary,
        person=i.history_teacher,
        role="parent",
        start="2026-08-01",
        scope=i.students_10a[1],
    )
    r = _post(web, csrf, f"/class/{i.c10a}/logins", student="all")
    assert r.status_code == 200, r.text
    assert r.text.count('class="slip"') == 1 and "Не выданы" in r.text
    assert "Алексеева Софья Павловна: Логины сотрудникам выдаёт администратор" in r.text
    assert web.auth.accounts([i.students_10a[1]]) == {}


def test_class_teacher_gives_a_student_the_role_and_then_the_login(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("class_teacher")
    student = i.students_5a[1]
    r = _post(web, csrf, f"/class/{i.c5a}/student-role", student=student)
    assert r.status_code == 303 and r.headers["location"] == f"/class/{i.c5a}/logins"
    assert web.sch.one("SELECT role, start FROM roles WHERE person = ?", student) == (
        "student",
        "2026-11-16",
    )
    r = _post(web, csrf, f"/class/{i.c5a}/logins", student=student)
    assert [login for login, _ in SLIP.findall(r.text)] == ["kuznetsova.p"]
    _refused(
        web, csrf, f"/class/{i.c5a}/student-role", {"student": i.students_5b[0]}, "не числится"
    )
    before = web.sch.size
    assert (
        _post(web, csrf, f"/class/{i.c5b}/student-role", student=i.students_5b[0]).status_code
        == 403
    )
    assert web.sch.size == before
