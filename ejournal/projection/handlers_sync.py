"""Projection handlers of the replication events (issue #9): receipts of other sites' feeds."""

from __future__ import annotations

import sqlite3

from ..model import events as ev
from .apply import Cache, Ctx, handles


@handles(ev.ReplicaReceived)
def _received(db: sqlite3.Connection, cache: Cache, c: Ctx, e: ev.ReplicaReceived) -> None:
    feed, seq = c.ref.split("#")
    db.execute(
        "INSERT OR REPLACE INTO receipts VALUES (?, ?, ?, ?, ?)",
        (feed, int(seq), e.feed, e.size, c.at),
    )
