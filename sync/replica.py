"""Copy feeds from one replica to another, append-only (issue #9, items 1–3).

A replica is any folder holding ``feeds/<feed-id>/…`` (a data directory, or a backup folder on
a flash drive). For each feed of the source:

1. take a snapshot of the source (``checkpoints`` first, then the segments: both only grow, so
   the lines read are at least those the checkpoints cover) and verify the source feed
   (``ejournal.log.verify.verify_feed``: schema, tree, every signature);
2. copy only what the last signed checkpoint covers: its lines, and the checkpoint notes up
   to it; recompute the Merkle root of the lines to copy and compare it with that checkpoint;
3. compare the destination with the source byte for byte: every destination file must be a
   prefix of the source's (or the source a prefix of it: the destination is ahead). Anything
   else is a FORK: that feed is left alone on both sides and reported;
4. stage every changed file whole in ``<dest>/.ejournal-staging/<feed-id>/``: write, flush,
   fsync, read back and compare with what was meant; only then rename the files into place,
   segments first and ``checkpoints`` last (a new feed: the staged folder is renamed at once).

Why whole files and rename rather than appending in place: an append interrupted by a pulled
drive leaves a torn line in the copy that verifies no more; a rename either happened or did
not. The cost is that the growing last segment (at most 16 MiB) is written again whole; the
sealed segments, which are nearly all of the bytes, are never written twice. An interruption
while staging leaves the destination as it was; between the renames of one feed (a
millisecond window) it can leave entries not yet covered by the copied ``checkpoints``: the
next run completes them. Stale staging folders are removed at the start of a run.
"""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from hashlib import sha256
from pathlib import Path

from ejournal.log.checkpoint import parse_checkpoint, read_notes
from ejournal.log.errors import FormatError
from ejournal.log.merkle import CompactRange
from ejournal.log.note import Ed25519Verifier
from ejournal.log.storage import CHECKPOINTS, COSIGNATURES, SEGMENT_RE, list_segments
from ejournal.log.verify import describe, verify_feed

STAGING = ".ejournal-staging"
SPACE_MARGIN = 1 << 20  # keep a MiB free besides what is written


class ReplicaError(Exception):
    """The destination cannot take a copy (a usage problem: nothing was written)."""

    message_ru = "Не удалось записать копию."

    def __init__(self, message: str, message_ru: str | None = None) -> None:
        super().__init__(message)
        if message_ru:
            self.message_ru = message_ru


class NotWritableError(ReplicaError):
    message_ru = "Носитель защищён от записи или недоступен для записи."


class NotEnoughSpaceError(ReplicaError):
    message_ru = "На носителе не хватает свободного места для копии."


@dataclass
class FeedSync:
    """What happened to one feed."""

    feed: str
    status: str = "ok"  # ok | unchanged | new | ahead | fork | invalid
    entries_copied: int = 0
    bytes_copied: int = 0  # new bytes of data (lines and notes) the destination lacked
    bytes_written: int = 0  # bytes actually written (whole staged files)
    entries: int = 0  # entries of the feed on the destination after the run
    root: str = ""  # base64 root of the last copied checkpoint
    problems: list[str] = field(default_factory=list)

    @property
    def failed(self) -> bool:
        return self.status in ("fork", "invalid")


@dataclass
class SyncResult:
    feeds: list[FeedSync] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not any(f.failed for f in self.feeds)

    @property
    def forks(self) -> list[FeedSync]:
        return [f for f in self.feeds if f.status == "fork"]

    @property
    def entries_copied(self) -> int:
        return sum(f.entries_copied for f in self.feeds)

    @property
    def bytes_copied(self) -> int:
        return sum(f.bytes_copied for f in self.feeds)

    @property
    def bytes_written(self) -> int:
        return sum(f.bytes_written for f in self.feeds)


@dataclass
class _Plan:
    """One feed's files to write: name → full new content; and the counts."""

    feed: str
    files: dict[str, bytes]
    result: FeedSync
    new_feed: bool


# --- durable file writing (tolerant of FAT/exFAT: no modes, fsync may do nothing) ----------


def _fsync(fd: int) -> None:
    try:
        os.fsync(fd)
    except OSError as e:
        if e.errno not in (errno.EINVAL, errno.ENOTSUP, errno.EBADF):
            raise


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY)
    except OSError:
        return
    try:
        _fsync(fd)
    finally:
        os.close(fd)


def write_verified(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file, fsync it, read it back and compare.

    Raises:
        OSError: the write failed, or what was read back differs (EIO).
    """
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        _fsync(fd)
    finally:
        os.close(fd)
    back = path.read_bytes()
    if back != data:
        raise OSError(errno.EIO, f"read-back of {path} differs from what was written")


def check_writable(dest: Path) -> None:
    """A probe file is created and removed in ``dest``.

    Raises:
        NotWritableError: the medium is read-only or the folder cannot be written.
    """
    probe = dest / ".ejournal-write-test"
    try:
        _open_probe(probe)
        probe.unlink()
    except OSError as e:
        raise NotWritableError(
            f"cannot write to {dest}: {e.strerror or e} (is the medium read-only or "
            "write-protected?)",
            f"Не удаётся записать в {dest}: носитель защищён от записи или недоступен.",
        ) from e


def _open_probe(path: Path) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
    try:
        os.write(fd, b"ejournal\n")
    finally:
        os.close(fd)


def check_space(dest: Path, needed: int) -> None:
    """Raises NotEnoughSpaceError when ``dest`` has less free space than ``needed`` + margin."""
    free = shutil.disk_usage(dest).free
    if free < needed + SPACE_MARGIN:
        raise NotEnoughSpaceError(
            f"not enough free space on {dest}: the copy needs {_mib(needed)} "
            f"(+{_mib(SPACE_MARGIN)} margin), {_mib(free)} is free",
            f"На носителе {dest} не хватает места: нужно {_mib(needed)}, свободно {_mib(free)}.",
        )


def _mib(n: int) -> str:
    return f"{n / (1 << 20):.1f} MiB"


# --- the plan: what the destination lacks -------------------------------------------------


def _complete_lines_upto(data: bytes, count: int) -> tuple[bytes, int]:
    """The first ``count`` complete lines of ``data`` (or all complete lines), and how many."""
    pos, n = 0, 0
    while n < count:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        pos, n = end + 1, n + 1
    return data[:pos], n


def _plan_feed(src: Path, dst: Path, root: Ed25519Verifier) -> _Plan:
    feed_id = src.name
    result = FeedSync(feed_id)
    plan = _Plan(feed_id, {}, result, not dst.exists())
    # 1. Snapshot: checkpoints first (both only grow), then the segments.
    notes_bytes = (src / CHECKPOINTS).read_bytes() if (src / CHECKPOINTS).exists() else b""
    cosig_bytes = (src / COSIGNATURES).read_bytes() if (src / COSIGNATURES).exists() else b""
    segments = [(first, path.name, path.read_bytes()) for first, path in list_segments(src)]
    report = verify_feed(src, root)
    if report.problems:  # a live feed's unsigned tail is not a problem (verify knows)
        result.status = "invalid"
        result.problems = ["source: " + line for line in describe(report.problems)]
        return plan
    try:
        notes = read_notes(notes_bytes)
        cosigs = read_notes(cosig_bytes)
    except FormatError as e:
        result.status, result.problems = "invalid", [f"source {feed_id}: {e}"]
        return plan
    if not notes.records:
        result.status, result.problems = "invalid", [f"source {feed_id}: no signed checkpoint"]
        return plan
    last = parse_checkpoint(notes.records[-1].note.text)
    notes_bytes = notes_bytes[: notes.valid_length]
    cosig_bytes = cosig_bytes[: cosigs.valid_length]
    # 2. The lines the last checkpoint covers, checked against its root.
    wanted: dict[str, bytes] = {}
    tree = CompactRange()
    covered = 0
    for first, name, data in segments:
        if first >= last.size:
            break
        part, n = _complete_lines_upto(data, last.size - first)
        tree.extend([sha256(b"\x00" + line).digest() for line in part.split(b"\n")[:-1]])
        wanted[name] = part
        covered = first + n
    if covered != last.size or tree.root() != last.root:
        result.status = "invalid"
        result.problems = [
            f"source {feed_id}: the lines read do not match the last checkpoint "
            f"(size {last.size}); was the feed changed during the copy?"
        ]
        return plan
    wanted[CHECKPOINTS] = notes_bytes
    if cosig_bytes:
        wanted[COSIGNATURES] = cosig_bytes
    result.entries = last.size
    result.root = notes.records[-1].note.text.split("\n")[2]
    # 3. Compare with the destination: every file a prefix one way or the other.
    ahead = False
    have_names = set()
    if dst.exists():
        for path in dst.iterdir():
            if SEGMENT_RE.fullmatch(path.name) or path.name in (CHECKPOINTS, COSIGNATURES):
                have_names.add(path.name)
    for name in sorted(have_names - set(wanted)):
        if SEGMENT_RE.fullmatch(name) and int(name[4:16]) >= last.size:
            ahead = True  # the destination holds entries the source has not signed yet
        else:
            result.status = "fork"
            result.problems.append(
                f"FORK in feed {feed_id}: the destination has {name}, the source has not "
                "at that place"
            )
    for name, data in wanted.items():
        if name not in have_names:
            plan.files[name] = data
            continue
        have = (dst / name).read_bytes()
        if have == data:
            continue
        if data.startswith(have):
            plan.files[name] = data
        elif have.startswith(data):
            ahead = True
        else:
            at = next(i for i, (a, b) in enumerate(zip(have, data, strict=False)) if a != b)
            result.status = "fork"
            result.problems.append(
                f"FORK in feed {feed_id}: {name} differs from the source at byte {at} "
                "(two different histories of one feed; both are kept, nothing was copied)"
            )
    if result.status == "fork":
        plan.files = {}
        return plan
    if ahead and plan.files:
        # The destination is ahead in one file and behind in another: refuse to mix them.
        result.status = "fork"
        result.problems.append(
            f"FORK in feed {feed_id}: the destination is ahead of the source in some files "
            "and behind in others"
        )
        plan.files = {}
        return plan
    # Counts: new lines and new bytes.
    for name, data in plan.files.items():
        old = len((dst / name).read_bytes()) if name in have_names else 0
        result.bytes_copied += len(data) - old
        result.bytes_written += len(data)
        if SEGMENT_RE.fullmatch(name):
            result.entries_copied += data.count(b"\n", old)
    if ahead:
        result.status = "ahead"
    elif not plan.files:
        result.status = "unchanged"
    elif plan.new_feed:
        result.status = "new"
    return plan


# --- doing it -----------------------------------------------------------------------------


def _apply(plan: _Plan, dest_root: Path, hook: Callable[[str, Path], None] | None) -> None:
    staging = dest_root / STAGING / plan.feed
    staging.mkdir(parents=True, exist_ok=True)
    order = sorted(n for n in plan.files if SEGMENT_RE.fullmatch(n))
    order += [n for n in (COSIGNATURES, CHECKPOINTS) if n in plan.files]
    for name in order:
        write_verified(staging / name, plan.files[name])
        if hook:
            hook("staged", staging / name)
    _fsync_dir(staging)
    feed_dir = dest_root / "feeds" / plan.feed
    if plan.new_feed:
        feed_dir.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, feed_dir)
        _fsync_dir(feed_dir.parent)
    else:
        for name in order:  # segments first, checkpoints last
            os.replace(staging / name, feed_dir / name)
            if hook:
                hook("renamed", feed_dir / name)
        _fsync_dir(feed_dir)
        staging.rmdir()
    # Sealed segments read-only, as the writer leaves them (no-op on FAT).
    segments = list_segments(feed_dir)
    for _, path in segments[:-1]:
        with contextlib.suppress(OSError):
            path.chmod(0o444)


def clean_staging(dest_root: Path) -> None:
    """Remove what an interrupted run left in the staging folder (never the copy itself)."""
    staging = dest_root / STAGING
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)


def replicate(
    source: Path,
    dest: Path,
    root: Ed25519Verifier,
    *,
    hook: Callable[[str, Path], None] | None = None,
) -> SyncResult:
    """Copy every feed of the replica ``source`` into the replica ``dest`` (append-only).

    ``hook`` is called after each staged file and each rename (tests use it to interrupt).

    Raises:
        NotWritableError, NotEnoughSpaceError: before anything is written.
        ReplicaError: ``source`` has no feeds, or ``dest`` is not a folder.
    """
    started = time.perf_counter()
    src_feeds = source / "feeds"
    if not src_feeds.is_dir():
        raise ReplicaError(
            f"{source} has no feeds folder", f"В папке {source} нет журналов (feeds)."
        )
    if dest.exists() and not dest.is_dir():
        raise ReplicaError(f"{dest} is not a folder", f"{dest} — не папка.")
    dest.mkdir(parents=True, exist_ok=True)
    check_writable(dest)
    clean_staging(dest)
    result = SyncResult()
    plans = []
    for src in sorted(p for p in src_feeds.iterdir() if p.is_dir()):
        plan = _plan_feed(src, dest / "feeds" / src.name, root)
        plans.append(plan)
        result.feeds.append(plan.result)
    check_space(dest, sum(p.result.bytes_written for p in plans))
    for plan in plans:
        if plan.files:
            _apply(plan, dest, hook)
    clean_staging(dest)
    result.seconds = time.perf_counter() - started
    return result


def copy_public_keys(source_keys: Path, dest_keys: Path) -> list[str]:
    """Copy ``*.vkey`` (public keys only: never a private ``*.key``); returns warnings."""
    warnings: list[str] = []
    dest_keys.mkdir(parents=True, exist_ok=True)
    for path in sorted(source_keys.glob("*.vkey")):
        data = path.read_bytes()
        if b"PRIVATE" in data:  # belt and braces: never carry a private key to a medium
            warnings.append(f"{path.name} looks like a private key; not copied")
            continue
        target = dest_keys / path.name
        if target.exists():
            if target.read_bytes() != data:
                warnings.append(f"{target} differs from {path}; kept as it is")
            continue
        tmp = dest_keys / f".{path.name}.tmp"
        write_verified(tmp, data)
        os.replace(tmp, target)
    return warnings
