"""Reading a feed without the writer's lock: many readers, one writer (DESIGN.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from .entry import Entry, parse_line
from .storage import iter_lines, list_segments


def read_entries(feed_dir: Path, start: int = 0) -> Iterator[Entry]:
    """The entries of a feed from sequence number ``start`` on, in order.

    A line being written right now (no newline yet) is not returned. Entries are parsed
    strictly but not verified against checkpoints: that is ``verify``'s job.

    Raises:
        FormatError: a complete line that does not parse.
    """
    segments = list_segments(feed_dir)
    for i, (first, path) in enumerate(segments):
        following = segments[i + 1][0] if i + 1 < len(segments) else None
        if following is not None and following <= start:
            continue
        for seq, line in enumerate(iter_lines(path), start=first):
            if not line.complete:
                return
            if seq >= start:
                yield parse_line(line.data)
