"""The reports pages in Chromium (R-CTL-1, R-ARC-1): the htmx filter swaps the table, the pages
pass axe-core, and screenshots are saved in build/screenshots/ to be looked at."""

from __future__ import annotations

from typing import Any

from browser import DESKTOP, Site, screenshot, serious_accessibility_issues

from ejournal.model.commands import teaching

pytest_plugins = ["school", "browser"]


def _some_marks(site: Site) -> None:
    sch, i = site.sch, site.sch.ids
    lesson = sch.lesson(i.math_5a, "2026-11-09", topic="Дроби", homework="№ 101")
    for student, value in zip(i.students_5a[:3], ("5", "4", "3"), strict=True):
        teaching.give_mark(sch.j, i.math_teacher, lesson=lesson, student=student, value=value,
                           kind="У")  # fmt: skip
    teaching.mark_attendance(sch.j, i.math_teacher, lesson=lesson, student=i.students_5a[3],
                             code="Б")  # fmt: skip


def test_deputy_filters_mark_density_by_class(site: Site, chromium: Any) -> None:
    _some_marks(site)
    page = chromium.new_page(viewport=DESKTOP)
    try:
        site.sign_in(page, "deputy")
        page.get_by_role("link", name="Отчёты").first.click()
        page.get_by_role("link", name="Накопляемость отметок").click()
        page.wait_for_load_state()
        assert page.locator("#report tbody tr").count() > 1
        page.get_by_label("Класс").select_option(label="5Б")
        rows = "[...document.querySelectorAll('#report tbody tr')]"
        page.wait_for_function(f"{rows}.every(r => r.cells[0].innerText.includes('5Б'))")
        assert "class=" in page.url  # hx-push-url keeps the filter in the address
        page.get_by_label("Класс").select_option(label="5А")
        page.wait_for_function("document.querySelector('#report').innerText.includes('5А')")
        assert serious_accessibility_issues(page) == []
        screenshot(page, "reports-density")
    finally:
        page.close()


def test_secretary_opens_the_summary_sheet(site: Site, chromium: Any) -> None:
    page = chromium.new_page(viewport=DESKTOP)
    try:
        site.sign_in(page, "secretary")
        page.goto(site.url + "/reports")
        page.get_by_label("Класс").select_option(label="5А")
        page.get_by_role("button", name="Сводная ведомость").click()
        page.wait_for_load_state()
        assert page.get_by_role("rowheader", name="Иванов Артём Сергеевич").count() == 1
        assert page.get_by_role("link", name="Печать ведомости (PDF)").count() == 1
        assert serious_accessibility_issues(page) == []
        screenshot(page, "reports-summary")
    finally:
        page.close()
