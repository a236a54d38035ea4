"""Reading a feed without the writer's lock: many readers, one writer (DESIGN.md)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from . import fastscan
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


def check_lines(feed_dir: Path) -> int:
    """Check that every complete line of a feed parses, with the verdict of
    :func:`read_chunks` (no checkpoints, no tree: that is ``verify``'s job), fast: runs of
    lines through the native scanner (its checks only), each line it leaves through the bulk
    parser. Lines after a torn one are not read, as :func:`read_chunks` does not.

    Returns:
        The number of lines checked.

    Raises:
        FormatError: the first line that does not parse (the bulk parser's own error).
    """
    scanner = fastscan.scanner(feed_dir.name, hashing=False)
    if scanner is None:
        return sum(len(chunk) for chunk in read_chunks(feed_dir))
    count = 0
    for first, path in list_segments(feed_dir):
        data = path.read_bytes()
        end, pos, seq = data.rfind(b"\n") + 1, 0, first
        while pos < end:
            taken, pos = scanner.scan(data, pos, end, seq, end)
            seq, count = seq + taken, count + taken
            if pos < end:  # a line the scanner leaves: the parser's verdict
                lf = data.index(b"\n", pos)
                (entry,) = parse_block(data[pos : lf + 1]).entries
                scanner.set_last_time(entry.time)
                seq, count, pos = entry.seq + 1, count + 1, lf + 1
        if end < len(data):
            break
    return count
