"""Crash safety: a writer killed at any moment loses nothing it acknowledged, a torn tail is
cut and reported on the next open, and damage that is not a torn tail is refused."""

from __future__ import annotations

import inspect
import os
import random
import signal
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import School, append_entries, make_school, problem_text, rewrite, snapshot

from ejournal.log import Entry, IntegrityError, NewEntry, Recovery, SigningPolicy, read_entries
from ejournal.log.checkpoint import Checkpoint, frame_note, read_notes
from ejournal.log.note import sign_note

SEED = int(os.environ.get("EJOURNAL_CRASH_SEED", "20260901"))
KILLS = 60
SEGMENT_LIMIT = 32 * 1024
REOPEN = SigningPolicy(background=False)


def entry_for(seq: int) -> NewEntry:
    """What the crashing writer appends as entry ``seq``: recomputable from the number alone."""
    data = {
        "seq": seq,
        "student": f"s-{seq % 97}",
        "value": str(seq % 4 + 2),
        "note": "ок" * (seq % 5),
    }
    return NewEntry("mark.set", data, f"u-{seq % 7}")


WRITER = f"""
import random
import sys
from pathlib import Path

from ejournal.datadir import DataDir
from ejournal.log import NewEntry, SigningPolicy

{inspect.getsource(entry_for)}

rng = random.Random(int(sys.argv[2]))
# Sign often (every 7 entries, and by the timer) so that kills also land inside checkpoint
# writes; small segments so that they land inside rollovers too.
policy = SigningPolicy(max_unsigned_entries=7, max_unsigned_seconds=0.01)
with DataDir(Path(sys.argv[1])).open_feed(policy=policy, segment_limit={SEGMENT_LIMIT}) as feed:
    while True:
        first = feed.size
        count = rng.choice((1, 1, 1, 2, 3, 5, 8))
        written = feed.append([entry_for(seq) for seq in range(first, first + count)])
        assert [e.seq for e in written] == list(range(first, first + count))
        sys.stdout.write(f"{{written[-1].seq}}\\n")
        sys.stdout.flush()
"""


def run_and_kill(script: Path, data_dir: Path, seed: int, delay: float) -> list[int]:
    """Start the writer, SIGKILL it ``delay`` seconds after its first acknowledged append.

    Returns:
        The highest seq of every append the writer saw acknowledged, in order.
    """
    child = subprocess.Popen(
        [sys.executable, str(script), str(data_dir), str(seed)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    assert child.stdout is not None and child.stderr is not None
    lines: list[bytes] = []
    started = threading.Event()

    def read() -> None:
        for line in child.stdout:  # type: ignore[union-attr]
            lines.append(line)
            started.set()
        started.set()

    reader = threading.Thread(target=read)
    reader.start()
    try:
        started.wait(timeout=60)
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=60)
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
        reader.join(timeout=60)
    stderr = child.stderr.read().decode(errors="replace")
    child.stderr.close()
    child.stdout.close()
    assert child.returncode == -signal.SIGKILL, f"the writer died by itself:\n{stderr}"
    assert lines, f"the writer acknowledged nothing:\n{stderr}"
    return [int(line) for line in lines if line.endswith(b"\n")]


def feed_files(feed_dir: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in feed_dir.iterdir() if p.name != "lock"}


def check_reopen_after_crash(school: School, context: str) -> Recovery:
    """Open the feed as a restarted server would, and check that every repair is reported."""
    before = feed_files(school.feed_dir)
    seen = school.verify()
    # A crash leaves only crash marks: an unsigned tail or a torn end, never anything else.
    for problem in seen.all_problems:
        crash_mark = problem.code in ("unsigned_tail", "torn_tail") or problem.message.startswith(
            "incomplete last line"
        )
        assert crash_mark, f"{context}: {problem}"
    unsigned = seen.feeds[0].unsigned_tail

    feed = school.open(policy=REOPEN, segment_limit=SEGMENT_LIMIT)
    recovery = feed.recovery
    feed.close()
    after = feed_files(school.feed_dir)

    segments = sorted(name for name in before if name.startswith("seg-"))
    assert sorted(name for name in after if name.startswith("seg-")) == segments
    for name in segments[:-1]:
        assert after[name] == before[name], f"{context}: sealed {name} changed"
    last = segments[-1]
    assert after[last] == before[last][: len(before[last]) - recovery.bytes_cut], context
    if recovery.bytes_cut:
        assert recovery.segment is not None and recovery.segment.startswith(last + ":")
        assert recovery.repaired and "torn tail" in recovery.describe()

    checkpoints = before.get("checkpoints", b"")
    kept = len(checkpoints) - recovery.checkpoint_bytes_cut
    assert after["checkpoints"][:kept] == checkpoints[:kept], context
    assert (len(after["checkpoints"]) > kept) == (recovery.signed_tail > 0), context
    if not recovery.bytes_cut:  # the tail signed on open is exactly what the verifier saw
        assert recovery.signed_tail == unsigned, context
    return recovery


def check_entries(school: School, acknowledged: int, context: str) -> int:
    entries = list(read_entries(school.feed_dir))
    assert [e.seq for e in entries] == list(range(len(entries))), context
    assert len(entries) - 1 >= acknowledged, f"{context}: acknowledged entries are missing"
    for entry in entries[1:]:
        expected = entry_for(entry.seq)
        assert (entry.type, entry.data, entry.actor) == (
            expected.type,
            expected.data,
            expected.actor,
        ), f"{context}: entry {entry.seq} differs from what was written"
    return len(entries)


def kill_again_and_again(path: Path, seed: int, kills: int) -> list[Recovery]:
    """Kill a writer ``kills`` times in one school; after each kill check what it left."""
    school = make_school(path / "school")
    script = path / "writer.py"
    script.write_text(WRITER, encoding="utf-8")
    rng = random.Random(seed)
    acknowledged, recoveries = 0, []
    for kill in range(kills):
        context = f"seed {seed}, kill {kill}"
        delay = rng.uniform(0.005, 0.080)
        printed = run_and_kill(script, school.path, rng.randrange(2**32), delay)
        assert printed == sorted(printed) and printed[0] > acknowledged, context
        acknowledged = printed[-1]
        recoveries.append(check_reopen_after_crash(school, context))
        report = school.verify()
        assert report.ok, f"{context}: {problem_text(report)}"
        check_entries(school, acknowledged, context)
    assert len(school.segments()) > 1, "the kills should also meet segment rollovers"
    return recoveries


@pytest.mark.slow
def test_a_writer_killed_at_random_moments_loses_nothing_it_acknowledged(tmp_path: Path) -> None:
    # Six schools of ten kills each, two at a time: the feeds stay small enough to check
    # fully after every kill, and the two cores start the writers in parallel.
    schools = 6
    seeds = [SEED + i for i in range(schools)]
    with ThreadPoolExecutor(max_workers=2) as pool:
        runs = [
            pool.submit(kill_again_and_again, tmp_path / f"run-{seed}", seed, KILLS // schools)
            for seed in seeds
        ]
        recoveries = [r for run in runs for r in run.result()]
    assert len(recoveries) == KILLS
    # Most kills land between an append and its checkpoint; opening signs those entries.
    assert any(r.signed_tail for r in recoveries)


# --- torn tails, made by hand --------------------------------------------------------------


def closed_feed(school: School, entries: int = 20) -> None:
    with school.open() as feed:
        append_entries(feed, entries, batch=3)


def next_line(school: School, seq: int) -> bytes:
    entry = Entry(
        feed=school.feed_id,
        seq=seq,
        time="2026-09-01T08:30:00.000+07:00",
        actor="u-12",
        type="mark.set",
        data={"student": "Петров Пётр", "value": "5"},
    )
    return entry.encode() + b"\n"


def half_checkpoint_note(school: School, cut: int) -> bytes:
    """The first bytes of the next checkpoint note, as a crash during its write leaves them."""
    signer = school.data_dir.device_signer()
    with school.open() as feed:
        cp = Checkpoint(feed.origin, feed.size, feed.root())
    note = frame_note(sign_note(cp.text(), [signer]))
    return note[: cut % len(note)]


TAILS = {
    "garbage": (lambda line: b"garbage\n", 1),
    "half-line": (lambda line: line[: len(line) // 2], 1),
    "line-without-newline": (lambda line: line[:-1], 1),
    "nul-line": (lambda line: b"\0" * 300 + b"\n", 1),
    "nul-block": (lambda line: b"\0" * 4096, 1),
    "garbage-then-half-line": (lambda line: b"{}\n[1, 2]\n" + line[:40], 3),
}


@pytest.mark.parametrize("note_cut", [None, 1, 60, 100, -1], ids=lambda c: f"note-cut-{c}")
@pytest.mark.parametrize("tail", TAILS)
def test_reopening_cuts_exactly_the_torn_tail_and_reports_it(
    school: School, tail: str, note_cut: int | None
) -> None:
    closed_feed(school)
    make_tail, lines_cut = TAILS[tail]
    last = school.segments()[-1]
    torn = make_tail(next_line(school, 21))
    half_note = b"" if note_cut is None else half_checkpoint_note(school, note_cut)
    files = snapshot(school.path)
    entries = list(read_entries(school.feed_dir))
    line_number = last.read_bytes().count(b"\n") + 1
    rewrite(last, last.read_bytes() + torn)
    cp_path = school.feed_dir / "checkpoints"
    cp_path.write_bytes(cp_path.read_bytes() + half_note)
    assert not school.verify().ok  # a verifier sees the tear too

    with school.open() as feed:
        recovery = feed.recovery
        assert feed.size == 21
    assert recovery.bytes_cut == len(torn)
    assert recovery.entries_cut == lines_cut
    assert recovery.segment == f"{last.name}:{line_number}"
    assert recovery.checkpoint_bytes_cut == len(half_note)
    assert recovery.signed_tail == 0
    assert recovery.repaired
    assert snapshot(school.path) == files  # cut back to exactly what was there
    assert list(read_entries(school.feed_dir)) == entries
    assert school.verify().ok


def test_a_torn_checkpoint_alone_is_cut_and_reported(school: School) -> None:
    closed_feed(school)
    files = snapshot(school.path)
    half_note = half_checkpoint_note(school, 70)
    cp_path = school.feed_dir / "checkpoints"
    cp_path.write_bytes(cp_path.read_bytes() + half_note)
    report = school.verify()
    assert [p.code for p in report.all_problems] == ["torn_tail"]
    with school.open() as feed:
        assert feed.recovery.checkpoint_bytes_cut == len(half_note)
        assert feed.recovery.bytes_cut == 0
        assert "torn checkpoint" in feed.recovery.describe()
    assert snapshot(school.path) == files


def remove_last_checkpoint(school: School) -> int:
    """As if the writer crashed before signing: returns the size of the checkpoint left last."""
    path = school.feed_dir / "checkpoints"
    records = read_notes(path.read_bytes()).records
    path.write_bytes(path.read_bytes()[: records[-1].offset])
    return int(records[-2].note.text.split("\n")[1])


def test_a_torn_tail_after_unsigned_entries_keeps_and_signs_them(school: School) -> None:
    with school.open(policy=SigningPolicy(max_unsigned_entries=10, background=False)) as feed:
        append_entries(feed, 25)
    signed = remove_last_checkpoint(school)
    assert signed == 21
    entries = list(read_entries(school.feed_dir))
    last = school.segments()[-1]
    rewrite(last, last.read_bytes() + next_line(school, 26)[:77])
    with school.open() as feed:
        assert feed.size == 26
        assert feed.recovery.bytes_cut == 77
        assert feed.recovery.signed_tail == 26 - signed
        assert feed.last_checkpoint is not None and feed.last_checkpoint.size == 26
    assert list(read_entries(school.feed_dir)) == entries
    assert school.verify().ok


# --- damage that is not a torn tail is never cut -------------------------------------------


def corrupt_line(path: Path, index: int) -> None:
    """Make line ``index`` of a segment invalid JSON, keeping its length and the lines after it."""
    lines = path.read_bytes().split(b"\n")
    lines[index] = b"X" + lines[index][1:]
    rewrite(path, b"\n".join(lines))


def assert_open_refuses(school: School, match: str) -> None:
    files = snapshot(school.path)
    with pytest.raises(IntegrityError, match=match):
        school.open()
    assert snapshot(school.path) == files  # nothing was cut or signed
    with pytest.raises(IntegrityError):  # and the lock was let go: the same answer again
        school.open()
    assert not school.verify().ok


def test_a_corrupt_line_in_the_signed_middle_is_not_cut(school: School) -> None:
    closed_feed(school)
    corrupt_line(school.segments()[-1], 7)
    assert_open_refuses(school, "do not match the last signed checkpoint")


def test_a_corrupt_line_in_the_unsigned_middle_is_not_cut(school: School) -> None:
    with school.open(policy=SigningPolicy(max_unsigned_entries=10, background=False)) as feed:
        append_entries(feed, 25)
    remove_last_checkpoint(school)  # entries 21..25 are now an unsigned tail
    corrupt_line(school.segments()[-1], 23)
    assert_open_refuses(school, "invalid line is followed by valid entries")


def test_a_torn_line_in_a_sealed_segment_is_not_cut(school: School) -> None:
    with school.open(segment_limit=2048) as feed:
        append_entries(feed, 30)
    sealed = school.segments()[0]
    data = sealed.read_bytes()
    rewrite(sealed, data[: len(data) - 10])
    assert_open_refuses(school, "incomplete line")


def test_a_crash_between_sealing_a_segment_and_starting_the_next_is_survived(
    school: School,
) -> None:
    with school.open(segment_limit=2048) as feed:
        append_entries(feed, 15)
    last = school.segments()[-1]
    # _roll sets the old segment read-only before it creates the next one: crash in between.
    last.chmod(0o444)
    sealed = last.read_bytes()
    with school.open(segment_limit=2048) as feed:
        entry = append_entries(feed, 1)[0]
    assert last.read_bytes() == sealed  # a sealed segment never changes again
    assert school.segments()[-1].name == f"seg-{entry.seq:012d}.jsonl"
    assert school.verify().ok
