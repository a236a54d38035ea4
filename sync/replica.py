"""Copy feeds from one replica to another, append-only (issue #9, items 1–3; docs/SYNC.md).

A replica is any folder holding ``feeds/<feed-id>/…`` (a data directory, or a backup folder on
a flash drive); a source may also be a peer server (``sync.source``). For each feed:

1. read the source's notes, then its segments' sizes (both only grow);
2. a source that is not ahead must have our notes as its notes or their prefix (it is behind);
   anything else is a FORK, left alone on both sides and reported;
3. a source that is ahead: our notes must be a prefix of its notes; from our **verified state**
   at our last checkpoint (``.ejournal-sync/<feed>.json``, recomputed by a full verification
   of our copy when it does not match it) only the new entries are read and verified
   (``ejournal.log.extend``), every new checkpoint's root recomputed from our tree;
4. every one of our files must be a byte prefix of what replaces it (else a FORK); every
   changed file is staged whole in ``<dest>/.ejournal-staging/<feed-id>/``: written, fsynced,
   read back and compared; only then renamed into place, segments first, ``checkpoints`` last.

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
import os
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from ejournal.log.checkpoint import parse_checkpoint
from ejournal.log.errors import FormatError, LogError
from ejournal.log.extend import FeedState, note_at, note_spans, verify_extension
from ejournal.log.extend import _check_cosignatures as check_cosignatures
from ejournal.log.extend import last_record as last_record_of
from ejournal.log.note import Ed25519Verifier, open_note
from ejournal.log.storage import CHECKPOINTS, COSIGNATURES, SEGMENT_RE, fsync_dir, list_segments
from ejournal.log.verify import _signers_for

from .cosignatures import merge_cosignatures
from .crypto import PLAIN, Codec
from .durable import NotEnoughSpaceError as NotEnoughSpaceError
from .durable import NotWritableError as NotWritableError
from .durable import ReplicaError as ReplicaError
from .durable import check_space, check_writable, write_verified
from .revocations import known_revocations, revoked_checkpoint
from .source import OVERHEAD, DirSource, Source, SourceError

STAGING = ".ejournal-staging"
STATE_DIR = ".ejournal-sync"  # <feed-id>.json: the verified state of each copied feed


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
    verified_from: int = 0  # the new entries were verified from this size on (incremental)
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
    state: FeedState | None = None
    codec: Codec = PLAIN


# --- the plan: what the destination lacks -------------------------------------------------


def _complete_lines_upto(data: bytes, count: int) -> tuple[bytes, int]:
    """The first ``count`` complete lines of ``data`` (or all complete lines), and how many."""
    total = data.count(b"\n")
    if total <= count:  # the whole segment (nearly always): no walk line by line
        return data[: data.rfind(b"\n") + 1], total
    pos, n = 0, 0
    while n < count:
        end = data.find(b"\n", pos)
        if end < 0:
            break
        pos, n = end + 1, n + 1
    return data[:pos], n


def _skip_lines(data: bytes, count: int) -> bytes:
    return data[len(_complete_lines_upto(data, count)[0]) :]


def _diff_at(a: bytes, b: bytes) -> int:
    return next(
        (i for i, (x, y) in enumerate(zip(a, b, strict=False)) if x != y), min(len(a), len(b))
    )


def _fork(result: FeedSync, message: str) -> None:
    result.status = "fork"
    result.problems.append(f"FORK in feed {result.feed}: {message}")


def _read_stored(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return b""


def _plan_feed(
    src: Source, feed_id: str, dest_root: Path, root: Ed25519Verifier, codec: Codec
) -> _Plan:
    dst = dest_root / "feeds" / feed_id

    def _read_file(path: Path) -> bytes:  # our copy's files, decrypted when it is encrypted
        stored = _read_stored(path)
        return codec.decode(f"feeds/{feed_id}/{path.name}", stored) if stored else stored

    result = FeedSync(feed_id)
    plan = _Plan(feed_id, {}, result, not dst.exists(), codec=codec)
    index = src.index(feed_id)  # notes first, then the segments (both only grow)
    # Only the last note of each notes file is parsed here (old ones are compared as bytes;
    # new ones are parsed and checked by verify_extension).
    src_spans, src_valid = note_spans(index.checkpoints)
    _, cosig_valid = note_spans(index.cosignatures)
    if not src_spans:
        result.status, result.problems = "invalid", [f"source {feed_id}: no signed checkpoint"]
        return plan
    try:
        src_last = note_at(index.checkpoints, src_spans[-1])
        last = parse_checkpoint(src_last.note.text)
    except FormatError as e:
        result.status, result.problems = "invalid", [f"source {feed_id}: {e}"]
        return plan
    notes_bytes = index.checkpoints[:src_valid]
    cosig_bytes = index.cosignatures[:cosig_valid]
    result.root = src_last.note.text.split("\n")[2]
    have_notes = _read_file(dst / CHECKPOINTS)
    have_cosigs = _read_file(dst / COSIGNATURES)
    have_spans, have_valid = note_spans(have_notes)
    try:
        have_last = note_at(have_notes, have_spans[-1]) if have_spans else None
        have_size = parse_checkpoint(have_last.note.text).size if have_last else 0
    except FormatError as e:
        _fork(result, f"the destination's checkpoints do not parse ({e}); nothing copied")
        return plan
    have_notes = have_notes[:have_valid]
    # Witness cosignatures of one checkpoint from two copies are merged, not a fork
    # (sync.cosignatures); a cosigned checkpoint with another root at one size is a fork.
    cosig_bytes, problem = merge_cosignatures(
        have_cosigs, cosig_bytes, have_notes if last.size <= have_size else notes_bytes
    )
    if problem:
        _fork(result, f"cosignatures: {problem}; both kept, nothing copied")
        return plan
    # 1. The source is not ahead: its notes must be ours, or a prefix of ours.
    if last.size <= have_size:
        if not have_notes.startswith(notes_bytes):
            _fork(
                result,
                f"checkpoints differs from the source at byte {_diff_at(have_notes, notes_bytes)} "
                "(two different signed histories of one feed; both kept, nothing copied)",
            )
        else:
            result.status = "unchanged" if last.size == have_size else "ahead"
            result.entries = have_size
            if cosig_bytes != have_cosigs:  # only cosignatures we lack
                _plan_cosignatures(plan, dest_root, root, have_notes, have_cosigs, cosig_bytes)
        return plan
    if not notes_bytes.startswith(have_notes):
        _fork(
            result,
            f"checkpoints differs from the source at byte {_diff_at(have_notes, notes_bytes)} "
            "(two different signed histories of one feed; both kept, nothing copied)",
        )
        return plan
    # 2. What we hold, verified: the state at our last checkpoint (kept, or recomputed once).
    state, problem = load_state(dest_root, feed_id, root, have_notes, have_cosigs, codec)
    if state is None:
        _fork(result, f"the destination's copy does not verify ({problem}); nothing copied")
        return plan
    result.verified_from = state.size
    # 3. The source's lines after it: whole segments from the one holding our last entry.
    n, m = state.size, last.size
    segments = [s for s in index.segments if s[0] < m]
    k = max((i for i, s in enumerate(segments) if s[0] <= n), default=0)
    wanted: dict[str, bytes] = {}
    chunks: list[tuple[str, bytes]] = []
    for first, name, size in segments[k:]:
        data = src.read(feed_id, name, 0, size)
        part, _count = _complete_lines_upto(data, m - first)
        wanted[name] = part
        chunks.append((name, _skip_lines(part, n - first) if first < n else part))
    extension = verify_extension(state, root, notes_bytes, cosig_bytes, chunks)
    if not extension.ok:
        result.status = "invalid"
        result.problems = [f"source: {p}" for p in extension.problems]
        return plan
    wanted[CHECKPOINTS] = notes_bytes
    if cosig_bytes:
        wanted[COSIGNATURES] = cosig_bytes
    result.entries = m
    plan.state = extension.state
    # 4. Never rewrite: each of our files must be a byte prefix of what replaces it.
    lowest = segments[k][0] if segments else 0
    for path in dst.iterdir() if dst.exists() else ():
        name = path.name
        if SEGMENT_RE.fullmatch(name) and int(name[4:16]) >= lowest and name not in wanted:
            _fork(result, f"the destination has {name}, the source has not")
    for name, data in wanted.items():
        have = (
            _read_file(dst / name)
            if name not in (CHECKPOINTS, COSIGNATURES)
            else (have_notes if name == CHECKPOINTS else have_cosigs)
        )
        if have == data:
            continue
        if not data.startswith(have):
            _fork(
                result,
                f"{name} differs from the source at byte {_diff_at(have, data)} (two copies "
                "of one feed disagree; both are kept, nothing was copied; `ejournal verify` "
                "on each tells which one is damaged)",
            )
            continue
        plan.files[name] = data
        result.bytes_copied += len(data) - len(have)
        result.bytes_written += len(data) + (OVERHEAD if codec.encrypted else 0)
        if SEGMENT_RE.fullmatch(name):
            result.entries_copied += data.count(b"\n", len(have))
    if result.status == "fork":
        plan.files, plan.state = {}, None
        result.bytes_copied = result.bytes_written = result.entries_copied = 0
        return plan
    result.status = "new" if plan.new_feed else "ok"
    return plan


def _plan_cosignatures(
    plan: _Plan, dest_root: Path, root: Ed25519Verifier, notes: bytes, have: bytes, merged: bytes
) -> None:
    """A source no further than us brings cosignatures we lack: verify the appended notes
    (each a checkpoint of ours, each cosignature by a witness the root certified) and plan the
    new ``cosignatures`` file with our state's length of it."""
    result = plan.result
    state, problem = load_state(dest_root, plan.feed, root, notes, have, plan.codec)
    if state is None:
        _fork(result, f"the destination's copy does not verify ({problem}); nothing copied")
        return
    try:
        state.cosignatures_length = check_cosignatures(
            plan.feed, notes, merged, len(have), state.keys(root)
        )
    except (FormatError, LogError) as e:
        result.status, result.problems = "invalid", [f"source: cosignatures: {e}"]
        return
    plan.files[COSIGNATURES] = merged
    plan.state = state
    result.status = "ok"
    result.bytes_copied = len(merged) - len(have)
    result.bytes_written = len(merged) + (OVERHEAD if plan.codec.encrypted else 0)


# --- the verified state of a replica's copy ------------------------------------------------


def _state_path(dest_root: Path, feed_id: str) -> Path:
    return dest_root / STATE_DIR / f"{feed_id}.json"


def load_state(
    dest_root: Path,
    feed_id: str,
    root: Ed25519Verifier,
    notes: bytes,
    cosigs: bytes,
    codec: Codec = PLAIN,
) -> tuple[FeedState | None, str]:
    """The verified state of our copy of a feed at its last checkpoint.

    The kept state file is used when it matches the copy (its tree's root is the root of our
    last checkpoint, whose signature is checked again, and the notes files have the lengths it
    says); otherwise the copy is verified in full once and the state recomputed.

    Returns:
        (state, "") or (None, what is wrong with the copy).
    """
    if not notes:
        return FeedState.empty(feed_id), ""
    last_record = last_record_of(notes)
    if last_record is None:
        return FeedState.empty(feed_id), ""
    last = parse_checkpoint(last_record.note.text)
    with contextlib.suppress(OSError, ValueError, KeyError, TypeError, LogError):
        state = FeedState.from_json(_state_path(dest_root, feed_id).read_bytes())
        if (
            state.feed == feed_id
            and state.size == last.size
            and state.root() == last.root
            and state.notes_length == len(notes)
            and state.cosignatures_length == len(cosigs)
        ):
            open_note(last_record.note, _signers_for(feed_id, last.size, state.keys(root)))
            return state, ""
    # No usable state: verify our own copy from the start (once) and keep the result.
    own = DirSource(dest_root, codec)
    index = own.index(feed_id)
    chunks = (
        (name, _complete_lines_upto(own.read(feed_id, name, 0, size), last.size - first)[0])
        for first, name, size in index.segments
        if first < last.size
    )
    extension = verify_extension(FeedState.empty(feed_id), root, notes, cosigs, chunks)
    if not extension.ok:
        return None, "; ".join(extension.problems)
    save_state(dest_root, extension.state)
    return extension.state, ""


def save_state(dest_root: Path, state: FeedState) -> None:
    """Keep the verified state beside the copy (staged and renamed; FAT tolerant)."""
    folder = dest_root / STATE_DIR
    folder.mkdir(parents=True, exist_ok=True)
    path = _state_path(dest_root, state.feed)
    tmp = path.with_name(path.name + ".tmp")
    write_verified(tmp, state.to_json())
    os.replace(tmp, path)


# --- doing it -----------------------------------------------------------------------------


def _apply(plan: _Plan, dest_root: Path, hook: Callable[[str, Path], None] | None) -> None:
    staging = dest_root / STAGING / plan.feed
    staging.mkdir(parents=True, exist_ok=True)
    order = sorted(n for n in plan.files if SEGMENT_RE.fullmatch(n))
    order += [n for n in (COSIGNATURES, CHECKPOINTS) if n in plan.files]
    for name in order:
        write_verified(
            staging / name, plan.codec.encode(f"feeds/{plan.feed}/{name}", plan.files[name])
        )
        if hook:
            hook("staged", staging / name)
    fsync_dir(staging)
    feed_dir = dest_root / "feeds" / plan.feed
    if plan.new_feed:
        feed_dir.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging, feed_dir)
        fsync_dir(feed_dir.parent)
    else:
        for name in order:  # segments first, checkpoints last
            os.replace(staging / name, feed_dir / name)
            if hook:
                hook("renamed", feed_dir / name)
        fsync_dir(feed_dir)
        staging.rmdir()
    if plan.state is not None:
        save_state(dest_root, plan.state)
    seal_segments(feed_dir)


def seal_segments(feed_dir: Path) -> None:
    """Sealed segments read-only, as the writer leaves them (no-op on FAT); also redone for a
    copy whose previous run was interrupted between its renames and this chmod."""
    for _, path in list_segments(feed_dir)[:-1]:
        with contextlib.suppress(OSError):
            if path.stat().st_mode & 0o222:
                path.chmod(0o444)


def clean_staging(dest_root: Path) -> None:
    """Remove what an interrupted run left in the staging folder (never the copy itself)."""
    staging = dest_root / STAGING
    if staging.exists():
        shutil.rmtree(staging, ignore_errors=True)


def replicate(
    source: Path | Source,
    dest: Path,
    root: Ed25519Verifier,
    *,
    hook: Callable[[str, Path], None] | None = None,
    codec: Codec = PLAIN,
) -> SyncResult:
    """Copy every feed of the replica ``source`` into the replica ``dest`` (append-only).

    ``hook`` is called after each staged file and each rename (tests use it to interrupt).

    Raises:
        NotWritableError, NotEnoughSpaceError: before anything is written.
        ReplicaError: ``source`` has no feeds, or ``dest`` is not a folder.
    """
    started = time.perf_counter()
    src = DirSource(source) if isinstance(source, Path) else source
    try:
        feed_ids = src.feeds()
    except SourceError as e:
        raise ReplicaError(
            str(e), f"Источник {src.label} недоступен или в нём нет журналов."
        ) from e
    if dest.exists() and not dest.is_dir():
        raise ReplicaError(f"{dest} is not a folder", f"{dest} — не папка.")
    dest.mkdir(parents=True, exist_ok=True)
    check_writable(dest)
    clean_staging(dest)
    result = SyncResult()
    plans = []
    for feed_id in feed_ids:
        plan = _plan_feed(src, feed_id, dest, root, codec)
        plan.codec = codec
        plans.append(plan)
        result.feeds.append(plan.result)
    _refuse_revoked(plans, dest, root, codec)
    check_space(dest, sum(p.result.bytes_written for p in plans))
    for plan in plans:
        if plan.files:
            _apply(plan, dest, hook)
        elif not plan.result.failed and (dest / "feeds" / plan.feed).is_dir():
            seal_segments(dest / "feeds" / plan.feed)
    clean_staging(dest)
    result.seconds = time.perf_counter() - started
    return result


def _refuse_revoked(plans: list[_Plan], dest: Path, root: Ed25519Verifier, codec: Codec) -> None:
    """Refuse a feed's new checkpoints signed by a device key that a revocation in another
    feed stops (``sync.revocations``)."""
    growing = [p for p in plans if p.state is not None and CHECKPOINTS in p.files]
    if not growing:
        return
    states = [p.state for p in plans if p.state is not None]
    revocations = known_revocations(dest, root, states, plain=not codec.encrypted)
    for plan in growing:
        assert plan.state is not None
        problem = revoked_checkpoint(
            plan.feed,
            plan.files[CHECKPOINTS],
            plan.result.verified_from,
            plan.state,
            root,
            revocations,
        )
        if problem:
            result = plan.result
            plan.files, plan.state = {}, None
            result.status, result.problems = "invalid", [f"source: {problem}"]
            result.bytes_copied = result.bytes_written = result.entries_copied = 0
            result.entries = result.verified_from


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
