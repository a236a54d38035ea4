"""A rebuild's largest tables written by a second process, into a file of their own, then moved
into the projection in one copy.

During a rebuild most of SQLite's work is inserting rows (the marks alone are half of them).
:class:`OffloadingWriter` is the :class:`~.batch.BatchedWriter` of the rebuild with one change:
the statements that name an offloaded table (:data:`OFFLOADED`) are sent, in order, to a worker
process that runs them on its own database file with the same schema, and whatever they return
comes back. Only these statements can read or change those tables, so the tables end up as if
written here. At the end the worker makes their indexes, and
:func:`move_tables` copies them in with ``INSERT INTO … SELECT *``, which SQLite does page by
page (its transfer optimisation: same schema, empty table) instead of row by row.
"""

from __future__ import annotations

import re
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from .batch import BatchedWriter, _insert_table
from .schema import DEFERRED_INDEXES, SCHEMA, index_sql

# Tables that no statement names together with a table outside the set (a statement naming
# both kinds raises OffloadError): the marks, their corrections, period and year marks.
OFFLOADED = ("marks", "mark_changes", "final_marks")
_NAMES = re.compile(r"\b(?:" + "|".join(OFFLOADED) + r")\b")
_OTHER_TABLES = re.compile(
    r"\b(?:"
    + "|".join(t for t in re.findall(r"CREATE TABLE (\w+)", SCHEMA) if t not in OFFLOADED)
    + r")\b"
)


class OffloadError(Exception):
    """A statement names offloaded and other tables together, or the worker failed."""


def _offloaded_indexes(tables: Sequence[str] = OFFLOADED) -> list[str]:
    return [n for n in DEFERRED_INDEXES if re.search(rf"ON ({'|'.join(tables)}) ", index_sql(n))]


class _Rows:
    """What a statement run by the worker returned, read like a cursor."""

    def __init__(self, rows: list[tuple[Any, ...]]) -> None:
        self.rows = rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def __iter__(self) -> Any:
        return iter(self.rows)


class OffloadingWriter(BatchedWriter):
    """The rebuild's writer: offloaded tables go to the worker (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection, worker: Worker) -> None:
        super().__init__(conn)
        self.worker = worker
        self._remote: dict[str, bool] = {}

    def _is_remote(self, sql: str) -> bool:
        found = self._remote.get(sql)
        if found is None:
            found = bool(_NAMES.search(sql))
            if found and _OTHER_TABLES.search(sql):
                raise OffloadError(f"a statement names offloaded and other tables: {sql}")
            self._remote[sql] = found
        return found

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self._last.get(sql)
        if rows is not None:
            rows.append(params)
            return None
        if self._is_remote(sql) and not _is_plain_insert(sql):
            self._write_named(sql)
            return _Rows(self.worker.ask(sql, params))
        return super().execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> None:
        if self._is_remote(sql) and not _is_plain_insert(sql):
            for params in rows:
                self.execute(sql, params)
            return
        super().executemany(sql, rows)

    def _write(self, table: str) -> None:
        if table not in OFFLOADED:
            super()._write(table)
            return
        for sql, rows in self._held.pop(table):
            self._last.pop(sql, None)
            self.worker.send_many(sql, rows)


def _is_plain_insert(sql: str) -> bool:
    return _insert_table(sql) is not None


class Worker:
    """The second process and the pipe to it."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # A new Python (no fork of a process that may have threads, and no re-import of the
        # caller's main module as multiprocessing's spawn does), talking over a socket pair.
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(path), str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
        )
        theirs.close()
        self.pipe = Connection(ours.detach())

    def send_many(self, sql: str, rows: list[Sequence[Any]]) -> None:
        self.pipe.send(("many", sql, rows))

    def ask(self, sql: str, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        self.pipe.send(("ask", sql, params))
        return self._reply()  # type: ignore[no-any-return]

    def finish(self) -> None:
        """Make the offloaded tables' indexes and close the file (start it; see :meth:`wait`)."""
        self.pipe.send(("end", "", ()))

    def wait(self) -> None:
        self._reply()
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.pipe.close()

    def _reply(self) -> Any:
        try:
            status, value = self.pipe.recv()
        except EOFError as e:
            raise OffloadError("the rebuild's second process stopped") from e
        if status != "ok":
            raise OffloadError(f"the rebuild's second process failed: {value}")
        return value


def _serve(path: str, pipe: Connection) -> None:
    """The worker: run what comes, in order, in one transaction on its own file."""
    conn = sqlite3.connect(path, isolation_level=None)
    try:
        for pragma in ("journal_mode = OFF", "synchronous = OFF", "cache_size = -262144"):
            conn.execute(f"PRAGMA {pragma}")
        conn.executescript(SCHEMA)
        indexes = _offloaded_indexes()
        for name in indexes:
            conn.execute(f"DROP INDEX {name}")
        conn.execute("BEGIN")
        while True:
            kind, sql, params = pipe.recv()
            if kind == "many":
                conn.executemany(sql, params)
            elif kind == "ask":
                pipe.send(("ok", conn.execute(sql, params).fetchall()))
            else:
                for name in indexes:
                    conn.execute(index_sql(name))
                conn.execute("COMMIT")
                break
        conn.close()
        pipe.send(("ok", None))
    except Exception as e:  # noqa: BLE001  (reported to the rebuild, which raises)
        pipe.send(("error", repr(e)))


def move_tables(
    conn: sqlite3.Connection, worker_file: Path, tables: Sequence[str] = OFFLOADED
) -> None:
    """Copy the offloaded tables from the worker's file into ``conn``'s (empty there)."""
    conn.execute("ATTACH DATABASE ? AS offloaded", (str(worker_file),))
    try:
        conn.execute("BEGIN")
        for table in tables:
            conn.execute(f"INSERT INTO main.{table} SELECT * FROM offloaded.{table}")
        conn.execute("COMMIT")
    finally:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        conn.execute("DETACH DATABASE offloaded")


if __name__ == "__main__":  # the worker process: FILE FD
    _serve(sys.argv[1], Connection(int(sys.argv[2])))
