"""Backups carry the files their entries reference (R-DST-1, R-ARC-4), and restores bring them
back (issue #9).

Every blob referenced by the copied entries is copied into ``<backup folder>/blobs/`` if the
medium lacks it (written to a temporary name, fsynced, read back, renamed), and every
referenced blob on the medium is checked against its hash at every run. Blobs are
content-addressed, so one already there is never rewritten.

On an encrypted copy (``sync.crypto``) a blob is stored like a feed file: AES-256-GCM with the
copy's key, ``blobs/<sha256>`` bound as associated data, under a name that does not show its
hash (``Codec.blob_name``: an HMAC of it), so the medium holds no plaintext of a file nor the
hash of one; it is checked by decrypting it and hashing the plaintext.

Which entries reference which blobs is read incrementally: ``.ejournal-sync/blobs.json`` beside
the copy (encrypted on an encrypted copy) keeps how far each feed was read and the blobs found,
so a weekly backup reads only the new entries, not the whole history again.
"""

from __future__ import annotations

import json
import os
import secrets
from hashlib import sha256
from pathlib import Path

from ejournal.blobs.store import BLOBS, BlobStore, blob_path, is_sha256
from ejournal.blobs.verify import Reference, _refs_in, check_blob
from ejournal.log.storage import list_segments
from ejournal.log.verify import Problem

from .crypto import PLAIN, Codec, EncryptionError
from .durable import check_space, write_verified

BLOB_OVERHEAD = 4096  # per blob beside its bytes: a file system block, the cipher's header and tag

_MARK = b'"sha256":"'
STATE = "blobs.json"  # in the copy's .ejournal-sync/


def scan_references(feed_dir: Path, start: int, end: int) -> dict[str, Reference]:
    """The blobs referenced by entries ``start`` … ``end − 1`` of a plain feed, by digest.

    A segment without a blob reference is skipped with one search of its bytes; only the lines
    holding one are parsed. Lines that do not parse are the log verification's business.
    """
    found: dict[str, Reference] = {}
    segments = list_segments(feed_dir)
    for i, (first, path) in enumerate(segments):
        after = segments[i + 1][0] if i + 1 < len(segments) else None
        if first >= end or (after is not None and after <= start):
            continue
        data = path.read_bytes()
        if _MARK not in data:
            continue
        for index, line in enumerate(data.split(b"\n")):
            seq = first + index
            if not start <= seq < end or _MARK not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            payload = entry.get("data") if isinstance(entry, dict) else None
            for digest, size in _refs_in(payload):
                found.setdefault(digest, Reference(digest, size, f"{feed_dir.name}#{seq}"))
    return found


def stored_path(folder: Path, digest: str, codec: Codec) -> Path:
    """Where the blob ``digest`` is stored in the copy ``folder``."""
    return blob_path(folder / BLOBS, codec.blob_name(digest))


def _aad(digest: str) -> str:
    return f"blobs/{digest}"


def load_stored(folder: Path, ref: Reference, codec: Codec) -> tuple[bytes | None, Problem | None]:
    """One referenced blob on the copy, read (decrypted) and checked against its hash and
    size: (its content, None), or (None, what is wrong)."""
    path = stored_path(folder, ref.sha256, codec)
    try:
        data = codec.decode(_aad(ref.sha256), path.read_bytes())
    except FileNotFoundError:
        return None, Problem(
            "blob_missing", str(path), f"blob referenced by {ref.place} is missing"
        )
    except EncryptionError as e:
        return None, Problem("blob_mismatch", str(path), f"{ref.sha256}: {e}")
    digest = sha256(data).hexdigest()
    if digest != ref.sha256:
        return None, Problem(
            "blob_mismatch", str(path), f"content hashes to {digest} (changed on disk)"
        )
    if len(data) != ref.size:
        return None, Problem(
            "blob_size", str(path), f"{len(data)} bytes, {ref.place} says {ref.size}"
        )
    return data, None


def check_stored(folder: Path, ref: Reference, codec: Codec) -> Problem | None:
    """:func:`load_stored`'s verdict alone."""
    return load_stored(folder, ref, codec)[1]


def _load_state(folder: Path, codec: Codec) -> tuple[dict[str, int], dict[str, Reference]]:
    path = folder / ".ejournal-sync" / STATE
    try:
        obj = json.loads(codec.decode(f".ejournal-sync/{STATE}", path.read_bytes()))
        scanned = {str(k): int(v) for k, v in obj["scanned"].items()}
        refs = {str(d): Reference(str(d), int(s), str(p)) for d, (s, p) in obj["refs"].items()}
        return scanned, refs
    except (OSError, ValueError, KeyError, TypeError, EncryptionError):
        return {}, {}  # none yet (or unreadable): read every entry once


def _save_state(
    folder: Path, codec: Codec, scanned: dict[str, int], refs: dict[str, Reference]
) -> None:
    state_dir = folder / ".ejournal-sync"
    state_dir.mkdir(parents=True, exist_ok=True)
    obj = {"scanned": scanned, "refs": {d: [r.size, r.place] for d, r in sorted(refs.items())}}
    data = codec.encode(f".ejournal-sync/{STATE}", json.dumps(obj, sort_keys=True).encode())
    tmp = state_dir / f".{STATE}.tmp"
    tmp.unlink(missing_ok=True)
    write_verified(tmp, data)
    os.replace(tmp, state_dir / STATE)


def copy_blobs(
    source: Path, folder: Path, sizes: dict[str, int], codec: Codec = PLAIN
) -> list[Problem]:
    """Copy into the copy ``folder`` the blobs referenced by its entries, from the data
    directory ``source``; the problems found (none: every one copied and verified).

    Args:
        source: the data directory the copy was made from.
        folder: the copy (a backup folder on a medium).
        sizes: how many entries of each feed the copy holds now.
        codec: the copy's (``sync.crypto.codec_for``).

    Raises:
        NotEnoughSpaceError: the medium has no room for the new blobs (nothing of them written).
        OSError: the medium cannot be written (full, read-only).
    """
    scanned, refs = _load_state(folder, codec)
    for feed, size in sorted(sizes.items()):
        feed_dir = source / "feeds" / feed
        start = scanned.get(feed, 0)
        if size > start and feed_dir.is_dir():
            for digest, ref in scan_references(feed_dir, start, size).items():
                refs.setdefault(digest, ref)
            scanned[feed] = size
    # The space the new blobs need is asked before the first of them is written (#9 item 2).
    check_space(folder, sum(ref.size + BLOB_OVERHEAD for ref in refs.values()
                            if is_sha256(ref.sha256)
                            and not stored_path(folder, ref.sha256, codec).exists()))  # fmt: skip
    problems: list[Problem] = []
    for ref in refs.values():
        if not is_sha256(ref.sha256):
            problems.append(Problem("blob_reference", ref.place, f"malformed {ref.sha256!r}"))
            continue
        target = stored_path(folder, ref.sha256, codec)
        if not target.exists():
            original = blob_path(source / BLOBS, ref.sha256)
            found, _ = check_blob(source / BLOBS, ref)
            if found is not None:
                problems.append(Problem(found.code, str(original), f"not copied: {found.message}"))
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.parent / f".tmp-{secrets.token_hex(8)}"
            write_verified(tmp, codec.encode(_aad(ref.sha256), original.read_bytes()))
            os.replace(tmp, target)
        problem = check_stored(folder, ref, codec)
        if problem is not None:
            problems.append(problem)
    _save_state(folder, codec, scanned, refs)
    return problems


def restore_blobs(folder: Path, data: Path, codec: Codec = PLAIN) -> tuple[list[Problem], int]:
    """Bring the blobs the restored feeds of ``data`` reference from the copy ``folder`` into
    ``data/blobs``, each checked against its hash (decrypted first on an encrypted copy).

    Returns:
        The problems (a blob missing or damaged on the copy) and how many blobs were restored.
    """
    refs: dict[str, Reference] = {}
    for feed_dir in sorted(p for p in (data / "feeds").iterdir() if p.is_dir()):
        for digest, ref in scan_references(feed_dir, 0, 1 << 62).items():
            refs.setdefault(digest, ref)
    store = BlobStore.of(data)
    problems: list[Problem] = []
    restored = 0
    for ref in refs.values():
        if not is_sha256(ref.sha256):
            problems.append(Problem("blob_reference", ref.place, f"malformed {ref.sha256!r}"))
            continue
        content, problem = load_stored(folder, ref, codec)
        if content is None:
            problems.append(problem or Problem("blob_missing", ref.place, ref.sha256))
            continue
        store.put(content)
        restored += 1
    return problems, restored
