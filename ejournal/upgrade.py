"""Opening a data directory made by another version of ejournal: its format version, the
upgrade of an older one, and the refusal of a newer one.

The feeds are never touched: an upgrade only rebuilds what is derived from them (the
projection) and writes the new format number. History of the format (``DATA_DIR/FORMAT``):

1. no FORMAT file: made by ejournal before issue #10.
2. ``FORMAT`` holds ``ejournal data directory format 2``; otherwise the same files.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from . import __version__
from .datadir import FORMAT_VERSION, DataDir, DataDirError

FORMAT_LINE = re.compile(r"ejournal data directory format (0|[1-9][0-9]*)\n?")
PROJECTION = "journal.sqlite"


class NewerDataError(DataDirError):
    """The data directory was written by a newer ejournal: this one must not open it."""


@dataclass(frozen=True)
class UpgradeReport:
    """What opening the data directory changed."""

    format_before: int
    format_after: int
    projection_before: int | None  # its schema version, None when there was none
    rebuilt: bool

    @property
    def changed(self) -> bool:
        return self.rebuilt or self.format_before != self.format_after


def read_format(dd: DataDir) -> int:
    """The data directory's format version (1 for a directory without a FORMAT file).

    Raises:
        DataDirError: the FORMAT file is not one this code can read at all.
    """
    path = dd.format_file
    if not path.exists():
        return 1
    text = path.read_text(encoding="ascii", errors="replace")
    found = FORMAT_LINE.fullmatch(text)
    if found is None:
        raise DataDirError(f"{path}: not an ejournal FORMAT file ({text[:60]!r})")
    return int(found.group(1))


def check_format(dd: DataDir) -> int:
    """The format version, after refusing one newer than this code knows.

    Raises:
        NewerDataError: a downgrade: the data was written by a newer ejournal.
    """
    version = read_format(dd)
    if version > FORMAT_VERSION:
        raise NewerDataError(
            f"{dd.path} was written by a newer ejournal (data directory format {version}); "
            f"this is ejournal {__version__}, which reads formats up to {FORMAT_VERSION}. "
            "Install the newer version again; nothing was changed. "
            "(Данные записаны более новой версией журнала: установите её снова.)"
        )
    return version


def projection_version(path: Path) -> int | None:
    """The schema version recorded in a projection file, or None if it has none."""
    if not path.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return None
    return int(row[0]) if row and str(row[0]).isdigit() else None


def finish(dd: DataDir, before: int, schema_before: int | None, rebuilt: bool) -> UpgradeReport:
    """Record the current format once the projection is in step (``Journal.open`` calls it
    with the feed's lock held, after any rebuild)."""
    if before != FORMAT_VERSION:
        dd.write_format()
    return UpgradeReport(before, FORMAT_VERSION, schema_before, rebuilt)
