"""A week's timetable for the demo school: every class gets its weekly hours Monday to Friday,
five to seven lessons a day with no gaps, no teacher in two rooms at once, a subject at most
once a day (twice for the heavy ones), and the two English subgroups of a class at the same
hour with their two teachers (R-STR-5).

Greedy with restarts: busy teachers are placed first; a dead end starts over with another
shuffle. Small schools never need more than a few tries.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from .school import Course, Klass

DAYS = 5
LESSON_STARTS = ("08:30", "09:20", "10:20", "11:20", "12:10", "13:00", "13:50", "14:40")
LESSON_MINUTES = 40


@dataclass(frozen=True)
class Unit:
    """Courses of one class taught at the same hour (one, or the two subgroups)."""

    courses: tuple[Course, ...]

    @property
    def teachers(self) -> tuple[str, ...]:
        return tuple(c.teacher for c in self.courses)

    @property
    def subject(self) -> str:
        return self.courses[0].subject.key


Week = dict[str, dict[tuple[int, int], Unit]]  # class id → (weekday 1–5, number) → unit


class TimetableError(RuntimeError):
    """No timetable was found (the load is too heavy for the teachers)."""


def units_of(courses: list[Course]) -> list[Unit]:
    """Group a class's courses into units: the subgroups of a subject together when their
    teachers differ, else one after the other."""
    by_subject: dict[str, list[Course]] = {}
    for c in courses:
        by_subject.setdefault(c.subject.key, []).append(c)
    units = []
    for group in by_subject.values():
        if len(group) > 1 and len({c.teacher for c in group}) == len(group):
            units.append(Unit(tuple(group)))
        else:
            units.extend(Unit((c,)) for c in group)
    return units


def day_lengths(hours: int) -> list[int]:
    """Lessons per day, Monday first: the extra ones mid-week."""
    base, extra = divmod(hours, DAYS)
    lengths = [base] * DAYS
    for day in (1, 2, 3, 0, 4)[:extra]:
        lengths[day] += 1
    return lengths


def build_week(
    classes: list[Klass], courses: list[Course], rng: random.Random, tries: int = 200
) -> Week:
    """A timetable for every class, or TimetableError."""
    by_class: dict[str, list[Course]] = {}
    for c in courses:
        by_class.setdefault(c.klass.id, []).append(c)
    load: dict[str, int] = {}
    for c in courses:
        load[c.teacher] = load.get(c.teacher, 0) + c.hours
    for attempt in range(tries):
        week = _attempt(classes, by_class, load, rng, strict=attempt < tries // 2)
        if week is not None:
            return week
    raise TimetableError("no timetable fits the teachers' loads")


def _attempt(
    classes: list[Klass],
    by_class: dict[str, list[Course]],
    load: dict[str, int],
    rng: random.Random,
    strict: bool,
) -> Week | None:
    busy: set[tuple[str, int, int]] = set()
    week: Week = {}
    order = sorted(classes, key=lambda k: (-k.grade, rng.random()))
    for klass in order:
        units = units_of(by_class.get(klass.id, []))
        hours = sum(u.courses[0].hours for u in units)
        if hours > 7 * DAYS:
            raise TimetableError(f"{klass.name}: {hours} hours do not fit a five-day week")
        lengths = day_lengths(hours)
        slots = [(d + 1, n + 1) for d in range(DAYS) for n in range(lengths[d])]
        placed: dict[tuple[int, int], Unit] = {}
        per_day: dict[tuple[str, int], int] = {}
        todo = [u for u in units for _ in range(u.courses[0].hours)]
        todo.sort(
            key=lambda u: (
                -max(load.get(t, 0) for t in u.teachers),
                -u.courses[0].hours,
                rng.random(),
            )
        )
        for unit in todo:
            limit = 2 if unit.courses[0].hours >= 5 or not strict else 1
            if not _place(unit, slots, placed, per_day, busy, limit, rng):
                return None
        week[klass.id] = placed
    return week


def _fits(
    unit: Unit,
    slot: tuple[int, int],
    busy: set[tuple[str, int, int]],
    per_day: dict[tuple[str, int], int],
    limit: int,
) -> bool:
    return (
        not any((t, *slot) in busy for t in unit.teachers)
        and per_day.get((unit.subject, slot[0]), 0) < limit
    )


def _put(
    unit: Unit,
    slot: tuple[int, int],
    placed: dict[tuple[int, int], Unit],
    per_day: dict[tuple[str, int], int],
    busy: set[tuple[str, int, int]],
    sign: int,
) -> None:
    key = (unit.subject, slot[0])
    per_day[key] = per_day.get(key, 0) + sign
    if sign > 0:
        placed[slot] = unit
        busy.update((t, *slot) for t in unit.teachers)
    else:
        del placed[slot]
        busy.difference_update((t, *slot) for t in unit.teachers)


def _place(
    unit: Unit,
    slots: list[tuple[int, int]],
    placed: dict[tuple[int, int], Unit],
    per_day: dict[tuple[str, int], int],
    busy: set[tuple[str, int, int]],
    limit: int,
    rng: random.Random,
) -> bool:
    """Put a unit in a free slot of its class, or move a placed one to make room."""
    free = [s for s in slots if s not in placed]
    fitting = [s for s in free if _fits(unit, s, busy, per_day, limit)]
    if fitting:
        _put(
            unit,
            min(fitting, key=lambda s: (per_day.get((unit.subject, s[0]), 0), rng.random())),
            placed,
            per_day,
            busy,
            1,
        )
        return True
    for taken in sorted(placed, key=lambda _: rng.random()):
        other = placed[taken]
        other_limit = 2 if other.courses[0].hours >= 5 else limit
        _put(other, taken, placed, per_day, busy, -1)
        if _fits(unit, taken, busy, per_day, limit):
            _put(unit, taken, placed, per_day, busy, 1)
            for f in free:
                if _fits(other, f, busy, per_day, other_limit):
                    _put(other, f, placed, per_day, busy, 1)
                    return True
            _put(unit, taken, placed, per_day, busy, -1)
        _put(other, taken, placed, per_day, busy, 1)
    return False
