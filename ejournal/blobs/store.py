"""The content-addressed blob store: ``data/blobs/<first 2 hex>/<sha256>``.

A file is written once: to a temporary name in the store, flushed and fsynced, then renamed to
its hash (and the folder fsynced), so a crash leaves either the whole file or nothing under the
hash's name. The same content uploaded again is not written again. Files are never deleted or
changed: an entry that replaces a file references a new one.
"""

from __future__ import annotations

import os
import re
import secrets
from hashlib import sha256
from pathlib import Path

from ..log.storage import fsync_dir

BLOBS = "blobs"
_SHA256 = re.compile(r"[0-9a-f]{64}")


def is_sha256(text: str) -> bool:
    """Whether ``text`` is 64 lowercase hexadecimal digits."""
    return _SHA256.fullmatch(text) is not None


def blob_path(root: Path, digest: str) -> Path:
    """Where the blob of ``digest`` lives under a store folder ``root`` (``data/blobs``)."""
    if not is_sha256(digest):
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    return root / digest[:2] / digest


class BlobStore:
    """The blobs of one data directory (or of a backup copy)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def of(cls, data_dir: Path) -> BlobStore:
        return cls(data_dir / BLOBS)

    def path(self, digest: str) -> Path:
        return blob_path(self.root, digest)

    def has(self, digest: str, size: int | None = None) -> bool:
        """Whether the blob is stored (with that size, when given)."""
        path = self.path(digest)
        try:
            found = path.stat().st_size
        except FileNotFoundError:
            return False
        return size is None or found == size

    def put(self, data: bytes) -> tuple[str, bool]:
        """Store ``data``; returns its SHA-256 and whether it was written now (False: it was
        already stored, byte for byte the same content)."""
        digest = sha256(data).hexdigest()
        if self.has(digest, len(data)):
            return digest, False
        target = self.path(digest)
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = target.parent / f".tmp-{secrets.token_hex(8)}"
        try:
            with open(tmp, "xb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(tmp, 0o444)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        fsync_dir(target.parent)
        return digest, True

    def read(self, digest: str) -> bytes:
        """The blob's bytes. Raises FileNotFoundError when it is not stored."""
        return self.path(digest).read_bytes()

    def disk_usage(self) -> int:
        """Bytes taken by the stored blobs (file sizes; the file system may round up)."""
        if not self.root.is_dir():
            return 0
        return sum(p.stat().st_size for p in self.root.glob("??/*") if not p.name.startswith("."))
