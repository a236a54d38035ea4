"""Checks that every blob an entry references is in the store, whole (docs/FORMAT.md, "Blobs").

A blob reference is a JSON object anywhere inside an entry's ``data`` with a ``sha256`` member
(64 lowercase hex digits) and an integer ``size`` member. The entry's line is a leaf of the
signed Merkle tree, so the reference is as authentic as the entry; this check adds that the file
under that hash still has that hash and size. Read-only; depends only on the log's file layout
and SHA-256, so an archivist can run it with nothing but the archive.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path
from typing import Any

from ..log.storage import list_segments
from ..log.verify import Problem
from .store import BLOBS, blob_path, is_sha256

_MARK = b'"sha256":"'
_CHUNK = 1 << 20


@dataclass(frozen=True)
class Reference:
    sha256: str
    size: int
    place: str  # the first entry that references it: "<feed>#<seq>"


@dataclass
class BlobReport:
    references: int = 0  # distinct blobs referenced
    checked_bytes: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _refs_in(value: Any) -> Iterator[tuple[str, int]]:
    if isinstance(value, dict):
        digest, size = value.get("sha256"), value.get("size")
        if isinstance(digest, str) and type(size) is int:
            yield digest, size
        for member in value.values():
            yield from _refs_in(member)
    elif isinstance(value, list):
        for item in value:
            yield from _refs_in(item)


def referenced_blobs(data_dir: Path) -> dict[str, Reference]:
    """Every blob referenced by an entry of any feed under ``data_dir/feeds``, by digest.

    Lines that do not parse are left to the log's own verification (``ejournal verify``
    reports them); a malformed digest is returned as it is and reported by verify_blobs.
    """
    found: dict[str, Reference] = {}
    feeds = data_dir / "feeds"
    if not feeds.is_dir():
        return found
    for feed_dir in sorted(p for p in feeds.iterdir() if p.is_dir()):
        for first, path in list_segments(feed_dir):
            lines = path.read_bytes().split(b"\n")
            for index, line in enumerate(lines):
                if _MARK not in line:  # nearly every line: no JSON parsing at all
                    continue
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue
                data = entry.get("data") if isinstance(entry, dict) else None
                for digest, size in _refs_in(data):
                    if digest not in found:
                        found[digest] = Reference(digest, size, f"{feed_dir.name}#{first + index}")
    return found


def _digest_of(path: Path) -> tuple[str, int]:
    h, size = sha256(), 0
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def check_blob(store: Path, ref: Reference) -> tuple[Problem | None, int]:
    """One referenced blob against its hash and size: (problem or None, bytes read)."""
    if not is_sha256(ref.sha256):
        return Problem("blob_reference", ref.place, f"malformed blob digest {ref.sha256!r}"), 0
    path = blob_path(store, ref.sha256)
    if not path.is_file():
        return Problem("blob_missing", str(path), f"blob referenced by {ref.place} is missing"), 0
    digest, size = _digest_of(path)
    if digest != ref.sha256:
        return Problem(
            "blob_mismatch", str(path), f"content hashes to {digest} (changed on disk)"
        ), size
    if size != ref.size:
        return Problem("blob_size", str(path), f"{size} bytes, {ref.place} says {ref.size}"), size
    return None, size


def verify_blobs(data_dir: Path) -> BlobReport:
    """Check every blob referenced from the feeds of ``data_dir`` (``data_dir/blobs``)."""
    report = BlobReport()
    store = data_dir / BLOBS
    refs = referenced_blobs(data_dir)
    report.references = len(refs)
    for ref in refs.values():
        problem, read = check_blob(store, ref)
        report.checked_bytes += read
        if problem is not None:
            report.problems.append(problem)
    return report
