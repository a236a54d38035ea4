"""What the administration sees about copies (``/admin/backups``, issue #9 item 5): each
medium's last copy, the warnings R-ARC-4 asks for, and the fork alarms.

Rules (R-ARC-4: weekly copies, a copy at the end of every quarter, at least two media):

- a medium is named by the label its backups were made with; its state is its last copy;
- warn when a medium's last copy is older than 7 days, or was not verified;
- warn when fewer than two media hold a verified last copy;
- warn for every period of the current school year that has ended without a verified copy made
  on its last day or within the 7 days after it;
- every fork alarm of ``alarms.jsonl`` is shown until it is cleared (``ejournal alarms --clear``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from .records import read_alarms, read_backups

MAX_AGE_DAYS = 7
QUARTER_GRACE_DAYS = 7
MIN_MEDIA = 2


@dataclass(frozen=True)
class MediumState:
    label: str
    folder: str
    time: str  # of the last copy
    day: date
    age_days: int
    verified: bool
    verification: str
    encrypted: bool
    entries: int
    problems: tuple[str, ...]


@dataclass(frozen=True)
class Alarm:
    time: str
    kind: str
    feed: str
    operation: str
    source: str
    dest: str
    problems: tuple[str, ...]


@dataclass(frozen=True)
class BackupOverview:
    media: tuple[MediumState, ...]
    warnings: tuple[str, ...]
    alarms: tuple[Alarm, ...]


def _day(record: dict[str, Any]) -> date | None:
    try:
        return date.fromisoformat(str(record.get("time", ""))[:10])
    except ValueError:
        return None


def _ru_date(day: date | str) -> str:
    d = date.fromisoformat(day) if isinstance(day, str) else day
    return d.strftime("%d.%m.%Y")


def backup_overview(
    data_dir: Path, ended_periods: list[tuple[str, str]], today: date
) -> BackupOverview:
    """The state of the copies of ``data_dir`` on ``today``.

    Args:
        ended_periods: (name, last day) of the current year's periods that have ended
            (``ejournal.queries.sites.ended_periods``).
    """
    records = [r for r in read_backups(data_dir) if _day(r) is not None]
    last: dict[str, dict[str, Any]] = {}
    for record in records:
        last[str(record.get("label", ""))] = record  # in time order: the last one wins
    media = []
    for label, r in sorted(last.items()):
        day = _day(r)
        assert day is not None
        feeds = r.get("feeds", {})
        media.append(
            MediumState(
                label=label,
                folder=str(r.get("folder", "")),
                time=str(r.get("time", "")),
                day=day,
                age_days=(today - day).days,
                verified=bool(r.get("verified")),
                verification=str(r.get("verification", "full")),
                encrypted=bool(r.get("encrypted")),
                entries=sum(int(f.get("entries", 0)) for f in feeds.values()),
                problems=tuple(str(p) for p in r.get("problems", [])),
            )
        )
    warnings = _warnings(media, records, ended_periods, today)
    alarms = tuple(
        Alarm(
            str(a.get("time", "")),
            str(a.get("kind", "")),
            str(a.get("feed", "")),
            str(a.get("operation", "")),
            str(a.get("source", "")),
            str(a.get("dest", "")),
            tuple(str(p) for p in a.get("problems", [])),
        )
        for a in read_alarms(data_dir)
    )
    if alarms:
        warnings = (
            f"Обнаружено расхождение копий журнала (форк): {len(alarms)}. Записи не потеряны, "
            "обе версии сохранены; обратитесь к администратору системы.",
        ) + warnings
    return BackupOverview(tuple(media), warnings, alarms)


def _warnings(
    media: list[MediumState],
    records: list[dict[str, Any]],
    ended_periods: list[tuple[str, str]],
    today: date,
) -> tuple[str, ...]:
    out: list[str] = []
    if not media:
        return ("Резервных копий ещё не было: сделайте копию хотя бы на два носителя.",)
    for m in media:
        if m.age_days > MAX_AGE_DAYS:
            out.append(
                f"Последняя копия на носителе «{m.label}» сделана {_ru_date(m.day)} — "
                f"{m.age_days} дн. назад (копию нужно делать еженедельно)."
            )
        if not m.verified:
            out.append(f"Последняя копия на носителе «{m.label}» не прошла проверку.")
    verified = [m for m in media if m.verified]
    if len(verified) < MIN_MEDIA:
        out.append(
            f"Проверенная копия есть только на {len(verified)} носител"
            f"{'е' if len(verified) == 1 else 'ях'}: нужно не меньше двух, "
            "хранящихся в разных помещениях."
        )
    good_days = {_day(r) for r in records if r.get("verified")}
    for name, end in ended_periods:
        last_day = date.fromisoformat(end)
        window = {last_day + timedelta(days=i) for i in range(QUARTER_GRACE_DAYS + 1)}
        if not window & good_days:
            out.append(
                f"Нет проверенной копии на конец периода «{name}» (окончание {_ru_date(end)})."
            )
    return tuple(out)
