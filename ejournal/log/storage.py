"""Files of a feed on disk: names, durable writes, locks, and reading lines with their places.

Layout of one feed (docs/FORMAT.md §1)::

    feeds/<feed-id>/seg-<first seq, 12 digits>.jsonl   entries, one canonical JSON per line
    feeds/<feed-id>/checkpoints                         signed checkpoint notes, in order
    feeds/<feed-id>/cosignatures                        checkpoints cosigned by witnesses
    feeds/<feed-id>/lock                                held by the one writer (not data)
    feeds/<feed-id>/resume                              the writer's resume point (a cache)
"""

from __future__ import annotations

import errno
import fcntl
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .errors import FeedLockedError

SEGMENT_RE = re.compile(r"seg-([0-9]{12})\.jsonl")
CHECKPOINTS = "checkpoints"
COSIGNATURES = "cosignatures"
LOCK = "lock"


def segment_name(first_seq: int) -> str:
    return f"seg-{first_seq:012d}.jsonl"


def list_segments(feed_dir: Path) -> list[tuple[int, Path]]:
    """The segment files of a feed, by first sequence number (the name says it)."""
    found = []
    for path in feed_dir.iterdir():
        m = SEGMENT_RE.fullmatch(path.name)
        if m:
            found.append((int(m.group(1)), path))
    found.sort()
    return found


def fsync_dir(path: Path) -> None:
    """Make a created or renamed directory entry durable (a no-op where unsupported)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as e:  # some file systems (FAT on Linux) refuse fsync on directories
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise
    finally:
        os.close(fd)


def write_all(fd: int, data: bytes) -> None:
    """Write all of ``data`` at the end of an O_APPEND file (not yet durable: fsync it)."""
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def append_durably(fd: int, data: bytes) -> None:
    """Write all of ``data`` at the end of an O_APPEND file and fsync it."""
    write_all(fd, data)
    os.fsync(fd)


def open_append(path: Path) -> int:
    """Open (creating if needed) a file for appending; the directory entry is made durable."""
    existed = path.exists()
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    if not existed:
        os.fsync(fd)
        fsync_dir(path.parent)
    return fd


def truncate_durably(path: Path, length: int) -> None:
    fd = os.open(path, os.O_WRONLY)
    try:
        os.ftruncate(fd, length)
        os.fsync(fd)
    finally:
        os.close(fd)


class FeedLock:
    """An exclusive OS lock (flock) on ``feeds/<id>/lock``: one writer per feed."""

    def __init__(self, feed_dir: Path) -> None:
        self.path = feed_dir / LOCK
        self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = os.pread(self._fd, 32, 0).decode(errors="replace").strip() or "unknown"
            os.close(self._fd)
            raise FeedLockedError(
                f"feed {feed_dir.name} is already open for writing (process {holder})",
                place=str(feed_dir),
            ) from None
        os.ftruncate(self._fd, 0)
        os.pwrite(self._fd, f"{os.getpid()}\n".encode(), 0)

    def release(self) -> None:
        if self._fd >= 0:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = -1


def is_locked(feed_dir: Path) -> bool:
    """Whether some process holds the feed's writer lock right now."""
    path = feed_dir / LOCK
    if not path.exists():
        return False
    fd = os.open(path, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@dataclass(frozen=True)
class Line:
    """One line of a segment: its bytes (no newline), file, 1-based line number, byte offset."""

    data: bytes
    path: Path
    number: int
    offset: int
    complete: bool


def iter_lines(path: Path) -> Iterator[Line]:
    """The lines of one segment file; a last line without its newline is ``complete=False``."""
    data = path.read_bytes()
    pos, number, n = 0, 1, len(data)
    while pos < n:
        end = data.find(b"\n", pos)
        if end < 0:
            yield Line(data[pos:], path, number, pos, False)
            return
        yield Line(data[pos:end], path, number, pos, True)
        pos, number = end + 1, number + 1
