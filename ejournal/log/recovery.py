"""Reading a feed back when its writer opens it: from its resume point when one matches the
files (only what came after is read), else from the start; the tree checked against the last
signed checkpoint, and a torn tail cut back to the last good entry, never silently.

What opening checks: every checkpoint signature not checked at an earlier open, the root of the
last signed checkpoint recomputed from the lines (from the resume point's compact range when
there is one), every line after that checkpoint against the schema, its sequence number and the
time before it. What it leaves to ``ejournal verify``: the lines before the resume point, which
the writer checked when it took the point (docs/FORMAT.md §10).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from . import fastscan, resume
from .checkpoint import Checkpoint, parse_checkpoint
from .entry import parse_line
from .errors import FormatError, IntegrityError, RootMismatchError
from .extend import note_at, note_spans
from .merkle import CompactRange, leaf_hash, leaf_hashes
from .note import Verifier, open_note
from .storage import CHECKPOINTS, list_segments, truncate_durably

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Recovery:
    """What opening a feed had to repair after a crash: never silent."""

    entries_cut: int = 0
    bytes_cut: int = 0
    segment: str | None = None
    checkpoint_bytes_cut: int = 0
    signed_tail: int = 0

    @property
    def repaired(self) -> bool:
        return bool(self.bytes_cut or self.checkpoint_bytes_cut)

    def describe(self) -> str:
        parts = []
        if self.bytes_cut:
            parts.append(
                f"cut a torn tail of {self.bytes_cut} bytes ({self.entries_cut} incomplete "
                f"or invalid lines) from {self.segment}"
            )
        if self.checkpoint_bytes_cut:
            parts.append(f"cut {self.checkpoint_bytes_cut} bytes of a torn checkpoint")
        if self.signed_tail:
            parts.append(f"signed a checkpoint over {self.signed_tail} unsigned entries")
        return "; ".join(parts) or "nothing to repair"


@dataclass
class Reopened:
    """The feed as read back: what its writer goes on from."""

    size: int = 0
    tree: CompactRange = field(default_factory=CompactRange)
    last_time: datetime | None = None
    last_checkpoint: Checkpoint | None = None
    segment_first: int = 0
    segment_bytes: int = 0
    recovery: Recovery = field(default_factory=Recovery)
    resumed_at: int | None = None  # the size the resume point gave (None: read from the start)

    @property
    def signed_size(self) -> int:
        return self.last_checkpoint.size if self.last_checkpoint else 0


@dataclass(frozen=True)
class _Start:
    """Where reading the segments begins."""

    segments: list[tuple[int, Path]]
    offset: int = 0  # in the first segment
    data: bytes | None = None  # the first segment, when already read


def reopen(feed_dir: Path, verifier: Verifier) -> Reopened:
    """Read a feed back for its writer (who holds the lock), repairing a torn tail.

    Raises:
        IntegrityError: the feed is damaged beyond a torn tail.
        FormatError, BadSignatureError: a checkpoint does not parse or is not signed by
            ``verifier``.
    """
    out = Reopened()
    path = feed_dir / CHECKPOINTS
    notes = path.read_bytes() if path.exists() else b""
    spans, valid = note_spans(notes)
    point = resume.load(feed_dir)
    resumed = resume.check(point, feed_dir, notes[:valid], verifier) if point else None
    if isinstance(resumed, str):
        log.info("feed %s: resume point not used: %s", feed_dir.name, resumed)
        resumed = None
    since = resumed.notes_length if resumed else 0
    records = [note_at(notes, span) for span in spans if span[0] >= since]
    if valid < len(notes):
        truncate_durably(path, valid)
        out.recovery = Recovery(checkpoint_bytes_cut=len(notes) - valid)
    checkpoints = [resumed.checkpoint] if resumed else []
    for record in records:
        open_note(record.note, [verifier])
        checkpoints.append(parse_checkpoint(record.note.text))
    if resumed:
        out.tree, out.size = resumed.tree, resumed.checkpoint.size
        out.resumed_at = out.size
        start = _Start(resumed.segments, resumed.offset, resumed.data)
    else:
        start = _Start(list_segments(feed_dir))
    out.last_checkpoint = checkpoints[-1] if checkpoints else None
    _Scan(out, feed_dir).run(start)
    return out


class _Scan:
    """One pass over the segments from the start point: the signed part hashed in bulk, the
    lines after the last checkpoint checked one by one."""

    def __init__(self, out: Reopened, feed_dir: Path) -> None:
        self.out = out
        self.dir = feed_dir
        self.feed_id = feed_dir.name
        self.target = out.last_checkpoint
        self.root_checked = self.target is None

    def run(self, start: _Start) -> None:
        out, target = self.out, self.target
        cut: tuple[Path, int, int] | None = None
        segments = start.segments
        for i, (first, path) in enumerate(segments):
            resuming = i == 0 and start.data is not None
            if not resuming and first != out.size:
                raise IntegrityError(
                    f"segment starts at {first}, expected {out.size}", place=str(path)
                )
            data = start.data if resuming and start.data is not None else path.read_bytes()
            out.segment_first, out.segment_bytes = first, len(data)
            cut = self._segment(path, data, start.offset if resuming else 0, i == len(segments) - 1)
            if cut is not None:
                break
        if cut is not None:
            self._cut_tail(*cut)
        if target is not None:
            if out.size < target.size:
                raise IntegrityError(
                    f"the last checkpoint covers {target.size} entries but only {out.size} exist",
                    place=str(self.dir),
                )
            if not self.root_checked:
                self._check_root(None)
        if out.size and out.last_time is None:
            out.last_time = _last_time(segments)
        if not segments:
            out.segment_first, out.segment_bytes = 0, 0

    def _segment(
        self, path: Path, data: bytes, offset: int, last_segment: bool
    ) -> tuple[Path, int, int] | None:
        """Read one segment from ``offset``; a cut to make (path, offset, line) or None."""
        out, target = self.out, self.target
        end = max(data.rfind(b"\n") + 1, offset)
        torn = end < len(data)
        number = data.count(b"\n", 0, offset) + 1 if offset else 1
        need = max(0, target.size - out.size) if target is not None else 0
        hasher = fastscan.scanner(self.feed_id) if need > 1000 else None
        if hasher is not None:  # the signed part's leaves in C (docs/adr/0009)
            hasher.tree = out.tree
            taken, offset = hasher.hash_lines(data, offset, end, need)
            out.tree, out.size, number = hasher.tree, out.size + taken, number + taken
            if taken < need and torn:
                raise IntegrityError(
                    "incomplete line inside the signed part", place=f"{path.name}:{number}"
                )
            need = 0
        lines = data[offset:end].split(b"\n")
        lines.pop()  # b"" after the last LF
        if need:
            signed = lines[:need]
            out.tree.extend(leaf_hashes(signed))
            out.size += len(signed)
            number += len(signed)
            offset += sum(map(len, signed)) + len(signed)
            if len(signed) < need and torn:
                raise IntegrityError(
                    "incomplete line inside the signed part", place=f"{path.name}:{number}"
                )
            lines = lines[len(signed) :]
        if not self.root_checked and target is not None and out.size == target.size:
            self._check_root(f"{path.name}:{number}")
        for line in [*lines, None] if torn else lines:
            problem = "incomplete line" if line is None else self._check_tail_line(line)
            if problem is not None:
                if not last_segment:
                    raise IntegrityError(problem, place=f"{path.name}:{number}")
                return path, offset, number
            assert line is not None
            out.tree.append(leaf_hash(line))
            out.size += 1
            offset += len(line) + 1
            number += 1
        return None

    def _check_root(self, place: str | None) -> None:
        target = self.target
        assert target is not None
        self.root_checked = True
        root = self.out.tree.root()
        if root != target.root:
            raise RootMismatchError(
                f"entries 0..{target.size - 1} do not match the last signed checkpoint",
                expected=target.root,
                found=root,
                place=place or str(self.dir),
            )

    def _check_tail_line(self, line: bytes) -> str | None:
        """Why an unsigned line cannot be kept, or None when it is a good entry."""
        out = self.out
        try:
            entry = parse_line(line)
        except FormatError as e:
            return str(e)
        if entry.feed != self.feed_id or entry.seq != out.size:
            return f"entry is {entry.feed}#{entry.seq}, expected {self.feed_id}#{out.size}"
        moment = entry.instant
        if out.last_time is not None and moment < out.last_time:
            return "entry time goes backwards"
        out.last_time = moment
        return None

    def _cut_tail(self, path: Path, offset: int, number: int) -> None:
        data = path.read_bytes()
        # A crash tears only the end: if any later line is a good entry this is damage, not a tear.
        for rest in data[offset:].split(b"\n")[1:]:
            try:
                parse_line(rest)
            except FormatError:
                continue
            raise IntegrityError(
                "an invalid line is followed by valid entries", place=f"{path.name}:{number}"
            )
        truncate_durably(path, offset)
        lines_cut = data[offset:].count(b"\n") + (0 if data.endswith(b"\n") else 1)
        self.out.recovery = Recovery(
            entries_cut=lines_cut,
            bytes_cut=len(data) - offset,
            segment=f"{path.name}:{number}",
            checkpoint_bytes_cut=self.out.recovery.checkpoint_bytes_cut,
        )
        self.out.segment_bytes = offset


def _last_time(segments: list[tuple[int, Path]]) -> datetime | None:
    """The time of the last complete line of the feed."""
    for _, path in reversed(segments):
        data = path.read_bytes()
        end = data.rfind(b"\n")
        if end >= 0:
            return parse_line(data[data.rfind(b"\n", 0, end) + 1 : end]).instant
    return None
