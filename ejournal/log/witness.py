"""Witness cosignatures (C2SP tlog-cosignature/v1): a second party signs a feed's checkpoint
after checking it, and the cosigned note is kept in the feed's ``cosignatures`` file."""

from __future__ import annotations

import os
import time
from pathlib import Path

from .checkpoint import frame_note, parse_checkpoint, read_notes
from .errors import IntegrityError
from .note import COSIGNATURE_V1, Ed25519Signer, Note
from .storage import CHECKPOINTS, COSIGNATURES, append_durably, open_append


def cosign(note: Note, witness: Ed25519Signer, *, timestamp: int | None = None) -> Note:
    """Add the witness's cosignature line to a checkpoint note (its text is left as it is)."""
    if witness.sig_type != COSIGNATURE_V1:
        raise ValueError("a witness key must be a cosignature/v1 key (type 0x04)")
    parse_checkpoint(note.text)
    stamp = int(time.time()) if timestamp is None else timestamp
    line = witness.sign(note.text.encode(), timestamp=stamp)
    return Note(note.text, note.signatures + (line,))


def latest_checkpoint_note(feed_dir: Path) -> Note:
    """The newest signed checkpoint note of a feed.

    Raises:
        IntegrityError: the feed has no checkpoint yet.
    """
    path = feed_dir / CHECKPOINTS
    notes = read_notes(path.read_bytes()) if path.exists() else None
    if not notes or not notes.records:
        raise IntegrityError("the feed has no signed checkpoint to cosign", place=str(feed_dir))
    return notes.records[-1].note


def record_cosignature(feed_dir: Path, note: Note) -> None:
    """Append a cosigned checkpoint to the feed's ``cosignatures`` file, durably."""
    fd = open_append(feed_dir / COSIGNATURES)
    try:
        append_durably(fd, frame_note(note))
    finally:
        os.close(fd)
