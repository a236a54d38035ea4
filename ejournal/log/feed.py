"""The writer of one feed: durable group-committed appends, segment rollover, checkpoint
signing on a policy, recovery of a torn tail on open, and the single-writer lock.

An append returns only after its lines are written and fsynced. A checkpoint over all
durable entries is signed and fsynced when the signing policy says so (docs/FORMAT.md §7)
and always on :meth:`Feed.checkpoint` and :meth:`Feed.close`.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import threading
import time as _time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Protocol

from . import fastscan, resume
from .checkpoint import Checkpoint, frame_note
from .entry import Entry, check_type_name, format_time
from .errors import FeedClosedError
from .keys import origin_for
from .merkle import CompactRange, leaf_hash
from .note import Ed25519Signer, sign_note
from .recovery import Recovery, reopen
from .storage import (
    CHECKPOINTS,
    FeedLock,
    append_durably,
    open_append,
    segment_name,
    write_all,
)

log = logging.getLogger(__name__)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """The real time, in the machine's local time zone with its UTC offset."""

    def now(self) -> datetime:
        return datetime.now().astimezone()


@dataclass(frozen=True)
class SigningPolicy:
    """When to sign a checkpoint (docs/FORMAT.md §7, docs/adr/0001-signing-cadence.md)."""

    max_unsigned_entries: int = 1024
    max_unsigned_seconds: float = 300.0
    background: bool = True


@dataclass(frozen=True)
class NewEntry:
    """What a caller asks to record; the feed adds feed id, sequence number and time."""

    type: str
    data: dict[str, Any]
    actor: str


@dataclass
class _Batch:
    entries: list[Entry]
    lines: bytes
    leaves: list[bytes]
    error: BaseException | None = None


@dataclass
class _State:
    size: int = 0
    tree: CompactRange = field(default_factory=CompactRange)
    last_time: datetime | None = None
    signed_size: int = 0
    first_unsigned_at: float | None = None
    segment_first: int = 0
    segment_bytes: int = 0
    last_checkpoint: Checkpoint | None = None


class Feed:
    """An open, locked, writable feed. Use :meth:`open`; close it (or use ``with``)."""

    SEGMENT_LIMIT = 16 << 20

    def __init__(
        self,
        feed_dir: Path,
        signer: Ed25519Signer,
        *,
        clock: Clock | None = None,
        policy: SigningPolicy | None = None,
        segment_limit: int | None = None,
    ) -> None:
        self.dir = feed_dir
        self.id = feed_dir.name
        self.origin = origin_for(self.id)
        self._signer = signer
        self._clock = clock or SystemClock()
        self.policy = policy or SigningPolicy()
        self.segment_limit = segment_limit or self.SEGMENT_LIMIT
        self._mu = threading.Lock()
        self._cv = threading.Condition(self._mu)
        self._pending: list[_Batch] = []  # written, not yet known durable, in order
        self._leader = False  # someone does I/O with the mutex let go (fsync, signing)
        self._broken: BaseException | None = None  # a failed fsync: nothing more is durable
        self._synced_bytes = 0  # of the current segment, known durable
        self._retired: list[int] = []  # descriptors of sealed segments, closed after the leader
        self._next_seq = 0
        self._hasher = fastscan.scanner(self.id)  # leaves and tree in C (docs/adr/0009)
        self._st = _State()
        self._seg_fd = -1
        self._cp_fd = -1
        self._closed = True
        self._lock: FeedLock | None = None
        self._timer: threading.Thread | None = None
        self._stop = threading.Event()
        self.recovery = Recovery()
        self._resumed_at: int | None = None  # the size of the resume point on disk, if known

    # --- opening and recovery ------------------------------------------------------------

    @classmethod
    def open(cls, feed_dir: Path, signer: Ed25519Signer, **options: Any) -> Feed:
        """Lock a feed for writing, repair a torn tail, and sign any unsigned entries.

        Raises:
            FeedLockedError: another process writes this feed.
            IntegrityError: the feed is damaged beyond a torn tail (run ``ejournal verify``).
        """
        feed_dir.mkdir(parents=True, exist_ok=True)
        feed = cls(feed_dir, signer, **options)
        feed._lock = FeedLock(feed_dir)
        try:
            feed._recover()
        except BaseException:
            feed._lock.release()
            raise
        feed._closed = False
        if feed._next_seq > feed._st.signed_size:
            unsigned = feed._next_seq - feed._st.signed_size
            feed.checkpoint()
            feed.recovery = dataclasses.replace(feed.recovery, signed_tail=unsigned)
        feed._keep_resume_point()
        if feed.recovery.repaired:
            log.warning("feed %s: %s", feed.id, feed.recovery.describe())
        if feed.policy.background:
            feed._start_timer()
        return feed

    def _recover(self) -> None:
        opened = reopen(self.dir, self._signer.verifier())
        st = self._st
        st.size, st.tree, st.last_time = opened.size, opened.tree, opened.last_time
        st.signed_size, st.last_checkpoint = opened.signed_size, opened.last_checkpoint
        st.segment_first, st.segment_bytes = opened.segment_first, opened.segment_bytes
        self.recovery = opened.recovery
        self._resumed_at = opened.resumed_at
        self._next_seq = st.size

    def _keep_resume_point(self) -> None:
        """Keep where the next open may pick the feed up (a cache: resume.py), when every entry
        is signed and the point moved since opening. Called with the writer's lock held."""
        st = self._st
        if not st.size or st.signed_size != st.size or self._resumed_at == st.size:
            return
        try:
            point = resume.take(self.dir, st.tree, (self.dir / CHECKPOINTS).read_bytes())
        except OSError as e:
            log.warning("feed %s: no resume point kept: %s", self.id, e)
            return
        if point is not None:
            resume.save(self.dir, point)
            self._resumed_at = st.size

    # --- appending ---------------------------------------------------------------------------

    @property
    def size(self) -> int:
        """Number of durable entries."""
        return self._st.size

    @property
    def clock(self) -> Clock:
        return self._clock

    @property
    def last_checkpoint(self) -> Checkpoint | None:
        return self._st.last_checkpoint

    def root(self) -> bytes:
        with self._mu:
            return self._st.tree.root()

    def append_one(self, type: str, data: dict[str, Any], actor: str) -> Entry:
        return self.append([NewEntry(type, data, actor)])[0]

    def append(self, items: Sequence[NewEntry]) -> list[Entry]:
        """Record entries; returns once they are on disk and fsynced.

        Concurrent callers share one fsync (group commit): :meth:`write` then :meth:`sync`.

        Raises:
            ValueError: an item is malformed (bad type name, data outside the JSON domain);
                nothing is written.
            FeedClosedError: the feed is closed.
            OSError: the disk refused the write or the fsync; nothing of this call is kept.
        """
        entries = self.write(items)
        if entries:
            self.sync(entries[-1].seq + 1)
        return entries

    def write(self, items: Sequence[NewEntry]) -> list[Entry]:
        """Write entries at the end of the feed (``write(2)``, in the order of the calls)
        without waiting for the disk. Nobody may be told they are recorded before
        :meth:`sync` to their end returns.

        A caller that must order what it writes (the journal's command lock) holds its lock
        for this call only, and waits for the fsync after letting go: concurrent commands
        then share one fsync instead of queueing behind each other's.

        Raises:
            ValueError: an item is malformed; nothing is written.
            FeedClosedError: the feed is closed.
            OSError: the disk refused the write; nothing of this call is kept (what earlier
                calls wrote stands).
        """
        if not items:
            return []
        with self._mu:
            if self._closed:
                raise FeedClosedError(f"feed {self.id} is closed")
            batch = self._build(items)
            try:
                self._write(batch)
            except BaseException:
                if self._broken is None:  # else _fail cut back to the durable size
                    self._next_seq = batch.entries[0].seq
                    self._cut_back()
                raise
            self._pending.append(batch)
            return batch.entries

    def sync(self, end: int) -> None:
        """Return once the entries before ``end`` are durable: one fsync, made by whichever
        waiting caller comes first, covers everything written until it starts.

        Raises:
            ValueError: ``end`` is beyond what was written.
            OSError: the fsync failed; the feed is then closed (reopen it to recover).
        """
        with self._mu:
            self._sync_locked(end)

    def _sync_locked(self, end: int) -> None:
        while self._st.size < end:
            if self._broken is not None:
                raise self._broken
            if end > self._next_seq:
                raise ValueError(f"feed {self.id}: entry {end - 1} was never written")
            if self._leader:
                self._cv.wait()
            else:
                self._lead()

    def _build(self, items: Sequence[NewEntry]) -> _Batch:
        now = self._clock.now()
        last = self._st.last_time
        if last is not None and now < last:
            now = last  # R-MRK-2: never earlier than what is recorded; the clock went back
        stamp = format_time(now)
        entries, lines, leaves = [], [], []
        for offset, item in enumerate(items):
            check_type_name(item.type)
            if not isinstance(item.actor, str) or not item.actor:
                raise ValueError("actor must be a non-empty string")
            entry = Entry(
                feed=self.id,
                seq=self._next_seq + offset,
                time=stamp,
                actor=item.actor,
                type=item.type,
                data=item.data,
            )
            line = entry.encode()
            entries.append(entry)
            lines.append(line)
            if self._hasher is None:
                leaves.append(leaf_hash(line))
        self._next_seq += len(items)
        self._st.last_time = now
        return _Batch(entries, b"\n".join(lines) + b"\n", leaves)

    def _write(self, batch: _Batch) -> None:
        """Called with the mutex held: write one batch's lines, rolling the segment first when
        they would overflow it."""
        st = self._st
        if self._seg_fd < 0:
            current = self.dir / segment_name(st.segment_first)
            if st.segment_bytes and not current.stat().st_mode & 0o200:
                # Sealed by _roll before a crash that came ahead of the next segment's creation.
                st.segment_first, st.segment_bytes = st.size, 0
            self._seg_fd = open_append(self.dir / segment_name(st.segment_first))
            self._synced_bytes = st.segment_bytes
        if st.segment_bytes and st.segment_bytes + len(batch.lines) > self.segment_limit:
            self._roll(batch.entries[0].seq)
        write_all(self._seg_fd, batch.lines)
        st.segment_bytes += len(batch.lines)

    def _lead(self) -> None:
        """Called with the mutex held: fsync everything written so far (the mutex let go
        meanwhile, so that others write on), then count it durable and wake the waiters."""
        batches, self._pending = self._pending, []
        fd, first, written = self._seg_fd, self._st.segment_first, self._st.segment_bytes
        self._leader = True
        self._mu.release()
        error: BaseException | None = None
        try:
            os.fsync(fd)
        except BaseException as e:
            error = e
        finally:
            self._mu.acquire()
            self._leader = False
            self._close_retired()
        if error is not None:
            self._fail(batches + self._pending, error)
            self._cv.notify_all()
            return
        self._made_durable(batches)
        if first == self._st.segment_first:
            self._synced_bytes = written
        self._cv.notify_all()
        self._maybe_sign()

    def _made_durable(self, batches: list[_Batch]) -> None:
        st, hasher = self._st, self._hasher
        if hasher is not None:
            hasher.tree = st.tree
        for b in batches:
            if hasher is None:
                st.tree.extend(b.leaves)
            else:
                hasher.hash_lines(b.lines, 0, len(b.lines), len(b.entries))
            st.size += len(b.entries)
        if hasher is not None:
            st.tree = hasher.tree
        if batches and st.first_unsigned_at is None:
            st.first_unsigned_at = _time.monotonic()

    def _roll(self, first_seq: int) -> None:
        """Seal the current segment (made durable, then read-only for ever) and start the next
        one: a segment is sealed only once all of it is on disk (recovery relies on it)."""
        st = self._st
        try:
            os.fsync(self._seg_fd)
        except BaseException as e:
            self._fail(self._pending, e)
            self._cv.notify_all()
            raise
        # A running leader may still fsync the old descriptor: close it once that is done.
        self._retired.append(self._seg_fd)
        self._seg_fd = -1
        if not self._leader:
            self._close_retired()
        (self.dir / segment_name(st.segment_first)).chmod(0o444)
        st.segment_first, st.segment_bytes = first_seq, 0
        self._seg_fd = open_append(self.dir / segment_name(first_seq))
        self._synced_bytes = 0

    def _close_retired(self) -> None:
        for fd in self._retired:
            os.close(fd)
        self._retired = []

    def _cut_back(self) -> None:
        """A write(2) failed: cut the segment back to the end of the last complete batch."""
        try:
            if self._seg_fd >= 0:
                os.ftruncate(self._seg_fd, self._st.segment_bytes)
        except OSError:
            self._closed = True  # cannot restore a clean end: reopen to recover
            log.exception("feed %s: could not cut a failed write back", self.id)

    def _fail(self, batches: list[_Batch], error: BaseException) -> None:
        """An fsync failed: what was written since the last one may or may not be on disk.
        Fail every waiter, cut the segment back to the durable size and close the feed (after
        a failed fsync the kernel's page cache cannot be trusted: reopening recovers)."""
        self._pending = []
        for b in batches:
            b.error = error
        self._broken = error
        self._closed = True
        self._next_seq = self._st.size
        try:
            if self._seg_fd >= 0:
                os.ftruncate(self._seg_fd, self._synced_bytes)
                self._st.segment_bytes = self._synced_bytes
        except OSError:
            log.exception("feed %s: could not cut an unsynced write back", self.id)
        log.error("feed %s: fsync failed (%s); closed until reopened", self.id, error)

    # --- checkpoints -------------------------------------------------------------------------

    def _maybe_sign(self) -> None:
        """Called with the mutex held and no leader: sign when the policy says so."""
        st, policy = self._st, self.policy
        unsigned = st.size - st.signed_size
        if not unsigned:
            return
        waited = _time.monotonic() - (st.first_unsigned_at or 0.0)
        if unsigned >= policy.max_unsigned_entries or waited >= policy.max_unsigned_seconds:
            self._sign()

    def _sign(self) -> Checkpoint:
        """Called with the mutex held and no leader: sign a checkpoint over the durable entries.
        The mutex is let go while signing and writing it, so that writers are not held up
        (the leader flag keeps the durable size still meanwhile)."""
        st = self._st
        cp = Checkpoint(self.origin, st.size, st.tree.root())
        self._leader = True
        self._mu.release()
        try:
            note = sign_note(cp.text(), [self._signer])
            if self._cp_fd < 0:
                self._cp_fd = open_append(self.dir / CHECKPOINTS)
            append_durably(self._cp_fd, frame_note(note))
        finally:
            self._mu.acquire()
            self._leader = False
            self._close_retired()
            self._cv.notify_all()
        st.signed_size, st.last_checkpoint, st.first_unsigned_at = cp.size, cp, None
        return cp

    def checkpoint(self) -> Checkpoint | None:
        """Sign a checkpoint over every entry written until now (before a sync, a backup, a
        seal), once they are durable.

        Returns:
            The newest checkpoint (None for an empty feed).
        """
        with self._mu:
            self._sync_locked(self._next_seq)
            while self._leader:
                self._cv.wait()
            if self._st.size > self._st.signed_size:
                self._sign()
            return self._st.last_checkpoint

    def checkpoint_if_due(self) -> None:
        with self._mu:
            if self._leader or self._closed:
                return
            self._maybe_sign()

    def _start_timer(self) -> None:
        interval = max(0.05, self.policy.max_unsigned_seconds / 4)

        def run() -> None:
            while not self._stop.wait(interval):
                try:
                    self.checkpoint_if_due()
                except Exception:  # keep the timer alive; the next append retries
                    log.exception("feed %s: background checkpoint failed", self.id)

        self._timer = threading.Thread(target=run, name=f"checkpoint-{self.id[:8]}", daemon=True)
        self._timer.start()

    # --- closing -----------------------------------------------------------------------------

    def close(self) -> None:
        """Sign a final checkpoint, close the files and release the lock."""
        if self._closed and self._lock is None:
            return
        self._stop.set()
        if self._timer is not None:
            self._timer.join()
        clean = False
        try:
            if not self._closed:
                self.checkpoint()
                clean = True
        finally:
            with self._mu:
                self._closed = True
                while self._leader:
                    self._cv.wait()
                self._close_retired()
                for fd in (self._seg_fd, self._cp_fd):
                    if fd >= 0:
                        os.close(fd)
                self._seg_fd = self._cp_fd = -1
            if clean:
                self._keep_resume_point()
            if self._lock is not None:
                self._lock.release()
                self._lock = None

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
