"""Backups to a medium (issue #9, item 5): sign, replicate, record, verify.

Layout on the medium::

    MEDIUM/ejournal-backup/<school root key id>/feeds/…        the replicated feeds
    MEDIUM/ejournal-backup/<school root key id>/keys/*.vkey    public keys only
    MEDIUM/ejournal-backup/<school root key id>/backups.jsonl  one line per backup run
    MEDIUM/ejournal-backup/<school root key id>/encryption.json  only for an encrypted copy
    MEDIUM/ejournal-backup/<school root key id>/.ejournal-sync/  the copy's verified state

The same record is appended to ``DATA_DIR/backups.jsonl``, and forks to ``DATA_DIR/alarms.jsonl``
(``sync.records`` documents both).
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ejournal.datadir import DataDir
from ejournal.log.errors import FeedLockedError, KeyFileError, LogError
from ejournal.log.extend import last_checkpoint
from ejournal.log.feed import SigningPolicy
from ejournal.log.note import Ed25519Verifier
from ejournal.log.storage import CHECKPOINTS, is_locked, list_segments
from ejournal.log.verify import Report, verify_data_dir

from .blobs import copy_blobs
from .crypto import Codec, codec_for
from .records import BACKUPS, append_line, now_text, raise_alarms
from .replica import (
    ReplicaError,
    SyncResult,
    check_writable,
    copy_public_keys,
    replicate,
    write_verified,
)
from .source import is_file_name

BACKUP_DIR = "ejournal-backup"


@dataclass
class BackupResult:
    folder: Path
    signed: str  # what happened to the device feed's checkpoint before the copy
    sync: SyncResult
    verify: Report
    warnings: list[str] = field(default_factory=list)
    record: dict[str, object] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.sync.ok and self.verify.ok


def backup_folder(medium: Path, data_dir: DataDir) -> Path:
    root = data_dir.root_verifier()
    return medium / BACKUP_DIR / f"{root.key_id:08x}"


def sign_before_copy(data_dir: DataDir) -> str:
    """Sign a checkpoint over the device feed (DESIGN: always before a backup), if we can."""
    if not data_dir.device_key.exists():
        return "no device key here: nothing to sign"
    signed = _fully_signed(data_dir.feeds / data_dir.device_feed_id())
    if signed is not None:
        return f"nothing to sign: the last checkpoint covers all {signed:,} entries"
    try:
        with data_dir.open_feed(policy=SigningPolicy(background=False)) as feed:
            cp = feed.checkpoint()
            return f"signed a checkpoint over {cp.size if cp else 0} entries"
    except FeedLockedError:
        return (
            "the device feed is open in a running journal server: not signed now; "
            "the copy takes the entries up to its last checkpoint"
        )
    except KeyFileError as e:
        return f"could not open the device key ({e}): not signed"


def _fully_signed(feed_dir: Path) -> int | None:
    """The feed's size if its last checkpoint covers every entry (read from the checkpoints
    file and the last segment only); None when there is an unsigned tail or a doubt.

    Opening the feed to sign would rebuild its tree from every line (O(history)); a feed
    closed cleanly is always fully signed, so this saves that in the usual case.
    """
    if is_locked(feed_dir):
        return None
    segments = list_segments(feed_dir)
    try:
        last = last_checkpoint((feed_dir / CHECKPOINTS).read_bytes())
    except (OSError, LogError):
        return None
    if not segments or last is None:
        return None
    first, path = segments[-1]
    data = path.read_bytes()
    size = first + data.count(b"\n")
    return size if size == last.size and data.endswith(b"\n") else None


def backup(
    data: Path,
    medium: Path,
    label: str,
    *,
    full_verify: bool = False,
    passphrase: str | None = None,
    key: bytes | None = None,
) -> BackupResult:
    """Back up the data directory ``data`` to ``medium`` with ``label``.

    The new entries are verified on their way (``ejournal.log.extend``) and every written file
    is read back; ``full_verify`` also verifies the whole copy on the medium from its first
    entry (slower: the whole history). With ``passphrase`` or ``key`` the copy is encrypted
    (``sync.crypto``); a copy is encrypted from its first backup on, or never.

    Raises:
        ReplicaError (and subclasses): the medium is missing, read-only or too small.
        EncryptionError: a wrong passphrase or key, or a plain copy asked to be encrypted.
        DataDirError: ``data`` is not a data directory.
    """
    dd = DataDir(data).require()
    if not medium.is_dir():
        raise ReplicaError(
            f"{medium} is not a folder (is the medium mounted?)",
            f"{medium} — не папка (носитель подключён?).",
        )
    root = dd.root_verifier()
    folder = backup_folder(medium, dd)
    check_writable(medium)
    codec = codec_for(folder, passphrase=passphrase, key=key, create=True)
    signed = sign_before_copy(dd)
    sync = replicate(dd.path, folder, root, codec=codec)
    warnings = copy_public_keys(dd.keys, folder / "keys")
    # Without --full-verify the sync verified what it copied, and the files were read back.
    report = verify_copy(folder, root, codec) if full_verify else Report()
    # The files entries reference (#11), encrypted like the feeds on an encrypted copy.
    sizes = {f.feed: f.entries for f in sync.feeds if not f.failed}
    report.problems.extend(copy_blobs(dd.path, folder, sizes, codec))
    verified = sync.ok and report.ok
    record: dict[str, object] = {
        "label": label,
        "time": now_text(),
        "source": str(dd.path.resolve()),
        "medium": str(medium.resolve()),
        "folder": str(folder.resolve()),
        "feeds": {
            f.feed: {"entries": f.entries, "root": f.root, "status": f.status} for f in sync.feeds
        },
        "entries_copied": sync.entries_copied,
        "bytes_copied": sync.bytes_copied,
        "bytes_written": sync.bytes_written,
        "verified": verified,
        "verification": "full" if full_verify else "incremental",
        "encrypted": codec.encrypted,
        "problems": [str(p) for p in report.all_problems]
        + [p for f in sync.feeds for p in f.problems],
    }
    _append_record(folder / BACKUPS, record)
    append_line(dd.path / BACKUPS, record)
    raise_alarms(dd.path, "backup", str(dd.path), str(folder), sync.feeds)
    if not full_verify:  # what the medium holds, as a full verification would count it
        from ejournal.log.verify import FeedReport

        report.feeds = [FeedReport(f.feed, entries=f.entries) for f in sync.feeds]
    return BackupResult(folder, signed, sync, report, warnings, record)


def verify_copy(folder: Path, root: Ed25519Verifier, codec: Codec) -> Report:
    """Verify a whole copy; an encrypted one is decrypted into a temporary folder first."""
    if not codec.encrypted:
        return verify_data_dir(folder, root)
    with tempfile.TemporaryDirectory(prefix="ejournal-verify-") as tmp:
        decrypt_copy(folder, Path(tmp), codec)
        return verify_data_dir(Path(tmp), root)


def decrypt_copy(folder: Path, target: Path, codec: Codec) -> None:
    """Write the decrypted feeds of an encrypted copy into ``target/feeds``.

    Raises:
        EncryptionError: a file does not decrypt (wrong key, changed or moved file).
    """
    for feed_dir in sorted((folder / "feeds").iterdir()):
        if not feed_dir.is_dir():
            continue
        out = target / "feeds" / feed_dir.name
        out.mkdir(parents=True, exist_ok=True)
        for path in sorted(feed_dir.iterdir()):
            if path.is_file() and is_file_name(path.name):
                name = f"feeds/{feed_dir.name}/{path.name}"
                (out / path.name).write_bytes(codec.decode(name, path.read_bytes()))


def _append_record(path: Path, record: dict[str, object]) -> None:
    """Append one JSON line, the whole file staged and renamed (never left half-written)."""
    old = path.read_bytes() if path.exists() else b""
    line = json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n"
    tmp = path.with_name(f".{path.name}.tmp")
    write_verified(tmp, old + line)
    os.replace(tmp, path)


def read_records(folder: Path) -> list[dict[str, Any]]:
    path = folder / BACKUPS
    if not path.exists():
        return []
    return [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines() if x.strip()]
