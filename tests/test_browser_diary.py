"""The diary in real Chromium (issue #6, done-when): a teacher sets a mark and a comment, the
parent sees them on a 360×740 phone with no horizontal scrolling; the parent writes to the
class teacher, who reads and answers; axe-core finds no serious issue; the week page is light.
Screenshots go to build/screenshots/ to be looked at."""

from __future__ import annotations

from typing import Any

from browser import PHONE, SCREENSHOTS, Site, page_weight, screenshot, serious_accessibility_issues

from ejournal.model.commands import teaching

pytest_plugins = ["school", "browser"]

MONDAY = "2026-11-16"
WEEK_BUDGET = 50_000  # bytes of a diary week page once CSS and JS are cached


def _fits(page: Any) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


def _teacher_marks(site: Site) -> None:
    sch = site.sch
    i = sch.ids
    lesson = sch.lesson(
        i.math_5a,
        MONDAY,
        number=1,
        topic="Сложение обыкновенных дробей с разными знаменателями",
        homework="Учебник, стр. 112, № 415, 417, 419 (б, в); повторить правило приведения дробей",
        work_kinds=["КР"],
    )
    teaching.give_mark(
        sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[0], value="5", kind="КР"
    )
    teaching.add_comment(
        sch.j,
        i.math_teacher,
        lesson=lesson,
        student=i.students_5a[0],
        kind="praise",
        text="Лучшая работа в классе, аккуратное оформление",
    )
    teaching.mark_attendance(
        sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[1], code="Б"
    )


def test_parent_sees_the_teachers_mark_and_comment_on_a_phone(site: Site, chromium: Any) -> None:
    _teacher_marks(site)
    context = chromium.new_context(viewport=PHONE)
    page = context.new_page()
    try:
        site.sign_in(page, "parent")
        assert f"/week/{MONDAY}" in page.url  # families start in the diary
        lesson = page.locator("ol.lessons li").filter(has_text="Математика").first
        assert "5КР" in lesson.inner_text().replace("\n", "")
        assert page.get_by_text("Лучшая работа в классе").is_visible()
        assert page.get_by_text("стр. 112, № 415").is_visible()
        assert _fits(page), "the week scrolls sideways at 360 px"
        screenshot(page, "diary-week-phone")
        assert serious_accessibility_issues(page) == []
        warm = page_weight(page, page.url)  # CSS and htmx now in the browser's cache
        assert warm < WEEK_BUDGET, warm
        page.get_by_role("link", name="Итоги").click()
        page.wait_for_load_state()
        assert page.get_by_text("Средний балл 5.00").is_visible()
        assert _fits(page)
        screenshot(page, "diary-period-phone")
        assert serious_accessibility_issues(page) == []
        # A fresh context has an empty HTTP cache: the first load of everything, signed in.
        fresh = chromium.new_context(viewport=PHONE, storage_state=context.storage_state())
        week_url = page.url.replace("/period/", "/week/").split("/week/")[0] + f"/week/{MONDAY}"
        cold = page_weight(fresh.new_page(), week_url)
        fresh.close()
    finally:
        context.close()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "diary-week-weight.txt").write_text(
        f"diary week page: {warm} bytes with CSS/JS cached, {cold} bytes cold\n"
    )
    assert cold > warm


def test_parent_writes_to_the_class_teacher_who_reads_and_answers(
    site: Site, chromium: Any
) -> None:
    parent_context = chromium.new_context(viewport=PHONE)
    parent = parent_context.new_page()
    teacher_context = chromium.new_context(viewport={"width": 1366, "height": 768})
    teacher = teacher_context.new_page()
    try:
        site.sign_in(parent, "parent")
        parent.goto(site.url + "/messages/new")
        parent.get_by_label("Кому").select_option(site.sch.ids.russian_teacher)
        parent.get_by_label("Тема").fill("Пропуск в четверг")
        parent.get_by_label("Текст").fill("Артём будет у врача в четверг, отпустите после 3 урока.")
        assert serious_accessibility_issues(parent) == []
        screenshot(parent, "message-compose-phone")
        parent.get_by_role("button", name="Отправить").click()
        parent.wait_for_load_state()
        assert parent.get_by_text("отпустите после 3 урока").is_visible()

        site.sign_in(teacher, "class_teacher")
        teacher.goto(site.url + "/messages")
        assert teacher.locator("nav .badge").inner_text() == "1"  # unread in the nav
        screenshot(teacher, "mailbox-teacher")
        teacher.get_by_role("link", name="Пропуск в четверг").click()
        teacher.wait_for_load_state()
        assert teacher.get_by_text("отпустите после 3 урока").is_visible()
        assert teacher.locator("nav .badge").count() == 0  # read now
        teacher.get_by_label("Ответ").fill("Хорошо, отпущу. Новикова Т. А.")
        teacher.get_by_role("button", name="Ответить").click()
        teacher.wait_for_load_state()
        assert serious_accessibility_issues(teacher) == []

        parent.goto(site.url + "/messages")
        assert parent.locator("nav .badge").inner_text() == "1"
        parent.get_by_role("link", name="Пропуск в четверг").click()
        parent.wait_for_load_state()
        assert parent.get_by_text("Хорошо, отпущу.").is_visible()
        assert _fits(parent)
        screenshot(parent, "message-thread-phone")
        assert serious_accessibility_issues(parent) == []
    finally:
        parent_context.close()
        teacher_context.close()
