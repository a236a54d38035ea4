"""What the data directory remembers about its copies: backup records and fork alarms.

Two files in the data directory, JSON Lines (one UTF-8 JSON object per line, appended; a
reader skips a line it cannot parse). They are local bookkeeping, not part of the record of
truth (never in the log, not archived); ``ejournal status`` and ``/admin/backups`` read them.

``DATA_DIR/backups.jsonl`` — one line per ``ejournal backup`` run (the same line is appended
to ``backups.jsonl`` in the copy's folder on the medium)::

    {"label": "флешка в сейфе директора", "time": "2026-12-01T14:05:00+07:00",
     "medium": "/media/usb", "folder": "/media/usb/ejournal-backup/1a2b3c4d",
     "verified": true, "verification": "incremental" | "full", "encrypted": false,
     "entries_copied": 812, "bytes_copied": 245760, "bytes_written": 1048576,
     "feeds": {"<feed-id>": {"entries": 3332142, "root": "<base64>", "status": "ok"}},
     "problems": []}

``DATA_DIR/alarms.jsonl`` — one line per fork (or refused copy) that a backup or a sync met::

    {"time": "…", "kind": "fork" | "invalid", "feed": "<feed-id>", "operation": "backup" | "sync",
     "source": "…", "dest": "…", "problems": ["FORK in feed …: checkpoints differs … at byte 812"]}

An alarm stays until the administration has dealt with it: ``ejournal alarms DATA_DIR --clear``
moves the file aside to ``alarms-<time>.jsonl`` (kept, never deleted).
"""

from __future__ import annotations

import json
import os
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BACKUPS = "backups.jsonl"
ALARMS = "alarms.jsonl"


def now_text() -> str:
    return datetime.now(UTC).astimezone().isoformat(timespec="seconds")


def append_line(path: Path, record: dict[str, Any]) -> None:
    """Append one JSON line (O_APPEND, fsync): a crash leaves at worst a torn last line."""
    line = json.dumps(record, ensure_ascii=False, sort_keys=True).encode() + b"\n"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    try:
        os.write(fd, line)
        os.fsync(fd)
    finally:
        os.close(fd)


def read_lines(path: Path) -> list[dict[str, Any]]:
    """The records of a JSON Lines file, skipping lines that do not parse (a torn tail)."""
    if not path.exists():
        return []
    out = []
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        try:
            obj = json.loads(line)
        except ValueError:
            continue
        if isinstance(obj, dict):
            out.append(obj)
    return out


def raise_alarms(
    data_dir: Path, operation: str, source: str, dest: str, feeds: list[Any]
) -> list[dict[str, Any]]:
    """Record an alarm for every feed of a sync result that failed (fork or refused)."""
    raised = []
    for f in feeds:
        if not f.failed:
            continue
        record = {
            "time": now_text(),
            "kind": f.status,
            "feed": f.feed,
            "operation": operation,
            "source": source,
            "dest": dest,
            "problems": list(f.problems),
        }
        append_line(data_dir / ALARMS, record)
        raised.append(record)
    return raised


def read_alarms(data_dir: Path) -> list[dict[str, Any]]:
    return read_lines(data_dir / ALARMS)


def clear_alarms(data_dir: Path) -> Path | None:
    """Move the alarms aside (kept as ``alarms-<time>.jsonl``); returns the new name."""
    path = data_dir / ALARMS
    if not path.exists():
        return None
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = data_dir / f"alarms-{stamp}.jsonl"
    os.replace(path, target)
    return target


def read_backups(data_dir: Path) -> list[dict[str, Any]]:
    return read_lines(data_dir / BACKUPS)
