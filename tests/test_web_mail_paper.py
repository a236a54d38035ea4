"""A parent's mail settings and the unsubscribe link (R-DIA-3), the administrator's outbox, and
the class teacher's paper reports to parents (R-DIA-3, R-CTL-4) as a print view and a PDF/A."""

from __future__ import annotations

import io
import subprocess
from typing import TYPE_CHECKING

import pikepdf
from browser import SCREENSHOTS

from ejournal.mail import MailStore
from ejournal.model.commands import teaching

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]


def _store(web: Web) -> MailStore:
    return web.client.app.state.mail_store  # type: ignore[no-any-return]


def test_parent_subscribes_changes_and_unsubscribes_on_the_settings_page(web: Web) -> None:
    i = web.sch.ids
    csrf = web.sign_in("parent")
    page = web.client.get("/settings/mail")
    assert page.status_code == 200 and "Подписаться" in page.text
    bad = web.client.post(
        "/settings/mail", data={"csrf": csrf, "email": "не адрес", "frequency": "daily"}
    )
    assert bad.status_code == 422 and "Адрес электронной почты указан неверно" in bad.text
    saved = web.client.post(
        "/settings/mail", data={"csrf": csrf, "email": "ivanova@example.test", "frequency": "daily"}
    )
    assert saved.status_code == 303
    sub = _store(web).subscription(i.parent_5a)
    assert sub is not None and (sub.email, sub.frequency) == ("ivanova@example.test", "daily")
    off = web.client.post("/settings/mail", data={"csrf": csrf, "action": "off"})
    assert off.status_code == 303 and _store(web).subscription(i.parent_5a) is None


def test_only_parents_have_mail_settings(web: Web) -> None:
    web.sign_in("teacher")
    assert web.client.get("/settings/mail").status_code == 403


def test_unsubscribe_link_works_without_signing_in_and_forged_ones_do_not(web: Web) -> None:
    i = web.sch.ids
    web.sign_in("parent")
    web.client.get("/settings/mail")  # opens the store
    store = _store(web)
    store.subscribe(i.parent_5a, "ivanova@example.test", "weekly", "2026-11-01T00:00:00.000Z")
    web.client.cookies.clear()  # signed out
    token = store.token(i.parent_5a)
    page = web.client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Отписаться от рассылки" in page.text
    assert store.subscription(i.parent_5a) is not None  # a GET (a link preview) changes nothing
    forged = token[:-3] + "AAA"
    assert web.client.post(f"/unsubscribe/{forged}").status_code == 404
    assert store.subscription(i.parent_5a) is not None
    done = web.client.post(f"/unsubscribe/{token}")  # RFC 8058 one-click: no CSRF, no session
    assert done.status_code == 200 and "адрес удалён" in done.text
    assert store.subscription(i.parent_5a) is None


def test_the_administrator_sees_letters_that_wait_in_the_outbox(web: Web) -> None:
    i = web.sch.ids
    web.sign_in("admin")
    web.client.get("/mail/outbox")
    store = _store(web)
    store.subscribe(i.parent_5a, "ivanova@example.test", "weekly", "2026-11-01T00:00:00.000Z")
    letter = store.queue(i.parent_5a, "ivanova@example.test", "Тема", "Текст", "2026-11-02T00:00Z")
    store.failed(letter, "Connection refused", 300)
    page = web.client.get("/mail/outbox").text
    assert "ivanova@example.test" in page and "в очереди" in page
    assert "Connection refused" in page and "попыток 1" in page
    web.sign_in("parent")
    assert web.client.get("/mail/outbox").status_code == 403


def _marks(web: Web) -> None:
    """Two lessons of 5А in the two weeks up to 2026-11-16: marks and an absence."""
    i = web.sch.ids
    first = web.sch.lesson(i.math_5a, "2026-11-09", number=1, topic="Дроби")
    second = web.sch.lesson(i.math_5a, "2026-11-16", number=1, topic="Дроби")
    j, t = web.sch.j, i.math_teacher
    teaching.give_mark(j, t, lesson=first, student=i.students_5a[0], value="5", kind="КР")
    teaching.give_mark(j, t, lesson=second, student=i.students_5a[0], value="3", kind="У")
    teaching.mark_attendance(j, t, lesson=second, student=i.students_5a[1], code="Н")


def test_class_teacher_prints_a_page_per_student_with_marks_average_and_signature(
    web: Web,
) -> None:
    i = web.sch.ids
    _marks(web)
    web.sign_in("class_teacher")
    assert "/class/" + i.c5a + "/paper" in web.client.get(f"/class/{i.c5a}").text
    page = web.client.get(f"/class/{i.c5a}/paper").text
    assert page.count('<section class="report"') == 4  # the four students of 5А
    assert "с 3 ноября 2026 по 16 ноября 2026" in page  # the last two weeks
    # КР weighs 3, У 1: (5·3 + 3·1) / 4 = 4.50
    assert "4.50" in page and "5<small>(КР, 09.11)</small>" in page
    assert "без уважительной причины — 1" in page
    assert "родитель (законный представитель)" in page
    short = web.client.get(f"/class/{i.c5a}/paper?start=2026-11-16&end=2026-11-16").text
    assert "3.00" in short and "(КР, 09.11)" not in short
    assert (
        web.client.get(f"/class/{i.c5a}/paper?start=2026-11-20&end=2026-11-01").status_code == 404
    )


def test_paper_reports_as_one_pdfa_with_a_page_per_student(web: Web) -> None:
    i = web.sch.ids
    _marks(web)
    web.sign_in("class_teacher")
    response = web.client.get(f"/class/{i.c5a}/paper.pdf")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "paper-report.pdf").write_bytes(response.content)  # to look at
    with pikepdf.open(io.BytesIO(response.content)) as doc:
        assert len(doc.pages) == 4
        assert str(doc.open_metadata().get("pdfaid:part")) == "3"
    text = subprocess.run(
        ["pdftotext", "-layout", "-", "-"], input=response.content, capture_output=True, check=True
    ).stdout.decode()
    assert "Иванов Артём, 5А класс" in text and "4.50" in text
    assert "Классный руководитель" in text


def test_paper_reports_are_refused_to_other_teachers_and_families(web: Web) -> None:
    i = web.sch.ids
    web.sign_in("teacher")  # teaches 5А mathematics, not its class teacher
    assert web.client.get(f"/class/{i.c5a}/paper").status_code == 403
    web.sign_in("parent")
    assert web.client.get(f"/class/{i.c5a}/paper.pdf").status_code == 403
