"""The full verifier: the one-file verifier's pure core (verify_package.py, the very file that
goes into every package) with the log format's fast entry parser (ejournal.log.entry, msgspec)
and packages checked in parallel processes. Same verdicts, faster."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from typing import Any

from ejournal.log import fastscan
from ejournal.log.entry import Entry, LineError, decode_checked, parse_lines
from ejournal.log.merkle import CompactRange, leaf_hash

from . import verify_package as vp

Moment = tuple[datetime, Entry]


def fast_parse_lines(lines: list[bytes], buffer: bytes) -> tuple[list[Entry], list[datetime]]:
    """ejournal.log's bulk parser with the one-file verifier's error type (same checks)."""
    try:
        return parse_lines(lines, buffer)
    except LineError as e:
        raise vp.BadLine(e.message, e.index) from e


def clean_feed(
    data: bytes, feed: str, start: int, until: int, tree: vp.Tree, checkpoints: list[Any]
) -> tuple[list[tuple[Entry, str]], list[Moment], list[tuple[str, int, str]]] | None:
    """A package's feed through the log's native scanner, for the one-file verifier (its
    ``clean_feed`` contract, vp.audit): None when the scanner is not built or any check of
    the entries fails (the one-file verifier then parses every line and names the problem).

    Only the lines the summary sheets, the key statements and the blob references need are
    decoded; the scanner checks and hashes every line.
    """
    scanner = fastscan.scanner(feed, vp.SUMMARY_TYPES)
    if scanner is None:
        return None
    scanner.tree = CompactRange.from_hashes(tree.size, tree.stack)
    scanner.set_last_time(None)  # the package's order is checked from its own first entry
    keyed: list[tuple[Entry, str]] = []
    spans: list[tuple[int, int]] = []  # the lines of SUMMARY_TYPES
    pos, seq, end, k = 0, start, len(data), 0
    while pos < end:
        limit = checkpoints[k].size - seq if k < len(checkpoints) else end
        limit = min(limit, fastscan.PICK_ROOM)
        taken, pos = scanner.scan(data, pos, end, seq, limit)
        seq += taken
        spans += scanner.picked()
        if taken < limit and pos < end:  # a line the scanner leaves to the reference
            lf = data.index(b"\n", pos)
            entry = _one_line(scanner, data[pos:lf], feed, seq)
            if entry is None:
                return None
            if entry.seq == 0 or entry.type in vp._KEY_TYPES:
                keyed.append((entry, f"line {seq - start + 1} (seq {seq})"))
            if entry.type in vp.SUMMARY_TYPES:
                spans.append((pos, lf))
            pos, seq = lf + 1, seq + 1
        if k < len(checkpoints) and seq == checkpoints[k].size:
            if scanner.tree.root() != checkpoints[k].root:
                return None
            k += 1
    if seq != until:  # lines missing or added: the one-file verifier says which
        return None
    entries, moments = decode_checked([data[a:b] for a, b in spans])
    summary = list(zip(moments, entries, strict=True))
    return keyed, summary, _blob_refs(data, feed, start)


def _one_line(scanner: fastscan.Scanner, line: bytes, feed: str, seq: int) -> Entry | None:
    """Check a line the scanner left, as the one-file verifier would; push its leaf."""
    try:
        (entry,), (moment,) = parse_lines([line])
    except LineError:
        return None
    before = scanner.last_time
    if entry.seq != seq or entry.feed != feed:
        return None
    if before is not None and moment < datetime.fromisoformat(before):
        return None
    tree = scanner.tree
    tree.extend([leaf_hash(line)])
    scanner.tree = tree
    scanner.set_last_time(entry.time)
    return entry


def _blob_refs(data: bytes, feed: str, start: int) -> list[tuple[str, int, str]]:
    """The blob references of the lines holding the mark, as the one-file verifier lists them."""
    out: list[tuple[str, int, str]] = []
    rel = f"data/feeds/{feed}/entries.jsonl"
    line, at = 0, 0
    pos = data.find(vp.BLOB_MARK)
    while pos >= 0:
        line += data.count(b"\n", at, pos)
        stop = data.index(b"\n", pos)
        (entry,), _ = parse_lines([data[data.rfind(b"\n", 0, pos) + 1 : stop]])
        where = f"feed {feed} seq {start + line} ({rel} line {line + 1})"
        out.extend((d, n, where) for d, n in vp.blob_refs_in(entry.data))
        line, at = line + 1, stop + 1
        pos = data.find(vp.BLOB_MARK, at)
    return out


def _trusted(texts: Sequence[str] | None) -> list[vp.VKey] | None:
    return [vp.parse_vkey(t) for t in texts] if texts else None


def _audit_one(
    path: str, root_text: str | None, fixity: bool, renewal: Sequence[str] | None = None
) -> vp.Report:
    pinned = vp.parse_vkey(root_text) if root_text else None
    return vp.audit(
        vp.DirSource(path), pinned, fast_parse_lines, fixity, None, path, _trusted(renewal)
    )


def verify_packages(
    paths: Sequence[str],
    *,
    previous: str | None = None,
    root_key: str | None = None,
    fixity: bool = False,
    jobs: int = 1,
    progress: Callable[[int], None] | None = None,
    renewal_keys: Sequence[str] | None = None,
) -> list[vp.Report]:
    """Audit packages (in ``jobs`` processes), then chain each to the one before it.

    Returns:
        The reports in the order given, the ``previous`` package's first when given.
    """
    order = ([previous] if previous else []) + list(paths)
    if jobs > 1 and len(order) > 1:
        with ProcessPoolExecutor(max_workers=min(jobs, len(order))) as pool:
            futures = [
                pool.submit(_audit_one, p, root_key, fixity and p != previous, renewal_keys)
                for p in order
            ]
            reports = [f.result() for f in futures]
    else:
        pinned = vp.parse_vkey(root_key) if root_key else None
        reports = [
            vp.audit(
                vp.DirSource(p),
                pinned,
                fast_parse_lines,
                fixity and p != previous,
                progress,
                p,
                _trusted(renewal_keys),
            )
            for p in order
        ]
    if not fixity:
        for before, after in zip(reports, reports[1:], strict=False):
            vp.check_chain(before, after)
    return reports


def payload_bytes(paths: Sequence[str]) -> int:
    """The bytes ``--fixity`` will hash (for a progress bar)."""
    total = 0
    for path in paths:
        for top, _, names in os.walk(path):
            total += sum(os.path.getsize(os.path.join(top, n)) for n in names)
    return total


fast_parse_lines.clean_feed = clean_feed  # type: ignore[attr-defined]  # the vp.audit hook
