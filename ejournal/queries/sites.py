"""Queries about several sites and their copies: periods that have ended (for the backup
page's end-of-quarter check) and the conflicts between concurrent edits on two sites.

Conflicts (issue #9, docs/SYNC.md): two changes of the same thing — the attendance of a student
at a lesson, one mark (its corrections and revocation), a student's period/year mark in a
course, a lesson's topic and homework — that follow each other in the merged order, come from
two different feeds, and where the site of the later one had not received the earlier one when
it made it (no ``replica.received`` of that feed up to past it, recorded before it). The later
change in the merged order is the one in force (the projection applies entries in that order);
the conflict lists both for the deputy head.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class EndedPeriod:
    name: str
    end: str


def ended_periods(db: sqlite3.Connection, on: str) -> tuple[EndedPeriod, ...]:
    """The periods (by name and last day) of the school year in force that ended before ``on``."""
    rows = db.execute(
        "SELECT DISTINCT p.name, p.end FROM periods p JOIN years y ON y.year = p.year "
        "WHERE y.year = (SELECT year FROM years WHERE start <= ?1 ORDER BY start DESC LIMIT 1) "
        "AND p.end < ?1 ORDER BY p.end, p.name",
        (on,),
    )
    return tuple(EndedPeriod(*row) for row in rows)


@dataclass(frozen=True, slots=True)
class Change:
    ref: str  # feed#seq
    value: str
    by: str
    at: str  # UTC


@dataclass(frozen=True, slots=True)
class Conflict:
    kind: str  # "attendance" | "mark" | "final_mark" | "lesson"
    thing: str  # what was changed (ids), e.g. "lesson les-… student per-…"
    earlier: Change
    later: Change  # in force


# (kind, table, the columns naming the thing, the value column)
_THINGS = (
    ("attendance", "attendance_events", "lesson, student", "code"),
    ("mark", "mark_changes", "mark", "coalesce(value, change)"),
    ("final_mark", "final_marks", "course, student, kind, period", "value"),
    (
        "lesson",
        "lesson_updates",
        "lesson",
        "coalesce(topic, '') || ' / ' || coalesce(homework, '')",
    ),
)


def conflicts(db: sqlite3.Connection) -> tuple[Conflict, ...]:
    """Concurrent changes of the same thing on two sites, oldest first (see the module doc)."""
    sites = db.execute("SELECT COUNT(*) FROM positions").fetchone()[0]
    if sites < 2:
        return ()
    out: list[Conflict] = []
    for kind, table, key, value in _THINGS:
        sql = f"""
            WITH ordered AS (
                SELECT {key.replace(", ", " || ' ' || ")} AS thing, ref, {value} AS value, by, at,
                       LAG(ref) OVER w AS p_ref, LAG({value}) OVER w AS p_value,
                       LAG(by) OVER w AS p_by, LAG(at) OVER w AS p_at
                FROM {table}
                WHERE ({key}) IN (
                    SELECT {key} FROM {table} GROUP BY {key}
                    HAVING COUNT(DISTINCT substr(ref, 1, instr(ref, '#') - 1)) > 1
                )
                WINDOW w AS (PARTITION BY {key} ORDER BY id)
            )
            SELECT thing, ref, value, by, at, p_ref, p_value, p_by, p_at FROM ordered o
            WHERE p_ref IS NOT NULL
              AND substr(ref, 1, instr(ref, '#') - 1) != substr(p_ref, 1, instr(p_ref, '#') - 1)
              AND NOT EXISTS (
                SELECT 1 FROM receipts r
                WHERE r.feed = substr(o.ref, 1, instr(o.ref, '#') - 1)
                  AND r.other = substr(o.p_ref, 1, instr(o.p_ref, '#') - 1)
                  AND r.size > CAST(substr(o.p_ref, instr(o.p_ref, '#') + 1) AS INTEGER)
                  AND r.seq < CAST(substr(o.ref, instr(o.ref, '#') + 1) AS INTEGER)
              )
        """
        for thing, ref, val, by, at, p_ref, p_val, p_by, p_at in db.execute(sql):
            out.append(
                Conflict(
                    kind,
                    thing,
                    Change(p_ref, p_val or "", p_by, p_at),
                    Change(ref, val or "", by, at),
                )
            )
    out.sort(key=lambda c: (c.later.at, c.later.ref))
    return tuple(out)
