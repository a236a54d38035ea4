"""Entry times in the projection: UTC strings that sort as they compare, and local dates."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import lru_cache

# A time of the log's spelling whose UTC offset is whole hours: its UTC time differs from it in
# the date and the hour alone, so the conversion is remembered per (date, hour, offset).
_WHOLE_HOURS = re.compile(r"\d{4}-\d\d-\d\dT\d\d:[0-5]\d:[0-5]\d\.\d{3}[+-]\d\d:00", re.ASCII)
_HOURS: dict[str, str] = {}  # date, hour and offset → the UTC date and hour


def utc(time: str) -> str:
    """``2026-09-01T08:30:00.000+07:00`` → ``2026-09-01T01:30:00.000Z`` (sortable as text).

    Raises:
        ValueError: not a time.
    """
    if len(time) == 29 and _WHOLE_HOURS.fullmatch(time):
        key = time[:13] + time[23:]
        head = _HOURS.get(key)
        if head is None:  # a rebuild meets some 10,000 hours a year
            if len(_HOURS) > 100_000:
                _HOURS.clear()
            head = _HOURS[key] = _utc(time[:13] + ":00:00.000" + time[23:])[:13]
        return head + time[13:23] + "Z"
    return _utc(time)


@lru_cache(maxsize=4096)
def _utc(time: str) -> str:
    text = datetime.fromisoformat(time).astimezone(UTC).isoformat(timespec="milliseconds")
    return text[:-6] + "Z"  # "+00:00"


def local_date(time: str) -> str:
    """The date where the entry was made (its own UTC offset), ``YYYY-MM-DD``."""
    return time[:10]
