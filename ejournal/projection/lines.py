"""Reading feed lines fast for a rebuild: each line decoded in one call straight into its typed
event, with the strict parser of ejournal.log as the fallback and as the judge.

The log's bulk parser (:func:`ejournal.log.entry.parse_lines`) checks every line to the letter
(canonical JSON, the time's spelling, the value domain) and gives entries whose ``data`` is a
dict, which the projection then converts into the event's Struct. A rebuild reads millions of
lines the feed writer itself wrote, so here a line is decoded once, by a decoder made for its
entry type, into a :class:`Line` holding the event. This is only a faster way to the same
values: whatever is unusual (an unknown type, a line this decoder refuses) goes through the
strict parser and ``msgspec.convert`` exactly as :meth:`Projection.apply` does, and
:mod:`ejournal.projection.rebuild` still runs the strict parser over every line (in a second
process) and refuses the rebuild when it refuses a line.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import msgspec

from ..log.entry import parse_line
from ..log.storage import list_segments
from ..model import events as ev

_TYPE_KEY = b'"type":"'
_TAIL = len(b'","v":1}')  # a canonical line ends with its type, then "v"


class Line(msgspec.Struct, gc=False):
    """One entry as a rebuild needs it: the envelope, its type and its typed event (None for a
    type the model does not know or data its Struct does not accept)."""

    actor: str
    feed: str
    seq: int
    time: str


class _Other(Line, gc=False):
    """A line that took the strict way."""

    kind: str
    data: Any


def _line_decoder(name: str, cls: type[msgspec.Struct]) -> msgspec.json.Decoder[Any]:
    """A decoder of the whole line of one entry type: a :class:`Line` whose ``data`` is a
    ``cls`` (that type's event) and whose ``kind`` is the type (a class attribute: nothing to
    copy)."""
    typed = msgspec.defstruct(
        f"{cls.__name__}Line", [("data", cls)], bases=(Line,), namespace={"kind": name}, gc=False
    )
    return msgspec.json.Decoder(typed)


_DECODERS = {name.encode(): _line_decoder(name, cls) for name, cls in ev.REGISTRY.items()}

# The last WINDOW bytes of a canonical line whose type has 10 to 17 characters hold the type and
# the quote that opens it (`"type":"mark.given","v":1}`, `:"final_mark.given","v":1}`): a
# quote inside a JSON string is escaped, so the window names the type exactly. One slice and one
# look-up instead of a search; shorter and longer names are found by the search.
WINDOW = 26


def type_windows() -> dict[bytes, bytes]:
    """Window (see WINDOW) → type name, for every type of the model whose name fits."""
    windows = {}
    for name in _DECODERS:
        if 10 <= len(name) <= 17:
            windows[(_TYPE_KEY + name + b'","v":1}')[-WINDOW:]] = name
    return windows


def decode_line(line: bytes) -> Any:
    """The entry of one feed line, with ``kind`` (its type) and ``data`` (its event or None).

    Raises:
        FormatError: the line does not parse (from the strict parser).
    """
    try:
        return _DECODERS[line[line.rindex(_TYPE_KEY) + 8 : -_TAIL]].decode(line)
    except (KeyError, ValueError, msgspec.DecodeError):  # rare: the strict, slow way
        return _decode_strictly(line)


def decode_lines(lines: list[bytes]) -> list[Any]:
    """:func:`decode_line` of each line, in one loop while all goes well."""
    decoders = _DECODERS
    try:
        return [decoders[line[line.rindex(_TYPE_KEY) + 8 : -_TAIL]].decode(line) for line in lines]
    except (KeyError, ValueError, msgspec.DecodeError):
        return list(map(decode_line, lines))


def _decode_strictly(line: bytes) -> Line:
    entry = parse_line(line)
    cls = ev.REGISTRY.get(entry.type)
    try:
        event = None if cls is None else msgspec.convert(entry.data, cls)
    except msgspec.ValidationError:
        event = None
    return _Other(entry.actor, entry.feed, entry.seq, entry.time, entry.type, event)


def read_lines(feed_dir: Path, size: int) -> Iterator[list[Any]]:
    """The entries of a feed in lists of at most ``size`` (cut where
    :func:`ejournal.log.reader.read_chunks` cuts them); a torn last line is not returned."""
    for _, path in list_segments(feed_dir):
        lines = path.read_bytes().split(b"\n")
        torn = lines.pop() != b""
        for offset in range(0, len(lines), size):
            yield decode_lines(lines[offset : offset + size])
        if torn:
            return
