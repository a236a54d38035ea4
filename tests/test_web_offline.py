"""R-SEC-5: the journal works on the school's own server without internet. No page of any role,
and not the stylesheet, has the browser load anything from another host: scripts, styles,
fonts, pictures and forms all come from, and go to, the server itself."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]

HOST = "testserver.local"  # web_fixture's base URL
# what a browser fetches or sends by itself: everything but a plain link
_LOADED = re.compile(
    r"<(?:script|link|img|iframe|frame|source|track|video|audio|embed|object|input|form)\b"
    r"[^>]*?\s(?:src|href|action|data|poster|formaction|srcset)\s*=\s*[\"']([^\"']*)[\"']",
    re.IGNORECASE,
)
_CSS_URL = re.compile(r"""(?:url\(\s*|@import\s+)["']?([^"')\s;]+)""", re.IGNORECASE)
_LINK = re.compile(r'<a\b[^>]*\shref="(/[^"#]*)"', re.IGNORECASE)


def _foreign(url: str) -> bool:
    """A URL naming another host (``https://…``, ``//…``) or a scheme other than the page's."""
    parts = urlsplit(url.strip())
    if parts.scheme in ("", "https", "http"):
        return parts.netloc not in ("", HOST)
    return parts.scheme not in ("data", "blob", "javascript")


def test_foreign_urls_are_told_from_the_servers_own() -> None:
    own = ["/static/app.css", "static/x.js", "https://testserver.local/x", "data:image/png;base64,"]
    foreign = ["https://unpkg.com/htmx.org", "//fonts.googleapis.com/css", "http://10.0.0.1/a"]
    assert [u for u in own if _foreign(u)] == []
    assert [u for u in foreign if not _foreign(u)] == []
    assert _LOADED.findall('<script defer src="https://cdn.example/x.js"></script>') == [
        "https://cdn.example/x.js"
    ]
    assert _CSS_URL.findall("a{background:url('//cdn.example/p.png')} @import \"y.css\";") == [
        "//cdn.example/p.png",
        "y.css",
    ]


def test_no_page_of_any_role_loads_anything_from_another_host(web: Web) -> None:  # R-SEC-5
    seen: dict[str, str] = {}  # page → the role that opened it first
    loaded: set[str] = set()
    for role in web.logins:
        web.client.cookies.clear()
        web.sign_in(role)
        start = web.client.get("/", follow_redirects=True)
        assert start.status_code == 200, role
        # the start page, the pages it links to and the pages they link to
        todo, opened = [(str(start.url.path), 0)], {"/logout"}
        while todo:
            path, depth = todo.pop(0)
            if path in opened:
                continue
            opened.add(path)
            response = web.client.get(path)
            if response.status_code != 200 or "text/html" not in response.headers["content-type"]:
                continue
            seen.setdefault(path, role)
            found = _LOADED.findall(response.text)
            assert [u for u in found if _foreign(u)] == [], f"{role}: {path}"
            loaded.update(u for u in found if u.startswith("/static/"))
            if depth < 2:
                todo += [(link, depth + 1) for link in sorted(set(_LINK.findall(response.text)))]
    assert len(seen) > 50  # every role's pages, two links away from its start page
    assert {"/static/app.css"} <= {u.split("?")[0] for u in loaded}
    assert any(u.split("?")[0].endswith(".js") for u in loaded)  # htmx, served by the app
    for asset in loaded:
        response = web.client.get(asset)
        assert response.status_code == 200, asset
        if asset.split("?")[0].endswith(".css"):
            urls = _CSS_URL.findall(response.text)
            assert [u for u in urls if _foreign(u)] == [], asset
