"""Entry times in the projection: UTC strings that sort as they compare, and local dates."""

from __future__ import annotations

from datetime import datetime, timezone


def utc(time: str) -> str:
    """``2026-09-01T08:30:00.000+07:00`` → ``2026-09-01T01:30:00.000Z`` (sortable as text)."""
    moment = datetime.fromisoformat(time).astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def local_date(time: str) -> str:
    """The date where the entry was made (its own UTC offset), ``YYYY-MM-DD``."""
    return time[:10]
