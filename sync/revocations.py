"""Revoked device keys during replication (issue #9; docs/FORMAT.md §7).

When a server is stolen, the school revokes its device key with the root key: a ``key.revoke``
entry, recorded in another feed (the new server's: the stolen one cannot be written). FORMAT §7
says a revocation found in ANY feed of the school stops the key from signing checkpoints past
``valid-through``. ``ejournal verify`` reads every feed and applies it; an incremental copy
verifies one feed from its own state, which knows only that feed's statements. So before a copy
takes a feed's new checkpoints, every one of them is checked once more with the revocations the
destination (and this run's other feeds) hold: a checkpoint past ``valid-through`` signed only
by the revoked key is refused — the entries the thief appended after the revocation never reach
the copy — and reported like any invalid feed (an alarm, exit 1).

Where the revocations come from: the verified states of the copied feeds
(``.ejournal-sync/<feed>.json`` keeps the statements met), the new states of this run, and,
for a feed of the destination without a state (a server's own feed), a scan of its entries for
``key.revoke``, kept incrementally in ``.ejournal-sync/revocations.json``.
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Iterable
from pathlib import Path

from ejournal.log.checkpoint import parse_checkpoint, read_notes
from ejournal.log.errors import BadSignatureError, FormatError, LogError
from ejournal.log.extend import FeedState
from ejournal.log.keys import Revocation, open_revocation
from ejournal.log.note import Ed25519Verifier, open_note
from ejournal.log.storage import list_segments
from ejournal.log.verify import _signers_for

_MARK = b'"key.revoke"'
CACHE = "revocations.json"


def _scan(feed_dir: Path, start: int) -> tuple[list[str], int]:
    """The revocation notes of a plain feed's entries from ``start`` on, and its size."""
    texts: list[str] = []
    size = start
    segments = list_segments(feed_dir)
    for i, (first, path) in enumerate(segments):
        if i + 1 < len(segments) and segments[i + 1][0] <= start:
            continue  # a sealed segment read before: not again
        data = path.read_bytes()
        count = data.count(b"\n")
        size = max(size, first + count)
        if first + count <= start or _MARK not in data:
            continue
        for index, line in enumerate(data.split(b"\n")):
            if first + index < start or _MARK not in line:
                continue
            with contextlib.suppress(ValueError, AttributeError):
                entry = json.loads(line)
                if entry.get("type") == "key.revoke":
                    texts.append(str(entry["data"]["revocation"]))
    return texts, size


def known_revocations(
    dest: Path, root: Ed25519Verifier, states: Iterable[FeedState], *, plain: bool
) -> list[Revocation]:
    """Every root-signed revocation the destination holds or this run brings.

    Args:
        dest: the destination replica.
        root: the school root key (each revocation's signature is checked with it).
        states: the new verified states of this run's feeds.
        plain: whether the destination's files are in clear (a feed without a verified state
            is only scanned then; on an encrypted copy every feed has a state).
    """
    texts: set[str] = set()
    state_dir = dest / ".ejournal-sync"
    with_state: set[str] = set()
    for state in states:
        texts.update(state.revocations)
        with_state.add(state.feed)
    for path in state_dir.glob("*.json") if state_dir.is_dir() else ():
        with contextlib.suppress(OSError, ValueError, KeyError, TypeError, LogError):
            state = FeedState.from_json(path.read_bytes())
            texts.update(state.revocations)
            with_state.add(state.feed)
    if plain and (dest / "feeds").is_dir():
        texts.update(_scan_unstated(dest, with_state))
    out = []
    for text in sorted(texts):
        with contextlib.suppress(FormatError, BadSignatureError):
            out.append(open_revocation(text, root))
    return out


def _scan_unstated(dest: Path, with_state: set[str]) -> set[str]:
    """Revocations in the feeds of ``dest`` that have no verified state, read incrementally."""
    cache_path = dest / ".ejournal-sync" / CACHE
    try:
        cache = json.loads(cache_path.read_text(encoding="utf-8"))
        assert isinstance(cache, dict)
    except (OSError, ValueError, AssertionError):
        cache = {}
    texts: set[str] = set()
    changed = False
    for feed_dir in sorted(p for p in (dest / "feeds").iterdir() if p.is_dir()):
        if feed_dir.name in with_state:
            continue
        seen, found = cache.get(feed_dir.name, [0, []])
        new, size = _scan(feed_dir, int(seen))
        if new or size != seen:
            cache[feed_dir.name] = [size, sorted(set(found) | set(new))]
            changed = True
        texts.update(cache.get(feed_dir.name, [0, []])[1])
    if changed:
        with contextlib.suppress(OSError):
            cache_path.parent.mkdir(parents=True, exist_ok=True)
            tmp = cache_path.with_name(f".{CACHE}.tmp")
            tmp.write_text(json.dumps(cache, sort_keys=True), encoding="utf-8")
            os.replace(tmp, cache_path)
    return texts


def revoked_checkpoint(
    feed: str,
    notes: bytes,
    since: int,
    state: FeedState,
    root: Ed25519Verifier,
    revocations: list[Revocation],
) -> str:
    """The first checkpoint of ``notes`` past size ``since`` that no key still valid for it
    signed, given every revocation known; "" when there is none."""
    theirs = [r for r in revocations if r.feed == feed]
    if not theirs:
        return ""
    keys = state.keys(root)
    keys.revocations.extend(theirs)
    for record in read_notes(notes).records:
        cp = parse_checkpoint(record.note.text)
        if cp.size <= since:
            continue
        try:
            open_note(record.note, _signers_for(feed, cp.size, keys))
        except BadSignatureError:
            revoked = next((r for r in theirs if cp.size > r.valid_through), theirs[0])
            return (
                f"the checkpoint of size {cp.size} is signed by a device key revoked for feed "
                f"{feed} past {revoked.valid_through} entries (reason: {revoked.reason}); the "
                "entries appended after the revocation are refused"
            )
    return ""
