"""An open school: this device's feed (the one writer), the projection, and the lock that makes
each command check-then-write atomic. Commands (``ejournal.model.commands``) run through
:meth:`Journal.record`."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import Any

from .datadir import DataDir
from .log.entry import Entry
from .log.feed import Feed, NewEntry
from .log.reader import read_entries
from .model.events import Event, ReplicaReceived
from .model.ids import IdFactory
from .projection.db import Projection, ProjectionError, rebuild


def _open_projection(data_dir: DataDir, feed: Feed) -> tuple[Projection, bool]:
    """The projection, up to date with every feed in the merged order (rebuilt if need be),
    and whether it was rebuilt."""
    db_path = data_dir.path / "journal.sqlite"
    try:
        projection = Projection(db_path)
        # Entries reach the projection a moment before their fsync (Journal.command): after a
        # power cut the log may have lost some the projection holds. It is then rebuilt.
        ahead = projection.position(feed.id) > feed.size
        if not ahead and projection.in_merged_order(data_dir.feeds):
            projection.catch_up(data_dir.feeds)
            return projection, False
        projection.close()
    except ProjectionError:
        pass
    rebuild(data_dir.feeds, db_path)
    projection = Projection(db_path)
    projection.catch_up(data_dir.feeds)
    return projection, True


def _only_receipts(feed_dir: Path, start: int) -> bool:
    """Whether the entries of a feed from ``start`` on are all replication receipts."""
    return all(e.type == ReplicaReceived.TYPE for e in read_entries(feed_dir, start))


class Journal:
    """The library's entry point for everything that reads or writes a school's journal."""

    def __init__(self, data_dir: DataDir, feed: Feed, projection: Projection) -> None:
        self.data_dir = data_dir
        self.feed = feed
        self.projection = projection
        self._lock = threading.RLock()
        self._local = threading.local()  # per thread: command depth, feed end to wait for
        self.ids = IdFactory()
        self._foreign_seen: list[tuple[str, int, int]] | None = None
        self.upgrade: Any = None  # the UpgradeReport of opening it (ejournal.upgrade)

    @classmethod
    def open(cls, path: Path, **feed_options: Any) -> Journal:
        """Open a school's data directory for writing; bring the projection up to date.

        A projection of another schema version is rebuilt from the feeds; a data directory
        written by a newer ejournal is refused (``ejournal.upgrade``).
        """
        from . import upgrade

        data_dir = DataDir(path).require()
        before = upgrade.check_format(data_dir)
        feed = data_dir.open_feed(**feed_options)
        try:
            db_path = data_dir.path / "journal.sqlite"
            schema = upgrade.projection_version(db_path)
            projection, rebuilt = _open_projection(data_dir, feed)
            report = upgrade.finish(data_dir, before, schema, rebuilt)
        except BaseException:
            feed.close()
            raise
        journal = cls(data_dir, feed, projection)
        journal.upgrade = report
        journal._record_receipts()
        return journal

    def refresh(self) -> int:
        """Take in what other feeds gained since (a branch school's entries a sync brought).

        Entries that come after everything applied are applied in place; entries of another
        feed that go before the last one applied (the usual case: a sync brings a week of the
        branch's work) make the projection be rebuilt in the merged order (docs/SYNC.md). The
        receipt of the new entries is then recorded in this device's feed.

        Returns:
            How many entries were new.
        """
        with self.command():
            before = self._positions()
            if not self.projection.in_merged_order(self.data_dir.feeds):
                self.projection.close()
                rebuild(self.data_dir.feeds, self.data_dir.path / "journal.sqlite")
                self.projection = Projection(self.data_dir.path / "journal.sqlite")
            self.projection.catch_up(self.data_dir.feeds)
            after = self._positions()
            self._record_receipts()
            return sum(after.values()) - sum(before.values())

    def refresh_if_changed(self) -> int:
        """:meth:`refresh`, only when another feed's checkpoints changed since the last look
        (a stat per feed: cheap enough for a server's timer)."""
        own = self.feed.dir.name
        seen = []
        for feed_dir in sorted(p for p in self.data_dir.feeds.iterdir() if p.is_dir()):
            if feed_dir.name == own:
                continue
            try:
                st = (feed_dir / "checkpoints").stat()
            except FileNotFoundError:
                continue
            seen.append((feed_dir.name, st.st_size, st.st_mtime_ns))
        with self._lock:
            broken = self.projection.query("SELECT 1 FROM meta WHERE key = 'merge_broken'")
        if seen == self._foreign_seen and not broken:
            return 0
        self._foreign_seen = seen
        return self.refresh()

    def _positions(self) -> dict[str, int]:
        return dict(self.projection.query("SELECT feed, next_seq FROM positions"))

    def _record_receipts(self) -> None:
        """Record that this site now holds other feeds' entries (replica.received), when it
        holds journal entries it had not recorded yet (receipts alone do not call for one:
        two sites would answer each other's receipts for ever)."""
        own = self.feed.dir.name
        seen = dict(
            self.projection.query(
                "SELECT other, MAX(size) FROM receipts WHERE feed = ? GROUP BY other", (own,)
            )
        )
        events: list[Event] = []
        for other, size in sorted(self._positions().items()):
            if other == own or size <= seen.get(other, 0):
                continue
            if _only_receipts(self.data_dir.feeds / other, seen.get(other, 0)):
                continue
            events.append(ReplicaReceived(feed=other, size=size))
        if events:
            self.record("system", events)

    @property
    def db(self) -> Any:
        """The projection's sqlite3 connection (read it in queries; never write to it)."""
        return self.projection.conn

    def now(self) -> datetime:
        return self.feed.clock.now()

    def today(self) -> str:
        """The school's current local date, ``YYYY-MM-DD``."""
        return self.now().date().isoformat()

    def today_date(self) -> date:
        return self.now().date()

    @contextmanager
    def command(self) -> Iterator[None]:
        """Hold the journal while a command checks its rules and writes (or a page reads).

        What :meth:`record` wrote inside is durable when the outermost ``command`` of the
        thread returns: the lock is let go first and the fsync waited for after, so that the
        commands of many threads share one fsync (group commit) while each still checks its
        rules against every entry written before it. Those entries are in the projection
        already, a few milliseconds before they are on disk; nobody is answered before.
        """
        local = self._local
        depth = getattr(local, "depth", 0)
        try:
            with self._lock:
                local.depth = depth + 1
                try:
                    yield
                finally:
                    local.depth = depth
        finally:
            if depth == 0:
                self._settle()

    def record(self, actor: str, events: Sequence[Event]) -> list[Entry]:
        """Append events as entries and apply them to the projection; they are durable when
        the caller's outermost :meth:`command` returns (this call's own, if there is none)."""
        with self.command():
            entries = self.feed.write([NewEntry(e.TYPE, e.to_data(), actor) for e in events])
            if entries:
                self._local.owed = entries[-1].seq + 1
            self.projection.apply(entries)
            return entries

    def _settle(self) -> None:
        """Wait until what this thread wrote is durable (the lock is not held)."""
        owed = getattr(self._local, "owed", 0)
        if owed:
            self._local.owed = 0
            self.feed.sync(owed)

    def close(self) -> None:
        with self._lock:  # not while another thread reads or refreshes
            try:
                self.feed.close()
            finally:
                self.projection.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
