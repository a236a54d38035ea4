"""The writer of each side of a rebuild split by entry type (:mod:`.split`): which side runs
which handlers, which statements a side runs, drops or stops the split at (:class:`SplitUnsafe`),
and the indexes of the largest tables made at the end (:data:`LATE_INDEXES`)."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Sequence
from typing import Any

from . import handlers_journal as hj
from .batch import BatchedWriter, _insert_table
from .schema import SCHEMA, index_sql

# The worker's own tables: the marks and their changes. (The lesson plans went there too for a
# while: the two loads then took the same time, but the worker's indexes come after its load,
# so the main process waited for it longer.)
TABLES = ("marks", "mark_changes")
# Run by the worker only: their handlers write only the worker's tables.
WORKER_TYPES = frozenset({"mark.given", "mark.corrected", "mark.revoked"})
# Run by both processes: what the marks' handlers read (tables of KEPT, the handlers' caches).
SHARED_TYPES = frozenset(
    {
        "school.configured",  # deadlines (late marks)
        "class.created",  # a course's grade (late marks)
        "group.created",
        "course.created",
        "course.teacher_changed",
        "lesson.recorded",  # the lesson's course, date and grade
        "credentials.compromised",  # R-SEC-3: which entries are invalid
        "credentials.reissued",
        "replica.received",  # concurrent marks (handlers_sync)
    }
)


# The worker's tables besides its own: those the shared handlers write and the marks' handlers
# may read (positions and meta are empty during a rebuild).
KEPT = (
    "school",
    "groups",
    "group_classes",
    "courses",
    "compromises",
    "receipts",
    "positions",
    "meta",
)


def _names(tables: Iterable[str]) -> re.Pattern[str]:
    return re.compile(r"\b(?:" + "|".join(tables) + r")\b")


_ALL_TABLES = re.findall(r"CREATE TABLE (\w+)", SCHEMA)
_OWN = _names(TABLES)
_NOT_OWN = _names(t for t in _ALL_TABLES if t not in TABLES)
_KEPT = _names(KEPT)
_UNKEPT = _names(t for t in _ALL_TABLES if t not in TABLES and t not in KEPT)


class SplitUnsafe(Exception):
    """The split cannot be sure to give the usual result: rebuild the usual way."""


# --- the writer -------------------------------------------------------------------------------

_RUN, _DROP, _TRIP = 0, 1, 2

# Indexes a side of the split makes at the end too, though handlers read them: those of its
# largest tables (the mark's id in the worker; the lesson's id and the attendance events' cell in
# the main process). Made in one sorted pass, an index costs a third of keeping it up to date row
# by row. A table's indexes are made as soon as a statement names the table other than to insert
# into it (a read, an update, a deletion), with one exception: in the worker, a correction's
# keyed update (_KEYED) waits, bound to the rows there were when it came (while nothing deletes a
# mark, the n-th row inserted has rowid n), and runs right after the index is made: it then
# changes exactly the row it would have changed at once. An id inserted twice makes its unique
# index fail, and the rebuild starts again the usual way.
LATE_INDEXES = {
    "marks": ("marks_mark",),
    "lessons": ("lessons_lesson",),
    "attendance_events": ("attendance_events_key",),
    "attendance": ("attendance_cell",),
}
_KEYED = "UPDATE marks SET current = ?, changed = 1 WHERE mark = ?"
_KEYED_BOUND = _KEYED + " AND rowid <= ?"

# The current attendance (a row per cell) is written by two statements of its handlers, which
# need its unique index (attendance_cell): a cell's code replaces the row of the cell, a cleared
# cell deletes it. While that index is late, the writer keeps each cell's row (its rowid: the
# n-th row inserted, nothing being deleted meanwhile) in memory instead, inserts every row, and
# notes each row a later one replaces or a clearing deletes; right before the index is made,
# those rows are deleted by rowid. The rows left are the ones the two statements would have
# left, in the same order. Past _MAX_CELLS cells (some 120 MB) the index is made at once.
_CELL_WRITES = frozenset({hj._ATTENDANCE, hj._CLEAR_ATTENDANCE})
_MAX_CELLS = 1_000_000


class SplitWriter(BatchedWriter):
    """The :class:`BatchedWriter` of one side of the split (see :mod:`.split`); the
    loader sets :attr:`kind` to the type of the entry whose handler runs."""

    def __init__(self, conn: sqlite3.Connection, *, worker: bool) -> None:
        super().__init__(conn)
        self.kind = ""
        self.worker = worker
        self._seen: dict[tuple[str, bool], int] = {}
        self.late: dict[str, tuple[str, ...]] = {}  # table → its indexes still to make
        self._naming: dict[str, tuple[str, ...]] = {}  # statement → the late tables it reads
        self._marks_written = 0
        self._keyed: list[tuple[Any, ...]] = []
        self._cells: dict[tuple[str, str], int] = {}  # cell → rowid (see _CELL_WRITES)
        self._gone: list[tuple[int]] = []  # rowids of rows replaced or cleared since

    def make_late(self, *tables: str) -> None:
        """Drop the tables' indexes of :data:`LATE_INDEXES`, to be made later."""
        for table in tables:
            for name in LATE_INDEXES[table]:
                self.conn.execute(f"DROP INDEX {name}")
            self.late[table] = LATE_INDEXES[table]

    def _verdict(self, sql: str) -> int:
        shared = self.kind in SHARED_TYPES
        found = self._seen.get((sql, shared))
        if found is None:
            found = self._seen[(sql, shared)] = self._judge(sql, shared)
        return found

    def _judge(self, sql: str, shared: bool) -> int:
        offloaded = bool(_OWN.search(sql))
        reads = sql.lstrip().upper().startswith("SELECT")
        if not self.worker:  # the worker's tables: only what runs as well on their empty copies
            if not offloaded:  # and the worker's copy of KEPT must not miss a change
                return _TRIP if not shared and not reads and _KEPT.search(sql) else _RUN
            if not shared or _NOT_OWN.search(sql) or _insert_table(sql) is not None:
                return _TRIP
            return _RUN
        unkept = bool(_UNKEPT.search(sql))
        kept = bool(_KEPT.search(sql))
        if offloaded and (unkept or kept):
            return _TRIP
        if shared:  # the main side's tables: empty here
            return _DROP if unkept and _insert_table(sql) is not None else _RUN
        if unkept or (kept and not reads):
            return _TRIP
        return _RUN

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        if sql in _CELL_WRITES and "attendance" in self.late:
            self._write_cells(sql, (params,))
            return None
        rows = self._last.get(sql)
        if rows is not None:  # a plain insert held before: allowed whatever the type
            rows.append(params)
            return None
        verdict = self._verdict(sql)
        if verdict == _DROP:
            return None
        if verdict == _TRIP:
            raise SplitUnsafe(f"{self.kind}: {sql}")
        if self.late:
            naming = self._late_named(sql)
            if naming:
                if sql == _KEYED and "marks" in self.late:
                    self._keyed.append((*params, self._marks_rows()))
                    return None
                self.make_indexes(naming)
        return super().execute(sql, params)

    def executemany(self, sql: str, rows: Any) -> None:
        if sql in _CELL_WRITES and "attendance" in self.late:
            self._write_cells(sql, rows)
            return
        verdict = self._verdict(sql)
        if verdict == _DROP:
            return
        if verdict == _TRIP:
            raise SplitUnsafe(f"{self.kind}: {sql}")
        if self.late:
            naming = self._late_named(sql)
            if naming:
                self.make_indexes(naming)
        super().executemany(sql, rows)

    def _write_cells(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Replace or clear cells of the current attendance without its index (see
        _CELL_WRITES)."""
        cells, gone = self._cells, self._gone
        if sql == hj._CLEAR_ATTENDANCE:
            for lesson, student in rows:
                found = cells.pop((lesson, student), None)
                if found is not None:
                    gone.append((found,))
            return
        rows = list(rows)
        number = len(cells) + len(gone)  # rows inserted so far
        for row in rows:
            number += 1
            found = cells.get((row[0], row[1]))
            if found is not None:
                gone.append((found,))
            cells[(row[0], row[1])] = number
        self._hold(sql, "attendance", rows)
        if len(cells) > _MAX_CELLS:
            self.make_indexes(("attendance",))

    def _late_named(self, sql: str) -> tuple[str, ...]:
        """The tables of :data:`LATE_INDEXES` that ``sql`` names other than to insert into."""
        found = self._naming.get(sql)
        if found is None:
            target = _insert_table(sql)
            found = tuple(t for t in LATE_INDEXES if t != target and re.search(rf"\b{t}\b", sql))
            self._naming[sql] = found
        return found

    def make_indexes(self, tables: Iterable[str] | None = None) -> None:
        """Make the indexes still to make of ``tables`` (default: all), then run the keyed
        updates held (see :data:`LATE_INDEXES`).

        Raises:
            SplitUnsafe: an id was inserted twice.
        """
        for table in list(self.late) if tables is None else tables:
            names = self.late.pop(table, None)
            if names is None:
                continue
            if table in self._held:
                self._write(table)
            if table == "attendance":
                self.conn.executemany("DELETE FROM attendance WHERE rowid = ?", self._gone)
                self._cells, self._gone = {}, []
            for name in names:
                try:
                    self.conn.execute(index_sql(name))
                except sqlite3.IntegrityError as e:
                    raise SplitUnsafe(f"an id given twice in {table}") from e
            if table == "marks":
                self.conn.executemany(_KEYED_BOUND, self._keyed)
                self._keyed.clear()

    def _marks_rows(self) -> int:
        """How many rows the marks table has, written and held (see :data:`LATE_INDEXES`)."""
        return self._marks_written + sum(len(rows) for _, rows in self._held.get("marks", ()))

    def _write(self, table: str) -> None:
        if table == "marks":
            self._marks_written += sum(len(rows) for _, rows in self._held[table])
        super()._write(table)
