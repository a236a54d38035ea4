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
from .model.events import Event
from .model.ids import IdFactory
from .projection.db import Projection, ProjectionError, rebuild


class Journal:
    """The library's entry point for everything that reads or writes a school's journal."""

    def __init__(self, data_dir: DataDir, feed: Feed, projection: Projection) -> None:
        self.data_dir = data_dir
        self.feed = feed
        self.projection = projection
        self._lock = threading.RLock()
        self.ids = IdFactory()

    @classmethod
    def open(cls, path: Path, **feed_options: Any) -> Journal:
        """Open a school's data directory for writing; bring the projection up to date.

        A projection of another schema version is rebuilt from the feeds.
        """
        data_dir = DataDir(path).require()
        feed = data_dir.open_feed(**feed_options)
        try:
            db_path = data_dir.path / "journal.sqlite"
            try:
                projection = Projection(db_path)
            except ProjectionError:
                rebuild(data_dir.feeds, db_path)
                projection = Projection(db_path)
            projection.catch_up(data_dir.feeds)
        except BaseException:
            feed.close()
            raise
        return cls(data_dir, feed, projection)

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
        """Hold the journal while a command checks its rules and writes."""
        with self._lock:
            yield

    def record(self, actor: str, events: Sequence[Event]) -> list[Entry]:
        """Append events as entries (durably) and apply them to the projection."""
        with self._lock:
            entries = self.feed.append([NewEntry(e.TYPE, e.to_data(), actor) for e in events])
            self.projection.apply(entries)
            return entries

    def close(self) -> None:
        try:
            self.feed.close()
        finally:
            self.projection.close()

    def __enter__(self) -> Journal:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
