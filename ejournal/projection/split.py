"""A rebuild of one feed split by entry type between two processes, each reading the feed itself.

Half the entries of a school are marks. In :mod:`.offload` the rebuild's main process decodes
every line, runs every handler and sends the marks' rows to a second process that inserts them;
the main process stays the bottleneck. Here the second process (the *worker*) reads the feed
itself and is the only one to run the handlers of the marks (:data:`WORKER_TYPES`); the main
process does not even decode those lines. Both walk the same lines in the same batches and
check each line's place (its seq), and each keeps its own tables:

* the worker owns :data:`TABLES` (the marks and their changes); the main process owns all the
  others, and at the end copies the worker's tables in
  (:func:`~.offload.move_tables`, page by page), as with :mod:`.offload`;
* what the marks' handlers read besides their own tables (:data:`KEPT`: courses, groups, the
  school, compromises, receipts) is written in both processes by the handlers of
  :data:`SHARED_TYPES`, which both run, and only by them; so are the handlers' in-memory caches
  (lessons, compromise windows, deadlines, sites);
* in the worker, the other tables stay empty: a shared handler's plain inserts into them are
  dropped and its other statements run on the empty tables (and likewise for the offloaded
  tables in the main process). A shared handler therefore must not let what it reads of one
  process's tables decide what it writes into the other's: R-SEC-3 invalidation
  (:func:`~.handlers_journal.invalidate_since`) works table by table and keeps to that.

Whatever falls outside these rules stops the split, and the rebuild starts again the usual way
(:class:`SplitUnsafe`): a marks handler naming any table but its own and :data:`KEPT` (or
writing one of :data:`KEPT`), any other handler naming the worker's tables or writing one of
:data:`KEPT`, a plain insert into the worker's tables in the main process, any line out of its
place (a gap, a repeat, another feed's line), and anything that stops the worker (a line the
strict reader refuses included: the usual way then refuses it in its own words). The entries
the model does not accept, found on both sides, are written to ``unknown_entries`` at the end,
in the order of their lines, as if written in turn.

On the 10-year demo school (3.5 million entries, a host at half speed) the worker loads for
about 29 s and then makes the marks' indexes (about 6 s); the main process loads for about 31 s,
makes its own indexes and commits (about 4.5 s), and then copies the worker's tables in (about
4 s), while the strict check of every line runs on the core the worker has left
(bench/bench_projection.py prints each process's CPU time). The worker's indexes come after its
load, so it must finish loading first: the lesson plans, which once evened out the two loads,
are the main side's again.
"""

from __future__ import annotations

import gc
import re
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterable, Iterator, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

import msgspec

from ..log.storage import list_segments
from . import handlers_journal as hj
from .apply import BULK, HANDLERS, Cache, Ctx, is_compromised
from .batch import BatchedWriter, _insert_table
from .db import IGNORED_TYPES, merge_key, order_text
from .lines import _DECODERS, _TAIL, _TYPE_KEY, WINDOW, _line_decoder, decode_line, type_windows
from .offload import _offloaded_indexes
from .schema import SCHEMA, index_sql
from .times import utc

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


class _LessonSeen(msgspec.Struct, gc=False):
    """What the worker reads of a recorded lesson: what the marks' handlers read of it (its
    course and date, handed to ``Cache.lesson_recorded`` as the lesson's own handler does). Its
    line is decoded into these fields alone, and the lessons table (empty there) is left alone.
    A lesson line the model does not accept (an unknown field, say) that this decoder would
    take makes the main side give way (:class:`SplitUnsafe`)."""

    lesson: str
    course: str
    date: str


def _lesson_seen(db: sqlite3.Connection, cache: Cache, c: Ctx, e: _LessonSeen) -> None:
    cache.lesson_recorded(db, e.lesson, e.course, e.date)


# The types the worker decodes into less than their event, and how it applies them.
SEEN = {"lesson.recorded": (_LessonSeen, _lesson_seen)}

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
    """The :class:`BatchedWriter` of one side of the split (see the module docstring); the
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


# --- the loader -------------------------------------------------------------------------------

_STRICT = object()  # decode the line with decode_line (the strict fallback)
_MISSING = object()


def raw_chunks(feed_dir: Path, size: int) -> Iterator[list[bytes]]:
    """The lines of a feed in lists cut where :func:`.lines.read_lines` cuts them."""
    for _, path in list_segments(feed_dir):
        lines = path.read_bytes().split(b"\n")
        torn = lines.pop() != b""
        for offset in range(0, len(lines), size):
            yield lines[offset : offset + size]
        if torn:
            return


class SplitLoader:
    """One side's :class:`~.rebuild._Loader` over one feed (see the module docstring)."""

    def __init__(self, conn: sqlite3.Connection, cache: Cache, *, worker: bool) -> None:
        self.conn = conn
        self.cache = cache
        self.worker = worker
        self.writer = SplitWriter(conn, worker=worker)
        # type → decoder of the lines this side handles, None for those it leaves to the
        # other; a type the model does not know (or a line without one) is the main side's.
        self.handled = WORKER_TYPES | SHARED_TYPES if worker else None
        self.decoders: dict[bytes, Any] = {
            name: decoder if self._handles(name.decode()) else None
            for name, decoder in _DECODERS.items()
        }
        self.handlers: dict[type, Any] = HANDLERS
        if worker:
            self.handlers = dict(HANDLERS)
            for kind, (cls, handler) in SEEN.items():
                self.decoders[kind.encode()] = _line_decoder(kind, cls)
                self.handlers[cls] = handler
        self.default: Any = None if worker else _STRICT
        self.by_window = {window: self.decoders[name] for window, name in type_windows().items()}
        self.unknown: list[tuple[int, str, str, str]] = []  # line number, ref, type, at
        self.feed = ""
        self.position = 0  # next_seq of the feed
        self.merge_last: str | None = None
        self.lines = 0
        self.times: dict[str, str] = {}  # entry time → UTC (times.utc), as a dictionary look-up

    def _handles(self, kind: str) -> bool:
        return kind not in WORKER_TYPES if self.handled is None else kind in self.handled

    def run(self, feed_dir: Path, chunk: int, stop: Any = None) -> int:
        """Apply the feed's lines of this side; ``stop()`` is asked after each batch (it may
        raise). Returns the number of lines."""
        for raw in raw_chunks(feed_dir, chunk):
            self._apply(raw)
            if stop is not None:
                stop()
        self.writer.flush()
        return self.lines

    def _apply(self, raw: list[bytes]) -> None:
        first = decode_line(raw[0])
        feed, start = first.feed, self.position
        if first.seq != start or (self.feed and feed != self.feed):
            raise SplitUnsafe(f"entry {feed}#{first.seq} where {start} was expected")
        writer, cache, decoders, default = self.writer, self.cache, self.decoders, self.default
        db = cast(Any, writer)
        compromised = cache.compromised
        new_ctx = tuple.__new__
        number = self.lines
        by_window, missing = self.by_window, _MISSING
        times = self.times
        # runs of entries of one type with a handler for runs (apply.BULK), applied as one
        bulk, handlers = BULK, self.handlers
        run_cls: Any = None
        run_kind = ""
        run_ctxs: list[Ctx] = []
        run_events: list[Any] = []
        for seq, line in enumerate(raw, start):
            decoder = by_window.get(line[-WINDOW:], missing)
            if decoder is missing:
                try:
                    decoder = decoders.get(line[line.rindex(_TYPE_KEY) + 8 : -_TAIL], default)
                except ValueError:
                    decoder = default
            if decoder is None:
                continue
            if decoder is _STRICT:
                entry = self._strictly(line, seq)
            else:
                try:
                    entry = decoder.decode(line)
                except msgspec.DecodeError:  # what decode_lines falls back on
                    entry = self._strictly(line, seq)
            if entry.seq != seq or entry.feed != feed:
                raise SplitUnsafe(f"entry {entry.feed}#{entry.seq} where {feed}#{seq} was expected")
            kind = entry.kind
            if kind in IGNORED_TYPES:
                continue
            time = entry.time
            at = times.get(time)
            if at is None:  # an entry's time is nearly always its neighbours'
                if len(times) > 65536:
                    times.clear()
                at = times[time] = utc(time)
            ref = f"{feed}#{seq}"
            event = entry.data
            if event is None:
                if kind in SEEN and not self.worker:  # the worker may have taken it: see SEEN
                    raise SplitUnsafe(f"entry #{seq}: a {kind} the model does not accept")
                if not self.worker or kind in WORKER_TYPES:
                    self.unknown.append((number + seq - start, ref, kind, at))
                continue
            actor = entry.actor
            invalid = 1 if actor in compromised and is_compromised(cache, actor, at) else 0
            ctx = new_ctx(Ctx, (ref, at, time[:10], actor, invalid))
            cls = type(event)
            if cls is run_cls:
                run_ctxs.append(ctx)
                run_events.append(event)
                continue
            if run_ctxs:  # every entry of the run is applied before this one
                writer.kind = run_kind
                bulk[run_cls](db, cache, run_ctxs, run_events)
                run_ctxs, run_events = [], []
            writer.kind = kind
            if cls in bulk:
                run_cls, run_kind = cls, kind
                run_ctxs.append(ctx)
                run_events.append(event)
            else:
                run_cls = None
                handlers[cls](db, cache, ctx, event)
        if run_ctxs:
            writer.kind = run_kind
            bulk[run_cls](db, cache, run_ctxs, run_events)
        writer.flush()
        self.lines = number + len(raw)
        self.feed, self.position = feed, start + len(raw)
        if not self.worker:
            self._note_order(first, decode_line(raw[-1]))

    def _strictly(self, line: bytes, seq: int) -> Any:
        """The line the strict way; its type must be one of this side's (it is, for any line
        the strict reader accepts: its type is the one its line ends with)."""
        entry = decode_line(line)
        if not self._handles(entry.kind):
            raise SplitUnsafe(f"entry #{seq}: not the type its line ends with")
        return entry

    def _note_order(self, first: Any, last: Any) -> None:
        if self.merge_last is not None and order_text(merge_key(first)) < self.merge_last:
            raise SplitUnsafe("a feed's entries out of the merged order")
        newest = order_text(merge_key(last))
        if self.merge_last is None or newest > self.merge_last:
            self.merge_last = newest


def write_unknown(conn: sqlite3.Connection, *lists: list[tuple[int, str, str, str]]) -> None:
    """The entries both sides kept as unknown, in the order of their lines."""
    rows = sorted(row for found in lists for row in found)
    conn.executemany(
        "INSERT OR REPLACE INTO unknown_entries VALUES (?, ?, ?)", [r[1:] for r in rows]
    )


# --- the worker process -----------------------------------------------------------------------


class SplitWorker:
    """The second process of a split rebuild, and the pipe to it."""

    def __init__(self, path: Path, feed_dir: Path, chunk: int) -> None:
        self.path = path
        ours, theirs = socket.socketpair()
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(path), str(feed_dir), str(chunk),
             str(theirs.fileno())],
            pass_fds=[theirs.fileno()],
        )  # fmt: skip
        theirs.close()
        self.pipe = Connection(ours.detach())
        self.result: Any = None

    def check(self) -> None:
        """Raise now if the worker has already given up."""
        if self.result is None and self.pipe.poll():
            self._receive()

    def wait(self) -> list[tuple[int, str, str, str]]:
        """The worker's unknown entries, once its file is complete and closed."""
        if self.result is None:
            self._receive()
        self.process.wait()
        return cast(list[tuple[int, str, str, str]], self.result)

    def _receive(self) -> None:
        # Whatever went wrong there (a line the strict reader refuses, a full disk), the usual
        # rebuild runs into it too, and says so in its own words.
        try:
            status, value = self.pipe.recv()
        except EOFError as e:
            raise SplitUnsafe("the rebuild's second process stopped") from e
        if status != "ok":
            raise SplitUnsafe(f"the rebuild's second process: {status}: {value}")
        self.result = [tuple(row) for row in value]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.pipe.close()


def _serve(path: str, feed_dir: Path, chunk: int, pipe: Connection) -> None:
    """The worker: the marks' side of the rebuild into its own file."""
    gc.disable()  # as in the main process: millions of rows alive, no cycles
    try:
        conn = sqlite3.connect(path, isolation_level=None)
        for pragma in (
            "journal_mode = OFF",
            "synchronous = OFF",
            "locking_mode = EXCLUSIVE",
            "cache_size = -524288",
        ):
            conn.execute(f"PRAGMA {pragma}")
        conn.executescript(SCHEMA)
        indexes = _offloaded_indexes(TABLES)
        for name in indexes:
            conn.execute(f"DROP INDEX {name}")
        conn.execute("BEGIN")
        loader = SplitLoader(conn, Cache(conn), worker=True)
        loader.writer.make_late("marks")
        loader.run(feed_dir, chunk)
        loader.writer.make_indexes()
        for name in indexes:
            conn.execute(index_sql(name))
        conn.execute("COMMIT")
        conn.close()
        pipe.send(("ok", loader.unknown))
    except SplitUnsafe as e:
        pipe.send(("unsafe", str(e)))
    except Exception as e:  # noqa: BLE001  (reported to the rebuild, which raises)
        pipe.send(("error", repr(e)))


if __name__ == "__main__":  # the worker process: FILE FEED_DIR CHUNK FD
    _serve(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3]), Connection(int(sys.argv[4])))
