"""What a printout of a journal page needs besides the page itself (R-ARC-5): the school's
name for its heading."""

from __future__ import annotations

import sqlite3


def school_name(db: sqlite3.Connection) -> str:
    """The school's full name as configured, or "" before it is configured."""
    row = db.execute("SELECT coalesce(name, '') FROM school WHERE id = 1").fetchone()
    return str(row[0]) if row else ""
