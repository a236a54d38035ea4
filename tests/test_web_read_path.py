"""The read path of the web journal (issue #4): the nav's unread count read with the session in
one trip to a worker thread, the sign-in form's CSRF token, compressed text answers."""

from __future__ import annotations

import re
import time
from typing import TYPE_CHECKING

from web_fixture import CSRF, PASSWORD, login_form

from ejournal.auth.store import MAX_FAILURES
from web.compression import compressible

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

BADGE = re.compile(r'Сообщения <span class="badge"[^>]*>(\d+)</span>')


def _badge(html: str) -> int:
    found = BADGE.search(html)
    return int(found.group(1)) if found else 0


def _write_to_class_teacher(web: Web, subject: str) -> str:
    """The parent of 5А writes to the class teacher; returns the thread."""
    csrf = web.sign_in("parent")
    sent = web.client.post(
        "/messages",
        data={"csrf": csrf, "to": web.sch.ids.russian_teacher, "subject": subject, "text": "Т."},
    )
    assert sent.status_code == 303, sent.text
    return sent.headers["location"].removeprefix("/messages/")


# --- the unread count in the nav (R-COM-1) ------------------------------------------------------


def test_every_full_page_shows_the_unread_count_as_it_is_now(web: Web) -> None:
    """R-COM-1: no cache to go stale: a message that arrives, then one that is read, shows on
    the very next page, whichever page it is."""
    web.sign_in("class_teacher")
    assert _badge(web.client.get("/teacher").text) == 0
    first = _write_to_class_teacher(web, "Первое")
    web.sign_in("class_teacher")
    assert _badge(web.client.get("/teacher").text) == 1
    _write_to_class_teacher(web, "Второе")
    web.sign_in("class_teacher")
    assert _badge(web.client.get("/password").text) == 2
    assert _badge(web.client.get("/messages").text) == 2
    web.client.get(f"/messages/{first}")  # reading it
    assert _badge(web.client.get("/teacher").text) == 1


def test_the_diary_counts_unread_itself_and_the_same(web: Web) -> None:
    """The diary's week page (opt counts_unread) sets the count in its own handler."""
    csrf = web.sign_in("class_teacher")
    sent = web.client.post(
        "/messages",
        data={"csrf": csrf, "to": web.sch.ids.parent_5a, "subject": "Собрание", "text": "В 18"},
    )
    assert sent.status_code == 303, sent.text
    web.sign_in("parent")
    week = web.client.get("/diary", follow_redirects=True)
    assert "/week/" in str(week.url)
    assert _badge(week.text) == 1
    assert _badge(web.client.get("/messages").text) == 1


def test_htmx_fragments_have_no_nav(web: Web) -> None:
    web.sign_in("teacher")
    page = web.client.get("/teacher", headers={"HX-Request": "true"})
    assert page.status_code == 200


# --- CSRF on the sign-in form -------------------------------------------------------------------


def test_the_sign_in_form_carries_a_token_kept_in_its_cookie(web: Web) -> None:
    page = web.client.get("/login")
    token = CSRF.search(page.text)
    assert token
    assert web.client.cookies.get("ejournal_login_csrf") == token.group(1)
    again = CSRF.search(web.client.get("/login").text)  # a second tab: the same token
    assert again and again.group(1) == token.group(1)


def test_sign_in_without_the_token_is_refused_and_the_password_not_tried(web: Web) -> None:
    web.client.get("/login")
    refused = web.client.post("/login", data={"login": "teacher", "password": PASSWORD})
    assert refused.status_code == 403
    assert "Форма входа устарела" in refused.text
    assert "ejournal_session" not in web.client.cookies
    assert CSRF.search(refused.text)  # a fresh form to try again
    # Refusals are not failed passwords: the login is not locked by them.
    for _ in range(MAX_FAILURES + 1):
        web.client.post("/login", data={"csrf": "x" * 32, "login": "teacher", "password": "-"})
    ok = web.client.post("/login", data=login_form(web.client, "teacher", PASSWORD))
    assert ok.status_code == 303


def test_a_token_from_another_browser_is_refused(web: Web) -> None:
    """Login CSRF: a page of another site can send its own token but not set this browser's
    cookie, so the two differ."""
    foreign = CSRF.search(web.client.get("/login").text)
    assert foreign
    web.client.cookies.clear()
    web.client.get("/login")  # this browser's own token
    refused = web.client.post(
        "/login", data={"csrf": foreign.group(1), "login": "teacher", "password": PASSWORD}
    )
    assert refused.status_code == 403
    cyrillic = web.client.post(  # not a token at all, and not ASCII: refused, not a failure
        "/login", data={"csrf": "токен" * 8, "login": "teacher", "password": PASSWORD}
    )
    assert cyrillic.status_code == 403
    web.client.cookies.clear()  # no cookie at all
    refused = web.client.post(
        "/login", data={"csrf": foreign.group(1), "login": "teacher", "password": PASSWORD}
    )
    assert refused.status_code == 403


def test_a_non_ascii_csrf_token_after_sign_in_is_refused_cleanly(web: Web) -> None:
    web.sign_in("teacher")
    response = web.client.post("/logout", data={"csrf": "чужой-токен"})
    assert response.status_code == 403
    assert "Форма устарела" in response.text


def test_signing_in_drops_the_sign_in_token(web: Web) -> None:
    web.sign_in("teacher")
    assert "ejournal_login_csrf" not in web.client.cookies
    assert web.client.get("/teacher").status_code == 200


# --- compression ---------------------------------------------------------------------------------


def test_pages_and_static_text_are_compressed_with_brotli_or_gzip(web: Web) -> None:
    web.sign_in("teacher")
    for encoding in ("br", "gzip"):
        page = web.client.get("/teacher", headers={"Accept-Encoding": encoding})
        assert page.headers["content-encoding"] == encoding
        assert "Accept-Encoding" in page.headers["vary"]
        assert "Мои классы" in page.text  # decoded by the client
        css = web.client.get("/static/app.css", headers={"Accept-Encoding": encoding})
        assert css.headers["content-encoding"] == encoding
        assert "body" in css.text
    plain = web.client.get("/teacher", headers={"Accept-Encoding": "identity"})
    assert "content-encoding" not in plain.headers


def test_only_text_is_compressed() -> None:
    assert compressible("text/html; charset=utf-8")
    assert compressible("application/javascript")
    assert compressible("text/css")
    assert not compressible("application/pdf")
    assert not compressible("image/png")
    assert not compressible("application/zip")
    assert not compressible("")


# --- the replication thread ----------------------------------------------------------------------


def test_the_replication_thread_waits_between_rounds_without_peers(web: Web) -> None:
    """A school without peers: the thread looks at the feeds every REFRESH_SECONDS, it does not
    spin (a spinning thread took a core and the GIL from every page)."""
    rounds = []
    journal = web.sch.j
    real = journal.refresh_if_changed

    def counted() -> int:
        rounds.append(1)
        return real()

    journal.refresh_if_changed = counted  # type: ignore[method-assign]
    try:
        time.sleep(0.5)
    finally:
        del journal.refresh_if_changed
    assert len(rounds) <= 1
