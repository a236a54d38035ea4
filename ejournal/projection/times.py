"""Entry times in the projection: UTC strings that sort as they compare, and local dates."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=4096)  # entries of one batch share their time; a rebuild meets each often
def utc(time: str) -> str:
    """``2026-09-01T08:30:00.000+07:00`` → ``2026-09-01T01:30:00.000Z`` (sortable as text)."""
    text = datetime.fromisoformat(time).astimezone(UTC).isoformat(timespec="milliseconds")
    return text[:-6] + "Z"  # "+00:00"


def local_date(time: str) -> str:
    """The date where the entry was made (its own UTC offset), ``YYYY-MM-DD``."""
    return time[:10]
