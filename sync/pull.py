"""``ejournal sync DATA_DIR SOURCE``: pull what a data directory lacks, then update its
projection."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from ejournal.datadir import DataDir
from ejournal.journal import Journal
from ejournal.log.errors import FeedLockedError
from ejournal.projection.db import rebuild

from .records import raise_alarms
from .replica import SyncResult, replicate
from .source import open_source


@dataclass
class PullResult:
    sync: SyncResult
    projection: str  # what happened to the projection


def pull(data: Path, source: str, token: str | None = None) -> PullResult:
    """Replicate ``source`` into the data directory ``data``; record forks as alarms.

    Raises:
        ReplicaError, SourceError: the source cannot be read or the directory written.
    """
    dd = DataDir(data).require()
    src = open_source(source, token)
    result = replicate(src, dd.path, dd.root_verifier())
    raise_alarms(dd.path, "sync", src.label, str(dd.path), result.feeds)
    if not result.entries_copied:
        return PullResult(result, "nothing new")
    return PullResult(result, update_projection(dd))


def update_projection(dd: DataDir) -> str:
    """Bring the projection up to date after new entries came in, when no server runs."""
    if not dd.device_key.exists():
        count = rebuild(dd.feeds, dd.path / "journal.sqlite")
        return f"rebuilt ({count:,} entries)"
    try:
        with Journal.open(dd.path):
            return "up to date (the receipt is recorded in this server's feed)"
    except FeedLockedError:
        return "a running server holds the journal: it takes the new entries in by itself"
