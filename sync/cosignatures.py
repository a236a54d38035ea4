"""Merging the witness cosignatures of two copies of a feed (issue #9; docs/FORMAT.md §6).

Witnesses cosign a feed's checkpoints on the copy they were shown: the director cosigns on the
flash drive in the safe, the education office on the copy it was sent. Each appends a note to
its copy's ``cosignatures`` — the same checkpoint text, another signature line — so two copies
of one feed can hold cosignatures the other lacks, and neither file is a prefix of the other.
That is not a fork: both cosign the same checkpoint (same origin, size and root hash). Merging
keeps our file as it is and appends the source's notes that carry a signature line we do not
hold for that checkpoint text (append-only: nothing we have is rewritten). A cosigned
checkpoint of the same origin and size but another root is two histories: a fork.
"""

from __future__ import annotations

from ejournal.log.checkpoint import frame_note, parse_checkpoint, read_notes
from ejournal.log.errors import FormatError


def merge_cosignatures(have: bytes, theirs: bytes, checkpoints: bytes = b"") -> tuple[bytes, str]:
    """Our ``cosignatures`` with the source's cosigned notes we lack appended.

    Args:
        have: our file (complete notes only).
        theirs: the source's file (complete notes only).
        checkpoints: our ``checkpoints``: their roots count as known too.

    Returns:
        (the merged file, "") — the merged file begins with ``have`` byte for byte — or
        (``have``, what makes it a fork).
    """
    if theirs.startswith(have):
        return theirs, ""  # the usual case: the source has ours and maybe more
    if have.startswith(theirs):
        return have, ""
    try:
        ours = read_notes(have).records
        new = read_notes(theirs).records
        known = [r.note.text for r in read_notes(checkpoints).records] if checkpoints else []
    except FormatError as e:
        return have, f"a cosignatures file does not parse ({e})"
    roots: dict[tuple[str, int], str] = {}
    lines: dict[str, set[str]] = {}
    for text in known + [r.note.text for r in ours]:
        cp = parse_checkpoint(text)
        roots.setdefault((cp.origin, cp.size), text)
    for record in ours:
        lines.setdefault(record.note.text, set()).update(s.line() for s in record.note.signatures)
    merged = bytearray(have)
    for record in new:
        text = record.note.text
        try:
            cp = parse_checkpoint(text)
        except FormatError as e:
            return have, f"a cosigned checkpoint of the source does not parse ({e})"
        other = roots.setdefault((cp.origin, cp.size), text)
        if other != text:
            return have, (
                f"the source's checkpoint of size {cp.size} cosigned by a witness has another "
                "root than ours (two different signed histories of one feed)"
            )
        signatures = {s.line() for s in record.note.signatures}
        if signatures <= lines.get(text, set()):
            continue  # nothing we do not hold already
        merged += frame_note(record.note)
        lines.setdefault(text, set()).update(signatures)
    return bytes(merged), ""
