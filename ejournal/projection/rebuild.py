"""Rebuilding the projection from the feeds alone, into a new file swapped in when complete.

The same handlers as :meth:`Projection.apply`, in the same merged order and the same batches, so
the result is the database the commands kept up to date (tests/test_projection.py). What makes
it fast: a file nobody reads until it is complete (no journal, no fsync, one transaction, a
large page cache), the pages' indexes made once at the end (schema.DEFERRED_INDEXES), lines
decoded straight into their events (:mod:`.lines`), no garbage collector passes over the
millions of live objects, and, on a large school, two more processes: the strict check of every
line (what the rebuild has always refused: :func:`ejournal.log.reader.read_chunks`; in the
split, started when the worker is done and a core is free), and the marks: with one feed, a
worker that reads the feed and writes the marks itself (:mod:`.split`; when it meets what it
cannot be sure of, the rebuild starts again the usual way), with several, one that writes the
rows this process sends it (:mod:`.offload`). In the split, each process also makes the indexes
of its largest tables late (:data:`.split_writer.LATE_INDEXES`), and applies runs of the most common
entry types with one call (:data:`.apply.BULK`).
"""

from __future__ import annotations

import gc
import heapq
import os
import resource
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any, cast

from ..log.reader import check_lines
from .apply import HANDLERS, Cache, Ctx, is_compromised
from .batch import BatchedWriter
from .db import CHUNK, IGNORED_TYPES, Projection, ProjectionError, merge_key, order_text
from .lines import read_lines
from .offload import OffloadingWriter, Worker, move_tables
from .schema import DEFERRED_INDEXES, index_sql
from .split import SplitLoader, SplitWorker, write_unknown
from .split_writer import TABLES as SPLIT_TABLES
from .split_writer import SplitUnsafe
from .times import utc

# Below this many bytes of feeds everything runs in this process: starting other Pythons costs
# more than they save.
PARALLEL_BYTES = 32 << 20

# CPU seconds of each process of the last rebuild in this process ("main", "checker",
# "worker"), for bench/bench_projection.py.
CPU: dict[str, float] = {}


def rebuild(feeds_dir: Path, path: Path, *, parallel: bool | None = None) -> int:
    """Build the projection from the feeds alone into ``path`` (replaced atomically).

    Args:
        feeds_dir: the data directory's ``feeds``.
        path: the projection's file.
        parallel: run the strict check of every line, and the writing of the largest tables
            (:mod:`.offload`), in other processes (default: when the feeds are large).

    Returns:
        The number of entries applied.

    Raises:
        FormatError: a line of a feed does not parse; ``path`` is left as it was.
        ProjectionError: a feed's entries are out of order.
    """
    CPU.clear()
    started = time.process_time()
    feed_dirs = sorted(p for p in feeds_dir.iterdir() if p.is_dir())
    if parallel is None:
        parallel = bool(sys.executable) and _size(feed_dirs) >= PARALLEL_BYTES
    checker = Checker(feed_dirs, in_process=not parallel)
    tmp = path.with_name(path.name + ".rebuild")
    _remove(tmp)
    collecting = gc.isenabled()
    gc.disable()  # millions of rows alive at once: each pass would walk them all, for nothing
    try:
        projection = Projection(tmp)
        try:
            try:
                count = _load(
                    projection, feed_dirs, tmp if parallel else None, checker, split=parallel
                )
            except SplitUnsafe:  # the usual way, from the start (nothing of the split is kept)
                projection.close()
                _remove(tmp)
                projection = Projection(tmp)
                count = _load(
                    projection, feed_dirs, tmp if parallel else None, checker, split=False
                )
        finally:
            projection.close()
        checker.finish()
    except BaseException:
        checker.stop()
        _remove(tmp)
        raise
    finally:
        if collecting:
            gc.enable()
    _remove(path, keep_main=True)
    os.replace(tmp, path)
    CPU["main"] = time.process_time() - started
    return count


def _load(
    projection: Projection,
    feed_dirs: Sequence[Path],
    offload_to: Path | None,
    checker: Checker,
    *,
    split: bool,
) -> int:
    """Apply every entry into the projection's (empty) file; with ``offload_to``, the largest
    tables are written by a worker process beside it (:mod:`.split` when ``split`` and only one
    feed has entries, else :mod:`.offload`). The ``checker`` is started here: at once, or in the
    split when the worker is done.

    Raises:
        SplitUnsafe: the split met what it cannot be sure of; the file is to be thrown away.
    """
    conn = projection.conn
    conn.execute("PRAGMA journal_mode = OFF")
    conn.execute("PRAGMA synchronous = OFF")
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("PRAGMA cache_size = -524288")  # 512 MB at most, while it lasts
    for name in DEFERRED_INDEXES:
        conn.execute(f"DROP INDEX {name}")
    pending = [d for d in feed_dirs if next(read_lines(d, 1), None)] if split else []
    if offload_to is not None and len(pending) == 1:
        count = _load_split(projection, pending[0], offload_to, checker)
        _finish_load(conn)
        return count
    checker.start()
    worker = None
    if offload_to is not None:
        worker_file = offload_to.with_name(offload_to.name + ".offloaded")
        _remove(worker_file)
        try:
            worker = Worker(worker_file)
        except OSError:  # no second Python to be had: this process writes every table
            worker = None
    try:
        loader = _Loader(projection, worker)
        conn.execute("BEGIN")
        count = loader.run(feed_dirs)
        if worker is not None:
            worker.finish()  # it makes its tables' indexes while this process makes the others
        for name in DEFERRED_INDEXES:
            conn.execute(index_sql(name))
        conn.execute("COMMIT")
        if worker is not None:
            _waited("worker", worker.wait)
            move_tables(conn, worker.path)
    finally:
        if worker is not None:
            _waited("worker", worker.stop)
            _remove(worker.path)
    _finish_load(conn)
    return count


def _finish_load(conn: Any) -> None:
    conn.execute("PRAGMA locking_mode = NORMAL")
    conn.execute("PRAGMA journal_mode = WAL")  # what Projection keeps; also drops the lock


def _load_split(projection: Projection, feed_dir: Path, offload_to: Path, checker: Checker) -> int:
    """:func:`_load` of one feed split by entry type with a worker process (:mod:`.split`).

    Both processes keep both cores busy until the worker is done; then this one copies the
    worker's tables in, alone, and the strict check of every line (``checker``) runs beside it.
    """
    conn = projection.conn
    worker_file = offload_to.with_name(offload_to.name + ".offloaded")
    _remove(worker_file)
    try:
        worker = SplitWorker(worker_file, feed_dir, CHUNK)
    except OSError as e:  # no second Python to be had: the usual way
        raise SplitUnsafe(str(e)) from e
    try:
        loader = SplitLoader(conn, projection.cache, worker=False)
        conn.execute("BEGIN")
        loader.writer.make_late("lessons", "attendance_events", "attendance")
        count = loader.run(feed_dir, CHUNK, stop=worker.check)
        loader.writer.make_indexes()
        position = (loader.feed, loader.position)
        conn.execute("INSERT OR REPLACE INTO positions VALUES (?, ?)", position)
        conn.execute("INSERT OR REPLACE INTO meta VALUES ('merge_last', ?)", (loader.merge_last,))
        for name in DEFERRED_INDEXES:
            conn.execute(index_sql(name))
        conn.execute("COMMIT")  # writes this side's pages while the worker makes its indexes
        unknown = _waited("worker", worker.wait)
        checker.start()
        conn.execute("BEGIN")
        write_unknown(conn, loader.unknown, unknown)
        conn.execute("COMMIT")
        move_tables(conn, worker_file, SPLIT_TABLES)
    finally:
        _waited("worker", worker.stop)
        _remove(worker_file)
    return count


class _Loader:
    """:meth:`Projection.catch_up` from empty, inside one transaction."""

    def __init__(self, projection: Projection, worker: Worker | None) -> None:
        self.conn = projection.conn
        self.cache: Cache = projection.cache
        self.writer = (
            BatchedWriter(self.conn) if worker is None else OffloadingWriter(self.conn, worker)
        )
        self.positions: dict[str, int] = {}
        self.merge_last: str | None = None
        self.merge_broken = False

    def run(self, feed_dirs: Sequence[Path]) -> int:
        applied = 0
        for batch in _batches(feed_dirs):
            self._apply(batch)
            applied += len(batch)
        self.writer.flush()
        for feed, next_seq in self.positions.items():
            self.conn.execute("INSERT OR REPLACE INTO positions VALUES (?, ?)", (feed, next_seq))
        if self.merge_last is not None:
            self.conn.execute(
                "INSERT OR REPLACE INTO meta VALUES ('merge_last', ?)", (self.merge_last,)
            )
        if self.merge_broken:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES ('merge_broken', '1')")
        return applied

    def _apply(self, batch: list[Any]) -> None:
        """One batch as :meth:`Projection.apply` applies it (same skips, same refusals)."""
        feed = batch[0].feed
        start = fresh = self.positions.get(feed, 0)
        writer, cache = self.writer, self.cache
        db = cast(Any, writer)
        compromised = cache.compromised
        new_ctx = tuple.__new__
        for line in batch:
            seq = line.seq
            if seq != start:
                if seq < start:
                    continue
                raise ProjectionError(f"entry {feed}#{seq} applied out of order (expected {start})")
            start += 1
            kind = line.kind
            if kind in IGNORED_TYPES:
                continue
            at = utc(line.time)
            ref = f"{line.feed}#{seq}"
            event = line.data
            if event is None:
                writer.execute(
                    "INSERT OR REPLACE INTO unknown_entries VALUES (?, ?, ?)", (ref, kind, at)
                )
                continue
            actor = line.actor
            invalid = int(actor in compromised and is_compromised(cache, actor, at))
            ctx = new_ctx(Ctx, (ref, at, line.time[:10], actor, invalid))  # Ctx(…), quicker
            HANDLERS[type(event)](db, cache, ctx, event)
        writer.flush()
        self.positions[feed] = start
        if start > fresh:
            self._note_order(batch[fresh - batch[0].seq], batch[-1])

    def _note_order(self, first: Any, last: Any) -> None:
        """:meth:`Projection._note_order`, kept in memory until the end."""
        if self.merge_last is not None and order_text(merge_key(first)) < self.merge_last:
            self.merge_broken = True
        newest = order_text(merge_key(last))
        if self.merge_last is None or newest > self.merge_last:
            self.merge_last = newest


def _batches(feed_dirs: Sequence[Path]) -> Iterator[list[Any]]:
    """The batches :meth:`Projection.catch_up` applies: a feed's chunks when only one feed has
    entries, else runs of the merged order cut at each change of feed and every CHUNK."""
    pending = [d for d in feed_dirs if next(read_lines(d, 1), None)]
    if len(pending) == 1:
        yield from read_lines(pending[0], CHUNK)
        return
    streams = [_flat(read_lines(d, CHUNK)) for d in pending]
    run: list[Any] = []
    for line in heapq.merge(*streams, key=merge_key):
        if run and (line.feed != run[0].feed or len(run) >= CHUNK):
            yield run
            run = []
        run.append(line)
    if run:
        yield run


def _flat(chunks: Iterator[list[Any]]) -> Iterator[Any]:
    for chunk in chunks:
        yield from chunk


# --- the strict check of every line ----------------------------------------------------------


def check_feeds(feed_dirs: Sequence[Path]) -> None:
    """Parse every line of the feeds strictly, as the log reader does.

    Raises:
        FormatError: the first line that does not parse.
    """
    for feed_dir in feed_dirs:
        check_lines(feed_dir)  # read_chunks's verdict, through the log's native scanner if built


class Checker:
    """The strict check of every line of a rebuild (:func:`check_feeds`) in a process of its
    own, started when :meth:`start` is first called, or here at the end (``in_process``, or no
    second Python to be had)."""

    def __init__(self, feed_dirs: Sequence[Path], *, in_process: bool) -> None:
        self.feed_dirs = feed_dirs
        self.in_process = in_process
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        if self.in_process or self.process is not None:
            return
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-m", "ejournal.projection.rebuild", *map(str, self.feed_dirs)],
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        except OSError:  # the check runs here at the end
            self.in_process = True

    def finish(self) -> None:
        """Wait for the check's verdict; when it is not a plain yes, check here (which raises
        the parser's own error for a bad line).

        Raises:
            FormatError: a line does not parse.
        """
        self.start()
        if self.process is None or _waited("checker", self.process.wait) != 0:
            check_feeds(self.feed_dirs)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def _waited(name: str, wait: Callable[[], Any]) -> Any:
    """``wait()`` for a process to end, adding its CPU time to :data:`CPU`."""
    before = _children_cpu()
    result = wait()
    CPU[name] = CPU.get(name, 0.0) + _children_cpu() - before
    return result


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _size(feed_dirs: Sequence[Path]) -> int:
    return sum(p.stat().st_size for d in feed_dirs for p in d.iterdir() if p.is_file())


def _remove(path: Path, *, keep_main: bool = False) -> None:
    names = [f"{path}-wal", f"{path}-shm", f"{path}-journal"]
    for name in names if keep_main else [str(path), *names]:
        Path(name).unlink(missing_ok=True)


if __name__ == "__main__":  # the second process: exit 0 when every line parses
    gc.disable()  # each batch's entries go when the next comes: no cycles to look for
    check_feeds([Path(arg) for arg in sys.argv[1:]])
