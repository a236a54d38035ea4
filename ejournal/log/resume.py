"""The writer's resume point: a derived cache that lets opening a feed read only what was
written after the feed was last opened or closed cleanly, instead of its whole history.

``feeds/<feed-id>/resume`` holds, for a size S at a signed checkpoint: the Merkle tree's
compact range at S (an :class:`~ejournal.log.extend.FeedState`, the same state a replica keeps
for sync), where entry S − 1 ends in its segment, and fingerprints of what it summarises: the
SHA-256 of the ``checkpoints`` file up to the note of size S, of the segment up to entry S, the
leaf hash of entry S − 1, and the size and modification time of every sealed segment before.

It is not part of the format (docs/FORMAT.md §10): a verifier never reads it, and a writer
uses it only when every fingerprint matches the files and the checkpoint of size S is signed by
the feed's key over the cached root. Anything else — missing, unreadable, another feed's, a
feed changed behind it — and the writer reads the whole feed as if there were none.
"""

from __future__ import annotations

import base64
import json
import logging
import os
from dataclasses import dataclass
from hashlib import sha256
from pathlib import Path
from typing import Any

from .checkpoint import Checkpoint, NoteRecord, parse_checkpoint
from .entry import parse_line
from .errors import BadSignatureError, FormatError
from .extend import FeedState, note_at
from .merkle import CompactRange, leaf_hash
from .note import Verifier, open_note
from .storage import list_segments

log = logging.getLogger(__name__)

RESUME = "resume"
VERSION = 1


@dataclass(frozen=True)
class Sealed:
    """A sealed segment as it was when the resume point was taken."""

    first: int
    size: int
    mtime_ns: int


@dataclass(frozen=True)
class ResumePoint:
    """Where a writer may pick a feed up: the state at S and the fingerprints of its files."""

    state: FeedState  # feed, compact range at S, time of entry S − 1, checkpoints bytes covered
    checkpoints_sha256: bytes  # of the first ``state.notes_length`` bytes of ``checkpoints``
    segment: int  # first sequence number of the segment that holds entry S − 1
    offset: int  # where entry S − 1's line ends in that segment (just past its LF)
    segment_sha256: bytes  # of the segment's first ``offset`` bytes
    last_leaf: bytes  # the leaf hash of entry S − 1
    sealed: tuple[Sealed, ...]  # every segment before ``segment``

    @property
    def size(self) -> int:
        return self.state.size

    def to_json(self) -> bytes:
        obj: dict[str, Any] = {
            "v": VERSION,
            "state": self.state.to_dict(),
            "checkpoints_sha256": _b64(self.checkpoints_sha256),
            "segment": self.segment,
            "offset": self.offset,
            "segment_sha256": _b64(self.segment_sha256),
            "last_leaf": _b64(self.last_leaf),
            "sealed": [[s.first, s.size, s.mtime_ns] for s in self.sealed],
        }
        return json.dumps(obj, sort_keys=True).encode() + b"\n"

    @classmethod
    def from_json(cls, data: bytes) -> ResumePoint:
        """Raises ValueError, KeyError or TypeError for anything that is not a resume point."""
        obj = json.loads(data)
        if obj.get("v") != VERSION:
            raise ValueError("unknown resume point version")
        return cls(
            state=FeedState.from_dict(obj["state"]),
            checkpoints_sha256=_unb64(obj["checkpoints_sha256"]),
            segment=_natural(obj["segment"]),
            offset=_natural(obj["offset"]),
            segment_sha256=_unb64(obj["segment_sha256"]),
            last_leaf=_unb64(obj["last_leaf"]),
            sealed=tuple(Sealed(*map(_natural, s)) for s in obj["sealed"]),
        )


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _unb64(text: Any) -> bytes:
    return base64.b64decode(str(text), validate=True)


def _natural(value: Any) -> int:
    if type(value) is not int or value < 0:
        raise ValueError(f"{value!r} is not a natural number")
    return value


def load(feed_dir: Path) -> ResumePoint | None:
    """The resume point of a feed, or None when there is none that parses."""
    try:
        return ResumePoint.from_json((feed_dir / RESUME).read_bytes())
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, TypeError) as e:
        log.info("feed %s: resume point ignored: %s", feed_dir.name, e)
        return None


def save(feed_dir: Path, point: ResumePoint) -> None:
    """Write the resume point (staged and renamed), unless it is already there; a cache, so a
    failure to write is logged, not raised."""
    path = feed_dir / RESUME
    data = point.to_json()
    try:
        if path.exists() and path.read_bytes() == data:
            return
        tmp = path.with_name(f".{RESUME}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, path)
    except OSError as e:
        log.warning("feed %s: could not write its resume point: %s", feed_dir.name, e)


def take(feed_dir: Path, tree: CompactRange, notes: bytes) -> ResumePoint | None:
    """The resume point of a feed whose first ``tree.size`` entries are in its files and whose
    ``checkpoints`` (``notes``) ends with the checkpoint of that size.

    Returns:
        None when the files do not look like that (nothing is kept then).
    """
    size = tree.size
    last = _last_checkpoint(notes, len(notes))
    if not size or last is None or last.size != size or last.root != tree.root():
        return None
    segments = list_segments(feed_dir)
    holding = [(first, path) for first, path in segments if first < size]
    if not holding:
        return None
    first, path = holding[-1]
    data = path.read_bytes()
    pieces = data.split(b"\n", size - first)
    if len(pieces) <= size - first:
        return None
    offset = len(data) - len(pieces[-1])
    line = pieces[-2]
    try:
        entry = parse_line(line)
    except FormatError:
        return None
    state = FeedState(feed_dir.name, tree.copy(), entry.time, notes_length=len(notes))
    sealed = tuple(Sealed(f, *_stat(p)) for f, p in segments if f < first)
    return ResumePoint(
        state,
        sha256(notes).digest(),
        first,
        offset,
        sha256(data[:offset]).digest(),
        leaf_hash(line),
        sealed,
    )


def _stat(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


@dataclass(frozen=True)
class Resumed:
    """A resume point checked against the files: where reading the feed goes on from."""

    tree: CompactRange  # at ``checkpoint.size``
    checkpoint: Checkpoint  # the signed checkpoint of size S
    notes_length: int  # bytes of ``checkpoints`` already known
    segments: list[tuple[int, Path]]  # the segment holding entry S − 1 and those after it
    offset: int  # where entry S starts in the first of them
    data: bytes  # the first of them, as read


def check(point: ResumePoint, feed_dir: Path, notes: bytes, verifier: Verifier) -> Resumed | str:
    """Check a resume point against a feed's files.

    Args:
        notes: the feed's whole ``checkpoints`` file (complete notes only).
        verifier: the feed's key.

    Returns:
        Where to go on from, or why the point cannot be used.
    """
    state = point.state
    if state.feed != feed_dir.name:
        return f"it is the resume point of feed {state.feed}"
    size, covered = state.size, state.notes_length
    if (
        not size
        or len(notes) < covered
        or sha256(notes[:covered]).digest() != (point.checkpoints_sha256)
    ):
        return "the checkpoints file is not the one it summarises"
    checkpoint = _signed_checkpoint(notes, covered, verifier)
    if checkpoint is None or checkpoint.size != size or checkpoint.root != state.root():
        return "its tree is not the one of the signed checkpoint it names"
    segments = list_segments(feed_dir)
    before = [(f, p) for f, p in segments if f < point.segment]
    after = [(f, p) for f, p in segments if f >= point.segment]
    if not after or after[0][0] != point.segment or point.segment >= size:
        return "the segment it names is not there"
    if tuple(Sealed(f, *_stat(p)) for f, p in before) != point.sealed:
        return "sealed segments changed since it was taken"
    data = after[0][1].read_bytes()
    problem = _check_segment(point, data)
    if problem:
        return problem
    return Resumed(state.tree.copy(), checkpoint, covered, after, point.offset, data)


def _last_note(notes: bytes, end: int) -> NoteRecord | None:
    """The note that ends at byte ``end`` of a notes file (None if none does or it does not
    parse). A note is text lines, an empty line, signature lines and an empty line, with no
    other empty line: so the note starts after the second empty line found going back."""
    if end < 2 or notes[end - 2 : end] != b"\n\n":
        return None
    between = notes.rfind(b"\n\n", 0, end - 2)
    if between < 0:
        return None
    before = notes.rfind(b"\n\n", 0, between)
    start = before + 2 if before >= 0 else 0
    try:
        return note_at(notes, (start, end))
    except FormatError:
        return None


def _last_checkpoint(notes: bytes, end: int) -> Checkpoint | None:
    record = _last_note(notes, end)
    try:
        return parse_checkpoint(record.note.text) if record else None
    except FormatError:
        return None


def _signed_checkpoint(notes: bytes, end: int, verifier: Verifier) -> Checkpoint | None:
    """The checkpoint of the note that ends at byte ``end``, if ``verifier`` signed it."""
    record = _last_note(notes, end)
    if record is None:
        return None
    try:
        open_note(record.note, [verifier])
        return parse_checkpoint(record.note.text)
    except (FormatError, BadSignatureError):
        return None


def _check_segment(point: ResumePoint, data: bytes) -> str | None:
    offset = point.offset
    if offset < 1 or len(data) < offset or data[offset - 1 : offset] != b"\n":
        return "its segment does not end a line where it says"
    if sha256(data[:offset]).digest() != point.segment_sha256:
        return "its segment changed before the point"
    line = data[data.rfind(b"\n", 0, offset - 1) + 1 : offset - 1]
    if leaf_hash(line) != point.last_leaf:
        return "the entry before the point is not the one it names"
    try:
        entry = parse_line(line)
    except FormatError:
        return "the entry before the point does not parse"
    if entry.seq != point.size - 1 or entry.feed != point.state.feed:
        return "the entry before the point is not entry S - 1 of this feed"
    if entry.time != point.state.last_time:
        return "the entry before the point has another time"
    return None
