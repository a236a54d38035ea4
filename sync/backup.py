"""Backups to a medium (issue #9, item 5): sign, replicate, record, verify.

Layout on the medium::

    MEDIUM/ejournal-backup/<school root key id>/feeds/…        the replicated feeds
    MEDIUM/ejournal-backup/<school root key id>/keys/*.vkey    public keys only
    MEDIUM/ejournal-backup/<school root key id>/backups.jsonl  one line per backup run
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ejournal.datadir import DataDir
from ejournal.log.errors import FeedLockedError, KeyFileError
from ejournal.log.feed import SigningPolicy
from ejournal.log.verify import Report, verify_data_dir

from .blobs import copy_blobs
from .replica import ReplicaError, SyncResult, copy_public_keys, replicate, write_verified

BACKUP_DIR = "ejournal-backup"
BACKUPS = "backups.jsonl"


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


def backup(data: Path, medium: Path, label: str) -> BackupResult:
    """Back up the data directory ``data`` to ``medium`` with ``label``.

    Raises:
        ReplicaError (and subclasses): the medium is missing, read-only or too small.
        DataDirError: ``data`` is not a data directory.
    """
    dd = DataDir(data).require()
    if not medium.is_dir():
        raise ReplicaError(
            f"{medium} is not a folder (is the medium mounted?)",
            f"{medium} — не папка (носитель подключён?).",
        )
    root = dd.root_verifier()
    signed = sign_before_copy(dd)
    folder = backup_folder(medium, dd)
    sync = replicate(dd.path, folder, root)
    warnings = copy_public_keys(dd.keys, folder / "keys")
    report = verify_data_dir(folder, root)
    report.problems.extend(copy_blobs(dd.path, folder))  # the files entries reference (#11)
    record: dict[str, object] = {
        "label": label,
        "time": datetime.now(UTC).astimezone().isoformat(timespec="seconds"),
        "source": str(dd.path.resolve()),
        "feeds": {
            f.feed: {"entries": f.entries, "root": f.root, "status": f.status} for f in sync.feeds
        },
        "entries_copied": sync.entries_copied,
        "bytes_copied": sync.bytes_copied,
        "verified": report.ok,
        "problems": [str(p) for p in report.all_problems]
        + [p for f in sync.feeds for p in f.problems],
    }
    _append_record(folder / BACKUPS, record)
    return BackupResult(folder, signed, sync, report, warnings, record)


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
