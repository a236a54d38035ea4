"""Queries about several sites and their copies: periods that have ended (for the backup
page's end-of-quarter check) and the conflicts between concurrent edits on two sites.

Conflicts (issue #9, docs/SYNC.md): two changes of the same thing — the attendance of a student
at a lesson, one mark (its corrections and revocation), a student's period/year mark in a
course, a lesson's topic and homework — that follow each other in the merged order, come from
two different feeds, and where the site of the later one had not received the earlier one when
it made it (no ``replica.received`` of that feed up to past it, recorded before it). The later
change in the merged order is the one in force (the projection applies entries in that order);
the conflict lists both for the deputy head.

Creations too: two marks given in the same slot (student, lesson, work kind) on two sites
before they met — the projection supersedes the earlier one (``mark_changes`` row
``superseded``, ``ejournal.projection.handlers_sync``) and it is listed here as ``new_mark`` —
and the same lesson (course, date, lesson number) recorded on both sites (``lesson_recorded``:
both lessons stay, each with its own marks; the deputy head decides which one to keep).
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
    kind: str  # "attendance" | "mark" | "final_mark" | "lesson" | "new_mark" | "lesson_recorded"
    thing: str  # what was changed (ids), e.g. "lesson les-… student per-…"
    earlier: Change
    later: Change  # in force


# (kind, table, the columns naming the thing, the value column)
_THINGS = (
    ("attendance", "attendance_events", "lesson, student", "code"),
    # a supersession is listed as new_mark (below), not as a change of the earlier mark
    (
        "mark",
        "(SELECT * FROM mark_changes WHERE change != 'superseded')",
        "mark",
        "coalesce(value, change)",
    ),
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
    out.extend(_new_marks(db))
    out.extend(_lessons_recorded(db))
    out.sort(key=lambda c: (c.later.at, c.later.ref))
    return tuple(out)


def _new_marks(db: sqlite3.Connection) -> list[Conflict]:
    """Marks superseded by a mark given in the same slot on another site at the same time."""
    rows = db.execute(
        "SELECT l.lesson || ' ' || l.student || ' ' || l.kind, "
        "l.ref, l.value, l.by, l.at, w.ref, w.value, w.by, w.at "
        "FROM mark_changes mc JOIN marks l ON l.mark = mc.mark "
        "JOIN marks w ON w.lesson = l.lesson AND w.ref = mc.ref "
        "WHERE mc.change = 'superseded' AND mc.invalid = 0 ORDER BY mc.id"
    )
    return [Conflict("new_mark", thing, Change(*row[:4]), Change(*row[4:])) for thing, *row in rows]


def _lessons_recorded(db: sqlite3.Connection) -> list[Conflict]:
    """The same lesson (course, date, number) recorded on two sites that had not seen each
    other's (both lessons stay)."""
    rows = db.execute(
        "SELECT course, date, number, topic, ref, by, at FROM lessons "
        "WHERE number > 0 AND (course, date, number) IN ("
        "  SELECT course, date, number FROM lessons WHERE number > 0 "
        "  GROUP BY course, date, number "
        "  HAVING COUNT(DISTINCT substr(ref, 1, instr(ref, '#') - 1)) > 1) "
        "ORDER BY course, date, number, at, ref"
    ).fetchall()
    receipts: dict[str, list[tuple[int, str, int]]] = {}
    for feed, seq, other, size in db.execute("SELECT feed, seq, other, size FROM receipts"):
        receipts.setdefault(feed, []).append((seq, other, size))
    out: list[Conflict] = []
    for previous, row in zip(rows, rows[1:], strict=False):
        if previous[:3] != row[:3]:
            continue
        p_feed, p_seq = _ref(previous[4])
        feed, seq = _ref(row[4])
        seen = any(
            other == p_feed and size > p_seq and at_seq < seq
            for at_seq, other, size in receipts.get(feed, ())
        )
        if feed != p_feed and not seen:
            thing = f"course {row[0]} {row[1]} lesson {row[2]}"
            out.append(
                Conflict(
                    "lesson_recorded",
                    thing,
                    Change(previous[4], previous[3], previous[5], previous[6]),
                    Change(row[4], row[3], row[5], row[6]),
                )
            )
    return out


def _ref(ref: str) -> tuple[str, int]:
    feed, _, seq = ref.partition("#")
    return feed, int(seq)
