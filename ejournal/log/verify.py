"""Full verification of a data directory's feeds, read-only: every line against the entry
schema and its sequence, every feed's Merkle tree against every signed checkpoint, every
checkpoint signature and witness cosignature against keys certified by the school root.

Every problem names its place (file and line, or byte offset) and what is wrong. Nothing here
writes; a writer repairs torn tails when it opens a feed.
"""

from __future__ import annotations

import gc
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from pathlib import Path

from . import fastscan
from .checkpoint import Checkpoint, NoteRecord, parse_checkpoint, read_notes
from .entry import Block, Entry, LineError, parse_block
from .errors import BadSignatureError, FormatError, IntegrityError
from .keys import Certificate, Revocation, open_certificate, open_revocation, origin_for
from .merkle import CompactRange, leaf_hashes
from .note import Ed25519Verifier, Verifier, open_note
from .storage import CHECKPOINTS, COSIGNATURES, is_locked, list_segments

_KEY_TYPES = frozenset(("key.certify", "key.revoke"))
_SEQ, _FEED = attrgetter("seq"), attrgetter("feed")


@dataclass(frozen=True)
class Problem:
    """One thing found wrong, and where."""

    code: str
    place: str
    message: str

    def __str__(self) -> str:
        return f"{self.place}: {self.message} [{self.code}]"


@dataclass
class FeedReport:
    feed: str
    entries: int = 0
    checkpoints: int = 0
    cosignatures: int = 0
    unsigned_tail: int = 0
    live: bool = False
    problems: list[Problem] = field(default_factory=list)


@dataclass
class Report:
    feeds: list[FeedReport] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)

    @property
    def all_problems(self) -> list[Problem]:
        return self.problems + [p for f in self.feeds for p in f.problems]

    @property
    def ok(self) -> bool:
        return not self.all_problems

    @property
    def entries(self) -> int:
        return sum(f.entries for f in self.feeds)


@dataclass
class _Keys:
    """Certificates and revocations found in the entries, with the index they sit at."""

    certs: list[tuple[str, int, Certificate]] = field(default_factory=list)
    revocations: list[Revocation] = field(default_factory=list)


@dataclass
class _FeedScan:
    dir: Path
    report: FeedReport
    records: list[tuple[NoteRecord, Checkpoint]]


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Verification makes millions of short-lived objects and no cycles: the cyclic collector
    would only rescan them (measured: a third of the decode time). Paused, then restored."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def verify_data_dir(data_dir: Path, root: Ed25519Verifier) -> Report:
    """Verify every feed under ``data_dir/feeds`` against the school ``root`` key."""
    with _gc_paused():
        return _verify_data_dir(data_dir, root)


def _verify_data_dir(data_dir: Path, root: Ed25519Verifier) -> Report:
    report = Report()
    feeds_dir = data_dir / "feeds"
    if not feeds_dir.is_dir():
        report.problems.append(Problem("missing", str(feeds_dir), "no feeds directory"))
        return report
    keys = _Keys()
    scans = [_scan_feed(d, root, keys) for d in sorted(feeds_dir.iterdir()) if d.is_dir()]
    for scan in scans:
        _check_signatures(scan, keys)
        report.feeds.append(scan.report)
    if not scans:
        report.problems.append(Problem("missing", str(feeds_dir), "no feeds"))
    return report


def verify_feed(feed_dir: Path, root: Ed25519Verifier) -> FeedReport:
    """Verify one feed on its own (its certificates must be in it)."""
    keys = _Keys()
    with _gc_paused():
        scan = _scan_feed(feed_dir, root, keys)
        _check_signatures(scan, keys)
    return scan.report


def _scan_feed(feed_dir: Path, root: Ed25519Verifier, keys: _Keys) -> _FeedScan:
    report = FeedReport(feed_dir.name, live=is_locked(feed_dir))
    scan = _FeedScan(feed_dir, report, [])
    try:
        scan.records = _read_checkpoints(feed_dir, report)
        _scan_entries(feed_dir, report, [cp for _, cp in scan.records], root, keys)
    except IntegrityError as e:
        report.problems.append(Problem(e.code, e.place or str(feed_dir), e.message))
    return scan


def _read_checkpoints(feed_dir: Path, report: FeedReport) -> list[tuple[NoteRecord, Checkpoint]]:
    path = feed_dir / CHECKPOINTS
    place = f"{feed_dir.name}/{CHECKPOINTS}"
    if not path.exists():
        return []
    data = path.read_bytes()
    try:
        notes = read_notes(data)
    except FormatError as e:
        raise FormatError(e.message, place=f"{place} {e.place}") from e
    if notes.torn_tail and not report.live:
        report.problems.append(
            Problem(
                "torn_tail",
                f"{place} byte {notes.valid_length}",
                "incomplete checkpoint at the end",
            )
        )
    out: list[tuple[NoteRecord, Checkpoint]] = []
    origin = origin_for(feed_dir.name)
    previous = 0
    for record in notes.records:
        where = f"{place} line {record.line}"
        try:
            cp = parse_checkpoint(record.note.text)
        except FormatError as e:
            raise FormatError(e.message, place=where) from e
        if cp.origin != origin:
            raise FormatError(f"checkpoint is for {cp.origin}, not {origin}", place=where)
        if cp.size <= previous:
            raise IntegrityError(
                f"checkpoint size {cp.size} does not grow from {previous} (reordered or repeated)",
                place=where,
            )
        previous = cp.size
        out.append((record, cp))
    report.checkpoints = len(out)
    return out


BLOCK = 1024  # lines parsed and hashed at a time: their objects stay in the CPU's caches


def _scan_entries(
    feed_dir: Path,
    report: FeedReport,
    checkpoints: list[Checkpoint],
    root: Ed25519Verifier,
    keys: _Keys,
) -> None:
    """Stream every line: schema, sequence, time order, tree; roots at checkpoint sizes."""
    scan = _EntryScan(feed_dir.name, checkpoints, root, keys)
    segments = list_segments(feed_dir)
    for i, (first, path) in enumerate(segments):
        if first != scan.seq:
            raise _misplaced_segment(feed_dir.name, segments, i, scan.seq)
        data = path.read_bytes()
        end = data.rfind(b"\n") + 1  # complete lines end here: a live feed's tail may be torn
        if end < len(data) and (i < len(segments) - 1 or not report.live):
            lines = data.split(b"\n")
            lines.pop()
            where = _place(f"{feed_dir.name}/{path.name}", lines, len(lines))
            raise IntegrityError("incomplete last line (torn write or truncation)", place=where)
        scan.segment(f"{feed_dir.name}/{path.name}", data, end, segments)
    sizes = scan.sizes
    if scan.next_cp < len(sizes):
        # Name the end of the last segment: that is where the missing entries were.
        tail = f"{feed_dir.name}/{segments[-1][1].name} end" if segments else CHECKPOINTS
        raise IntegrityError(
            f"a checkpoint covers {sizes[scan.next_cp]} entries but the feed has only "
            f"{scan.seq}: entries were removed from the end, or the checkpoint is not genuine",
            place=tail if segments else f"{feed_dir.name}/{tail}",
        )
    report.entries = scan.seq
    signed = sizes[-1] if sizes else 0
    report.unsigned_tail = scan.seq - signed
    if report.unsigned_tail and not report.live:
        report.problems.append(
            Problem(
                "unsigned_tail",
                _entry_place(feed_dir.name, segments, signed),
                f"entries {signed}..{scan.seq - 1} ({report.unsigned_tail}) are not covered by "
                "a signed checkpoint (a crash before signing, or checkpoints removed; opening "
                "the feed signs them)",
            )
        )


def _misplaced_segment(
    feed_id: str, segments: list[tuple[int, Path]], i: int, seq: int
) -> IntegrityError:
    first, path = segments[i]
    if not i:
        return IntegrityError(
            f"segment starts at entry {first} but {seq} entries precede it",
            place=f"{feed_id}/{path.name}",
        )
    # Name the segment before: a sealed segment that lost or gained lines is the likelier
    # damage than a renamed next one, and the message names both.
    before = segments[i - 1]
    return IntegrityError(
        f"the feed has {seq} entries up to the end of this segment, but the "
        f"next one, {path.name}, starts at entry {first}: lines were removed from or added to "
        "this segment",
        place=f"{feed_id}/{before[1].name}",
    )


class _EntryScan:
    """The state of one pass over a feed's lines: sequence, last time, tree, next checkpoint."""

    def __init__(
        self, feed_id: str, checkpoints: list[Checkpoint], root: Ed25519Verifier, keys: _Keys
    ) -> None:
        self.feed_id = feed_id
        self.checkpoints = checkpoints
        self.sizes = [cp.size for cp in checkpoints]
        self.root, self.keys = root, keys
        self.tree = CompactRange()
        self.next_cp = 0
        self.last_time: datetime | None = None
        self.seq = 0
        self.fast = fastscan.scanner(feed_id)

    def segment(self, name: str, data: bytes, end: int, segments: list[tuple[int, Path]]) -> None:
        """Check the complete lines of one segment, ``data[:end]``: runs of lines the native
        scanner is sure of, and blocks of the reference path from each line it leaves."""
        first, pos = self.seq, 0
        lines: list[bytes] | None = None  # split only for the reference path and for reports
        while pos < end:
            if self.fast is not None:
                pos = self._fast_run(name, data, pos, end, first, segments)
                if pos >= end:
                    break
                self.tree = self.fast.tree
                text = self.fast.last_time
                self.last_time = datetime.fromisoformat(text) if text else self.last_time
            if lines is None:
                lines = data[:end].split(b"\n")
                lines.pop()
            at = self.seq - first
            part = lines[at : at + BLOCK]
            self._block(name, lines, at, part, segments)
            pos += sum(map(len, part)) + len(part)

    def _block(
        self,
        name: str,
        lines: list[bytes],
        at: int,
        part: list[bytes],
        segments: list[tuple[int, Path]],
    ) -> None:
        """The reference path over the lines ``part``, which start at line ``at``."""
        try:
            block = parse_block(b"\n".join(part) + b"\n")
        except LineError as e:
            raise FormatError(e.message, place=_place(name, lines, at + e.index)) from e
        self._entries(block, name, lines, at)
        self._hash(leaf_hashes(part), name, lines, at, segments)
        if self.fast is not None:
            self.fast.tree = self.tree
            self.fast.set_last_time(block.entries[-1].time)

    def _fast_run(
        self,
        name: str,
        data: bytes,
        pos: int,
        end: int,
        first: int,
        segments: list[tuple[int, Path]],
    ) -> int:
        """Lines from ``pos`` through the native scanner while it accepts them, stopping at
        each checkpoint's size to compare roots. Returns where the first line left starts."""
        assert self.fast is not None
        sizes = self.sizes
        while pos < end:
            limit = sizes[self.next_cp] - self.seq if self.next_cp < len(sizes) else BLOCK
            limit = min(limit, BLOCK)
            taken, pos = self.fast.scan(data, pos, end, self.seq, limit)
            self.seq += taken
            if self.next_cp < len(sizes) and sizes[self.next_cp] == self.seq:
                target = self.checkpoints[self.next_cp]
                if self.fast.tree.root() != target.root:
                    lines = data[:end].split(b"\n")
                    since = sizes[self.next_cp - 1] if self.next_cp else 0
                    where = _place(name, lines, self.seq - 1 - first)
                    if since < first:
                        where = f"{_entry_place(self.feed_id, segments, since)} to {where}"
                    raise _root_mismatch(target, since, where)
                self.next_cp += 1
            if taken < limit:
                break
        return pos

    def _entries(self, block: Block, name: str, lines: list[bytes], at: int) -> None:
        """Sequence, feed, time order and key statements of a block starting at line ``at``."""
        entries, start = block.entries, self.seq
        if list(map(_SEQ, entries)) != list(range(start, start + len(entries))):
            bad = next(i for i, e in enumerate(entries) if e.seq != start + i)
            raise IntegrityError(
                f"entry has seq {entries[bad].seq}, expected {start + bad}",
                place=_place(name, lines, at + bad),
            )
        if list(map(_FEED, entries)).count(self.feed_id) != len(entries):
            bad = next(i for i, e in enumerate(entries) if e.feed != self.feed_id)
            raise IntegrityError(
                f"entry belongs to feed {entries[bad].feed}", place=_place(name, lines, at + bad)
            )
        bad_time = block.disorder
        if self.last_time is not None and block.first is not None and block.first < self.last_time:
            bad_time = 0
        if bad_time is not None:
            raise IntegrityError(
                "entry time is earlier than the entry before it",
                place=_place(name, lines, at + bad_time),
            )
        if block.last is not None:
            self.last_time = block.last
        if start == 0 or not _KEY_TYPES.isdisjoint(block.types):
            for index, entry in enumerate(entries):
                if entry.seq == 0 or entry.type in _KEY_TYPES:
                    _collect_key(entry, self.root, self.keys, _place(name, lines, at + index))
        self.seq += len(entries)

    def _hash(
        self,
        leaves: list[bytes],
        name: str,
        lines: list[bytes],
        at: int,
        segments: list[tuple[int, Path]],
    ) -> None:
        """Add a block's leaves to the tree; compare the root at each checkpoint size in it."""
        sizes, tree = self.sizes, self.tree
        start = self.seq - len(leaves)
        done = 0
        while self.next_cp < len(sizes) and sizes[self.next_cp] <= self.seq:
            upto = sizes[self.next_cp] - start
            tree.extend(leaves[done:upto])
            done = upto
            if tree.root() != self.checkpoints[self.next_cp].root:
                since = sizes[self.next_cp - 1] if self.next_cp else 0
                where = _place(name, lines, at + upto - 1)
                first = start - at  # of the segment
                if since < first:  # the changed entry may be in an earlier segment: name it too
                    where = f"{_entry_place(self.feed_id, segments, since)} to {where}"
                raise _root_mismatch(self.checkpoints[self.next_cp], since, where)
            self.next_cp += 1
        tree.extend(leaves[done:])


def _entry_place(feed_id: str, segments: list[tuple[int, Path]], seq: int) -> str:
    """The place of entry ``seq`` (which exists): its segment file, line and byte."""
    first, path = next((f, p) for f, p in reversed(segments) if f <= seq)
    return _place(f"{feed_id}/{path.name}", path.read_bytes().split(b"\n"), seq - first)


def _place(name: str, lines: list[bytes], index: int) -> str:
    """'file line N (byte B)' for the line at ``index`` (computed only when reporting)."""
    offset = sum(len(line) + 1 for line in lines[:index])
    return f"{name} line {index + 1} (byte {offset})"


def _root_mismatch(target: Checkpoint, since: int, where: str) -> IntegrityError:
    return IntegrityError(
        f"the {target.size} entries up to this line do not hash to the root of the signed "
        f"checkpoint of size {target.size}: an entry from {since} to {target.size - 1} was "
        "changed, removed or inserted",
        place=where,
    )


def _collect_key(entry: Entry, root: Ed25519Verifier, keys: _Keys, where: str) -> None:
    """Check a root-signed key statement and remember it; seq 0 must certify the feed's key."""
    if entry.seq == 0 and entry.type != "key.certify":
        raise IntegrityError("a feed must begin with the certificate of its key", place=where)
    try:
        if entry.type == "key.certify":
            cert = open_certificate(str(entry.data.get("certificate", "")), root)
            if entry.seq == 0 and (cert.role != "device" or cert.feed != entry.feed):
                raise IntegrityError("the first certificate is not for this feed", place=where)
            keys.certs.append((entry.feed, entry.seq, cert))
        elif entry.type == "key.revoke":
            keys.revocations.append(open_revocation(str(entry.data.get("revocation", "")), root))
    except (FormatError, BadSignatureError) as e:
        raise IntegrityError(
            f"key statement is not signed by the school root key or is malformed: {e.message}",
            place=where,
        ) from e


def _signers_for(feed_id: str, size: int, keys: _Keys) -> list[Verifier]:
    """Device keys certified for ``feed_id`` inside the first ``size`` entries and not revoked."""
    out: list[Verifier] = []
    for holder, index, cert in keys.certs:
        if cert.role != "device" or cert.feed != feed_id or holder != feed_id or index >= size:
            continue
        if any(
            r.key == cert.key and r.feed == feed_id and size > r.valid_through
            for r in keys.revocations
        ):
            continue
        out.append(cert.key)
    return out


def _witnesses(feed_id: str, keys: _Keys) -> list[Verifier]:
    return [
        cert.key
        for _, _, cert in keys.certs
        if cert.role == "witness" and cert.feed in (feed_id, "*")
    ]


def _check_signatures(scan: _FeedScan, keys: _Keys) -> None:
    feed_id = scan.report.feed
    place = f"{feed_id}/{CHECKPOINTS}"
    if scan.report.problems and not any(holder == feed_id for holder, _, _ in keys.certs):
        # The scan stopped before the feed's key certificate was read (its problem is reported):
        # no signature can be judged, and calling every one untrusted would mislead.
        return
    for record, cp in scan.records:
        try:
            open_note(record.note, _signers_for(feed_id, cp.size, keys))
        except BadSignatureError as e:
            scan.report.problems.append(
                Problem(
                    e.code,
                    f"{place} line {record.line}",
                    f"checkpoint of size {cp.size}: {e.message}",
                )
            )
    _check_cosignatures(scan, keys)


def _check_cosignatures(scan: _FeedScan, keys: _Keys) -> None:
    path = scan.dir / COSIGNATURES
    if not path.exists():
        return
    feed_id = scan.report.feed
    place = f"{feed_id}/{COSIGNATURES}"
    texts = {record.note.text for record, _ in scan.records}
    try:
        notes = read_notes(path.read_bytes())
    except FormatError as e:
        scan.report.problems.append(Problem(e.code, f"{place} {e.place}", e.message))
        return
    if notes.torn_tail:
        scan.report.problems.append(
            Problem("torn_tail", place, "incomplete cosignature at the end")
        )
    witnesses = _witnesses(feed_id, keys)
    for record in notes.records:
        where = f"{place} line {record.line}"
        if record.note.text not in texts:
            scan.report.problems.append(
                Problem(
                    "unknown_checkpoint",
                    where,
                    "cosigned checkpoint is not in the checkpoints file",
                )
            )
            continue
        try:
            open_note(record.note, witnesses)
        except BadSignatureError as e:
            scan.report.problems.append(Problem(e.code, where, e.message))
            continue
        scan.report.cosignatures += 1


def describe(problems: Iterable[Problem]) -> list[str]:
    return [str(p) for p in problems]
