"""/admin/import (issue #10; R-STR-2, R-SEC-1): the administrator uploads a class list, sees
each problem, fixes one row, skips another, confirms; the secretary may, a teacher may not."""

from __future__ import annotations

import re

from school_lists import STUDENT_HEADER, to_csv, to_xlsx

pytest_plugins = ["school", "web_fixture"]

ROWS = [
    [1, "Голубев Тимур Андреевич", "12.02.2015", "5А", "м"],
    [2, "Голубева Ника Андреевна", "13.03.2015", "5 б", "ж"],
    [3, "Крылов Ян Петрович", "30.02.2015", "5А", "м"],  # bad date: fixed in the preview
    [4, "Лосев Олег Ильич", "01.04.2015", "5Г", "м"],  # unknown class: skipped
    [5, "Голубев Тимур Андреевич", "12.02.2015", "5А", "м"],  # duplicate of row 1
    [6, "Иванов Артём Сергеевич", "14.03.2015", "5А", "м"],  # already in 5А (school.py)
]


def count_students(web, class_: str) -> int:  # type: ignore[no-untyped-def]
    return web.sch.j.db.execute(
        "SELECT count(*) FROM memberships WHERE grp = ?", (class_,)
    ).fetchone()[0]


def test_admin_uploads_fixes_skips_and_confirms_a_class_list(web) -> None:  # type: ignore[no-untyped-def]
    csrf = web.sign_in("admin")
    data = to_xlsx(STUDENT_HEADER, ROWS)
    sent = web.client.post(
        "/admin/import",
        data={"csrf": csrf, "kind": ""},
        files={"file": ("5-е классы.xlsx", data, "application/octet-stream")},
    )
    assert sent.status_code == 303, sent.text
    url = sent.headers["location"]
    page = web.client.get(url)
    assert page.status_code == 200
    text = page.text
    assert "30.02.2015" in text and "не распознана" in text  # bad date
    assert "Нет класса 5Г" in text  # unknown class
    assert "Повтор: этот ученик уже есть в строке 4" in text  # line 4: the header is line 3
    assert "уже в журнале" in text  # the student school.py enrolled
    assert re.search(r"Новых: <strong>2</strong>", text)
    # Fix the date of the spreadsheet's line 6, skip line 7, check again.
    fixed = web.client.post(
        url,
        data={
            "csrf": csrf,
            "r6.birth_date": "28.02.2015",
            "shown": "4,5,6,7,8,9",
            "s7": "1",
            "action": "check",
        },
    )
    assert fixed.status_code == 303
    again = web.client.get(url).text
    assert re.search(r"Новых: <strong>3</strong>", again)
    assert re.search(r"пропущено: <strong>1</strong>", again)
    before_5a, before_5b = (
        count_students(web, web.sch.ids.c5a),
        count_students(web, web.sch.ids.c5b),
    )
    done = web.client.post(
        url, data={"csrf": csrf, "shown": "4,5,6,7,8,9", "s7": "1", "action": "confirm"}
    )
    assert done.status_code == 200, done.text
    assert "новых людей — 3" in done.text
    assert count_students(web, web.sch.ids.c5a) == before_5a + 2
    assert count_students(web, web.sch.ids.c5b) == before_5b + 1
    born = web.sch.j.db.execute(
        "SELECT birth_date FROM persons WHERE last_name = 'Крылов'"
    ).fetchone()
    assert born == ("2015-02-28",)
    assert web.client.get(url).status_code == 404  # the upload is gone once imported
    history = web.client.get("/admin/import").text
    assert "5-е классы.xlsx" in history


def test_secretary_may_import_and_export_a_teacher_may_not(web) -> None:  # type: ignore[no-untyped-def]
    csrf = web.sign_in("teacher")
    data = to_csv(STUDENT_HEADER, ROWS[:1])
    refused = web.client.post(
        "/admin/import", data={"csrf": csrf}, files={"file": ("a.csv", data, "text/csv")}
    )
    assert refused.status_code == 403
    assert web.client.get("/admin/import/export/students.csv").status_code == 403
    web.client.cookies.clear()
    csrf = web.sign_in("secretary")
    sent = web.client.post(
        "/admin/import", data={"csrf": csrf}, files={"file": ("a.csv", data, "text/csv")}
    )
    assert sent.status_code == 303
    exported = web.client.get("/admin/import/export/students.xlsx")
    assert exported.status_code == 200 and exported.content[:2] == b"PK"
    csv_list = web.client.get("/admin/import/export/students.csv")
    assert "Иванов Артём Сергеевич;14.03.2015;5А" in csv_list.content.decode("utf-8-sig")


def test_a_file_that_is_not_a_table_is_refused_with_a_message(web) -> None:  # type: ignore[no-untyped-def]
    csrf = web.sign_in("admin")
    sent = web.client.post(
        "/admin/import",
        data={"csrf": csrf},
        files={"file": ("list.pdf", b"%PDF-1.7", "application/pdf")},
    )
    assert sent.status_code == 422 and "Загрузите файл .csv или .xlsx" in sent.text
