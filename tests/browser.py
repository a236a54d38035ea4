"""Real headless Chromium for the browser tests: a live server over a school's data directory,
Playwright driving Debian's chromium, axe-core for accessibility, screenshots kept to look at.

``make test`` installs what this needs: the Debian package ``chromium``, the pip package
``playwright`` (its driver only: never ``playwright install``) and the npm package ``axe-core``
into ``.cache/axe``. Use it with ``pytest_plugins = ["browser"]`` or import its helpers.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from litestar import Litestar

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = Path("/usr/bin/chromium")
AXE = ROOT / ".cache" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
# Viewports the users have: an old school PC, and a parent's phone.
DESKTOP = {"width": 1366, "height": 768}
PHONE = {"width": 360, "height": 740}


def free_port() -> int:
    """A loopback port free now, for a server in another process (in this process, serve a
    ``loopback_socket()`` instead: the port is held from the start, no other test takes it)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def loopback_socket() -> socket.socket:
    """A socket bound to a port of 127.0.0.1 the system chose, for uvicorn to listen on."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def start_uvicorn(server: uvicorn.Server, sock: socket.socket, what: str) -> threading.Thread:
    """Run ``server`` on ``sock`` in a daemon thread; return once it accepts connections."""
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"the {what} did not start")
        time.sleep(0.02)
    return thread


@contextmanager
def serving(config: uvicorn.Config, sock: socket.socket, what: str) -> Iterator[None]:
    """Run a uvicorn server of ``config`` on ``sock`` (:func:`start_uvicorn`) while the block
    runs; then stop it and close the socket."""
    server = uvicorn.Server(config)
    try:
        thread = start_uvicorn(server, sock, what)
        try:
            yield
        finally:
            server.should_exit = True
            thread.join(10)
    finally:
        sock.close()


@contextmanager
def live_server(app: Litestar) -> Iterator[str]:
    """Serve ``app`` with uvicorn in a thread on a free loopback port; yields its base URL."""
    sock = loopback_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    with serving(config, sock, "test server"):
        yield f"http://127.0.0.1:{port}"


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """One headless Debian Chromium for the whole test session."""
    if not CHROMIUM.exists():
        pytest.fail(
            "Debian chromium is missing: `make test` installs it (apt-get install chromium)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def screenshot(page: Any, name: str) -> Path:
    """Save a full-page screenshot under build/screenshots/ (to look at) and return its path."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def serious_accessibility_issues(page: Any) -> list[str]:
    """Run axe-core on the page; the serious and critical violations, one line each."""
    if not AXE.exists():
        pytest.fail(f"axe-core is missing at {AXE}: `make test` installs it with npm")
    page.add_script_tag(path=str(AXE))
    # Only the violations are read: axe then skips the selectors of what passed (its documented
    # performance option); the violations it reports are the same.
    result = page.evaluate("axe.run({resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {[n['target'] for n in v['nodes']][:3]}"
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def page_weight(page: Any, url: str) -> int:
    """Bytes transferred to load ``url`` in ``page``: bodies as received over the network; a
    response the browser serves from its own cache counts 0 (Chromium reports a negative body
    size for those, while ``response.body()`` still gives the cached bytes)."""
    sizes: list[int] = []

    def count(response: Any) -> None:
        transferred = response.request.sizes()["responseBodySize"] if response.ok else 0
        sizes.append(max(0, transferred))

    page.on("response", count)
    try:
        page.goto(url, wait_until="networkidle")
    finally:
        page.remove_listener("response", count)
    return sum(sizes)


class Site:
    """The small school of ``school.py`` served live: its URL and one login per role."""

    def __init__(self, url: str, sch: Any, logins: dict[str, str], password: str) -> None:
        self.url = url
        self.sch = sch
        self.logins = logins
        self.password = password

    def sign_in(self, page: Any, role: str) -> None:
        """Sign in through the login form as the person of ``role``."""
        page.goto(self.url + "/login")
        page.get_by_label("Логин").fill(self.logins[role])
        page.get_by_label("Пароль").fill(self.password)
        page.get_by_role("button", name="Войти").click()
        page.wait_for_load_state()


@pytest.fixture(scope="session")
def shared_http_app(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The web app served to Chromium over http (cookies not Secure), one per worker."""
    from web_fixture import SharedApp

    return SharedApp.build(tmp_path_factory, secure_cookies=False)


@pytest.fixture
def site(
    sch: Any, shared_http_app: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """The small school served over http on loopback, accounts as in ``web_fixture``."""
    from argon2 import PasswordHasher
    from web_fixture import PASSWORD, FakeTime, people_by_role

    from ejournal.auth import AuthStore

    fast = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    auth = AuthStore(tmp_path_factory.mktemp("auth") / "auth.sqlite", clock=FakeTime(), hasher=fast)
    logins = {}
    for role, person in people_by_role(sch).items():
        auth.set_password(person, role, PASSWORD)
        logins[role] = role
    try:
        with shared_http_app.serving(sch.j, auth, live_server) as url:
            yield Site(url, sch, logins, PASSWORD)
    finally:
        auth.close()
