"""How the diary's own events change the projection: families' confirmations that they have seen
the period and year marks (R-DIA-4)."""

from __future__ import annotations

import sqlite3

from ..model import events as ev
from .apply import Cache, Ctx, handles


@handles(ev.FinalsAcknowledged)
def _acknowledged(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.FinalsAcknowledged) -> None:
    db.execute(
        "INSERT INTO acknowledgements (student, period, note, at, by, ref, invalid) "
        "VALUES (?, ?, ?, ?, ?, ?, ?)",
        (e.student, e.period, e.note, c.at, c.by, c.ref, c.invalid),
    )
