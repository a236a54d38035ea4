"""What this server knows about its own health, outside the records: its local settings
(``DATA_DIR/ejournal.toml``), the status files the scheduled jobs leave (``DATA_DIR/status/``)
and the alarms other parts raise (``DATA_DIR/alarms.jsonl``). None of it is archived.

``ejournal.toml`` (edited by the operator; every key optional)::

    # the media the weekly backup writes to (ejournal scheduled-backup)
    [[backup]]
    medium = "/media/ejournal-backup"      # where the flash drive is mounted
    label = "флешка в сейфе директора"

    [backup_policy]
    overdue_days = 8                        # no verified backup for longer: an alarm

Status files ``status/<job>.json``: one JSON object, rewritten by each run of a job::

    {"job": "verify", "ok": true, "time": "2026-12-01T03:00:04+07:00",
     "message": "1,234,567 entries verified", "details": {...}}

Any part of ejournal may write one (``write_status``): ``verify`` and ``backup`` are written
by the scheduled jobs of issue #10; the diary's e-mail outbox writes ``status/mail.json`` with
``ok: false`` while messages fail to go out, and ``ejournal status`` and the administration's
banner show every status that is not ok.

Alarms ``alarms.jsonl``: one JSON object a line, appended by whoever raises one. Backups and
syncs of replicas (issue #9, ``sync/records.py``) write a line per fork or refused copy::

    {"time": "2026-12-01T10:00:00+07:00", "kind": "fork" | "invalid", "feed": "<feed-id>",
     "operation": "backup" | "sync", "source": "…", "dest": "…", "problems": ["FORK in …"]}

and ``ejournal alarms DATA_DIR --clear`` moves the file aside once dealt with. Any other part
may append ``{"time", "kind", "message"}``; with an ``id``, a later line with the same ``id``
and ``"resolved": true`` closes that alarm. A line that does not parse is shown as an alarm
itself (a broken alarms file is worth a look).

Backups: besides each medium's own ``backups.jsonl``, ``ejournal backup`` appends the same
record to ``DATA_DIR/backups.jsonl`` (``label``, ``time``, ``medium``, ``verified``, …):
``ejournal status`` reads the last one per label, as data (``ejournal`` imports nothing from
``sync/``).
"""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

CONFIG = "ejournal.toml"
STATUS_DIR = "status"
ALARMS = "alarms.jsonl"
OVERDUE_DAYS = 8


@dataclass(frozen=True)
class Medium:
    path: Path
    label: str


@dataclass(frozen=True)
class LocalConfig:
    media: tuple[Medium, ...] = ()
    overdue_days: int = OVERDUE_DAYS


@dataclass(frozen=True)
class JobStatus:
    job: str
    ok: bool
    time: str
    message: str
    details: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Alarm:
    kind: str
    message: str
    time: str = ""
    id: str = ""


class ConfigError(ValueError):
    """``ejournal.toml`` is not valid TOML or has a value of the wrong kind."""


def load_config(data_dir: Path) -> LocalConfig:
    """The local settings; defaults when there is no file.

    Raises:
        ConfigError: the file is malformed.
    """
    path = data_dir / CONFIG
    if not path.exists():
        return LocalConfig()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
        media = tuple(
            Medium(Path(str(m["medium"])), str(m.get("label") or m["medium"]))
            for m in raw.get("backup", [])
        )
        overdue = int(raw.get("backup_policy", {}).get("overdue_days", OVERDUE_DAYS))
    except (tomllib.TOMLDecodeError, KeyError, TypeError, ValueError, AttributeError) as e:
        raise ConfigError(f"{path}: {e}") from e
    return LocalConfig(media, overdue)


def write_status(data_dir: Path, job: str, ok: bool, message: str, **details: Any) -> JobStatus:
    """Record the outcome of a job run (atomically replaces the previous one)."""
    folder = data_dir / STATUS_DIR
    folder.mkdir(exist_ok=True)
    status = JobStatus(job, ok, datetime.now().astimezone().isoformat(timespec="seconds"),
                       message, details)  # fmt: skip
    body = {"job": job, "ok": ok, "time": status.time, "message": message, "details": details}
    tmp = folder / f".{job}.json.tmp"
    tmp.write_text(json.dumps(body, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    os.replace(tmp, folder / f"{job}.json")
    return status


def read_statuses(data_dir: Path) -> dict[str, JobStatus]:
    """Every job's last status, by job name."""
    out: dict[str, JobStatus] = {}
    folder = data_dir / STATUS_DIR
    if not folder.is_dir():
        return out
    for path in sorted(folder.glob("*.json")):
        try:
            b = json.loads(path.read_text(encoding="utf-8"))
            out[path.stem] = JobStatus(str(b.get("job", path.stem)), bool(b["ok"]),
                                       str(b.get("time", "")), str(b.get("message", "")),
                                       dict(b.get("details") or {}))  # fmt: skip
        except (OSError, ValueError, KeyError, TypeError):
            out[path.stem] = JobStatus(path.stem, False, "", f"{path} is unreadable")
    return out


def open_alarms(data_dir: Path) -> list[Alarm]:
    """Alarms raised and not resolved, oldest first (reads only ``alarms.jsonl``)."""
    path = data_dir / ALARMS
    if not path.exists():
        return []
    alarms: dict[str, Alarm] = {}
    for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            b = json.loads(line)
            key = str(b.get("id") or f"line-{n}")
            if b.get("resolved"):
                alarms.pop(key, None)
            else:
                alarms[key] = Alarm(str(b.get("kind", "alarm")), _alarm_text(b),
                                    str(b.get("time", "")), key)  # fmt: skip
        except (ValueError, AttributeError):
            alarms[f"line-{n}"] = Alarm("alarms-file", f"{ALARMS} line {n} does not parse")
    return list(alarms.values())


def _alarm_text(b: dict[str, Any]) -> str:
    if b.get("message"):
        return str(b["message"])
    where = " ".join(f"{k} {b[k]}" for k in ("operation", "feed", "dest") if b.get(k))
    problems = "; ".join(str(p) for p in b.get("problems") or [])
    return ": ".join(x for x in (where, problems) if x) or "(no details)"


def problems(data_dir: Path) -> list[str]:
    """One line (Russian) per thing the administration should see now: failed jobs, open
    alarms. Cheap: reads a few small files. For the banner on the administration's page."""
    lines = []
    for s in read_statuses(data_dir).values():
        if not s.ok:
            lines.append(f"{JOB_RU.get(s.job, s.job)}: ошибка ({s.time[:16].replace('T', ' ')}). "
                         f"{s.message}")  # fmt: skip
    for a in open_alarms(data_dir):
        lines.append(f"{ALARM_RU.get(a.kind, 'Тревога')}: {a.message}")
    return lines


JOB_RU = {
    "verify": "Ежедневная проверка журнала",
    "backup": "Еженедельная резервная копия",
    "mail": "Отправка почты",
}
ALARM_RU = {
    "fork": "Расхождение копий журнала (форк)",
    "invalid": "Копия журнала не прошла проверку",
    "mail": "Почта",
}
