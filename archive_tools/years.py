"""School years in a school's feeds: which are closed, and which entries a year's package holds.

A year Y is closed by its ``year.closed`` entry (R-STR-7). Its package holds, for each feed F,
the entries [a, b): b is the size of the first signed checkpoint of F that covers every entry
of F written no later than the closing entry; a is the b of the year closed before Y (0 for
the first). So consecutive packages tile each feed with no gap and no overlap, and each
starts at a signed checkpoint (docs/ARCHIVE.md §Years).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from hashlib import sha256
from pathlib import Path

from ejournal.log.checkpoint import Checkpoint, NoteRecord, parse_checkpoint, read_notes
from ejournal.log.storage import CHECKPOINTS, list_segments

from .errors import YearNotSealable
from .proofs import ProofBuilder


def entry_type(line: bytes) -> bytes:
    """The top-level ``type`` of a canonical line: keys are sorted, so it is the last but one."""
    at = line.rfind(b',"type":"')
    return line[at + 9 : line.rfind(b'","v":')] if at >= 0 else b""


def entry_time(line: bytes) -> datetime:
    at = line.rfind(b',"time":"')
    return datetime.fromisoformat(line[at + 9 : at + 38].decode())


@dataclass
class FeedData:
    """One feed's raw lines and signed checkpoints (read once; the log is not opened)."""

    feed: str
    dir: Path
    lines: list[bytes]
    checkpoints: list[tuple[NoteRecord, Checkpoint]]
    _leaves: list[bytes] | None = field(default=None, repr=False)
    _proofs: ProofBuilder | None = field(default=None, repr=False)

    @classmethod
    def read(cls, feed_dir: Path) -> FeedData:
        lines: list[bytes] = []
        for _, path in list_segments(feed_dir):
            part = path.read_bytes().split(b"\n")
            part.pop()  # b"" after the last newline (or a torn line a writer will cut)
            lines.extend(part)
        path = feed_dir / CHECKPOINTS
        notes = read_notes(path.read_bytes()).records if path.exists() else ()
        cps = [(r, parse_checkpoint(r.note.text)) for r in notes]
        return cls(feed_dir.name, feed_dir, lines, cps)

    def leaf_hashes(self) -> list[bytes]:
        """The RFC 6962 leaf hash of every line (computed once, kept)."""
        if self._leaves is None:
            self._leaves = [sha256(b"\x00" + line).digest() for line in self.lines]
        return self._leaves

    def proofs(self) -> ProofBuilder:
        """Proofs over this feed's tree; subtree hashes are kept across years' seals."""
        if self._proofs is None:
            self._proofs = ProofBuilder(self.leaf_hashes())
        return self._proofs

    def checkpoint_at_or_after(self, size: int) -> Checkpoint | None:
        return next((cp for _, cp in self.checkpoints if cp.size >= size), None)


@dataclass(frozen=True)
class YearRange:
    year: str
    closed_feed: str
    closed_seq: int
    closed_time: str
    ranges: dict[str, tuple[int, int]]  # feed → [a, b)


def read_feeds(data_dir: Path) -> list[FeedData]:
    feeds_dir = data_dir / "feeds"
    if not feeds_dir.is_dir():
        raise YearNotSealable(f"{data_dir} has no feeds")
    return [FeedData.read(d) for d in sorted(feeds_dir.iterdir()) if d.is_dir()]


def closed_years(feeds: list[FeedData]) -> list[YearRange]:
    """Every closed year whose closing is covered by signed checkpoints, in closing order."""
    closings = []
    for f in feeds:
        for seq, line in enumerate(f.lines):
            if line.endswith(b'"type":"year.closed","v":1}'):
                entry = json.loads(line)
                closings.append((entry_time(line), f.feed, seq, entry["data"]["year"], entry))
    closings.sort(key=lambda c: (c[0], c[1], c[2]))
    out: list[YearRange] = []
    previous = {f.feed: 0 for f in feeds}
    for moment, feed_id, seq, year, entry in closings:
        ranges = {}
        for f in feeds:
            if f.feed == feed_id:
                covered = seq + 1
            else:
                covered = sum(1 for line in f.lines if entry_time(line) <= moment)
            cp = f.checkpoint_at_or_after(max(covered, 1))
            if cp is None:
                break
            ranges[f.feed] = (previous[f.feed], max(cp.size, previous[f.feed]))
        else:
            out.append(YearRange(year, feed_id, seq, entry["time"], ranges))
            previous = {k: b for k, (_, b) in ranges.items()}
            continue
        break  # a later year cannot be sealed before this one is signed
    return out


def find_year(feeds: list[FeedData], year: str) -> YearRange:
    for y in closed_years(feeds):
        if y.year == year:
            return y
    raise YearNotSealable(
        f"school year {year} is not closed, or no signed checkpoint covers its closing "
        "(run `ejournal checkpoint DATA_DIR` after closing the year)"
    )
