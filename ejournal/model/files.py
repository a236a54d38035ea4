"""Attaching files to entries: names and media types, the school's limits, storing the
content in the blob store before the entry that references it is written (R-DST-1, R-PRT-1).

A refused file writes nothing: the limits are checked for every file of a command before any
of them is stored. A stored file whose entry was then refused (or lost in a crash) stays in the
store unreferenced: harmless, and not counted against the school's limit.
"""

from __future__ import annotations

import mimetypes
import re
import sqlite3
import unicodedata
from dataclasses import dataclass
from hashlib import sha256

from ..blobs import BlobStore
from .errors import RuleViolation
from .events import FileRef

DEFAULT_FILE_MAX = 20 * 1024 * 1024  # 20 MiB: a scanned work, a short video of an experiment
DEFAULT_SCHOOL_MAX = 20 * 1024 * 1024 * 1024  # 20 GiB for all files of the school
MAX_FILES = 10  # per entry

# Served inline only when the content starts as its type says (images and PDF); everything
# else is a download (web/views/files.py). SVG is not among them: it can carry scripts.
INLINE_TYPES = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "image/webp": (b"RIFF",),
    "application/pdf": (b"%PDF-",),
}


@dataclass(frozen=True)
class Upload:
    """A file as it came from a form: its name on the user's computer and its bytes."""

    name: str
    data: bytes


@dataclass(frozen=True)
class Limits:
    file_max: int
    school_max: int


def limits(db: sqlite3.Connection) -> Limits:
    row = db.execute("SELECT file_max, school_max FROM file_limits WHERE id = 1").fetchone()
    return Limits(*row) if row else Limits(DEFAULT_FILE_MAX, DEFAULT_SCHOOL_MAX)


def used_bytes(db: sqlite3.Connection) -> int:
    """Bytes of the distinct files the school's entries reference."""
    return int(db.execute("SELECT coalesce(sum(size), 0) FROM blobs").fetchone()[0])


def human_size(size: int) -> str:
    """«20 МБ», «512 КБ», «3 ГБ»: sizes as the messages say them."""
    for unit, step in (("ГБ", 1 << 30), ("МБ", 1 << 20), ("КБ", 1 << 10)):
        if size >= step:
            value = size / step
            return (
                f"{value:.0f} {unit}"
                if value >= 10 or value.is_integer()
                else f"{value:.1f} {unit}"
            )
    return f"{size} Б"


_UNSAFE = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|]')


def clean_name(name: str) -> str:
    """A file name safe to show and to send back: no folders, no control characters."""
    name = unicodedata.normalize("NFC", name).replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name.strip()).strip(" .")
    if len(name) > 150:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:140] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:150]
    return name or "файл"


def media_type_of(name: str, data: bytes) -> str:
    """The media type recorded for a file: a safe inline type only when the content starts as
    that type does; otherwise what the name's extension says, or application/octet-stream."""
    guessed = mimetypes.guess_type(name, strict=False)[0] or "application/octet-stream"
    for media_type, magics in INLINE_TYPES.items():
        webp_ok = media_type != "image/webp" or data[8:12] == b"WEBP"
        if webp_ok and any(data.startswith(m) for m in magics):
            return media_type
    if guessed in INLINE_TYPES:
        return "application/octet-stream"  # says image or PDF, is not: a download only
    return guessed


def check_and_store(
    db: sqlite3.Connection, store: BlobStore, uploads: list[Upload]
) -> list[FileRef]:
    """Check the school's limits for ``uploads``, then store them; their references.

    Raises:
        RuleViolation: a file is empty or too large, too many files, or the school's space
            would be exceeded; nothing is written then.
    """
    uploads = [u for u in uploads if u.name or u.data]
    if len(uploads) > MAX_FILES:
        raise RuleViolation(f"Можно приложить не больше {MAX_FILES} файлов.")
    lim = limits(db)
    new_bytes = 0
    seen: set[str] = set()
    refs: list[tuple[Upload, str]] = []
    for upload in uploads:
        name = clean_name(upload.name)
        if not upload.data:
            raise RuleViolation(f"Файл «{name}» пуст.")
        if len(upload.data) > lim.file_max:
            raise RuleViolation(
                f"Файл «{name}» слишком большой: {human_size(len(upload.data))}, "
                f"а можно не больше {human_size(lim.file_max)}. Файл не сохранён."
            )
        digest = _digest(upload.data)
        if digest not in seen and not _known(db, digest):
            new_bytes += len(upload.data)
        seen.add(digest)
        refs.append((upload, digest))
    if new_bytes and used_bytes(db) + new_bytes > lim.school_max:
        raise RuleViolation(
            "Место для файлов школы исчерпано: занято "
            f"{human_size(used_bytes(db))} из {human_size(lim.school_max)}. "
            "Файл не сохранён; обратитесь к администратору."
        )
    stored = []
    for upload, _ in refs:
        digest, _written = store.put(upload.data)
        name = clean_name(upload.name)
        stored.append(FileRef(digest, len(upload.data), name, media_type_of(name, upload.data)))
    return stored


def _digest(data: bytes) -> str:
    return sha256(data).hexdigest()


def _known(db: sqlite3.Connection, digest: str) -> bool:
    return db.execute("SELECT 1 FROM blobs WHERE sha256 = ?", (digest,)).fetchone() is not None
