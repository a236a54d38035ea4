"""The browser test harness works end to end: Chromium signs in to a live server, axe-core runs."""

from __future__ import annotations

from typing import Any

from browser import Site, screenshot, serious_accessibility_issues

pytest_plugins = ["school", "browser"]


def test_teacher_signs_in_in_chromium_and_the_login_page_is_accessible(
    site: Site, chromium: Any
) -> None:
    page = chromium.new_page(viewport={"width": 1366, "height": 768})
    try:
        page.goto(site.url + "/login")
        assert serious_accessibility_issues(page) == []
        screenshot(page, "login")
        site.sign_in(page, "teacher")
        assert "/login" not in page.url
        assert page.get_by_role("link", name="Мои классы").count() >= 1
    finally:
        page.close()
