"""The teacher's journal in real headless Chromium (issue #4): marks and absences entered with
the keyboard only, a class teacher who cannot edit, a student refused the journal, and the main
pages screenshotted (build/screenshots/) and checked with axe-core."""

from __future__ import annotations

from typing import Any

from browser import DESKTOP, PHONE, Site, screenshot, serious_accessibility_issues
from playwright.sync_api import expect

from ejournal.model.commands import control, teaching

pytest_plugins = ["school", "browser"]

TODAY = "2026-11-16"


def _grid(site: Site) -> str:
    i = site.sch.ids
    return f"{site.url}/journal/{i.math_5a}/{i.quarters[1]}"


FOCUSED_CELL = """() => { const e = document.activeElement;
    return e && e.name === 'value' && e.closest('table.grid')
      ? [e.closest('tr').rowIndex, e.closest('td').cellIndex].join(',') : ''; }"""


def _tab_to_first_cell(page: Any, limit: int = 80) -> None:
    """Press Tab until the grid's first cell (first student, first lesson) has the focus, as
    a keyboard user would."""
    for _ in range(limit):
        if page.evaluate(FOCUSED_CELL) == "1,1":
            return
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached the grid's first cell")


def _type_and_enter(page: Any, text: str, row: int) -> None:
    """Type in the focused cell, press Enter; wait until the focus is in ``row`` (table row
    index; the header is row 0) of the first lesson's column."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_function(f"({FOCUSED_CELL})() === '{row},1'")


def _cell(page: Any, row: int) -> Any:
    return page.locator("table.grid tbody tr").nth(row - 1).locator("td").first


def test_teacher_enters_marks_and_absences_with_the_keyboard_only(
    site: Site, chromium: Any
) -> None:
    i = site.sch.ids
    site.sch.lesson(i.math_5a, TODAY, number=1, topic="Дроби")
    page = chromium.new_page(viewport=DESKTOP)
    try:
        site.sign_in(page, "teacher")
        page.goto(_grid(site))
        _tab_to_first_cell(page)
        _type_and_enter(page, "5", 2)  # htmx saves, the next student's cell gets the focus
        _type_and_enter(page, "Н", 3)
        _type_and_enter(page, "4 кр", 4)
        _type_and_enter(page, "7", 4)  # refused: the focus stays (so that wait ends at once) …
        # … and the message shows when htmx has the answer: wait for it, do not read at once
        expect(_cell(page, 4)).to_contain_text("не из системы оценивания")
        page.reload()
        assert _cell(page, 1).locator(".marks").inner_text().strip() == "5"
        assert _cell(page, 2).locator("input").input_value() == "Н"
        assert _cell(page, 3).locator(".marks").inner_text().strip() == "4"
        assert site.sch.one("SELECT count(*) FROM marks WHERE course = ?", i.math_5a) == (2,)
    finally:
        page.close()


def test_a_class_teacher_cannot_edit_and_a_student_is_refused(site: Site, chromium: Any) -> None:
    i = site.sch.ids
    lesson = site.sch.lesson(i.math_5a, TODAY, number=1)
    page = chromium.new_page(viewport=DESKTOP)
    try:
        site.sign_in(page, "class_teacher")
        page.goto(_grid(site))
        assert page.locator("table.grid").count() == 1
        assert page.locator("input[name=value]").count() == 0
        before = site.sch.size
        status = page.evaluate(
            """async ([url, lesson, student]) => {
                 const token = JSON.parse(document.body.getAttribute('hx-headers'))['X-CSRF-Token'];
                 const body = new URLSearchParams({lesson, student, value: '5'});
                 const headers = {'X-CSRF-Token': token};
                 const r = await fetch(url, {method: 'POST', body, headers});
                 return r.status; }""",
            [_grid(site) + "/cell", lesson, i.students_5a[0]],
        )
        assert status == 422 and site.sch.size == before
        page.context.clear_cookies()
        site.sign_in(page, "student")
        response = page.goto(_grid(site))
        assert response is not None and response.status == 403
        assert "Доступ закрыт" in page.content()
    finally:
        page.close()


def _prepare(site: Site) -> tuple[str, str]:
    """A lesson with marks (one late, one corrected), an absence and a remark to show."""
    i, j = site.sch.ids, site.sch.j
    teacher = i.math_teacher
    old = site.sch.lesson(i.math_5a, "2026-11-10", number=2, topic="Сравнение дробей")
    lesson = site.sch.lesson(i.math_5a, TODAY, number=1, topic="Дроби", homework="№ 12, 14")
    teaching.give_mark(j, teacher, lesson=old, student=i.students_5a[1], value="4", kind="У")
    mark = teaching.give_mark(
        j, teacher, lesson=lesson, student=i.students_5a[0], value="3", kind="КР"
    )
    teaching.correct_mark(j, teacher, mark=mark, value="4", reason="Пересчёт баллов")
    teaching.mark_attendance(j, teacher, lesson=lesson, student=i.students_5a[2], code="Б")
    control.issue_remark(
        j,
        i.deputy,
        teacher=teacher,
        text="Не заполнены домашние задания",
        due="2026-11-20",
        course=i.math_5a,
    )
    return lesson, mark


def test_main_teacher_pages_look_right_and_pass_axe(site: Site, chromium: Any) -> None:
    i = site.sch.ids
    lesson, mark = _prepare(site)
    quarter = f"{i.math_5a}/{i.quarters[1]}"
    pages = {
        "teacher-courses": "/teacher",
        "teacher-grid": f"/journal/{quarter}",
        "teacher-lesson": f"/lesson/{lesson}",
        "teacher-plan": f"/plan/{i.math_5a}",
        "teacher-mark-history": f"/mark/{mark}",
        "teacher-remarks": "/teacher/remarks",
        "teacher-print-journal": f"/journal/{quarter}/print",
        "teacher-print-lessons": f"/journal/{quarter}/lessons/print",
    }
    page = chromium.new_page(viewport=DESKTOP)
    problems: dict[str, list[str]] = {}
    try:
        site.sign_in(page, "teacher")
        for name, path in pages.items():
            response = page.goto(site.url + path)
            assert response is not None and response.status == 200, (
                name,
                response and response.status,
            )
            screenshot(page, name)
            found = serious_accessibility_issues(page)
            if found:
                problems[name] = found
        page.emulate_media(media="print")
        page.goto(site.url + pages["teacher-print-journal"])
        screenshot(page, "teacher-print-journal-as-printed")
        page.emulate_media(media="screen")
        page.set_viewport_size(PHONE)
        page.goto(site.url + pages["teacher-grid"])
        screenshot(page, "teacher-grid-phone")
        found = serious_accessibility_issues(page)
        if found:
            problems["teacher-grid-phone"] = found
    finally:
        page.close()
    assert problems == {}
