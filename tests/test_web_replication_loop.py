"""The server's replication thread (web/views/feeds.py) with no peers listed: it refreshes the
journal on its timer, and does not spin (a busy loop there took the journal's lock and a core
from every request, issue #4)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from web_fixture import Web

pytest_plugins = ["school", "web_fixture"]


def test_with_no_peers_the_replication_thread_waits_between_rounds(web: Web) -> None:
    journal = web.sch.j
    rounds = 0
    real = journal.refresh_if_changed

    def counting() -> int:
        nonlocal rounds
        rounds += 1
        return real()

    journal.refresh_if_changed = counting  # type: ignore[method-assign]
    try:
        time.sleep(0.5)
    finally:
        del journal.refresh_if_changed
    assert rounds <= 1  # one round at start at most; the next one after REFRESH_SECONDS
    assert web.client.get("/login").status_code == 200
