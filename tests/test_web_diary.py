"""The diary pages (R-DIA-1, R-DIA-2, R-DIA-4), messages and announcements (R-COM-1) over the
small school of school.py, and the privacy of every diary and message route."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ejournal.model.commands import control, people, teaching

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

MONDAY = "2026-11-16"
PASSWORD = "пароль-для-тестов"


def _family_accounts(web: Web) -> None:
    """Logins for the other family (10А) and a student of 10А with a login of her own."""
    i = web.sch.ids
    web.auth.set_password(i.parent_10a, "parent10", PASSWORD)
    web.auth.set_password(i.students_10a[0], "student10", PASSWORD)
    web.auth.set_password(i.students_10a[1], "student10b", PASSWORD)
    web.logins.update(parent10="parent10", student10="student10", student10b="student10b")


def _teach(web: Web) -> tuple[str, str]:
    """A mathematics lesson of 5А today with a mark and a comment for Иванов Артём."""
    i = web.sch.ids
    lesson = web.sch.lesson(
        i.math_5a, MONDAY, number=1, topic="Дроби", homework="№ 12, 14", work_kinds=["КР"]
    )
    mark = teaching.give_mark(
        web.sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[0], value="4", kind="КР"
    )
    teaching.add_comment(
        web.sch.j,
        i.math_teacher,
        lesson=lesson,
        student=i.students_5a[0],
        kind="praise",
        text="Отлично решал у доски",
    )
    return lesson, mark


def test_parent_lands_in_the_childs_diary_week_with_what_the_teacher_saved(web: Web) -> None:
    # R-DIA-1: what the teacher saves is in the diary on the next page load.
    i = web.sch.ids
    web.sign_in("parent")
    start = web.client.get("/")
    assert start.headers["location"] == "/diary"
    assert web.client.get("/diary").headers["location"] == f"/diary/{i.students_5a[0]}"
    week = web.client.get(f"/diary/{i.students_5a[0]}").headers["location"]
    assert week == f"/diary/{i.students_5a[0]}/week/{MONDAY}"
    before = web.client.get(week).text
    assert "Дроби" not in before
    assert "Математика" in before and "каб. 21" in before  # the timetable before any lesson
    _teach(web)
    page = web.client.get(week).text
    assert "Дроби" in page and "№ 12, 14" in page
    assert re.search(r'<span class="mark" title="КР">4<sub>КР</sub></span>', page)
    assert "Отлично решал у доски" in page
    assert "16–21 ноября 2026" in page
    assert f"/diary/{i.students_5a[0]}/week/2026-11-09" in page  # previous week
    assert f"/diary/{i.students_5a[0]}/week/2026-11-23" in page  # next week


def test_revoked_and_invalid_marks_never_show_in_the_diary(web: Web) -> None:
    # R-SEC-3, R-MRK-2
    i = web.sch.ids
    _, mark = _teach(web)
    teaching.revoke_mark(web.sch.j, i.math_teacher, mark=mark, reason="Ошибка ввода")
    web.sign_in("parent")
    page = web.client.get(f"/diary/{i.students_5a[0]}/week/{MONDAY}").text
    assert "<sub>КР</sub>" not in page
    assert "Дроби" in page


def test_entries_made_with_compromised_credentials_never_show_in_the_diary(web: Web) -> None:
    # R-SEC-3: the mark and the comment were made after the reported moment.
    i = web.sch.ids
    web.sch.clock.set(f"{MONDAY} 10:00")
    _teach(web)
    web.sch.clock.set(f"{MONDAY} 12:00")
    people.report_compromise(
        web.sch.j, i.director, person=i.math_teacher, since=f"{MONDAY}T09:30:00.000+07:00"
    )
    web.sign_in("parent")
    page = web.client.get(f"/diary/{i.students_5a[0]}/week/{MONDAY}").text
    assert "Отлично решал у доски" not in page and "<sub>КР</sub>" not in page
    assert "Дроби" not in page  # the lesson itself was recorded with those credentials
    assert "Математика" in page  # the timetable still shows the slot


def test_a_week_address_that_is_not_a_monday_goes_to_its_monday(web: Web) -> None:
    i = web.sch.ids
    web.sign_in("parent")
    response = web.client.get(f"/diary/{i.students_5a[0]}/week/2026-11-18")
    assert response.headers["location"] == f"/diary/{i.students_5a[0]}/week/{MONDAY}"
    assert web.client.get(f"/diary/{i.students_5a[0]}/week/2026-13-01").status_code == 404


def test_a_student_sees_the_own_diary_only_and_never_the_journal(web: Web) -> None:
    # R-DIA-2
    i = web.sch.ids
    _family_accounts(web)
    web.sign_in("student10")
    own = web.client.get(f"/diary/{i.students_10a[0]}/week/{MONDAY}")
    assert own.status_code == 200 and "Михайлов Кирилл" in own.text
    assert web.client.get(f"/diary/{i.students_10a[1]}/week/{MONDAY}").status_code == 403
    assert web.client.get(f"/journal/{i.math_10a}").status_code == 403
    assert web.client.get(f"/class/{i.c10a}").status_code == 403


def test_a_student_below_the_minimum_age_has_no_diary_of_their_own(web: Web) -> None:
    # R-DIA-2: 14 years by the seeds (001 App.1 3.3.2); 5А students are 11.
    i = web.sch.ids
    people.grant_role(
        web.sch.j, i.admin, person=i.students_5a[1], role="student", start="2026-11-01"
    )
    web.auth.set_password(i.students_5a[1], "young", PASSWORD)
    web.logins["young"] = "young"
    web.sign_in("young")
    assert web.client.get(f"/diary/{i.students_5a[1]}/week/{MONDAY}").status_code == 403
    assert "Дневников, которые вы можете открыть, нет" in web.client.get("/diary").text


def test_a_parent_of_several_children_switches_between_them(web: Web) -> None:
    i = web.sch.ids
    people.grant_role(
        web.sch.j, i.secretary, person=i.parent_5a, role="parent", start="2026-11-01",
        scope=i.students_1a[0],
    )  # fmt: skip
    web.sign_in("parent")
    page = web.client.get(f"/diary/{i.students_5a[0]}/week/{MONDAY}").text
    assert 'aria-label="Дети"' in page
    assert f'href="/diary/{i.students_1a[0]}"' in page
    other = web.client.get(f"/diary/{i.students_1a[0]}/week/{MONDAY}")
    assert other.status_code == 200 and "Зайцев Михаил" in other.text


def test_period_view_shows_marks_average_forecast_and_the_period_mark(web: Web) -> None:
    # R-MRK-5, R-DIA-4: КР weighs 3, У 1: (4·3 + 5·1) / 4 = 4.25 → forecast 4.
    i = web.sch.ids
    lesson, _ = _teach(web)
    teaching.give_mark(
        web.sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[0], value="5", kind="У"
    )
    q2 = i.quarters[1]
    web.sign_in("parent")
    assert web.client.get(f"/diary/{i.students_5a[0]}/period").headers["location"] == (
        f"/diary/{i.students_5a[0]}/period/{q2}"
    )
    page = web.client.get(f"/diary/{i.students_5a[0]}/period/{q2}").text
    assert "Средний балл 4.25, прогноз: 4" in page
    assert "ознакомлен" not in page  # no period marks yet: nothing to confirm
    teaching.give_final_mark(
        web.sch.j, i.math_teacher, course=i.math_5a, student=i.students_5a[0], kind="period",
        value="4", period=q2,
    )  # fmt: skip
    page = web.client.get(f"/diary/{i.students_5a[0]}/period/{q2}").text
    assert "за период: <b>4</b>" in page  # R-DIA-4: as soon as it is set
    assert "ознакомлен(а)" in page


def test_parent_confirms_the_period_marks_and_the_class_teacher_sees_it(web: Web) -> None:
    # R-DIA-4
    i = web.sch.ids
    q2 = i.quarters[1]
    teaching.give_final_mark(
        web.sch.j, i.math_teacher, course=i.math_5a, student=i.students_5a[0], kind="period",
        value="5", period=q2,
    )  # fmt: skip
    csrf = web.sign_in("parent")
    size = web.sch.size
    response = web.client.post(
        f"/diary/{i.students_5a[0]}/acknowledge", data={"csrf": csrf, "period": q2, "back": q2}
    )
    assert response.status_code == 303
    assert web.sch.size == size + 1
    assert web.sch.one(
        "SELECT student, period, by FROM acknowledgements ORDER BY id DESC LIMIT 1"
    ) == (i.students_5a[0], q2, i.parent_5a)
    assert "ознакомление подтверждено" in web.client.get(response.headers["location"]).text
    web.sign_in("class_teacher")
    page = web.client.get(f"/class/{i.c5a}/acknowledgements?period={q2}").text
    assert "Иванов Артём" in page and "Иванова М. С." in page
    assert "не подтверждено" in page  # the other students of 5А


def test_a_stranger_cannot_confirm_for_another_family(web: Web) -> None:
    i = web.sch.ids
    q2 = i.quarters[1]
    _family_accounts(web)
    csrf = web.sign_in("parent10")
    size = web.sch.size
    response = web.client.post(
        f"/diary/{i.students_5a[0]}/acknowledge", data={"csrf": csrf, "period": q2}
    )
    assert response.status_code == 403
    assert web.sch.size == size


# --- messages and announcements (R-COM-1) ------------------------------------------------------


def test_parent_writes_to_the_class_teacher_who_reads_and_answers(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("parent")
    form = web.client.get("/messages/new").text
    assert f'value="{i.russian_teacher}"' in form  # the class teacher of 5А
    assert f'value="{i.math_teacher}"' in form  # a subject teacher of the child
    assert f'value="{i.english_teacher_2}"' not in form  # teaches the other subgroup
    assert f'value="{i.parent_10a}"' not in form  # never another family
    sent = web.client.post(
        "/messages",
        data={"csrf": csrf, "to": i.russian_teacher, "subject": "Справка", "text": "Артём болел."},
    )
    assert sent.status_code == 303
    thread = sent.headers["location"].removeprefix("/messages/")
    csrf = web.sign_in("class_teacher")
    mailbox = web.client.get("/messages").text
    assert re.search(r'Сообщения <span class="badge"[^>]*>1</span>', mailbox)
    page = web.client.get(f"/messages/{thread}").text
    assert "Артём болел." in page
    assert web.sch.one(
        "SELECT read_at IS NOT NULL FROM message_recipients WHERE person = ?", i.russian_teacher
    ) == (1,)
    assert 'class="badge"' not in web.client.get("/messages").text
    reply = web.client.post(
        f"/messages/{thread}/reply", data={"csrf": csrf, "text": "Спасибо, принято."}
    )
    assert reply.status_code == 303
    web.sign_in("parent")
    assert "Спасибо, принято." in web.client.get(f"/messages/{thread}").text


def test_writing_to_someone_the_rule_does_not_allow_is_refused_and_writes_nothing(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("parent")
    size = web.sch.size
    response = web.client.post(
        "/messages", data={"csrf": csrf, "to": i.parent_10a, "subject": "Привет", "text": "Текст"}
    )
    assert response.status_code == 403
    assert web.sch.size == size
    empty = web.client.post(
        "/messages", data={"csrf": csrf, "to": i.russian_teacher, "subject": "", "text": "Текст"}
    )
    assert empty.status_code == 422 and "Тема" in empty.text
    assert web.sch.size == size


def test_deputy_posts_an_announcement_for_a_class_and_its_families_see_it(web: Web) -> None:
    i = web.sch.ids
    _family_accounts(web)
    csrf = web.sign_in("deputy")
    response = web.client.post(
        "/announcements",
        data={"csrf": csrf, "audience": i.c5a, "title": "Собрание 5А", "text": "В четверг."},
    )
    assert response.status_code == 303
    web.sign_in("parent")
    assert "Собрание 5А" in web.client.get(f"/diary/{i.students_5a[0]}/week/{MONDAY}").text
    assert "Собрание 5А" in web.client.get("/announcements").text
    web.sign_in("parent10")
    assert "Собрание 5А" not in web.client.get("/announcements").text
    csrf = web.sign_in("parent")
    refused = web.client.post(
        "/announcements", data={"csrf": csrf, "audience": "all", "title": "Т", "text": "Т"}
    )
    assert refused.status_code == 403


# --- privacy: every diary and message route (R-SEC-4, R-DIA-2) ---------------------------------

MY_PREFIXES = ("/diary", "/messages", "/class/{class_id:str}/paper", "/class/{class_id:str}/ack")


def _routes(web: Web) -> list[tuple[str, str]]:
    found = []
    for route in web.client.app.routes:
        if not route.path.startswith(MY_PREFIXES):
            continue
        for handler in route.route_handlers:
            for method in handler.http_methods:
                if method in ("GET", "POST"):
                    found.append((method, route.path))
    return sorted(set(found))


def test_every_diary_and_message_route_refuses_another_familys_student(web: Web) -> None:
    i = web.sch.ids
    _family_accounts(web)
    q2 = i.quarters[1]
    foreign = control.send_message(
        web.sch.j, i.parent_5a, to=[i.russian_teacher], subject="Личное", text="Только для 5А"
    )
    values = {
        "student": i.students_5a[0],  # a child of the other family
        "monday": MONDAY,
        "period": q2,
        "thread": foreign,
        "class_id": i.c5a,
    }
    routes = _routes(web)
    assert len(routes) >= 12, routes
    others = i.students_5a + i.students_5b + i.students_1a + i.students_10a[1:]
    for role in ("parent10", "student10"):
        csrf = web.sign_in(role)
        for student in others:  # every other student's diary, by its address
            mine = {**values, "student": student}
            for method, path in routes:
                if "{student:str}" in path and method == "GET":
                    url = re.sub(r"{(\w+):\w+}", lambda m, v=mine: v[m.group(1)], path)
                    assert web.client.get(url).status_code == 403, (role, url)
        for method, path in routes:
            params = re.findall(r"{(\w+):\w+}", path)
            if not params and path != "/messages/new":
                continue  # the person's own mailbox, start page and forms
            unknown = set(params) - set(values)
            assert not unknown, f"{path}: give the privacy test a value for {unknown}"
            url = re.sub(r"{(\w+):\w+}", lambda m: values[m.group(1)], path)
            if path == "/messages/new":
                url += f"?to={i.parent_5a}"
            if method == "GET":
                response = web.client.get(url)
            else:
                response = web.client.post(
                    url, data={"csrf": csrf, "period": q2, "text": "x", "subject": "x"}
                )
            assert response.status_code == 403, (role, method, url, response.status_code)
            assert "Только для 5А" not in response.text
            assert "Иванов Артём" not in response.text


def test_the_board_shows_on_the_home_page_and_in_the_mailbox_of_those_it_is_for(web: Web) -> None:
    # R-COM-1
    i = web.sch.ids
    control.post_announcement(
        web.sch.j, i.deputy, audience="staff", title="Педсовет", text="В пятницу в 15:00."
    )
    web.sign_in("director")
    assert "Педсовет" in web.client.get("/").text
    web.sign_in("teacher")
    assert "Педсовет" in web.client.get("/messages").text
    web.sign_in("parent")
    assert "Педсовет" not in web.client.get("/messages").text
    assert "Педсовет" not in web.client.get("/announcements").text
