"""The administration pages in real headless Chromium (issue #4 item 5): every page opens for
the administrator, axe-core finds no serious or critical issue on it, and a screenshot of each
is kept in build/screenshots/ (to look at)."""

from __future__ import annotations

from typing import Any

from browser import DESKTOP, PHONE, Site, screenshot, serious_accessibility_issues

pytest_plugins = ["school", "browser"]


def _pages(site: Site) -> dict[str, str]:
    """Screenshot name → address of each administration page (a class chosen where a page
    lists one class)."""
    i = site.sch.ids
    return {
        "admin": "/admin",
        "admin-year": "/admin/year",
        "admin-classes": "/admin/classes",
        "admin-subjects": "/admin/subjects",
        "admin-courses": "/admin/courses",
        "admin-timetable": f"/admin/timetable?class={i.c5a}",
        "admin-config": "/admin/config",
        "admin-closing": f"/admin/closing?class={i.c5a}",
        "admin-people": "/admin/people?q=Ив",
        "admin-person": f"/admin/people/{i.students_5a[0]}",
        "admin-students": f"/admin/students?class={i.c5a}",
        "admin-roles": "/admin/roles?q=Ив",
        "admin-accounts": "/admin/accounts",
        "admin-security": "/admin/security",
        "admin-security-person": f"/admin/security/{i.math_teacher}",
        "admin-import": "/admin/import",
        "admin-backups": "/admin/backups",
        "admin-logins": f"/class/{i.c5a}/logins",
    }


DEPUTY_PAGES = {"deputy-admin": "/admin", "deputy-remarks": "/admin/remarks"}


def test_administration_pages_have_no_serious_accessibility_issue(
    site: Site, chromium: Any
) -> None:
    found: dict[str, list[str]] = {}
    for role, pages in (("admin", _pages(site)), ("deputy", DEPUTY_PAGES)):
        found.update(_check(site, chromium, role, pages))
    assert not found, found


def _check(site: Site, chromium: Any, role: str, pages: dict[str, str]) -> dict[str, list[str]]:
    """Open each page as ``role``: 200, a heading, a screenshot; the axe issues per page."""
    page = chromium.new_page(viewport=DESKTOP)
    found: dict[str, list[str]] = {}
    try:
        site.sign_in(page, role)
        for name, path in pages.items():
            response = page.goto(site.url + path)
            assert response is not None and response.status == 200, (path, response)
            assert page.locator("h1").count() >= 1, path
            screenshot(page, name)
            issues = serious_accessibility_issues(page)
            if issues:
                found[path] = issues
    finally:
        page.close()
    return found


def test_administration_on_a_phone(site: Site, chromium: Any) -> None:
    """The pages an administrator opens from a phone (a student's record, the accounts) fit
    its width and pass axe as well."""
    i = site.sch.ids
    page = chromium.new_page(viewport=PHONE)
    try:
        site.sign_in(page, "admin")
        for name, path in (
            ("admin-phone", "/admin"),
            ("admin-person-phone", f"/admin/people/{i.students_5a[0]}"),
        ):
            page.goto(site.url + path)
            screenshot(page, name)
            assert serious_accessibility_issues(page) == [], path
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 1, (path, overflow)
    finally:
        page.close()
