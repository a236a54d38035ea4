"""The projection database: applying entries (idempotent, in order, one transaction per batch
together with the position reached) and rebuilding it from the feeds."""

from __future__ import annotations

import heapq
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, cast

import msgspec
import sqlite_utils

from ..log.entry import Entry
from ..log.reader import read_chunks, read_entries
from ..model import events as ev
from . import handlers_sync  # noqa: F401  (registers the replication handlers, issue #9)
from .apply import HANDLERS, Cache, Ctx, is_compromised
from .batch import BatchedWriter
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
            self.conn.execute(
                "INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
            )
        else:
            row = self.conn.execute(
                "SELECT value FROM meta WHERE key = 'schema_version'"
            ).fetchone()
            if row is None or row[0] != str(SCHEMA_VERSION):
                raise ProjectionError(
                    f"{path}: projection schema is not version {SCHEMA_VERSION}; rebuild it"
                )
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
        writer = BatchedWriter(conn)
        handlers_db = cast(sqlite3.Connection, writer)  # it runs every statement handlers use
        conn.execute("BEGIN IMMEDIATE")
        try:
            start = self.position(feed)
            fresh = start
            for entry in entries:
                if entry.seq < start:
                    continue
                if entry.seq != start:
                    raise ProjectionError(
                        f"entry {feed}#{entry.seq} applied out of order (expected {start})"
                    )
                self._apply_one(entry, writer, handlers_db)
                start += 1
            writer.flush()
            conn.execute("INSERT OR REPLACE INTO positions VALUES (?, ?)", (feed, start))
            if start > fresh:  # something was applied: the first and last of it
                self._note_order(entries[fresh - entries[0].seq], entries[-1])
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            self.cache = Cache(conn)  # the in-memory cache may hold rolled-back rows
            raise

    def _apply_one(self, entry: Entry, writer: BatchedWriter, db: sqlite3.Connection) -> None:
        kind = entry.type
        if kind in IGNORED_TYPES:
            return
        cls = ev.REGISTRY.get(kind)
        try:
            event = None if cls is None else msgspec.convert(entry.data, cls)
        except msgspec.ValidationError:
            event = None
        at = utc(entry.time)
        ref = f"{entry.feed}#{entry.seq}"
        if event is None:
            writer.execute(
                "INSERT OR REPLACE INTO unknown_entries VALUES (?, ?, ?)", (ref, kind, at)
            )
            return
        actor = entry.actor
        invalid = int(actor in self.cache.compromised and is_compromised(self.cache, actor, at))
        HANDLERS[cls](db, self.cache, Ctx(ref, at, entry.time[:10], actor, invalid), event)  # type: ignore[index]

    def _note_order(self, first: Entry, last: Entry) -> None:
        """Keep the merge key of the last entry applied; a batch that goes before it breaks the
        merged order (docs/SYNC.md) and asks for a rebuild."""
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'merge_last'").fetchone()
        if row is not None and order_text(merge_key(first)) < row[0]:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('merge_broken', '1')")
        newest = order_text(merge_key(last))
        if row is None or newest > row[0]:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('merge_last', ?)", (newest,))

    def in_merged_order(self, feeds_dir: Path) -> bool:
        """Whether what is applied, and what the feeds hold beyond it, keep the merged order
        (every entry not yet applied comes after the last one applied). When not, the
        projection must be rebuilt (:func:`rebuild`) to apply entries in that order."""
        flag = self.conn.execute("SELECT value FROM meta WHERE key = 'merge_broken'").fetchone()
        if flag is not None:
            return False
        row = self.conn.execute("SELECT value FROM meta WHERE key = 'merge_last'").fetchone()
        if row is None:
            return True
        for feed_dir in _feed_dirs(feeds_dir):
            first = next(read_entries(feed_dir, self.position(feed_dir.name)), None)
            if first is not None and order_text(merge_key(first)) < row[0]:
                return False
        return True

    def catch_up(self, feeds_dir: Path) -> int:
        """Apply whatever the feeds hold beyond what is applied, in the merged order of all
        feeds (time of entry in UTC, then feed id, then seq; docs/SYNC.md); returns how many."""
        applied = 0
        pending = [
            d for d in _feed_dirs(feeds_dir) if next(read_entries(d, self.position(d.name)), None)
        ]
        if len(pending) == 1:  # one feed has news (the usual case): no merging needed
            for chunk in read_chunks(pending[0], self.position(pending[0].name), CHUNK):
                self.apply(chunk)
                applied += len(chunk)
            return applied
        streams = [read_entries(d, self.position(d.name)) for d in pending]
        run: list[Entry] = []
        for entry in heapq.merge(*streams, key=merge_key):
            if run and (entry.feed != run[0].feed or len(run) >= CHUNK):
                self.apply(run)
                applied += len(run)
                run = []
            run.append(entry)
        if run:
            self.apply(run)
            applied += len(run)
        return applied

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.conn.execute(sql, params).fetchall()


def merge_key(entry: Entry) -> tuple[str, str, int]:
    """Where an entry goes in the merged order of a school's feeds: its time of entry as a UTC
    instant, then its feed id, then its seq. Within one feed times never decrease (FORMAT §3),
    so the merge keeps each feed's own order."""
    return (utc(entry.time), entry.feed, entry.seq)


def order_text(key: tuple[str, str, int]) -> str:
    return f"{key[0]} {key[1]} {key[2]:016d}"


def _feed_dirs(feeds_dir: Path) -> list[Path]:
    return sorted(p for p in feeds_dir.iterdir() if p.is_dir())


def rebuild(feeds_dir: Path, path: Path) -> int:
    """Build the projection from the feeds alone into ``path`` (replaced atomically).

    Returns:
        The number of entries applied.
    """
    from .rebuild import rebuild as rebuild_fast  # it builds on this module

    return rebuild_fast(feeds_dir, path)
