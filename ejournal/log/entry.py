"""Log entries: the one record type of a feed, its canonical line, and its strict parsing.

A line is the RFC 8785 canonical JSON of an object with exactly the keys
``v, feed, seq, time, actor, type, data`` (docs/FORMAT.md §3).
"""

from __future__ import annotations

import bisect
import itertools
import re
from datetime import datetime
from operator import attrgetter, methodcaller
from typing import Annotated, Any, Literal

import msgspec
import rfc8785

from . import canonical
from .errors import FormatError

FORMAT_VERSION = 1
TYPE_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
FEED_ID_RE = re.compile(r"[0-9a-f]{32}")
MAX_LINE_BYTES = 1 << 20  # 1 MiB: files go to blobs, never into a line
_TIME_LEN = len("2026-09-01T08:30:00.000+07:00")


_TIME_RE = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3}[+-][0-9]{2}:[0-9]{2}"
)
# Lines that need the slow checks: 16 digits in a row (an integer that may exceed 2**53-1),
# and 4-byte UTF-8 characters (JCS orders keys by UTF-16 units, msgspec by code points: they
# differ only there). Found with one translate over the whole buffer (re is slow on bytes).
_DIGIT, _ASTRAL = b"\x01", b"\x02"
_CLASSES = bytes(1 if 0x30 <= i <= 0x39 else 2 if 0xF0 <= i <= 0xF4 else 0 for i in range(256))
_SIXTEEN_DIGITS = _DIGIT * 16


class Entry(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """One record of a feed. Its line is the canonical JSON of these fields (``version`` as "v")."""

    feed: str
    seq: Annotated[int, msgspec.Meta(ge=0, le=canonical.MAX_SAFE_INTEGER)]
    time: str
    actor: Annotated[str, msgspec.Meta(min_length=1)]
    type: str
    data: dict[str, Any]
    version: Literal[1] = msgspec.field(name="v", default=FORMAT_VERSION)

    def as_json(self) -> dict[str, Any]:
        return {
            "v": self.version,
            "feed": self.feed,
            "seq": self.seq,
            "time": self.time,
            "actor": self.actor,
            "type": self.type,
            "data": self.data,
        }

    def encode(self) -> bytes:
        """The canonical line (RFC 8785), without its newline.

        Raises:
            ValueError: ``data`` holds values outside the format's domain.
        """
        if canonical.check_domain(self.data, "data"):
            return rfc8785.dumps(self.as_json())
        return _ENCODER.encode(self)

    @property
    def instant(self) -> datetime:
        return datetime.fromisoformat(self.time)


# Sorted keys and JCS string escaping: for the checked domain this is exactly RFC 8785.
_ENCODER = msgspec.json.Encoder(order="sorted")


def _no_floats(text: str) -> Any:
    raise ValueError(f"number {text} is not an integer (the log has no floating point)")


_DECODER = msgspec.json.Decoder(Entry, float_hook=_no_floats)
_VALID_TYPES: set[str] = set()
_TIME, _TYPE = attrgetter("time"), attrgetter("type")
_ISO_MILLISECONDS = methodcaller("isoformat", timespec="milliseconds")
_UTC_OFFSET = methodcaller("utcoffset")


def format_time(moment: datetime) -> str:
    """``YYYY-MM-DDTHH:MM:SS.mmm±HH:MM``: local time with its UTC offset, milliseconds."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("entry times must carry a UTC offset")
    text = moment.isoformat(timespec="milliseconds")
    if len(text) != _TIME_LEN:  # offsets with seconds cannot be written in this format
        raise ValueError(f"cannot write time {text!r} in the log's format")
    return text


def parse_time(text: str) -> datetime:
    """Parse a time written by :func:`format_time`, refusing every other spelling."""
    if not _TIME_RE.fullmatch(text):
        raise FormatError(f"time {text!r} is not YYYY-MM-DDTHH:MM:SS.mmm±HH:MM")
    try:
        return datetime.fromisoformat(text)
    except ValueError as e:
        raise FormatError(f"time {text!r} is not a valid date and time") from e


def check_type_name(name: str) -> None:
    if name not in _VALID_TYPES:
        if not isinstance(name, str) or not TYPE_RE.fullmatch(name):
            raise ValueError(f"entry type {name!r} must be dotted lowercase words")
        _VALID_TYPES.add(name)


def parse_line(line: bytes) -> Entry:
    """Parse and check one line (without its newline) against the entry schema.

    Checks: JSON, exactly the known keys with the right types, the value domain, the time's
    form, and that the line is the canonical encoding. Sequence and feed membership are the
    caller's to check.

    Raises:
        FormatError: naming what is wrong.
    """
    return parse_line_timed(line)[0]


def parse_line_timed(line: bytes) -> tuple[Entry, datetime]:
    """:func:`parse_line`, also giving the entry's time as a datetime (parsed once)."""
    if len(line) > MAX_LINE_BYTES:
        raise FormatError(f"line is longer than {MAX_LINE_BYTES} bytes")
    try:
        entry = _DECODER.decode(line)
    except msgspec.DecodeError as e:
        raise FormatError(f"not a valid entry: {e}") from e
    except UnicodeDecodeError as e:  # msgspec raises it for bad UTF-8 inside a string
        raise FormatError(f"line is not valid UTF-8: {e}") from e
    _check_fields(entry)
    try:
        needs_reference = canonical.check_domain(entry.data, "data")
    except ValueError as e:
        raise FormatError(str(e)) from e
    moment = parse_time(entry.time)
    if needs_reference or _ENCODER.encode(entry) != line:
        try:
            canonical_line = rfc8785.dumps(entry.as_json())
        except (rfc8785.CanonicalizationError, ValueError) as e:
            raise FormatError(f"cannot be encoded canonically: {e}") from e
        if canonical_line != line:
            raise FormatError("line is not canonical JSON (RFC 8785)")
    return entry, moment


def _check_fields(entry: Entry) -> None:
    try:
        check_type_name(entry.type)
    except ValueError as e:
        raise FormatError(str(e)) from e


class LineError(FormatError):
    """A bad line among many, with its index in the list given to :func:`parse_lines`."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


def parse_lines(lines: list[bytes], buffer: bytes) -> tuple[list[Entry], list[datetime]]:
    """Parse many lines at once with the verdicts of :func:`parse_line_timed` on each.

    ``buffer`` is the bytes the lines were split from. The common case runs in C loops; any
    irregularity sends the lines through the line-by-line path, which names the bad line.

    Raises:
        LineError: the first line that does not parse, with its index.
    """
    if max(map(len, lines), default=0) > MAX_LINE_BYTES:
        return _parse_slowly(lines)
    try:
        entries = list(map(_DECODER.decode, lines))
        fast = list(map(_ENCODER.encode, entries)) == lines
    except (msgspec.DecodeError, msgspec.EncodeError, ValueError):
        fast = False
    if fast:
        times = list(map(_TIME, entries))
        distinct = list(set(times))
        types = set(map(_TYPE, entries))
        fast = all(t in _VALID_TYPES or TYPE_RE.fullmatch(t) for t in types)
    if fast:
        # A time is in the log's spelling exactly when writing back what it parses to gives the
        # same text (cheaper than the regular expression of parse_time, same verdict; any
        # other spelling takes the line-by-line path).
        try:
            moments = list(map(datetime.fromisoformat, distinct))
            fast = (
                list(map(_ISO_MILLISECONDS, moments)) == distinct
                and None not in set(map(_UTC_OFFSET, moments))  # naive times round-trip too
            )
        except ValueError:
            fast = False
    if not fast:
        return _parse_slowly(lines)
    _VALID_TYPES.update(types)
    parsed = dict(zip(distinct, moments, strict=True))
    classes = buffer.translate(_CLASSES)
    if _SIXTEEN_DIGITS in classes or _ASTRAL in classes:
        _recheck_flagged(lines, classes)
    return entries, [parsed[t] for t in times]


def _flagged_offsets(classes: bytes) -> set[int]:
    found = set()
    for needle in (_SIXTEEN_DIGITS, _ASTRAL):
        pos = classes.find(needle)
        while pos >= 0:
            found.add(pos)
            pos = classes.find(needle, pos + 1)
    return found


def _recheck_flagged(lines: list[bytes], classes: bytes) -> None:
    starts = [0, *itertools.accumulate(len(line) + 1 for line in lines)]
    flagged = {bisect.bisect_right(starts, pos) - 1 for pos in _flagged_offsets(classes)}
    for index in sorted(flagged):
        if index < len(lines):
            try:
                parse_line_timed(lines[index])
            except FormatError as e:
                raise LineError(e.message, index) from e


def _parse_slowly(lines: list[bytes]) -> tuple[list[Entry], list[datetime]]:
    entries, moments = [], []
    for index, line in enumerate(lines):
        try:
            entry, moment = parse_line_timed(line)
        except FormatError as e:
            raise LineError(e.message, index) from e
        entries.append(entry)
        moments.append(moment)
    return entries, moments
