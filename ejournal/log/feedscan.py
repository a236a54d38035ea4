"""One pass over a feed's lines for full verification: each line against the entry schema and
its sequence, feed and time order, hashed into the feed's Merkle tree, the root compared at each
signed checkpoint's size, and the key statements collected (checked against the school root).

Runs of lines go through the native scanner when it is built (:mod:`.fastscan`, docs/adr/0009);
every line it leaves, and every line when it is not built, goes through the Python reference
path (:func:`.entry.parse_block`) a block at a time. Both give the same verdicts and places.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from pathlib import Path

from . import fastscan
from .checkpoint import Checkpoint
from .entry import Block, Entry, LineError, parse_block
from .errors import BadSignatureError, FormatError, IntegrityError
from .keys import Certificate, Revocation, open_certificate, open_revocation
from .merkle import CompactRange, leaf_hashes
from .note import Ed25519Verifier

KEY_TYPES = frozenset(("key.certify", "key.revoke"))
_SEQ, _FEED = attrgetter("seq"), attrgetter("feed")


@dataclass
class Keys:
    """Certificates and revocations found in the entries, with the index they sit at."""

    certs: list[tuple[str, int, Certificate]] = field(default_factory=list)
    revocations: list[Revocation] = field(default_factory=list)

    def mark(self) -> tuple[int, int]:
        """How many certificates and revocations are known (for :meth:`rollback`)."""
        return len(self.certs), len(self.revocations)

    def rollback(self, mark: tuple[int, int]) -> None:
        """Forget what was collected since :meth:`mark` gave ``mark``."""
        del self.certs[mark[0] :], self.revocations[mark[1] :]


BLOCK = 1024  # lines parsed and hashed at a time: their objects stay in the CPU's caches


class EntryScan:
    """The state of one pass over a feed's lines: sequence, last time, tree, next checkpoint."""

    def __init__(
        self,
        feed_id: str,
        checkpoints: list[Checkpoint],
        root: Ed25519Verifier,
        keys: Keys,
        *,
        native: bool = True,
    ) -> None:
        self.feed_id = feed_id
        self.checkpoints = checkpoints
        self.sizes = [cp.size for cp in checkpoints]
        self.root, self.keys = root, keys
        self.tree = CompactRange()
        self.next_cp = 0
        self.last_time: datetime | None = None
        self.seq = 0
        self.fast = fastscan.scanner(feed_id) if native else None

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
            raise FormatError(e.message, place=place_of(name, lines, at + e.index)) from e
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
                    where = place_of(name, lines, self.seq - 1 - first)
                    if since < first:
                        where = f"{entry_place(self.feed_id, segments, since)} to {where}"
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
                place=place_of(name, lines, at + bad),
            )
        if list(map(_FEED, entries)).count(self.feed_id) != len(entries):
            bad = next(i for i, e in enumerate(entries) if e.feed != self.feed_id)
            raise IntegrityError(
                f"entry belongs to feed {entries[bad].feed}", place=place_of(name, lines, at + bad)
            )
        bad_time = block.disorder
        if self.last_time is not None and block.first is not None and block.first < self.last_time:
            bad_time = 0
        if bad_time is not None:
            raise IntegrityError(
                "entry time is earlier than the entry before it",
                place=place_of(name, lines, at + bad_time),
            )
        if block.last is not None:
            self.last_time = block.last
        if start == 0 or not KEY_TYPES.isdisjoint(block.types):
            for index, entry in enumerate(entries):
                if entry.seq == 0 or entry.type in KEY_TYPES:
                    collect_key(entry, self.root, self.keys, place_of(name, lines, at + index))
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
                where = place_of(name, lines, at + upto - 1)
                first = start - at  # of the segment
                if since < first:  # the changed entry may be in an earlier segment: name it too
                    where = f"{entry_place(self.feed_id, segments, since)} to {where}"
                raise _root_mismatch(self.checkpoints[self.next_cp], since, where)
            self.next_cp += 1
        tree.extend(leaves[done:])


def entry_place(feed_id: str, segments: list[tuple[int, Path]], seq: int) -> str:
    """The place of entry ``seq`` (which exists): its segment file, line and byte."""
    first, path = next((f, p) for f, p in reversed(segments) if f <= seq)
    return place_of(f"{feed_id}/{path.name}", path.read_bytes().split(b"\n"), seq - first)


def place_of(name: str, lines: list[bytes], index: int) -> str:
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


def collect_key(entry: Entry, root: Ed25519Verifier, keys: Keys, where: str) -> None:
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
