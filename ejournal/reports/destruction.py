"""The act of destruction (акт об уничтожении) of printed class journals past their term
(R-ARC-2; 002 §9.2: printed journals are kept 5 years, then destroyed by an act; the electronic
journal and the summary sheets are kept — only the paper copies of the journals go).

A year's journals are due when five full years have passed since the end of that school year.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import date

from ..queries.people import Person, person, russian_key
from .scope import school_name

KEEP_YEARS = 5  # 002 §9.2


@dataclass(frozen=True, slots=True)
class DestructionItem:
    number: int
    year: str
    class_name: str
    title: str  # «Классный журнал 5А»
    started: str
    finished: str


@dataclass(frozen=True, slots=True)
class DestructionAct:
    school: str
    on: str  # the act's date
    director: Person | None
    items: tuple[DestructionItem, ...]


def due_until(on: str) -> str:
    """Journals of school years that ended on or before this date are due on ``on``."""
    day = date.fromisoformat(on)
    try:
        return day.replace(year=day.year - KEEP_YEARS).isoformat()
    except ValueError:  # 29 February
        return day.replace(year=day.year - KEEP_YEARS, day=28).isoformat()


def destruction_act(db: sqlite3.Connection, on: str) -> DestructionAct:
    """The printed journals whose 5-year term has passed on ``on``, class by class."""
    rows = db.execute(
        "SELECT y.year, y.start, y.end, g.name, g.grade FROM years y "
        "JOIN groups g ON g.year = y.year AND g.kind = 'class' "
        "WHERE y.closed = 1 AND y.end <= ? ORDER BY y.start",
        (due_until(on),),
    ).fetchall()
    rows.sort(key=lambda r: (r[1], r[4], russian_key(r[3])))
    items = tuple(
        DestructionItem(n, year, name, f"Классный журнал {name}", start, end)
        for n, (year, start, end, name, _) in enumerate(rows, 1)
    )
    director = db.execute(
        "SELECT person FROM roles WHERE role = 'director' AND start <= ? "
        "AND (end IS NULL OR end >= ?) ORDER BY start DESC LIMIT 1",
        (on, on),
    ).fetchone()
    return DestructionAct(school_name(db), on, person(db, director[0]) if director else None, items)
