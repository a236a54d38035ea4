"""The projection database: applying entries (idempotent, in order, one transaction per batch
together with the position reached) and rebuilding it from the feeds."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import msgspec
import sqlite_utils

from ..log.entry import Entry
from ..log.reader import read_entries
from ..model import events as ev
from .apply import HANDLERS, Cache, Ctx, is_compromised
from .schema import SCHEMA, SCHEMA_VERSION
from .times import utc

IGNORED_TYPES = frozenset({"key.certify", "key.revoke"})  # the log's own entries
CHUNK = 10_000


class ProjectionError(Exception):
    """The projection is unusable (wrong schema version, corrupt file): rebuild it."""


@dataclass(frozen=True)
class RebuildStats:
    entries: int
    seconds: float


class Projection:
    """The SQLite database the pages read, kept in step with the feeds."""

    def __init__(self, path: Path | str) -> None:
        self.path = path
        fresh = str(path) == ":memory:" or not Path(path).exists()
        self.conn = sqlite3.connect(str(path), isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA journal_mode = WAL")
        self.conn.execute("PRAGMA synchronous = NORMAL")
        self.db = sqlite_utils.Database(self.conn)
        if fresh:
            self.conn.executescript(SCHEMA)
            self.conn.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))
        else:
            row = self.conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
            if row is None or row[0] != str(SCHEMA_VERSION):
                raise ProjectionError(f"{path}: projection schema is not version {SCHEMA_VERSION}; rebuild it")
        self.cache = Cache(self.conn)

    def close(self) -> None:
        self.conn.close()

    def position(self, feed: str) -> int:
        row = self.conn.execute("SELECT next_seq FROM positions WHERE feed = ?", (feed,)).fetchone()
        return row[0] if row else 0

    def apply(self, entries: Sequence[Entry]) -> None:
        """Apply entries of one feed in order; those already applied are skipped."""
        if not entries:
            return
        feed = entries[0].feed
        conn = self.conn
        conn.execute("BEGIN IMMEDIATE")
        try:
            start = self.position(feed)
            for entry in entries:
                if entry.seq < start:
                    continue
                if entry.seq != start:
                    raise ProjectionError(f"entry {feed}#{entry.seq} applied out of order (expected {start})")
                self._apply_one(entry)
                start += 1
            conn.execute("INSERT OR REPLACE INTO positions VALUES (?, ?)", (feed, start))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            self.cache = Cache(conn)  # the in-memory cache may hold rolled-back rows
            raise

    def _apply_one(self, entry: Entry) -> None:
        if entry.type in IGNORED_TYPES:
            return
        try:
            event = ev.decode(entry.type, entry.data)
        except msgspec.ValidationError:
            event = None
        at = utc(entry.time)
        if event is None:
            self.conn.execute(
                "INSERT OR REPLACE INTO unknown_entries VALUES (?, ?, ?)", (f"{entry.feed}#{entry.seq}", entry.type, at)
            )
            return
        invalid = int(is_compromised(self.cache, entry.actor, at))
        ctx = Ctx(f"{entry.feed}#{entry.seq}", at, entry.time[:10], entry.actor, invalid)
        HANDLERS[type(event)](self.conn, self.cache, ctx, event)

    def catch_up(self, feeds_dir: Path) -> int:
        """Apply whatever the feeds hold beyond what is applied; returns how many entries."""
        applied = 0
        for feed_dir in sorted(p for p in feeds_dir.iterdir() if p.is_dir()):
            for chunk in _chunks(read_entries(feed_dir, self.position(feed_dir.name)), CHUNK):
                self.apply(chunk)
                applied += len(chunk)
        return applied

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()


def _chunks(items: Iterable[Entry], size: int) -> Iterable[list[Entry]]:
    chunk: list[Entry] = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def rebuild(feeds_dir: Path, path: Path) -> int:
    """Build the projection from the feeds alone into ``path`` (replaced atomically).

    Returns:
        The number of entries applied.
    """
    tmp = path.with_name(path.name + ".rebuild")
    for leftover in (tmp, Path(f"{tmp}-wal"), Path(f"{tmp}-shm")):
        leftover.unlink(missing_ok=True)
    projection = Projection(tmp)
    projection.conn.execute("PRAGMA synchronous = OFF")
    try:
        count = projection.catch_up(feeds_dir)
        projection.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        projection.close()
    for stale in (Path(f"{path}-wal"), Path(f"{path}-shm")):
        stale.unlink(missing_ok=True)
    os.replace(tmp, path)
    return count
