"""Backups carry the files their entries reference (R-DST-1, R-ARC-4): every blob referenced
by the copied feeds is copied into ``<backup folder>/blobs/`` if the medium lacks it (written
to a temporary name, fsynced, read back, renamed), and every referenced blob on the medium is
checked against its hash. Blobs are content-addressed, so one already there is never rewritten.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from ejournal.blobs.store import BLOBS, blob_path, is_sha256
from ejournal.blobs.verify import check_blob, referenced_blobs
from ejournal.log.verify import Problem


def _write_verified(path: Path, data: bytes) -> None:
    """A new file: written, fsynced, read back and compared (a flash drive may lie)."""
    with open(path, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    if path.read_bytes() != data:
        path.unlink()
        raise OSError(f"read-back of {path} differs from what was written")


def copy_blobs(source: Path, folder: Path) -> list[Problem]:
    """Copy into ``folder`` the blobs referenced by ``folder``'s feeds (the copy just made),
    from the data directory ``source``; the problems found (none: every one copied and
    verified).

    Raises:
        OSError: the medium cannot be written (full, read-only).
    """
    problems: list[Problem] = []
    for ref in referenced_blobs(folder).values():
        if not is_sha256(ref.sha256):
            problems.append(Problem("blob_reference", ref.place, f"malformed {ref.sha256!r}"))
            continue
        target = blob_path(folder / BLOBS, ref.sha256)
        if not target.exists():
            original = blob_path(source / BLOBS, ref.sha256)
            found, _ = check_blob(source / BLOBS, ref)
            if found is not None:
                problems.append(Problem(found.code, str(original), f"not copied: {found.message}"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.parent / f".tmp-{secrets.token_hex(8)}"
            _write_verified(tmp, original.read_bytes())
            os.replace(tmp, target)
        problem, _ = check_blob(folder / BLOBS, ref)
        if problem is not None:
            problems.append(problem)
    return problems
