"""A journal served over https with the school's own certificate (issue #10), and Chromium
trusting exactly that server key: ``--ignore-certificate-errors-spki-list`` with the
base64 SHA-256 of the server certificate's public key, never "ignore all errors"."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import uvicorn
from browser import CHROMIUM, CHROMIUM_ARGS, loopback_socket, serving
from litestar import Litestar


@contextmanager
def https_server(app: Litestar, data_dir: Path) -> Iterator[str]:
    """Serve ``app`` over https with DATA_DIR/tls on a free loopback port; yields its URL."""
    sock = loopback_socket()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=sock.getsockname()[1],
        log_level="warning",
        ssl_certfile=str(data_dir / "tls" / "server.crt"),
        ssl_keyfile=str(data_dir / "tls" / "server.key"),
    )
    with serving(config, sock, "https server"):
        yield f"https://localhost:{config.port}"


def launch_pinned(browser_type: Any, spki: str | None) -> Any:
    """Another Chromium of the session's Playwright (``chromium.browser_type``, from the
    ``chromium`` fixture: one Playwright per process) that trusts the server key ``spki``
    (None: nothing beyond the system's roots)."""
    extra = [f"--ignore-certificate-errors-spki-list={spki}"] if spki else []
    return browser_type.launch(executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra])
