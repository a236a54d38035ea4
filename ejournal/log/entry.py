"""Log entries: the one record type of a feed, its canonical line, and its strict parsing.

A line is the RFC 8785 canonical JSON of an object with exactly the keys
``v, feed, seq, time, actor, type, data`` (docs/FORMAT.md §3).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

from . import canonical
from .errors import FormatError

FORMAT_VERSION = 1
KEYS = frozenset(("v", "feed", "seq", "time", "actor", "type", "data"))
TYPE_RE = re.compile(r"[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)*")
FEED_ID_RE = re.compile(r"[0-9a-f]{32}")
MAX_LINE_BYTES = 1 << 20  # 1 MiB: files go to blobs, never into a line
_TIME_LEN = len("2026-09-01T08:30:00.000+07:00")


@dataclass(frozen=True, slots=True)
class Entry:
    """One record of a feed, as read back from a line."""

    feed: str
    seq: int
    time: str
    actor: str
    type: str
    data: dict[str, Any]
    version: int = FORMAT_VERSION

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
        """The canonical line, without its newline."""
        return canonical.encode(self.as_json())

    @property
    def instant(self) -> datetime:
        return datetime.fromisoformat(self.time)


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
    if (
        len(text) != _TIME_LEN
        or text[10] != "T"
        or text[19] != "."
        or text[23] not in "+-"
        or text[26] != ":"
    ):
        raise FormatError(f"time {text!r} is not YYYY-MM-DDTHH:MM:SS.mmm±HH:MM")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as e:
        raise FormatError(f"time {text!r} is not a valid date and time") from e
    if moment.isoformat(timespec="milliseconds") != text:
        raise FormatError(f"time {text!r} is not in canonical form")
    return moment


def check_type_name(name: str) -> None:
    if not TYPE_RE.fullmatch(name):
        raise ValueError(f"entry type {name!r} must be dotted lowercase words")


def parse_line(line: bytes) -> Entry:
    """Parse and check one line (without its newline) against the entry schema.

    Checks: JSON, canonical encoding, exactly the known keys with the right types, the value
    domain, and the time's form. Sequence and feed membership are the caller's to check.

    Raises:
        FormatError: naming what is wrong.
    """
    if len(line) > MAX_LINE_BYTES:
        raise FormatError(f"line is longer than {MAX_LINE_BYTES} bytes")
    try:
        obj = orjson.loads(line)
    except orjson.JSONDecodeError as e:
        raise FormatError(f"not valid JSON: {e}") from e
    if type(obj) is not dict or obj.keys() != KEYS:
        raise FormatError("entry must be an object with keys v, feed, seq, time, actor, type, data")
    v, feed, seq, time, actor, kind, data = (
        obj["v"], obj["feed"], obj["seq"], obj["time"], obj["actor"], obj["type"], obj["data"]
    )  # fmt: skip
    if v != FORMAT_VERSION or type(v) is not int:
        raise FormatError(f"unknown format version {v!r}")
    if type(feed) is not str or not FEED_ID_RE.fullmatch(feed):
        raise FormatError("feed must be 32 lowercase hex digits")
    if type(seq) is not int or seq < 0:
        raise FormatError("seq must be a non-negative integer")
    if type(actor) is not str or not actor:
        raise FormatError("actor must be a non-empty string")
    if type(kind) is not str or not TYPE_RE.fullmatch(kind):
        raise FormatError("type must be dotted lowercase words")
    if type(data) is not dict:
        raise FormatError("data must be an object")
    if type(time) is not str:
        raise FormatError("time must be a string")
    parse_time(time)
    try:
        canonical.check_domain(data, "data")
    except ValueError as e:
        raise FormatError(str(e)) from e
    if not canonical.is_canonical(line, obj):
        raise FormatError("line is not canonical JSON (RFC 8785)")
    return Entry(feed, seq, time, actor, kind, data, v)
