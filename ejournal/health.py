"""``ejournal status``: what the operator needs on one screen (issue #10) — version, feeds and
their sizes, the last checkpoint and its age, the last backup per medium, free disk, the last
verification, open alarms.

Cheap on a school of any size: it stats files and reads only their tails (the last line of a
segment, the last note of ``checkpoints``, the last lines of a medium's ``backups.jsonl``),
never the entries themselves.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from . import __version__
from .datadir import DataDir
from .local_state import Alarm, JobStatus, LocalConfig, load_config, open_alarms, read_statuses
from .log.storage import CHECKPOINTS, is_locked, list_segments

BACKUP_DIR = "ejournal-backup"  # the layout sync/backup.py writes, read here as data
BACKUPS = "backups.jsonl"
TAIL = 64 * 1024
CERT_WARN_DAYS = 30


@dataclass(frozen=True)
class FeedHealth:
    feed: str
    bytes: int
    segments: int
    entries: int  # seq of the last complete line + 1
    last_entry: str  # its time, as the log writes it
    signed: int  # size of the last checkpoint
    signed_at: datetime | None  # when that checkpoint was written (file time)
    live: bool  # a writer (the running server) holds it


@dataclass(frozen=True)
class BackupHealth:
    label: str
    path: Path
    connected: bool
    last_time: str = ""
    last_ok: bool | None = None
    entries: int = 0


@dataclass(frozen=True)
class Health:
    data_dir: Path
    version: str
    format: int
    schema: str
    feeds: tuple[FeedHealth, ...]
    backups: tuple[BackupHealth, ...]
    disk_free: int
    disk_total: int
    statuses: dict[str, JobStatus]
    alarms: tuple[Alarm, ...]
    warnings: tuple[str, ...] = field(default_factory=tuple)


def _tail(path: Path, size: int = TAIL) -> bytes:
    with path.open("rb") as f:
        f.seek(0, 2)
        end = f.tell()
        f.seek(max(0, end - size))
        return f.read()


def _last_line(path: Path) -> dict[str, object] | None:
    data = _tail(path)
    lines = data.split(b"\n")
    for line in reversed(lines[:-1] if lines and lines[-1] != b"" else lines):
        if line.strip():
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _last_checkpoint_size(path: Path) -> int:
    if not path.exists():
        return 0
    notes = _tail(path, 16 * 1024).decode("utf-8", "replace").split("\n\n")
    for note in reversed(notes):
        lines = note.strip("\n").split("\n")
        if len(lines) >= 3 and lines[1].isdigit():
            return int(lines[1])
    return 0


def feed_health(feed_dir: Path) -> FeedHealth:
    segments = list_segments(feed_dir)
    size = sum(p.stat().st_size for _, p in segments)
    last = _last_line(segments[-1][1]) if segments else None
    seq = last.get("seq") if last else None
    entries = int(seq) + 1 if isinstance(seq, int) else 0
    cp = feed_dir / CHECKPOINTS
    signed_at = datetime.fromtimestamp(cp.stat().st_mtime, UTC) if cp.exists() else None
    return FeedHealth(
        feed_dir.name, size, len(segments), entries, str(last.get("time", "")) if last else "",
        _last_checkpoint_size(cp), signed_at, is_locked(feed_dir),
    )  # fmt: skip


def _schema(dd: DataDir) -> str:
    db = dd.path / "journal.sqlite"
    if not db.exists():
        return "none yet"
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as e:
        return f"unreadable ({e})"
    return str(row[0]) if row else "unknown"


def _records(path: Path) -> list[dict[str, Any]]:
    """The parsable JSON lines of the tail of a JSON Lines file."""
    if not path.exists():
        return []
    out = []
    for line in _tail(path).split(b"\n"):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            out.append(value)
    return out


def _entries(record: dict[str, Any]) -> int:
    feeds = record.get("feeds")
    if not isinstance(feeds, dict):
        return 0
    return sum(int(f.get("entries", 0)) for f in feeds.values() if isinstance(f, dict))


def backup_health(
    dd: DataDir, config: LocalConfig, statuses: dict[str, JobStatus]
) -> list[BackupHealth]:
    """The last backup to each medium: the configured ones (``ejournal.toml``) and any other
    that ``ejournal backup`` recorded in ``DATA_DIR/backups.jsonl``. For a medium with no
    local record: its own ``backups.jsonl``, or what the scheduled job last said about it."""
    local: dict[str, dict[str, Any]] = {}
    for r in _records(dd.path / BACKUPS):
        local[str(r.get("label", ""))] = r  # the last one per label wins
    key_id = f"{dd.root_verifier().key_id:08x}"
    out = []
    labels = set()
    for m in config.media:
        labels.add(m.label)
        on_medium = _records(m.path / BACKUP_DIR / key_id / BACKUPS)
        found = local.get(m.label) or (on_medium[-1] if on_medium else None)
        if found:
            out.append(BackupHealth(m.label, m.path, m.path.is_dir(), str(found.get("time", "")),
                                    bool(found.get("verified")), _entries(found)))  # fmt: skip
            continue
        job = statuses.get("backup")
        said = (job.details.get("media") or {}).get(m.label, "") if job else ""
        when = job.time if job and said else ""
        ok = str(said).startswith("verified") if said else None
        out.append(BackupHealth(m.label, m.path, m.path.is_dir(), when, ok))
    for label, r in local.items():
        if label not in labels:
            path = Path(str(r.get("medium") or r.get("folder") or "?"))
            out.append(BackupHealth(label, path, path.is_dir(), str(r.get("time", "")),
                                    bool(r.get("verified")), _entries(r)))  # fmt: skip
    return out


def collect(data_dir: Path, now: datetime | None = None) -> Health:
    """Everything ``ejournal status`` prints, gathered without reading the entries."""
    dd = DataDir(data_dir).require()
    now = now or datetime.now(UTC)
    warnings: list[str] = []
    try:
        config = load_config(dd.path)
    except ValueError as e:
        config = LocalConfig()
        warnings.append(str(e))
    from .upgrade import read_format

    statuses = read_statuses(dd.path)
    feeds = tuple(feed_health(p) for p in sorted(dd.feeds.iterdir()) if p.is_dir())
    backups = tuple(backup_health(dd, config, statuses))
    usage = shutil.disk_usage(dd.path)
    alarms = list(open_alarms(dd.path))
    if not config.media and not backups:
        warnings.append(f"no backup media configured in {dd.path / 'ejournal.toml'}")
    verified = [b.last_time for b in backups if b.last_ok and b.last_time]
    if (config.media or backups) and (
        not verified or _age(max(verified), now) > timedelta(days=config.overdue_days)
    ):
        alarms.append(
            Alarm("backup-overdue", f"no verified backup in the last {config.overdue_days} days")
        )
    if dd.root_key.exists():
        warnings.append(f"the school root PRIVATE key is still on this server: {dd.root_key}")
    if (dd.path / "tls" / "server.crt").exists():
        from .tls import server_certificate, tls_files  # cryptography.x509: only when needed

        files = tls_files(dd.path)
        left = server_certificate(files).not_valid_after_utc - now
        if left < timedelta(days=CERT_WARN_DAYS):
            alarms.append(
                Alarm(
                    "tls", f"the server certificate expires in {left.days} days: run ejournal tls"
                )
            )
    if usage.free < 1_000_000_000:
        alarms.append(Alarm("disk", f"less than 1 GB free on {dd.path}"))
    return Health(dd.path, __version__, read_format(dd), _schema(dd), feeds, backups,
                  usage.free, usage.total, statuses, tuple(alarms), tuple(warnings))  # fmt: skip


def _age(stamp: str, now: datetime) -> timedelta:
    try:
        when = datetime.fromisoformat(stamp)
    except ValueError:
        return timedelta.max
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return now - when
