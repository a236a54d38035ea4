"""Checkpoints (C2SP tlog-checkpoint) and the framing of a feed's ``checkpoints`` file.

A checkpoint text is three lines: origin, tree size, base64 root hash. The ``checkpoints``
file holds signed checkpoint notes in the order they were signed, each note followed by one
empty line, so that the file is plain text a person can read (docs/FORMAT.md §5).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import FormatError
from .merkle import HASH_SIZE
from .note import Note, b64decode, b64encode, parse_note

_DECIMAL = re.compile(r"0|[1-9][0-9]{0,18}")


def parse_decimal(text: str, what: str) -> int:
    """A non-negative decimal with no sign, no leading zeros, no underscores."""
    if not _DECIMAL.fullmatch(text):
        raise FormatError(f"{what} {text!r} is not a decimal number")
    return int(text)


@dataclass(frozen=True)
class Checkpoint:
    """A Merkle tree head: which log, how many leaves, which root."""

    origin: str
    size: int
    root: bytes

    def text(self) -> str:
        return f"{self.origin}\n{self.size}\n{b64encode(self.root)}\n"


def parse_checkpoint(text: str) -> Checkpoint:
    """Parse a checkpoint note text strictly; extension lines are refused in this format.

    Raises:
        FormatError: wrong number of lines, a bad size or root.
    """
    if not text.endswith("\n"):
        raise FormatError("checkpoint text does not end with a newline")
    lines = text[:-1].split("\n")
    if len(lines) != 3:
        raise FormatError(f"checkpoint has {len(lines)} lines, expected 3 (no extensions)")
    origin, size_text, root_text = lines
    if not origin or "+" in origin or any(ch.isspace() for ch in origin):
        raise FormatError(f"invalid checkpoint origin {origin!r}")
    root = b64decode(root_text, "root hash")
    if len(root) != HASH_SIZE:
        raise FormatError(f"root hash has {len(root)} bytes, expected {HASH_SIZE}")
    return Checkpoint(origin, parse_decimal(size_text, "tree size"), root)


@dataclass(frozen=True)
class NoteRecord:
    """One signed note found in a notes file, with where it is."""

    note: Note
    offset: int
    line: int
    raw: bytes


@dataclass(frozen=True)
class NotesFile:
    """The parsed notes of a file, and the start of a torn (incomplete) tail if any."""

    records: tuple[NoteRecord, ...]
    valid_length: int
    torn_tail: bool


def frame_note(note: Note) -> bytes:
    """The bytes of one note as stored in a notes file (the note and one empty line)."""
    return note.encode() + b"\n"


def read_notes(data: bytes) -> NotesFile:
    """Split a ``checkpoints`` (or ``cosignatures``) file into notes.

    A note is non-empty text lines, an empty line, signature lines, and an empty line. An
    incomplete last note (a crash during its write) is reported as a torn tail, not parsed.

    Raises:
        FormatError: a complete note that does not parse (names its line).
    """
    records: list[NoteRecord] = []
    pos, line_no = 0, 1
    n = len(data)
    while pos < n:
        end = _note_end(data, pos)
        if end < 0:
            return NotesFile(tuple(records), pos, True)
        raw = data[pos : end - 1]
        try:
            note = parse_note(raw)
        except FormatError as e:
            raise FormatError(e.message, place=f"line {line_no}") from e
        records.append(NoteRecord(note, pos, line_no, raw))
        line_no += raw.count(b"\n") + 1
        pos = end
    return NotesFile(tuple(records), pos, False)


def _note_end(data: bytes, pos: int) -> int:
    """Offset just past the empty line that closes the note starting at ``pos``, or -1."""
    blank = data.find(b"\n\n", pos)
    if blank < 0:
        return -1
    # Signature lines follow the blank line; the note ends at the next empty line.
    close = data.find(b"\n\n", blank + 2)
    if close < 0:
        return -1
    return close + 2
