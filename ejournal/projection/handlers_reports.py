"""How the reports' settings change the projection (R-CTL-1)."""

from __future__ import annotations

import sqlite3

from ..model import events as ev
from .apply import Cache, Ctx, handles


@handles(ev.ReportsConfigured)
def _reports_configured(
    db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.ReportsConfigured
) -> None:
    db.execute("INSERT OR REPLACE INTO report_settings VALUES (1, ?)", (e.min_marks,))
