"""The full verifier: the one-file verifier's pure core (verify_package.py, the very file that
goes into every package) with the log format's fast entry parser (ejournal.log.entry, msgspec)
and packages checked in parallel processes. Same verdicts, faster."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime

from ejournal.log.entry import Entry, LineError, parse_lines

from . import verify_package as vp


def fast_parse_lines(lines: list[bytes], buffer: bytes) -> tuple[list[Entry], list[datetime]]:
    """ejournal.log's bulk parser with the one-file verifier's error type (same checks)."""
    try:
        return parse_lines(lines, buffer)
    except LineError as e:
        raise vp.BadLine(e.message, e.index) from e


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
