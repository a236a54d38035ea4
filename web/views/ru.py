"""Russian dates and times for the diary's pages and letters: «16 ноября», «пн, 16.11»,
«16.11.2026 12:30» in the school's time zone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

MONTHS = (
    "января", "февраля", "марта", "апреля", "мая", "июня",
    "июля", "августа", "сентября", "октября", "ноября", "декабря",
)  # fmt: skip
KIND_NAMES = {"remark": "Замечание", "praise": "Похвала", "note": "Сообщение родителям"}
ATTENDANCE = {"Б": "болел", "У": "отсутствовал по уважительной причине", "Н": "пропуск"}


def day_month(day: str) -> str:
    """«16 ноября» for ``2026-11-16``."""
    d = date.fromisoformat(day)
    return f"{d.day} {MONTHS[d.month - 1]}"


def full(day: str) -> str:
    """«16 ноября 2026» for ``2026-11-16``."""
    return f"{day_month(day)} {day[:4]}"


def short(day: str) -> str:
    """«16.11» for ``2026-11-16``."""
    return f"{day[8:10]}.{day[5:7]}"


def week_span(monday: str) -> str:
    """«16–21 ноября 2026» (or «30 ноября – 5 декабря 2026») for a week from Monday."""
    first = date.fromisoformat(monday)
    last = first + timedelta(days=5)
    if first.month == last.month:
        return f"{first.day}–{last.day} {MONTHS[last.month - 1]} {last.year}"
    return f"{day_month(first.isoformat())} – {day_month(last.isoformat())} {last.year}"


def zone(name: str) -> timezone | ZoneInfo:
    try:
        return ZoneInfo(name) if name else UTC
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def when(at: str, tz: timezone | ZoneInfo) -> str:
    """«16.11.2026 12:30» for a UTC entry time ``2026-11-16T05:30:00.000Z`` in ``tz``."""
    moment = datetime.fromisoformat(at.replace("Z", "+00:00")).astimezone(tz)
    return moment.strftime("%d.%m.%Y %H:%M")
