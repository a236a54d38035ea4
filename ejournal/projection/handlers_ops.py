"""Projection handlers of running a school (issue #10): the history of imported lists."""

from __future__ import annotations

import sqlite3

from ..model import events as ev
from .apply import Cache, Ctx, handles


@handles(ev.PeopleImported)
def _imported(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.PeopleImported) -> None:
    db.execute(
        "INSERT OR REPLACE INTO imports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (c.ref, c.at, c.by, e.kind, e.source, e.sha256, e.persons, e.enrolments, e.roles,
         e.classes, e.unchanged, e.skipped),
    )  # fmt: skip
