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
in the order of their lines, as if written in turn. These rules, and each side's writer that
judges every statement by them, are in :mod:`.split_writer`.

On the 10-year demo school (3.5 million entries, a host at half speed) the worker loads for
about 29 s and then makes the marks' indexes (about 6 s); the main process loads for about 31 s,
makes its own indexes and commits (about 4.5 s), and then copies the worker's tables in (about
4 s), while the strict check of every line runs on the core the worker has left
(bench/bench_projection.py prints each process's CPU time). The worker's indexes come after its
load, so it must finish loading first: the lesson plans, which once evened out the two loads,
are the main side's again.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import gc
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, cast

import msgspec

from ..log.storage import list_segments
from ..model import events as ev
from .apply import BULK, HANDLERS, Cache, Ctx, is_compromised
from .db import IGNORED_TYPES, merge_key, order_text
from .lines import _DECODERS, _TAIL, _TYPE_KEY, WINDOW, _line_decoder, decode_line, type_windows
from .offload import _offloaded_indexes
from .schema import SCHEMA, index_sql
from .split_writer import SHARED_TYPES, TABLES, WORKER_TYPES, SplitUnsafe, SplitWriter
from .times import utc


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

# Runs of entries applied as one (apply.BULK) whose handler reads, of a lesson, only what
# Cache.lesson_recorded remembers of each entry's own lesson (the marks' handler does too, but
# runs in the worker). In the main process a lesson's line goes ahead of such a run, which goes
# on past it, when no entry of the run is on that lesson: what the run's handler reads is the
# same either way, and each table still gets its rows in their order. A lesson's absences come
# a few to a lesson, after its line: in the 10-year school 289,848 runs of the attendance's
# handler become 11,291 (2 % fewer instructions in its first 110,000 lines, by callgrind).
_ON_LESSONS = frozenset({ev.AttendanceMarked})


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
        self.ahead: type | None = None if worker else ev.LessonRecorded  # see _ON_LESSONS
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
        ahead, on_lessons = self.ahead, _ON_LESSONS
        run_lessons: set[str] = set()  # the lessons of run_events[:looked], see _ON_LESSONS
        looked = 0
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
            if cls is ahead and run_cls in on_lessons:
                run_lessons.update([e.lesson for e in run_events[looked:]])
                looked = len(run_events)
                if event.lesson not in run_lessons:  # ahead of the run, which goes on
                    writer.kind = kind
                    handlers[cls](db, cache, ctx, event)
                    continue
            if run_ctxs:  # every entry of the run is applied before this one
                writer.kind = run_kind
                bulk[run_cls](db, cache, run_ctxs, run_events)
                run_ctxs, run_events = [], []
                run_lessons.clear()
                looked = 0
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


_CONFIG_MULTITHREAD, _CONFIG_MEMSTATUS = 2, 9  # sqlite3.h: SQLITE_CONFIG_...


def unlocked_sqlite() -> bool:
    """SQLite without its locks in this process, before it opens a database; True if done.

    The worker has one thread and one connection: SQLite's serialized mode (Python's default),
    which locks a mutex around every call, and its memory statistics, which lock another around
    every allocation, guard nothing there. Multi-thread mode (a connection used by one thread
    at a time) and no statistics spare 7 % of the worker's instructions on Debian's SQLite
    (callgrind over the first 100,000 lines of the 10-year school: a mark's insert binds eleven
    values, each copied into memory SQLite allocates). Done through the library the ``sqlite3``
    module uses; where it cannot be reached so, nothing changes. Only for a process of its own,
    before it opens a database.
    """
    try:
        lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
        shutdown, config, initialize = (
            lib.sqlite3_shutdown,
            lib.sqlite3_config,
            lib.sqlite3_initialize,
        )
    except (OSError, AttributeError):  # no such library, or not SQLite's
        return False
    if shutdown() != 0:
        return False
    done = config(_CONFIG_MULTITHREAD) == 0
    done = config(_CONFIG_MEMSTATUS, ctypes.c_int(0)) == 0 and done
    return initialize() == 0 and done


def _serve(path: str, feed_dir: Path, chunk: int, pipe: Connection) -> None:
    """The worker: the marks' side of the rebuild into its own file."""
    gc.disable()  # as in the main process: millions of rows alive, no cycles
    try:
        unlocked_sqlite()
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
