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
from pathlib import Path

from . import fastscan
from .checkpoint import Checkpoint, NoteRecord, parse_checkpoint, read_notes
from .errors import BadSignatureError, FormatError, IntegrityError
from .feedscan import EntryScan, Keys, entry_place, place_of
from .keys import origin_for
from .note import Ed25519Verifier, Verifier, open_note
from .storage import CHECKPOINTS, COSIGNATURES, is_locked, list_segments


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
    keys = Keys()
    scans = [_scan_feed(d, root, keys) for d in sorted(feeds_dir.iterdir()) if d.is_dir()]
    for scan in scans:
        _check_signatures(scan, keys)
        report.feeds.append(scan.report)
    if not scans:
        report.problems.append(Problem("missing", str(feeds_dir), "no feeds"))
    return report


def verify_feed(feed_dir: Path, root: Ed25519Verifier) -> FeedReport:
    """Verify one feed on its own (its certificates must be in it)."""
    keys = Keys()
    with _gc_paused():
        scan = _scan_feed(feed_dir, root, keys)
        _check_signatures(scan, keys)
    return scan.report


def _scan_feed(feed_dir: Path, root: Ed25519Verifier, keys: Keys) -> _FeedScan:
    report = FeedReport(feed_dir.name, live=is_locked(feed_dir))
    scan = _FeedScan(feed_dir, report, [])
    try:
        scan.records = _read_checkpoints(feed_dir, report)
        checkpoints = [cp for _, cp in scan.records]
        known = keys.mark()
        try:
            _scan_entries(feed_dir, report, checkpoints, root, keys, native=True)
        except IntegrityError:
            # A problem found with the native scanner is named by the reference path alone:
            # in a feed with several faults the two may meet a different one first.
            if not fastscan.available():
                raise
            keys.rollback(known)
            _scan_entries(feed_dir, report, checkpoints, root, keys, native=False)
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


def _scan_entries(
    feed_dir: Path,
    report: FeedReport,
    checkpoints: list[Checkpoint],
    root: Ed25519Verifier,
    keys: Keys,
    *,
    native: bool,
) -> None:
    """Stream every line: schema, sequence, time order, tree; roots at checkpoint sizes."""
    scan = EntryScan(feed_dir.name, checkpoints, root, keys, native=native)
    segments = list_segments(feed_dir)
    for i, (first, path) in enumerate(segments):
        if first != scan.seq:
            raise _misplaced_segment(feed_dir.name, segments, i, scan.seq)
        data = path.read_bytes()
        end = data.rfind(b"\n") + 1  # complete lines end here: a live feed's tail may be torn
        if end < len(data) and (i < len(segments) - 1 or not report.live):
            lines = data.split(b"\n")
            lines.pop()
            where = place_of(f"{feed_dir.name}/{path.name}", lines, len(lines))
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
                entry_place(feed_dir.name, segments, signed),
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


def _signers_for(feed_id: str, size: int, keys: Keys) -> list[Verifier]:
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


def _witnesses(feed_id: str, keys: Keys) -> list[Verifier]:
    return [
        cert.key
        for _, _, cert in keys.certs
        if cert.role == "witness" and cert.feed in (feed_id, "*")
    ]


def _check_signatures(scan: _FeedScan, keys: Keys) -> None:
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


def _check_cosignatures(scan: _FeedScan, keys: Keys) -> None:
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
