"""Per-thread read-only snapshots of the projection (``Journal.reader``): pages read without
waiting for the journal's lock and see only committed entries."""

from __future__ import annotations

import sqlite3
import threading
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]


def _lessons(db: sqlite3.Connection) -> int:
    return int(db.execute("SELECT count(*) FROM lessons").fetchone()[0])


def test_a_reader_sees_what_a_command_committed(sch: Sch) -> None:
    with sch.j.reader() as db:
        before = _lessons(db)
    sch.lesson(sch.ids.math_5a, "2026-11-16", number=1)
    with sch.j.reader() as db:
        assert _lessons(db) == before + 1


def test_a_snapshot_stays_the_same_while_a_command_writes(sch: Sch) -> None:
    with sch.j.reader() as db:
        before = _lessons(db)
        done = threading.Event()

        def write() -> None:
            sch.lesson(sch.ids.math_5a, "2026-11-16", number=1)
            done.set()

        worker = threading.Thread(target=write)
        worker.start()
        assert done.wait(10), "the writer waited for a reader"
        worker.join()
        assert _lessons(db) == before  # one read transaction: one state
    with sch.j.reader() as db:
        assert _lessons(db) == before + 1


def test_reading_does_not_wait_for_the_journals_lock(sch: Sch) -> None:
    found: list[int] = []
    with sch.j.command():  # a command in progress holds the lock
        reader = threading.Thread(target=lambda: found.append(_read(sch)))
        reader.start()
        reader.join(10)
        assert found, "the reader waited for the lock"


def _read(sch: Sch) -> int:
    with sch.j.reader() as db:
        return _lessons(db)


def test_each_thread_has_its_own_read_only_connection(sch: Sch) -> None:
    seen: list[sqlite3.Connection] = []

    def grab() -> None:
        with sch.j.reader() as db:
            seen.append(db)

    threads = [threading.Thread(target=grab) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    with sch.j.reader() as mine, sch.j.reader() as again:
        assert mine is again  # re-entrant within a thread
        assert mine is not sch.j.db
        with pytest.raises(sqlite3.OperationalError):
            mine.execute("DELETE FROM lessons")
    assert len({id(c) for c in seen}) == 3


def test_closing_the_readers_closes_every_connection_and_refuses_new_ones(sch: Sch) -> None:
    with sch.j.reader() as db:
        assert _lessons(db) >= 0
    sch.j.readers.close()
    with pytest.raises(sqlite3.ProgrammingError):
        db.execute("SELECT 1")
    refused: list[Exception] = []

    def read_in_a_new_thread() -> None:
        try:
            _read(sch)
        except sqlite3.ProgrammingError as e:
            refused.append(e)

    t = threading.Thread(target=read_in_a_new_thread)
    t.start()
    t.join()
    assert refused
