"""Entry times to UTC (ejournal/projection/times.py): the remembered conversion per (date, hour,
offset) gives what converting the whole time gives, and refuses what it refuses."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest

from ejournal.projection.times import utc


def _converted(time: str) -> str:
    """The conversion the long way, each time anew."""
    text = datetime.fromisoformat(time).astimezone(UTC).isoformat(timespec="milliseconds")
    return text[:-6] + "Z"


def test_utc_equals_converting_the_whole_time() -> None:
    rng = random.Random(7)
    # whole-hour offsets (the remembered way), others (the long way), days across a year's end
    offsets = ["+07:00", "+00:00", "-05:00", "+14:00", "-12:00", "+05:30", "+09:45", "-03:30"]
    for _ in range(20_000):
        month = rng.randint(1, 12)
        time = (
            f"{rng.randint(1999, 2040):04d}-{month:02d}-{rng.randint(1, 28):02d}T"
            f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}."
            f"{rng.randint(0, 999):03d}{rng.choice(offsets)}"
        )
        assert utc(time) == _converted(time), time
    # the same hour again, remembered, with other minutes; and the turn of a year
    assert utc("2026-09-01T08:30:00.000+07:00") == "2026-09-01T01:30:00.000Z"
    assert utc("2026-09-01T08:59:59.999+07:00") == "2026-09-01T01:59:59.999Z"
    assert utc("2027-01-01T03:15:00.000+07:00") == "2026-12-31T20:15:00.000Z"


@pytest.mark.parametrize(
    "time",
    [
        "2026-02-30T10:00:00.000+07:00",  # no such day
        "2026-01-01T24:00:00.000+07:00",  # no such hour
        "2026-01-01T10:61:00.000+07:00",  # no such minute
        "2026-01-01T10:00:60.000+07:00",  # a leap second
        "2026-01-01T10:00:00.000+25:00",  # no such offset
        "2026-01-01T10:0٠:00.000+07:00",  # an Arabic-Indic digit
        "yesterday",
    ],
)
def test_utc_refuses_what_is_not_a_time(time: str) -> None:
    with pytest.raises(ValueError):
        _converted(time)
    with pytest.raises(ValueError):
        utc(time)
