"""The lesson page in real headless Chromium (issue #4): Enter in a student's row saves it and
moves to the same field of the next student, as in the grid, with the keyboard only."""

from __future__ import annotations

from typing import Any

from browser import DESKTOP, ROOT, SCREENSHOTS, Site, page_weight, screenshot
from playwright.sync_api import expect

from ejournal.model.commands import teaching

pytest_plugins = ["school", "browser"]

TODAY = "2026-11-16"
STATIC = ROOT / "web" / "static"
FOCUSED = "() => document.activeElement ? document.activeElement.id : ''"


def _tab_to(page: Any, element_id: str, limit: int = 120) -> None:
    """Press Tab until the element has the focus, as a keyboard user would."""
    for _ in range(limit):
        if page.evaluate(FOCUSED) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached #{element_id}")


def _type_and_enter(page: Any, text: str, then: str) -> None:
    """Type in the focused field, press Enter; wait until ``then`` has the focus."""
    page.keyboard.type(text)
    page.keyboard.press("Enter")
    page.wait_for_function(f"({FOCUSED})() === '{then}'")


def test_enter_in_a_row_saves_and_moves_to_the_next_student(site: Site, chromium: Any) -> None:
    """R-LES-1, R-ATT-1, R-MRK-4: a mark, an absence, a refused mark, then comments."""
    i = site.sch.ids
    lesson = site.sch.lesson(i.math_5a, TODAY, number=1, topic="Дроби")
    page = chromium.new_page(viewport=DESKTOP)
    try:
        site.sign_in(page, "teacher")
        page.goto(f"{site.url}/lesson/{lesson}")
        _tab_to(page, "mark-0")
        _type_and_enter(page, "5", "mark-1")
        _type_and_enter(page, "Н", "mark-2")
        _type_and_enter(page, "7", "mark-2")  # refused: the focus stays (that wait ends at once) …
        # … and the message shows when htmx has the answer: wait for it, do not read at once
        expect(page.locator("#student-2")).to_contain_text("не из системы оценивания")
        _tab_to(page, "text-0")
        _type_and_enter(page, "Хорошо работал у доски", "text-1")
        _type_and_enter(page, "Не сдал тетрадь", "text-2")
        screenshot(page, "lesson-keyboard")
        page.reload()
        rows = page.locator("table.lesson tbody tr")
        assert "5" in rows.nth(0).locator("td").nth(1).inner_text()
        assert rows.nth(1).locator("td").first.inner_text().strip() == "Н"
        assert "Хорошо работал у доски" in rows.nth(0).inner_text()
        assert "Не сдал тетрадь" in rows.nth(1).inner_text()
    finally:
        page.close()
    sch = site.sch
    assert sch.one("SELECT count(*) FROM marks WHERE lesson = ?", lesson) == (1,)
    assert sch.one("SELECT count(*) FROM attendance WHERE lesson = ?", lesson) == (1,)
    assert sch.one("SELECT count(*) FROM comments WHERE lesson = ?", lesson) == (2,)


def test_pages_arrive_compressed_and_light(site: Site, chromium: Any) -> None:
    """Issue #4: under 100 KB per page load after the first; the HTML, the stylesheet and htmx
    (71 KB as files) come compressed, so even the first load stays well under that."""
    i = site.sch.ids
    for n in range(1, 13):  # a quarter's worth of lessons with marks, for a fuller page
        lesson = site.sch.lesson(i.math_5a, f"2026-11-{n:02d}", number=1, topic=f"Тема {n}")
        for student in i.students_5a:
            teaching.give_mark(
                site.sch.j, i.math_teacher, lesson=lesson, student=student, value="5", kind="У"
            )
    grid = f"{site.url}/journal/{i.math_5a}/{i.quarters[1]}"
    context = chromium.new_context(viewport=DESKTOP)
    try:
        page = context.new_page()
        site.sign_in(page, "teacher")
        cold_context = chromium.new_context(viewport=DESKTOP, storage_state=context.storage_state())
        cold = page_weight(cold_context.new_page(), grid)  # an empty HTTP cache
        cold_context.close()
        page.goto(grid)
        warm = page_weight(page, grid)
        html = len(page.content().encode())
        encoding = page.evaluate(
            "async (u) => (await fetch(u)).headers.get('content-encoding')", grid
        )
    finally:
        context.close()
    files = sum(p.stat().st_size for p in [*STATIC.glob("*.css"), *STATIC.glob("*.js")])
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    (SCREENSHOTS / "grid-weight.txt").write_text(
        f"grid page: {html} bytes of HTML; {warm} bytes sent with CSS/JS cached, {cold} cold "
        f"(CSS and htmx: {files} bytes as files)\n"
    )
    assert encoding in ("br", "gzip")
    assert warm < html / 2, (warm, html)  # the page itself, compressed
    assert cold < files / 2, (cold, files)  # CSS and htmx compressed too
    assert warm < 100_000
