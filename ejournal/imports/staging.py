"""An uploaded list waiting for the operator's confirmation: kept in ``DATA_DIR/imports/``
(local, 0600, never archived) between the preview, the fixes and the confirmation; removed
once imported, or after a day."""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path

from .rows import FIELDS, KINDS, Row, check_row, detect_kind, table_rows
from .table import TableError, read_table

STAGING = "imports"
KEEP_SECONDS = 24 * 3600
TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


@dataclass
class Staged:
    token: str
    kind: str
    source: str
    sha256: str
    lines: dict[int, dict[str, str]]  # line → field values (as uploaded, or as fixed)
    skip: set[int] = field(default_factory=set)
    create_classes: bool = False

    def rows(self) -> list[Row]:
        return [check_row(line, values, self.kind) for line, values in sorted(self.lines.items())]


def _folder(data_dir: Path) -> Path:
    folder = data_dir / STAGING
    folder.mkdir(mode=0o700, exist_ok=True)
    return folder


def stage(data_dir: Path, name: str, data: bytes, kind: str = "") -> Staged:
    """Read an upload and keep it for its preview.

    Raises:
        TableError: not a table this reads.
    """
    table = read_table(name, data)
    kind = kind if kind in KINDS else detect_kind(table.header)
    rows = table_rows(table, kind)
    if not rows:
        raise TableError("no rows under the header", "Под строкой заголовков нет данных.")
    staged = Staged(
        secrets.token_urlsafe(18),
        kind,
        Path(name).name[:120],
        hashlib.sha256(data).hexdigest(),
        {r.line: r.values for r in rows},
    )
    _clean(data_dir)
    save(data_dir, staged)
    return staged


def save(data_dir: Path, s: Staged) -> None:
    path = _folder(data_dir) / f"{s.token}.json"
    body = {
        "kind": s.kind,
        "source": s.source,
        "sha256": s.sha256,
        "lines": {str(k): v for k, v in s.lines.items()},
        "skip": sorted(s.skip),
        "create_classes": s.create_classes,
    }
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    tmp.chmod(0o600)
    tmp.replace(path)


def load(data_dir: Path, token: str) -> Staged | None:
    """The staged upload of ``token``, or None (unknown, expired or malformed token)."""
    if not TOKEN.fullmatch(token):
        return None
    path = data_dir / STAGING / f"{token}.json"
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if body.get("kind") not in KINDS:
        return None
    fields = FIELDS[body["kind"]]
    lines = {int(k): {f: str(v.get(f, "")) for f in fields} for k, v in body["lines"].items()}
    return Staged(token, body["kind"], body["source"], body["sha256"], lines,
                  set(body["skip"]), bool(body["create_classes"]))  # fmt: skip


def discard(data_dir: Path, token: str) -> None:
    if TOKEN.fullmatch(token):
        (data_dir / STAGING / f"{token}.json").unlink(missing_ok=True)


def _clean(data_dir: Path) -> None:
    cutoff = time.time() - KEEP_SECONDS
    for path in _folder(data_dir).glob("*.json"):
        if path.stat().st_mtime < cutoff:
            path.unlink(missing_ok=True)
