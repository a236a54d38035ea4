"""Log entries: the one record type of a feed, its canonical line, and its strict parsing.

A line is the RFC 8785 canonical JSON of an object with exactly the keys
``v, feed, seq, time, actor, type, data`` (docs/FORMAT.md §3).
"""

from __future__ import annotations

import bisect
import itertools
import re
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter, le
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
    except RecursionError as e:  # msgspec's limit on nesting: a verdict, not a crash
        raise FormatError("not a valid entry: values nested too deeply") from e
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
    """A bad line among many, with its index in the lines given to :func:`parse_block`."""

    def __init__(self, message: str, index: int) -> None:
        super().__init__(message)
        self.index = index


@dataclass(frozen=True)
class Block:
    """The entries of consecutive complete lines, with what their times say.

    ``disorder`` is the index of the first entry whose time is earlier than the time of the
    entry before it in the block (None when the times never go back); ``first`` and ``last``
    are the times of the first and last entries (None for no lines), for the caller to check
    the step from the block before.
    """

    entries: list[Entry]
    first: datetime | None
    last: datetime | None
    disorder: int | None
    types: frozenset[str] = frozenset()  # the entry types met


_EMPTY = Block([], None, None, None)


def parse_block(body: bytes) -> Block:
    """Parse complete lines, each ending with LF, with the verdict of :func:`parse_line` on
    each line, and check that their times never go back.

    The common case runs in a few C loops over the whole ``body``: msgspec decodes every line
    and encodes the entries back, and the bytes must come back identical. That one comparison
    is the canonical-form check of every line, and it also shows that the lines are exactly
    one entry each (the encoder writes no LF inside a line). What re-encoding cannot see is
    checked on the side: line lengths, type names, the times' spelling (one regular expression
    over the distinct times) and values, and, for the few lines that hold 16 digits in a row or
    4-byte UTF-8, the value domain (docs/FORMAT.md §2). Any irregularity sends the lines through
    :func:`parse_line_timed` one by one, which names the bad line.

    Raises:
        LineError: the first line that does not parse, with its index.
        ValueError: ``body`` does not end with LF (a caller's mistake).
    """
    if not body:
        return _EMPTY
    if not body.endswith(b"\n"):
        raise ValueError("parse_block takes whole lines, each ending with LF")
    try:
        entries = _DECODER.decode_lines(body)
        fast = _ENCODER.encode_lines(entries) == body
    except (msgspec.DecodeError, msgspec.EncodeError, ValueError, RecursionError):
        fast = False
    block = _checked(entries, body) if fast else None
    if block is None:
        return _parse_slowly(body.split(b"\n")[:-1])
    flagged = _flagged_lines(body)
    if flagged:
        _recheck(body, entries, flagged)
    return block


def _checked(entries: list[Entry], body: bytes) -> Block | None:
    """The block when the side checks pass (None sends the lines the slow way)."""
    if not _lines_fit(body):
        return None
    types = frozenset(map(_TYPE, entries))
    if not types <= _VALID_TYPES:
        if not all(map(TYPE_RE.fullmatch, types)):
            return None
        _VALID_TYPES.update(types)
    return _timed(entries, types)


def _lines_fit(body: bytes) -> bool:
    """Whether no line is longer than MAX_LINE_BYTES: a jump per MiB, not a look per line."""
    pos, n = 0, len(body)
    while pos < n:
        newline = body.rfind(b"\n", pos, pos + MAX_LINE_BYTES + 1)
        if newline < 0:
            return False
        pos = newline + 1
    return True


# Every time of a block in the form of format_time, as bytes with each digit made 0 and an LF
# after each: the shape that one translate and one comparison check for a whole block.
_DIGITS_TO_ZERO = bytes.maketrans(b"0123456789", b"0" * 10)
_SHAPES = {sign: f"0000-00-00T00:00:00.000{sign}00:00\n".encode() for sign in "+-"}


def _timed(entries: list[Entry], types: frozenset[str]) -> Block | None:
    """Check the times of the entries as :func:`parse_time` would, and their order.

    The spelling of all the times is checked at once (:func:`_shaped`). When they also share
    one UTC offset (the usual block) the text orders as the instants do (fixed width): the
    order is checked on the strings, and ``fromisoformat`` is asked only whether each distinct
    time exists (no 30 February).
    """
    times = list(map(_TIME, entries))
    first = times[0]
    shaped = _shaped(times, first)
    if shaped is not None and shaped.count(first[-6:].encode() + b"\n") == len(times):
        ordered = all(map(le, times, itertools.islice(times, 1, None)))
        # Sorted, equal times are neighbours: the distinct ones without hashing them all.
        distinct = [t for t, _ in itertools.groupby(times)] if ordered else list(set(times))
        keys: list[Any] = times
    else:
        distinct = list(set(times))
        if shaped is None and not all(map(_TIME_RE.fullmatch, distinct)):
            return None
        keys = []
    try:
        moments = list(map(datetime.fromisoformat, distinct))
    except ValueError:
        return None
    if not keys:
        at = dict(zip(distinct, moments, strict=True))
        keys = [at[t] for t in times]
        ordered = all(map(le, keys, itertools.islice(keys, 1, None)))
    disorder = None if ordered else next(i for i in range(1, len(keys)) if keys[i] < keys[i - 1])
    return Block(
        entries, datetime.fromisoformat(first), datetime.fromisoformat(times[-1]), disorder, types
    )


def _shaped(times: list[str], first: str) -> bytes | None:
    """The times as ASCII, each followed by LF, when all have the spelling of the log's times
    and the sign of the offset of ``first`` (None: look at each time on its own)."""
    if not _TIME_RE.fullmatch(first):
        return None
    try:
        joined = ("\n".join(times) + "\n").encode("ascii")
    except UnicodeEncodeError:
        return None
    # The shape fixes where each LF is, so no time holds one: each is one record of 30 bytes.
    same = joined.translate(_DIGITS_TO_ZERO) == _SHAPES[first[-6]] * len(times)
    return joined if same else None


def _flagged_lines(body: bytes) -> list[int]:
    """Indexes of the lines with 16 digits in a row (an integer that may exceed 2**53-1) or
    4-byte UTF-8 (JCS orders keys by UTF-16 units, msgspec by code points: they differ only
    there), found with one translate over the whole body (re is slow on bytes)."""
    classes = body.translate(_CLASSES)
    if _SIXTEEN_DIGITS not in classes and _ASTRAL not in classes:
        return []
    starts = _line_starts(body)
    found = set()
    for needle in (_SIXTEEN_DIGITS, _ASTRAL):
        pos = classes.find(needle)
        while pos >= 0:
            index = bisect.bisect_right(starts, pos) - 1
            found.add(index)
            pos = classes.find(needle, starts[index + 1])
    return sorted(found)


def _line_starts(body: bytes) -> list[int]:
    """Where each line of ``body`` starts, and where the next would (len(body))."""
    lines = body.split(b"\n")
    lines.pop()
    return [0, *itertools.accumulate(len(line) + 1 for line in lines)]


def _recheck(body: bytes, entries: list[Entry], flagged: list[int]) -> None:
    """The domain checks of :func:`parse_line_timed` on lines that decoded, re-encoded to
    themselves and passed every other check: what is left is the domain, and the reference
    encoder for objects with keys above U+FFFF."""
    starts = _line_starts(body)
    for index in flagged:
        entry = entries[index]
        try:
            if canonical.check_domain(entry.data, "data"):
                line = body[starts[index] : starts[index + 1] - 1]
                if rfc8785.dumps(entry.as_json()) != line:
                    raise LineError("line is not canonical JSON (RFC 8785)", index)
        except (ValueError, rfc8785.CanonicalizationError) as e:
            raise LineError(str(e), index) from e


def parse_lines(lines: list[bytes], buffer: bytes = b"") -> tuple[list[Entry], list[datetime]]:
    """Parse many lines (without their LF) with the verdicts of :func:`parse_line_timed` on
    each, giving every entry's time as a datetime too (the order of times is not checked).

    ``buffer`` is accepted for callers of the older signature and not used.

    Raises:
        LineError: the first line that does not parse, with its index.
    """
    if not lines:
        return [], []
    body = b"\n".join(lines) + b"\n"
    # A line given with an LF inside would be read as two: such a list goes line by line.
    block = parse_block(body) if body.count(b"\n") == len(lines) else _parse_slowly(lines)
    return block.entries, _moments(block.entries)


def _moments(entries: list[Entry]) -> list[datetime]:
    """Each entry's time as a datetime, each distinct time parsed once."""
    times = list(map(_TIME, entries))
    distinct = list(set(times))
    at = dict(zip(distinct, map(datetime.fromisoformat, distinct), strict=True))
    return [at[t] for t in times]


def decode_checked(lines: list[bytes]) -> tuple[list[Entry], list[datetime]]:
    """Decode lines that a full check already accepted (the native scanner's), with each
    entry's time as a datetime: the decoding of :func:`parse_lines` without its checks.

    Raises:
        msgspec.DecodeError: a line is not an entry after all (a caller's mistake).
    """
    if not lines:
        return [], []
    entries = _DECODER.decode_lines(b"\n".join(lines) + b"\n")
    return entries, _moments(entries)


def _parse_slowly(lines: list[bytes]) -> Block:
    entries, moments = [], []
    for index, line in enumerate(lines):
        try:
            entry, moment = parse_line_timed(line)
        except FormatError as e:
            raise LineError(e.message, index) from e
        entries.append(entry)
        moments.append(moment)
    ordered = all(map(le, moments, itertools.islice(moments, 1, None)))
    disorder = (
        None if ordered else next(i for i in range(1, len(moments)) if moments[i] < moments[i - 1])
    )
    return Block(
        entries,
        moments[0] if moments else None,
        moments[-1] if moments else None,
        disorder,
        frozenset(map(_TYPE, entries)),
    )
