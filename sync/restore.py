"""Restore a school from a backup medium into an empty data directory (issue #9, item 5).

1. find the copy on the medium (``MEDIUM/ejournal-backup/<root key id>/``, or that folder
   itself), open it (decrypting an encrypted copy with its passphrase or key file);
2. replicate its feeds into the new data directory: every entry verified from the first one
   against the school root key given by the caller — the trust anchor comes from the safe, not
   from the medium, whose ``root.vkey`` could have been replaced along with everything else;
3. copy the public keys; write the caller's root public key as ``keys/root.vkey``;
4. give the new server its own device key and feed (docs/adr/0002-restore-new-device-key.md):
   certified at once when the root private key is given, otherwise later with
   ``ejournal new-device DATA_DIR --root-private-key FILE``; until then the restored
   directory verifies, rebuilds and can be read, but not written;
5. bring back the attached files (blobs) the feeds reference, each checked against its hash;
6. rebuild the projection from the feeds.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ejournal.datadir import DataDir, DataDirError, create_device_feed
from ejournal.log.feed import SigningPolicy
from ejournal.log.keys import new_device_key, write_private_key, write_public_key
from ejournal.log.note import Ed25519Signer, Ed25519Verifier
from ejournal.log.verify import FeedReport, Report, verify_data_dir, verify_feed
from ejournal.projection.db import rebuild

from .backup import BACKUP_DIR
from .blobs import restore_blobs
from .crypto import codec_for
from .replica import ReplicaError, SyncResult, copy_public_keys, replicate
from .source import DirSource


@dataclass
class RestoreResult:
    folder: Path
    sync: SyncResult
    verify: Report
    device_feed: str = ""  # the new server's feed, when it was certified
    entries: int = 0
    blobs: int = 0  # attached files restored
    seconds: dict[str, float] = field(default_factory=dict)  # wall time per stage
    cpu: dict[str, float] = field(default_factory=dict)  # this process's CPU time per stage
    warnings: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.sync.ok and self.verify.ok


def find_copy(medium: Path, root: Ed25519Verifier) -> Path:
    """The folder of this school's copy on ``medium``.

    Raises:
        ReplicaError: no copy of this school is there.
    """
    for folder in (medium / BACKUP_DIR / f"{root.key_id:08x}", medium):
        if (folder / "feeds").is_dir():
            return folder
    raise ReplicaError(
        f"no copy of the school with root key {root.key_id:08x} on {medium} "
        f"(looked for {BACKUP_DIR}/{root.key_id:08x}/feeds)",
        f"На носителе {medium} нет копии журнала этой школы.",
    )


def new_device(data_dir: DataDir, root_signer: Ed25519Signer, **feed_options: Any) -> str:
    """Give a data directory a new device key and its feed, certified by the root key.

    Raises:
        DataDirError: the directory already has a device key, or the root key is not its school's.
    """
    if data_dir.device_key.exists():
        raise DataDirError(f"{data_dir.path} already has a device key")
    if root_signer.verifier().vkey() != data_dir.root_verifier().vkey():
        raise DataDirError("the root private key given is not this school's root key")
    feed_id, device = new_device_key()
    write_private_key(data_dir.device_key, device)
    write_public_key(data_dir.device_vkey, device.verifier())
    feed_options.setdefault("policy", SigningPolicy(background=False))
    create_device_feed(data_dir, root_signer, device, **feed_options).close()
    return feed_id


def restore(
    medium: Path,
    data: Path,
    root: Ed25519Verifier,
    *,
    root_signer: Ed25519Signer | None = None,
    passphrase: str | None = None,
    key: bytes | None = None,
    feed_options: dict[str, Any] | None = None,
    full_verify: bool = False,
) -> RestoreResult:
    """Restore the copy on ``medium`` into the empty (or absent) directory ``data``.

    The feeds are verified entry by entry from the first one while they are copied, the
    attached files (blobs) against their hashes; ``full_verify`` verifies the restored feeds
    once more from the start (``ejournal verify``; not needed, and slow for a big school).

    Raises:
        ReplicaError: no copy, or ``data`` is not empty.
        EncryptionError: the copy is encrypted and the passphrase or key is wrong or missing.
    """
    if data.exists() and any(data.iterdir()):
        raise ReplicaError(
            f"{data} is not empty: restore only into an empty data directory",
            f"Папка {data} не пуста: восстанавливать можно только в пустую папку.",
        )
    folder = find_copy(medium, root)
    codec = codec_for(folder, passphrase=passphrase, key=key, create=False)
    data.mkdir(parents=True, exist_ok=True)
    seconds: dict[str, float] = {}
    cpu: dict[str, float] = {}
    started, cpu_started = time.perf_counter(), time.process_time()
    sync = replicate(DirSource(folder, codec), data, root)
    seconds["copy and verify"] = time.perf_counter() - started
    cpu["copy and verify"] = time.process_time() - cpu_started
    dd = DataDir(data)
    if not sync.ok:
        shutil.rmtree(data / "feeds", ignore_errors=True)
        return RestoreResult(folder, sync, Report(), seconds=seconds, cpu=cpu)
    warnings = copy_public_keys(folder / "keys", dd.keys)
    on_medium = folder / "keys" / "root.vkey"
    if on_medium.exists() and on_medium.read_text(encoding="utf-8").strip() != root.vkey():
        warnings.append(f"{on_medium} is not the root key given; the one given is kept")
    for name in ("device.vkey",):  # the old server's public key: not this device's
        old = dd.keys / name
        if old.exists():
            old.rename(dd.keys / f"restored-{name}")
    dd.root_vkey.unlink(missing_ok=True)
    write_public_key(dd.root_vkey, root)
    result = RestoreResult(folder, sync, Report(), warnings=warnings, seconds=seconds, cpu=cpu)
    if root_signer is not None:
        result.device_feed = new_device(dd, root_signer, **(feed_options or {}))
    started, cpu_started = time.perf_counter(), time.process_time()
    # Every copied entry was verified on its way from the first one (against ``root``), every
    # written file read back: a full verification here would do it all a second time (#9).
    result.verify = _verified(sync, dd, root, full_verify)
    blob_problems, result.blobs = restore_blobs(folder, data, codec)
    result.verify.problems.extend(blob_problems)
    stage = "verify" if full_verify else "new feed and files"
    seconds[stage] = time.perf_counter() - started
    cpu[stage] = time.process_time() - cpu_started
    started, cpu_started = time.perf_counter(), time.process_time()
    result.entries = rebuild(dd.feeds, data / "journal.sqlite")
    seconds["rebuild"] = time.perf_counter() - started
    cpu["rebuild"] = time.process_time() - cpu_started
    return result


def _verified(sync: SyncResult, dd: DataDir, root: Ed25519Verifier, full: bool) -> Report:
    """The verification report of a restored directory: what the copy verified, and the new
    device feed verified on its own (it was made here); or a full verification."""
    if full:
        return verify_data_dir(dd.path, root)
    report = Report(feeds=[FeedReport(f.feed, entries=f.entries) for f in sync.feeds])
    copied = {f.feed for f in sync.feeds}
    for feed_dir in sorted(p for p in dd.feeds.iterdir() if p.is_dir()):
        if feed_dir.name not in copied:
            report.feeds.append(verify_feed(feed_dir, root))
    return report
