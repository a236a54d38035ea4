"""Verifying what a feed gained since a verified size, without reading its history again.

A replica that holds a verified copy of a feed up to size n keeps a :class:`FeedState`: the
Merkle tree's compact range at n (one hash per set bit of n), the time of entry n − 1, the
root-signed key certificates and revocations met so far, and how long its ``checkpoints`` and
``cosignatures`` files were. Given the source's notes and only the lines after n,
:func:`verify_extension` checks everything §9 of docs/FORMAT.md asks of them — schema and
canonical form, sequence, feed id, times never decreasing, key statements signed by the root,
every new checkpoint's root recomputed from the compact range extended with the new leaves, and
its signature — and returns the state at the new size.

Why this is as strong as a full verification of the new part: the root of every new checkpoint
is recomputed from the state's compact range (whose root is the signed root at n) extended with
the new lines. A source whose first n entries differ from the replica's cannot produce that
root (a SHA-256 collision aside), so the check is an RFC 6962 consistency proof computed from
the leaves themselves. What it does not do is re-check the source's own copy of the first n
entries: those are never copied, so nothing forged there can reach the replica.

Starting from :meth:`FeedState.empty` the same function verifies a whole feed.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from operator import attrgetter
from typing import Any

from . import fastscan
from .checkpoint import Checkpoint, NoteRecord, _note_end, parse_checkpoint, read_notes
from .entry import Entry, LineError, parse_block, parse_time
from .errors import BadSignatureError, FormatError, IntegrityError
from .feedscan import KEY_TYPES, Keys, collect_key
from .keys import origin_for
from .merkle import CompactRange, leaf_hashes
from .note import Ed25519Verifier, open_note, parse_note
from .verify import _signers_for, _witnesses

STATE_VERSION = 1


@dataclass
class FeedState:
    """What verifying the rest of a feed needs to know about its verified first ``size`` entries."""

    feed: str
    tree: CompactRange = field(default_factory=CompactRange)
    last_time: str = ""  # the ``time`` of entry size − 1 ("" when size is 0)
    certificates: list[tuple[int, str]] = field(default_factory=list)  # (seq, note text)
    revocations: list[str] = field(default_factory=list)  # note texts
    notes_length: int = 0  # bytes of ``checkpoints`` covered (ending with the note at size)
    cosignatures_length: int = 0
    checkpoints: int = 0

    @classmethod
    def empty(cls, feed: str) -> FeedState:
        return cls(feed)

    @property
    def size(self) -> int:
        return self.tree.size

    def root(self) -> bytes:
        return self.tree.root()

    def keys(self, root: Ed25519Verifier) -> Keys:
        """The certificates and revocations, each signature checked again with ``root``.

        Raises:
            IntegrityError: a stored statement is not signed by ``root`` (a tampered state).
        """
        keys = Keys()
        for text in self.revocations:
            _collect_statement(keys, root, self.feed, 1, "key.revoke", text)
        for seq, text in self.certificates:
            _collect_statement(keys, root, self.feed, seq, "key.certify", text)
        return keys

    def to_json(self) -> bytes:
        return json.dumps(self.to_dict(), sort_keys=True).encode()

    def to_dict(self) -> dict[str, Any]:
        return {
            "v": STATE_VERSION,
            "feed": self.feed,
            "size": self.size,
            "range": [base64.b64encode(h).decode() for h in self.tree.hashes],
            "last_time": self.last_time,
            "certificates": self.certificates,
            "revocations": self.revocations,
            "notes_length": self.notes_length,
            "cosignatures_length": self.cosignatures_length,
            "checkpoints": self.checkpoints,
        }

    @classmethod
    def from_json(cls, data: bytes) -> FeedState:
        """Raises ValueError (or KeyError/TypeError) for anything that is not a state file."""
        return cls.from_dict(json.loads(data))

    @classmethod
    def from_dict(cls, obj: dict[str, Any]) -> FeedState:
        """Raises ValueError (or KeyError/TypeError) for anything that is not a state."""
        if obj.get("v") != STATE_VERSION:
            raise ValueError("unknown state version")
        hashes = [base64.b64decode(h, validate=True) for h in obj["range"]]
        return cls(
            feed=str(obj["feed"]),
            tree=CompactRange.from_hashes(int(obj["size"]), hashes),
            last_time=str(obj["last_time"]),
            certificates=[(int(s), str(t)) for s, t in obj["certificates"]],
            revocations=[str(t) for t in obj["revocations"]],
            notes_length=int(obj["notes_length"]),
            cosignatures_length=int(obj["cosignatures_length"]),
            checkpoints=int(obj["checkpoints"]),
        )


def _collect_statement(
    keys: Keys, root: Ed25519Verifier, feed: str, seq: int, kind: str, text: str
) -> None:
    key = "certificate" if kind == "key.certify" else "revocation"
    entry = Entry(feed, seq, "", "system", kind, {key: text})
    collect_key(entry, root, keys, f"{feed} state, entry {seq}")


@dataclass(frozen=True)
class Extension:
    """The verdict on what a source adds to a verified state."""

    state: FeedState  # the state at the source's last checkpoint (when ok)
    checkpoint: Checkpoint | None  # the source's last checkpoint
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def note_spans(data: bytes, start: int = 0) -> tuple[list[tuple[int, int]], int]:
    """Where each complete note of a notes file starts and ends (the framing of
    ``checkpoint.read_notes``, without parsing: a big file's old notes need not be parsed
    again), and where the complete notes end; from byte ``start`` (where a note starts) on."""
    spans: list[tuple[int, int]] = []
    pos = start
    while pos < len(data):
        end = _note_end(data, pos)
        if end < 0:
            break
        spans.append((pos, end))
        pos = end
    return spans, pos


def note_at(data: bytes, span: tuple[int, int]) -> NoteRecord:
    """The note of one span, parsed.

    Raises:
        FormatError: it does not parse (names its line).
    """
    start, end = span
    raw = data[start : end - 1]
    line = data.count(b"\n", 0, start) + 1
    try:
        return NoteRecord(parse_note(raw), start, line, raw)
    except FormatError as e:
        raise FormatError(e.message, place=f"line {line}") from e


def last_record(data: bytes) -> NoteRecord | None:
    """The last complete note of a notes file, parsed (None if there is none)."""
    spans, _ = note_spans(data)
    return note_at(data, spans[-1]) if spans else None


def last_checkpoint(notes: bytes) -> Checkpoint | None:
    """The last complete checkpoint of a ``checkpoints`` file (None if there is none)."""
    record = last_record(notes)
    return parse_checkpoint(record.note.text) if record else None


def verify_extension(
    state: FeedState,
    root: Ed25519Verifier,
    notes: bytes,
    cosignatures: bytes,
    chunks: Iterable[tuple[str, bytes]],
) -> Extension:
    """Verify a source's entries after ``state.size`` and its checkpoints after it.

    Args:
        state: the verified state of the replica's copy (``FeedState.empty`` for a new feed).
        root: the school root key.
        notes: the source's whole ``checkpoints`` file; ``cosignatures`` likewise (or b"").
        chunks: (segment name, bytes) of the source's lines from entry ``state.size`` on, in
            order, whole lines only, up to at least the source's last checkpoint.

    Returns:
        The verdict; on success the state at the source's last checkpoint. ``notes`` must
        begin with the bytes the state covers (the caller compares them: a difference there is
        a fork, not a bad source).
    """
    feed = state.feed
    spans, _ = note_spans(notes)
    if not spans:
        return Extension(state, None, [f"{feed}: no signed checkpoint"])
    try:
        # Only the notes after what the state covers are parsed (the caller compared the rest).
        new = _checkpoints(feed, notes, spans, state.notes_length, state.size)
        last = new[-1][1] if new else parse_checkpoint(note_at(notes, spans[-1]).note.text)
    except (FormatError, IntegrityError) as e:
        return Extension(state, None, [f"{feed}/checkpoints: {e}"])
    if last.size <= state.size:
        return Extension(state, last, [])
    try:
        keys = state.keys(root)
        out = _extend(state, root, keys, new, chunks)
        _check_signatures(feed, new, out, keys)
        out.cosignatures_length = _check_cosignatures(
            feed, notes, cosignatures, state.cosignatures_length, keys
        )
    except (FormatError, IntegrityError) as e:
        return Extension(state, last, [str(e)])
    out.notes_length = new[-1][0].offset + len(new[-1][0].raw) + 1
    out.checkpoints = len(spans)
    return Extension(out, last, [])


def _checkpoints(
    feed: str, notes: bytes, spans: list[tuple[int, int]], since: int, previous: int
) -> list[tuple[NoteRecord, Checkpoint]]:
    """The checkpoints of the notes from byte ``since`` on, checked: origin, sizes growing
    from ``previous``."""
    origin = origin_for(feed)
    out: list[tuple[NoteRecord, Checkpoint]] = []
    for span in spans:
        if span[0] < since:
            continue
        record = note_at(notes, span)
        cp = parse_checkpoint(record.note.text)
        where = f"line {record.line}"
        if cp.origin != origin:
            raise FormatError(f"checkpoint is for {cp.origin}, not {origin}", place=where)
        if cp.size <= previous:
            raise IntegrityError(f"checkpoint size {cp.size} does not grow", place=where)
        previous = cp.size
        out.append((record, cp))
    return out


def _extend(
    state: FeedState,
    root: Ed25519Verifier,
    keys: Keys,
    new: list[tuple[NoteRecord, Checkpoint]],
    chunks: Iterable[tuple[str, bytes]],
) -> FeedState:
    """Check the new lines and the roots of the new checkpoints; the state at the last one."""
    feed = state.feed
    tree = state.tree.copy()
    sizes = [cp.size for _, cp in new]
    target = sizes[-1]
    certs = list(state.certificates)
    revocations = list(state.revocations)
    last_time: datetime | None = parse_time(state.last_time) if state.last_time else None
    last_text = state.last_time
    next_cp = 0
    seq = state.size
    scanner = fastscan.scanner(feed)
    for name, data in chunks:
        if seq >= target:
            break
        native = _native_chunk(scanner, data, seq, tree, last_text, sizes, new, next_cp)
        if native is not None:
            tree, last_text, seq, next_cp = native
            last_time = parse_time(last_text) if last_text else None
            continue
        lines = data.split(b"\n")
        if lines.pop():
            raise IntegrityError("incomplete last line", place=f"{feed}/{name}")
        lines = lines[: target - seq]
        try:
            block = parse_block(b"".join(line + b"\n" for line in lines))
        except LineError as e:
            raise FormatError(e.message, place=f"{feed}/{name} entry {seq + e.index}") from e
        entries = block.entries
        if list(map(attrgetter("seq"), entries)) != list(range(seq, seq + len(entries))):
            bad = next(i for i, e in enumerate(entries) if e.seq != seq + i)
            raise IntegrityError(
                f"entry has seq {entries[bad].seq}, expected {seq + bad}", place=f"{feed}/{name}"
            )
        if set(map(attrgetter("feed"), entries)) - {feed}:
            raise IntegrityError("an entry belongs to another feed", place=f"{feed}/{name}")
        backwards = block.disorder is not None or (
            last_time is not None and block.first is not None and block.first < last_time
        )
        if backwards:
            raise IntegrityError(
                "entry time is earlier than the entry before it", place=f"{feed}/{name}"
            )
        if entries:
            last_time, last_text = block.last, entries[-1].time
        if seq == 0 or not KEY_TYPES.isdisjoint(map(attrgetter("type"), entries)):
            for entry in entries:
                if entry.seq == 0 or entry.type in KEY_TYPES:
                    collect_key(entry, root, keys, f"{feed}/{name} entry {entry.seq}")
                    if entry.type == "key.certify":
                        certs.append((entry.seq, str(entry.data.get("certificate", ""))))
                    elif entry.type == "key.revoke":
                        revocations.append(str(entry.data.get("revocation", "")))
        leaves = leaf_hashes(lines)
        start, done = seq, 0
        seq += len(entries)
        while next_cp < len(sizes) and sizes[next_cp] <= seq:
            upto = sizes[next_cp] - start
            tree.extend(leaves[done:upto])
            done = upto
            if tree.root() != new[next_cp][1].root:
                raise IntegrityError(
                    f"the entries up to {sizes[next_cp]} do not hash to the root of the signed "
                    f"checkpoint of that size: the source's history is not the one this replica "
                    f"verified up to {state.size}, or an entry from {state.size} on was changed",
                    place=f"{feed}/checkpoints line {new[next_cp][0].line}",
                )
            next_cp += 1
        tree.extend(leaves[done:])
    if seq < target:
        raise IntegrityError(
            f"a checkpoint covers {target} entries but the source has only {seq}",
            place=f"{feed}/checkpoints",
        )
    return FeedState(feed, tree, last_text, certs, revocations)


def _check_signatures(
    feed: str, new: list[tuple[NoteRecord, Checkpoint]], state: FeedState, keys: Keys
) -> None:
    for record, cp in new:
        try:
            open_note(record.note, _signers_for(feed, cp.size, keys))
        except BadSignatureError as e:
            raise IntegrityError(
                f"checkpoint of size {cp.size}: {e.message}",
                place=f"{feed}/checkpoints line {record.line}",
            ) from e


def _check_cosignatures(
    feed: str, notes: bytes, cosignatures: bytes, known_length: int, keys: Keys
) -> int:
    """Check the cosignature notes after ``known_length``; returns the file's valid length."""
    if not cosignatures:
        return 0
    parsed = read_notes(cosignatures)
    if all(record.offset < known_length for record in parsed.records):
        return parsed.valid_length
    texts = {record.note.text for record in read_notes(notes).records}
    witnesses = _witnesses(feed, keys)
    for record in parsed.records:
        if record.offset < known_length:
            continue
        where = f"{feed}/cosignatures line {record.line}"
        if record.note.text not in texts:
            raise IntegrityError("cosigned checkpoint is not in the checkpoints file", place=where)
        try:
            open_note(record.note, witnesses)
        except BadSignatureError as e:
            raise IntegrityError(e.message, place=where) from e
    return parsed.valid_length


def _native_chunk(
    scanner: fastscan.Scanner | None,
    data: bytes,
    seq: int,
    tree: CompactRange,
    last_text: str,
    sizes: list[int],
    new: list[tuple[NoteRecord, Checkpoint]],
    next_cp: int,
) -> tuple[CompactRange, str, int, int] | None:
    """A chunk through the native scanner (docs/adr/0009), when it accepts every line up to
    the last new checkpoint and every new root there matches: the new tree, last time, size
    and next checkpoint. None sends the chunk through the reference path, which gives the
    same state or names what is wrong (a key statement, say, is always left to it)."""
    if scanner is None or not data.endswith(b"\n"):
        return None
    scanner.tree = tree
    scanner.set_last_time(last_text or None)
    pos, end = 0, len(data)
    while pos < end and next_cp < len(sizes):
        limit = sizes[next_cp] - seq
        taken, pos = scanner.scan(data, pos, end, seq, limit)
        seq += taken
        if taken < limit and pos < end:
            return None
        if seq == sizes[next_cp]:
            if scanner.tree.root() != new[next_cp][1].root:
                return None
            next_cp += 1
    return scanner.tree, scanner.last_time or last_text, seq, next_cp
