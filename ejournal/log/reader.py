"""Reading a feed without the writer's lock: many readers, one writer (DESIGN.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .entry import Entry, parse_block
from .storage import list_segments


def read_entries(feed_dir: Path, start: int = 0) -> Iterator[Entry]:
    """The entries of a feed from sequence number ``start`` on, in order.

    A line being written right now (no newline yet) is not returned. Entries are parsed
    strictly but not verified against checkpoints: that is ``verify``'s job.

    Raises:
        FormatError: a complete line that does not parse.
    """
    for chunk in read_chunks(feed_dir, start):
        yield from chunk


def read_chunks(feed_dir: Path, start: int = 0, size: int = 10_000) -> Iterator[list[Entry]]:
    """The entries of a feed from ``start`` on, in lists of at most ``size``, parsed with the
    bulk parser (the same strict checks as line by line, in C loops).

    Raises:
        FormatError: a complete line that does not parse.
    """
    segments = list_segments(feed_dir)
    for i, (first, path) in enumerate(segments):
        following = segments[i + 1][0] if i + 1 < len(segments) else None
        if following is not None and following <= start:
            continue
        data = path.read_bytes()
        lines = data.split(b"\n")
        torn = lines.pop() != b""  # the piece after the last newline: empty, or a torn line
        for offset in range(max(0, start - first), len(lines), size):
            part = lines[offset : offset + size]
            yield parse_block(b"\n".join(part) + b"\n").entries
        if torn:
            return
