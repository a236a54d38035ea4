"""Read-only connections to the projection, one per thread: pages read a consistent snapshot
without waiting for the journal's lock, which a command holds while it checks its rules,
appends durably (fsync) and applies its entries. SQLite in WAL mode lets readers and the one
writer work at the same time; a reader sees only committed transactions, so never a half-applied
entry."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Readers:
    """Per-thread read-only connections to one SQLite file (the projection)."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[sqlite3.Connection] = []
        self._closed = False

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            with self._lock:
                if self._closed:
                    raise sqlite3.ProgrammingError("the journal is closed")
                conn = sqlite3.connect(
                    f"{self.path.resolve().as_uri()}?mode=ro",
                    uri=True,
                    isolation_level=None,
                    check_same_thread=False,  # only this thread uses it; close() may be elsewhere
                )
                conn.execute("PRAGMA query_only = ON")
                self._all.append(conn)
            self._local.conn = conn
            self._local.depth = 0
        return conn

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """This thread's read-only connection inside one read transaction: every query in the
        block sees the same committed state. Re-entrant within a thread."""
        conn = self._connection()
        outer = self._local.depth == 0
        if outer:
            conn.execute("BEGIN")
        self._local.depth += 1
        try:
            yield conn
        finally:
            self._local.depth -= 1
            if outer:
                conn.execute("COMMIT")

    def close(self) -> None:
        """Close every thread's connection (the journal is closing)."""
        with self._lock:
            self._closed = True
            for conn in self._all:
                conn.close()
            self._all.clear()
