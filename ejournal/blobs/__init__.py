"""Files attached to entries (materials, submitted work, portfolio documents), stored once by
their SHA-256 beside the feeds in ``data/blobs/`` and referenced from entries' data by hash,
size, name and media type (docs/FORMAT.md, "Blobs")."""

from .store import BlobStore, blob_path, is_sha256
from .verify import BlobReport, referenced_blobs, verify_blobs

__all__ = ["BlobReport", "BlobStore", "blob_path", "is_sha256", "referenced_blobs", "verify_blobs"]
