"""Two sites of one school (the main school and its branch, issue #9 items 3–4): each writes its
own feed, they exchange feeds over HTTP on loopback while both accept new marks, and then both
verify and show the same journal; concurrent edits of one thing are resolved the same way on
both sites and listed as conflicts."""

from __future__ import annotations

import socket
import sqlite3
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import school_fixture as sf
import uvicorn
from browser import loopback_socket, start_uvicorn
from web_fixture import login_form

from ejournal.auth import AuthStore
from ejournal.datadir import DataDir
from ejournal.journal import Journal
from ejournal.log import SigningPolicy, verify_data_dir
from ejournal.log.keys import load_private_key
from ejournal.model.commands import teaching
from ejournal.projection.db import Projection, rebuild
from ejournal.queries.sites import conflicts
from sync.backup import backup
from sync.replica import replicate
from sync.restore import restore
from sync.source import HttpSource, SourceError
from sync.token import ensure_token
from web import create_app


@dataclass
class Site:
    path: Path
    journal: Journal
    clock: sf.Clock
    url: str
    token: str

    def pull(self, other: Site) -> int:
        """What the replication thread does: pull from the peer, then take the entries in."""
        result = replicate(
            HttpSource(other.url, other.token), self.path, DataDir(self.path).root_verifier()
        )
        assert result.ok, [f.problems for f in result.feeds]
        self.journal.refresh()
        return result.entries_copied


class _Server(uvicorn.Server):
    def install_signal_handlers(self) -> None:  # a thread cannot install them
        pass


Running = tuple[_Server, threading.Thread, Journal, socket.socket]


def _serve(path: Path, at: str, stack: list[Running]) -> Site:
    clock = sf.Clock(at)
    journal = Journal.open(path, clock=clock, policy=SigningPolicy(background=False))
    token = ensure_token(path)
    sock = loopback_socket()  # held from the start: no other test can take the port
    port = sock.getsockname()[1]
    app = create_app(path, journal=journal, secure_cookies=False)
    server = _Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = start_uvicorn(server, sock, "test server")
    stack.append((server, thread, journal, sock))
    return Site(path, journal, clock, f"http://127.0.0.1:{port}", token)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> sf.Built:
    return sf.build(tmp_path_factory.mktemp("sites") / "school")


@pytest.fixture
def sites(built: sf.Built, tmp_path: Path) -> Iterator[tuple[Site, Site, sf.Ids]]:
    """The main school's server, and a branch server set up from its backup with the root key
    (``ejournal restore … --root-private-key``): the whole school, and a feed of its own."""
    main = sf.copy(built, tmp_path / "main")
    flash = tmp_path / "flash"
    flash.mkdir()
    assert backup(main.path, flash, "флешка для филиала").ok
    root_signer = load_private_key(main.path / "keys" / "root.key")
    restored = restore(
        flash,
        tmp_path / "branch",
        root_signer.verifier(),
        root_signer=root_signer,
        feed_options={"clock": sf.Clock("2026-10-28 08:00")},
    )
    assert restored.ok and restored.device_feed
    stack: list[Running] = []
    try:
        a = _serve(main.path, "2026-10-28 09:00", stack)
        b = _serve(tmp_path / "branch", "2026-10-28 09:05", stack)
        yield a, b, built.ids
    finally:
        for server, thread, journal, sock in stack:
            server.should_exit = True
            thread.join(10)
            journal.close()
            sock.close()


def _tables(journal: Journal | Projection) -> dict[str, list[tuple[object, ...]]]:
    db: sqlite3.Connection = journal.conn if isinstance(journal, Projection) else journal.db
    names = [
        r[0]
        for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if r[0] != "meta"
    ]
    return {n: sorted(db.execute(f"SELECT * FROM {n}").fetchall(), key=repr) for n in names}


def test_two_servers_exchange_feeds_over_http_while_both_accept_marks(
    sites: tuple[Site, Site, sf.Ids],
) -> None:
    a, b, i = sites
    lessons = [v for k, v in sorted(i.lessons.items()) if k.startswith("math")]
    students = [i.alekseev, i.borisova, i.yolkina]
    stop = threading.Event()
    errors: list[BaseException] = []

    def exchange() -> None:
        try:
            while not stop.is_set():
                a.pull(b)
                b.pull(a)
        except BaseException as e:  # reported by the test below
            errors.append(e)

    thread = threading.Thread(target=exchange)
    thread.start()
    given = 0
    try:
        for n in range(12):  # both sites keep working while the exchange runs
            for site, value in ((a, "5"), (b, "4")):
                site.clock.set(f"2026-10-28 1{n // 6}:{n % 6}{n % 10}")
                teaching.give_mark(
                    site.journal,
                    i.math_teacher,
                    lesson=lessons[n % len(lessons)],
                    student=students[n % 3],
                    value=value,
                    kind="У",
                )
                given += 1
            time.sleep(0.01)
    finally:
        stop.set()
        thread.join(60)
    assert not errors, errors
    for _ in range(2):  # the last marks, then the receipts of them
        a.pull(b)
        b.pull(a)
    assert a.pull(b) == 0 and b.pull(a) == 0  # receipts do not call for receipts
    for site in (a, b):
        assert verify_data_dir(site.path, DataDir(site.path).root_verifier()).ok
    assert _tables(a.journal) == _tables(b.journal)
    # and both equal a rebuild from the feeds alone, in the merged order
    rebuilt = a.path.parent / "rebuilt.sqlite"
    rebuild(a.path / "feeds", rebuilt)
    fresh = Projection(rebuilt)
    try:
        assert _tables(fresh) == _tables(a.journal)  # type: ignore[arg-type]
    finally:
        fresh.close()
    count = a.journal.projection.query("SELECT COUNT(*) FROM marks WHERE at >= '2026-10-28'")
    assert count == [(given,)]


def test_concurrent_edits_resolve_the_same_way_and_are_listed(
    sites: tuple[Site, Site, sf.Ids],
) -> None:
    """The same attendance cell and the same mark changed on both sites before they met: the
    later in the merged order (time, feed, seq) is in force on both; both list the conflicts;
    a change made after seeing the other site's is not a conflict."""
    a, b, i = sites
    lesson, student = i.lessons["math 09-02"], i.alekseev
    mark = i.marks["math 09-02 alekseev"]
    teaching.mark_attendance(a.journal, i.math_teacher, lesson=lesson, student=student, code="Н")
    teaching.correct_mark(a.journal, i.math_teacher, mark=mark, value="4", reason="пересчёт")
    # the branch's clock is 5 minutes ahead: its changes come later in the merged order
    teaching.mark_attendance(b.journal, i.math_teacher, lesson=lesson, student=student, code="Б")
    teaching.correct_mark(b.journal, i.math_teacher, mark=mark, value="3", reason="ошибка")
    for _ in range(2):
        a.pull(b)
        b.pull(a)
    for site in (a, b):
        db = site.journal.db
        assert db.execute(
            "SELECT code FROM attendance WHERE lesson = ? AND student = ?", (lesson, student)
        ).fetchone() == ("Б",)
        assert db.execute("SELECT current FROM marks WHERE mark = ?", (mark,)).fetchone() == ("3",)
    found = conflicts(a.journal.db)
    assert found == conflicts(b.journal.db)
    assert sorted((c.kind, c.earlier.value, c.later.value) for c in found) == [
        ("attendance", "Н", "Б"),
        ("mark", "4", "3"),
    ]
    assert all(c.earlier.ref.split("#")[0] == a.journal.feed.dir.name for c in found)
    # the administration sees them on the branch's /conflicts page
    auth = AuthStore.of(b.path)
    auth.set_password(i.admin, "admin", "пароль-для-тестов")
    auth.close()
    with httpx.Client(base_url=b.url) as client:
        client.post("/login", data=login_form(client, "admin", "пароль-для-тестов"))
        page = client.get("/conflicts")
    assert page.status_code == 200
    assert "посещаемость" in page.text and "«Н»" in page.text and "«Б»" in page.text
    # the main school, having received the branch's change, changes the cell again: no conflict
    a.clock.set("2026-10-28 10:00")
    teaching.mark_attendance(a.journal, i.math_teacher, lesson=lesson, student=student, code="У")
    for _ in range(2):
        a.pull(b)
        b.pull(a)
    assert conflicts(b.journal.db) == found
    assert _tables(a.journal) == _tables(b.journal)


def test_replication_needs_the_token(sites: tuple[Site, Site, sf.Ids]) -> None:
    a, b, _ = sites
    with pytest.raises(SourceError, match="refused replication"):
        HttpSource(a.url, "not-the-token").feeds()
    (a.path / "replication.token").unlink()
    with pytest.raises(SourceError, match="404"):
        HttpSource(a.url, a.token).feeds()
    assert HttpSource(b.url, b.token).feeds()


def test_sync_command_pulls_from_a_peer_over_http(
    sites: tuple[Site, Site, sf.Ids], built: sf.Built, tmp_path: Path
) -> None:
    """`ejournal sync DATA_DIR http://…` into a stopped server: the branch's feed comes in,
    verified, and the projection takes it in (with the receipt in this server's feed)."""
    from click.testing import CliRunner

    from ejournal.cli import main

    _, b, i = sites
    teaching.give_mark(
        b.journal,
        i.math_teacher,
        lesson=i.lessons["math 09-02"],
        student=i.borisova,
        value="5",
        kind="У",
    )
    third = sf.copy(built, tmp_path / "third")
    token = tmp_path / "token"
    token.write_text(b.token + "\n")
    result = CliRunner().invoke(main, ["sync", str(third.path), b.url, "--token-file", str(token)])
    assert result.exit_code == 0, result.output
    assert "new" in result.output and "receipt is recorded" in result.output
    with sf.open_journal(third.path) as j:
        assert j.projection.position(b.journal.feed.dir.name) == b.journal.feed.size
        given = j.projection.query(
            "SELECT COUNT(*) FROM marks WHERE ref LIKE ?", (b.journal.feed.dir.name + "#%",)
        )
        assert given == [(1,)]
    assert verify_data_dir(third.path, DataDir(third.path).root_verifier()).ok
    result = CliRunner().invoke(main, ["sync", str(third.path), b.url])
    assert result.exit_code == 2 and "token" in result.output
