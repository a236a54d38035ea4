"""The /reports pages (R-CTL-1, R-CTL-3, R-ARC-1, R-ARC-5): who may open them, the filters,
CSV for Excel and PDF downloads."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

import pytest

from ejournal.reports.catalog import REPORTS
from ejournal.reports.table import BOM

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

CONTROL = ("director", "deputy")
SUMMARY = ("director", "deputy", "secretary")
ROLES = ("admin", "director", "deputy", "secretary", "teacher", "class_teacher", "parent",
         "student")  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
def test_control_reports_open_for_director_and_deputy_only(web: Web, role: str) -> None:
    # R-SEC-1: MATRIX "reports.read"
    web.sign_in(role)
    for name in REPORTS:
        response = web.client.get(f"/reports/control/{name}")
        assert response.status_code == (200 if role in CONTROL else 403), (name, response.text)
        if role in CONTROL:
            assert REPORTS[name].title.split()[0] in response.text


@pytest.mark.parametrize("role", ROLES)
def test_summary_sheet_opens_for_the_secretary_too(web: Web, role: str) -> None:
    # R-SEC-1: MATRIX "summary.read"; R-ARC-1
    web.sign_in(role)
    c5a = web.sch.ids.c5a
    for url in ("/reports", f"/reports/summary?class={c5a}", "/reports/destruction"):
        response = web.client.get(url)
        assert response.status_code == (200 if role in SUMMARY else 403), (url, response.text)


def test_summary_sheet_lists_the_class_students(web: Web) -> None:
    web.sign_in("secretary")
    page = web.client.get(f"/reports/summary?class={web.sch.ids.c5a}").text
    assert "Иванов Артём Сергеевич" in page and "Васильева Дарья Олеговна" in page
    assert "Павлов" not in page  # 5Б


def test_csv_download_is_utf8_with_bom_and_semicolons(web: Web) -> None:
    web.sign_in("deputy")
    response = web.client.get("/reports/control/density")
    assert response.status_code == 200
    response = web.client.get("/reports/control/density/csv")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/csv")
    assert "charset=utf-8" in response.headers["content-type"]
    assert response.content.startswith(BOM.encode("utf-8"))
    text = response.content.decode("utf-8-sig")
    assert text.splitlines()[0] == "Накопляемость отметок"
    assert "Класс;Предмет;Группа;Учитель" in text
    assert "attachment" in response.headers["content-disposition"]


def test_summary_csv_names_the_students(web: Web) -> None:
    web.sign_in("secretary")
    response = web.client.get(f"/reports/summary/csv?class={web.sch.ids.c5a}")
    assert response.status_code == 200
    assert response.content.startswith(BOM.encode("utf-8"))
    assert "Кузнецова Полина Андреевна" in response.content.decode("utf-8-sig")


def test_htmx_filter_swaps_only_the_table(web: Web) -> None:
    web.sign_in("deputy")
    ids = web.sch.ids
    response = web.client.get(
        f"/reports/control/attendance?class={ids.c5a}&period={ids.quarters[1]}",
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<div id="report">')
    assert "Иванов Артём Сергеевич" in response.text  # per student of the class


def test_bad_filter_is_a_russian_message_not_a_crash(web: Web) -> None:
    web.sign_in("deputy")
    response = web.client.get("/reports/control/density?start=вчера")
    assert response.status_code == 422
    assert "ГГГГ-ММ-ДД" in response.text
    assert web.client.get("/reports/control/nothing").status_code == 404


def test_report_pdf_download(web: Web) -> None:
    web.sign_in("director")
    response = web.client.get("/reports/control/performance/pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")


def test_secretary_prints_the_sheet_and_the_class_journal(web: Web) -> None:
    # R-ARC-1, R-ARC-2: the secretary prints, registers and archives them.
    web.sign_in("secretary")
    c5a = web.sch.ids.c5a
    for url, name in [
        (f"/reports/summary/pdf?class={c5a}", "Сводная ведомость 5А.pdf"),
        (f"/reports/journal/pdf?class={c5a}&register=17", "Классный журнал 5А.pdf"),
        ("/reports/destruction/pdf", "Акт об уничтожении журналов.pdf"),
    ]:
        response = web.client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        assert quote(name) in response.headers["content-disposition"]
    assert web.client.get("/reports/summary/pdf?class=нет-такого").status_code == 404
    web.sign_in("teacher")
    assert web.client.get(f"/reports/journal/pdf?class={c5a}").status_code == 403
