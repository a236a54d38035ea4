"""A flash drive pulled out mid-copy, simulated by killing the copying process (issue #9).

A forked child process runs ``replicate`` and is SIGKILLed at random moments, 20 times; the source
grows between rounds so that every round has something to copy. After every kill the medium
holds its old copy (every entry it had, verified; at most an unsigned tail of entries whose
checkpoint was not renamed in yet) and the next uninterrupted run completes the copy.
(The truncation variant, staged files cut at random byte offsets, is in test_sync.py.)
"""

from __future__ import annotations

import multiprocessing
import os
import random
import signal
import time
from pathlib import Path

from conftest import School, append_entries, snapshot

from ejournal.log import verify_data_dir
from ejournal.log.note import Ed25519Verifier
from sync.replica import replicate

ROUNDS = 20


def _lines(path: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in (path / "feeds").rglob("seg-*.jsonl"))


def _copy(source: Path, dest: Path, root: Ed25519Verifier) -> None:
    replicate(source, dest, root)
    os._exit(0)


def _run_child(school: School, dest: Path, kill_after: float | None) -> tuple[bool, float]:
    """Copy in a forked child process (already imported: it starts at once); SIGKILL it
    ``kill_after`` seconds after it started. Returns (whether it finished, seconds taken)."""
    child = multiprocessing.get_context("fork").Process(
        target=_copy, args=(school.path, dest, school.root)
    )
    started = time.perf_counter()
    child.start()
    if kill_after is not None:
        child.join(kill_after)
        if child.is_alive():
            os.kill(child.pid or 0, signal.SIGKILL)
    child.join(30)
    return child.exitcode == 0, time.perf_counter() - started


def _grow(school: School, count: int) -> None:
    with school.open(segment_limit=32 << 10) as feed:
        append_entries(feed, count, batch=50)


def test_copy_killed_at_random_moments_keeps_the_old_copy(school: School, tmp_path: Path) -> None:
    rng = random.Random(20261201)
    _grow(school, 1500)
    flash = tmp_path / "flash"
    replicate(school.path, flash, school.root)
    _grow(school, 400)
    finished, seconds = _run_child(school, flash, None)  # how long one round copies
    assert finished
    interrupted = 0
    for _ in range(ROUNDS):
        _grow(school, 400)
        had = _lines(flash)
        finished, taken = _run_child(school, flash, rng.uniform(0, seconds * 1.2))
        interrupted += not finished
        if finished:  # the kills aim at the shortest copy seen (the first one may be slow)
            seconds = min(seconds, taken)
        report = verify_data_dir(flash, school.root)
        assert {p.code for p in report.all_problems} <= {"unsigned_tail"}, report.all_problems
        assert _lines(flash) >= had  # nothing the medium had was lost
    assert interrupted >= ROUNDS // 3, f"only {interrupted} of {ROUNDS} kills hit a copy"
    result = replicate(school.path, flash, school.root)
    assert result.ok
    assert verify_data_dir(flash, school.root).ok
    assert snapshot(flash / "feeds") == snapshot(school.path / "feeds")
