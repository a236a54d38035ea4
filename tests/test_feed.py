"""The feed writer: ordered durable appends, time, group commit, segments, the signing policy,
reopening, the single-writer lock and witness cosignatures."""

from __future__ import annotations

import errno
import json
import os
import stat
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from conftest import (
    Clock,
    School,
    append_entries,
    make_school,
    problem_text,
    realistic_entry,
    snapshot,
)

from ejournal.log import (
    Entry,
    FeedClosedError,
    FeedLockedError,
    NewEntry,
    SigningPolicy,
    read_entries,
    storage,
)
from ejournal.log import feed as feed_module
from ejournal.log.checkpoint import Checkpoint, parse_checkpoint, read_notes
from ejournal.log.entry import format_time, parse_time
from ejournal.log.keys import Certificate, load_private_key, new_witness_key, sign_statement
from ejournal.log.note import Ed25519Signer, Note
from ejournal.log.witness import cosign, latest_checkpoint_note, record_cosignature

NO_SIGNING = SigningPolicy(max_unsigned_entries=10**9, max_unsigned_seconds=1e9, background=False)


def checkpoint_sizes(feed_dir: Path) -> list[int]:
    notes = read_notes((feed_dir / "checkpoints").read_bytes())
    return [parse_checkpoint(r.note.text).size for r in notes.records]


# --- appending and reading back ------------------------------------------------------------


def test_appends_are_read_back_in_order_with_seq_numbers_from_zero(school: School) -> None:
    with school.open() as feed:
        written = [feed.append_one("school.created", {"name": "МБОУ «Берёзовская СОШ»"}, "u-1")]
        written += append_entries(feed, 40, batch=3)
        written += append_entries(feed, 9)
    entries = list(read_entries(school.feed_dir))
    assert [e.seq for e in entries] == list(range(51))
    assert entries[0].type == "key.certify"  # init certified the device key at seq 0
    assert entries[1:] == written
    assert [e.data for e in entries[2:]] == [realistic_entry(n).data for n in range(2, 51)]
    assert list(read_entries(school.feed_dir, start=37)) == entries[37:]
    assert school.verify().ok


def test_append_returns_entries_with_feed_id_and_actor(school: School) -> None:
    with school.open() as feed:
        entry = feed.append_one("mark.set", {"student": "s-7", "value": "5"}, "u-12")
    assert entry == Entry(
        feed=school.feed_id,
        seq=1,
        time=format_time(school.clock.current),
        actor="u-12",
        type="mark.set",
        data={"student": "s-7", "value": "5"},
    )


def test_entry_times_are_the_real_time_with_a_utc_offset(tmp_path: Path) -> None:
    school = make_school(tmp_path / "school", Clock(datetime(2000, 1, 1, tzinfo=UTC)))
    before = datetime.now().astimezone()
    with school.open(clock=feed_module.SystemClock()) as feed:
        entry = feed.append_one("mark.set", {"value": "4"}, "u-12")
    after = datetime.now().astimezone()
    moment = parse_time(entry.time)
    assert entry.time[-6] in "+-" and entry.time[-3] == ":"
    assert moment.utcoffset() is not None
    # The log keeps milliseconds, cut (not rounded) from the real time.
    assert before - timedelta(milliseconds=1) < moment <= after


def test_times_never_go_backwards_when_the_clock_does(school: School, clock: Clock) -> None:
    # R-MRK-2: the log writes the real time; a clock set back cannot write a past time.
    with school.open() as feed:
        clock.move(hours=2)
        late = feed.append_one("mark.set", {"value": "5"}, "u-12")
        clock.move(hours=-1)
        clamped = feed.append_one("mark.set", {"value": "4"}, "u-12")
        clock.move(hours=3)
        later = feed.append_one("mark.set", {"value": "3"}, "u-12")
    assert clamped.time == late.time
    assert parse_time(later.time) == parse_time(late.time) + timedelta(hours=2)

    clock.move(days=-30)  # also after a restart: the writer reads the last time from the file
    with school.open() as feed:
        after_restart = feed.append_one("mark.set", {"value": "2"}, "u-12")
    assert after_restart.time == later.time
    assert school.verify().ok


def test_times_in_another_utc_offset_are_compared_as_instants(school: School) -> None:
    moscow = Clock(school.clock.current.astimezone(timezone(timedelta(hours=3))))
    with school.open(clock=moscow) as feed:
        entry = feed.append_one("mark.set", {"value": "5"}, "u-12")
    assert entry.time.endswith("+03:00")
    assert parse_time(entry.time) == school.clock.current
    assert school.verify().ok


@pytest.mark.parametrize(
    "items",
    [
        [NewEntry("Mark.Set", {"value": "5"}, "u-12")],
        [NewEntry("mark..set", {"value": "5"}, "u-12")],
        [NewEntry("mark set", {"value": "5"}, "u-12")],
        [NewEntry("", {"value": "5"}, "u-12")],
        [NewEntry("mark.set", {"value": 4.5}, "u-12")],
        [NewEntry("mark.set", {"marks": [5, {"weight": 0.5}]}, "u-12")],
        [NewEntry("mark.set", {"id": 2**53}, "u-12")],
        [NewEntry("mark.set", {1: "five"}, "u-12")],  # type: ignore[dict-item]
        [NewEntry("mark.set", {"value": "5"}, "")],
        [NewEntry("mark.set", {"value": "5"}, None)],  # type: ignore[arg-type]
        [realistic_entry(1), realistic_entry(2), NewEntry("mark.set", {"v": 1.0}, "u-1")],
    ],
    ids=[
        "upper-case-type",
        "empty-type-part",
        "space-in-type",
        "empty-type",
        "float",
        "nested-float",
        "unsafe-integer",
        "non-string-key",
        "empty-actor",
        "no-actor",
        "bad-item-in-a-batch",
    ],
)
def test_a_malformed_entry_raises_value_error_and_writes_nothing(
    school: School, items: list[NewEntry]
) -> None:
    with school.open() as feed:
        append_entries(feed, 3)
        size, files = feed.size, snapshot(school.feed_dir)
        with pytest.raises(ValueError):
            feed.append(items)
        assert feed.size == size
        assert snapshot(school.feed_dir) == files
        # The feed goes on as if the bad call never happened: no gap in the numbers.
        assert feed.append_one("mark.set", {"value": "5"}, "u-12").seq == size
    assert [e.seq for e in read_entries(school.feed_dir)] == list(range(size + 1))
    assert school.verify().ok


def test_a_failed_disk_write_keeps_nothing_of_that_call(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    def half_then_disk_full(fd: int, data: bytes) -> None:
        os.write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    with school.open() as feed:
        append_entries(feed, 4)
        size, files = feed.size, snapshot(school.feed_dir)
        with monkeypatch.context() as m:
            m.setattr(feed_module, "write_all", half_then_disk_full)
            with pytest.raises(OSError, match="No space"):
                append_entries(feed, 3, batch=3)
        assert feed.size == size
        assert snapshot(school.feed_dir) == files
        assert append_entries(feed, 2)[0].seq == size
    assert school.verify().ok


def test_appending_to_a_closed_feed_raises(school: School) -> None:
    feed = school.open()
    feed.close()
    feed.close()  # closing twice is harmless
    with pytest.raises(FeedClosedError, match=school.feed_id):
        feed.append_one("mark.set", {"value": "5"}, "u-12")


# --- group commit --------------------------------------------------------------------------


def test_concurrent_appends_share_fsyncs_and_get_unique_contiguous_seqs(
    school: School, monkeypatch: pytest.MonkeyPatch
) -> None:
    threads_count, calls_each = 8, 25
    fsyncs = 0
    real_fsync = os.fsync

    def slow_counting_fsync(fd: int) -> None:
        nonlocal fsyncs
        fsyncs += 1
        time.sleep(0.002)  # a slow disk, so that appends pile up behind a running fsync
        real_fsync(fd)

    results: dict[int, list[list[Entry]]] = {}
    errors: list[BaseException] = []
    start = threading.Barrier(threads_count)

    def writer(feed: feed_module.Feed, index: int) -> None:
        try:
            start.wait()
            results[index] = [
                feed.append([realistic_entry(index), realistic_entry(call)][: 1 + index % 2])
                for call in range(calls_each)
            ]
        except BaseException as e:  # reported by the main thread
            errors.append(e)

    with school.open(policy=NO_SIGNING) as feed:
        monkeypatch.setattr(storage.os, "fsync", slow_counting_fsync)
        workers = [threading.Thread(target=writer, args=(feed, i)) for i in range(threads_count)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
        monkeypatch.undo()
    assert not errors

    calls = [batch for batches in results.values() for batch in batches]
    appended = sum(len(batch) for batch in calls)
    seqs = sorted(e.seq for batch in calls for e in batch)
    assert seqs == list(range(1, 1 + appended))
    for batch in calls:  # a batch is written as one piece, never interleaved with another
        assert [e.seq for e in batch] == list(range(batch[0].seq, batch[0].seq + len(batch)))
    assert fsyncs < len(calls) // 2  # group commit: one fsync serves many appends
    on_disk = {e.seq: e for e in read_entries(school.feed_dir)}
    assert all(on_disk[e.seq] == e for batch in calls for e in batch)
    assert school.verify().ok


# --- segments ------------------------------------------------------------------------------


def test_segments_roll_over_at_the_limit_and_the_old_ones_become_read_only(
    school: School,
) -> None:
    limit = 4096
    with school.open(segment_limit=limit) as feed:
        append_entries(feed, 60, batch=2)
        append_entries(feed, 20)
    segments = school.segments()
    assert len(segments) >= 4
    entries = list(read_entries(school.feed_dir))
    for path in segments[:-1]:
        assert stat.S_IMODE(path.stat().st_mode) == 0o444, path.name
        assert path.stat().st_size <= limit
    assert stat.S_IMODE(segments[-1].stat().st_mode) == 0o644
    for path in segments:  # each segment is named by the seq of its first line
        first = json.loads(path.read_bytes().split(b"\n", 1)[0])
        assert path.name == f"seg-{first['seq']:012d}.jsonl"
    assert [e.seq for e in entries] == list(range(81))
    report = school.verify()
    assert report.ok, problem_text(report)
    assert report.feeds[0].entries == 81


def test_a_batch_larger_than_the_limit_gets_a_segment_of_its_own(school: School) -> None:
    with school.open(segment_limit=1500) as feed:
        append_entries(feed, 12, batch=12)
        append_entries(feed, 1)
    segments = school.segments()
    assert [p.name for p in segments] == [
        "seg-000000000000.jsonl",
        "seg-000000000001.jsonl",
        "seg-000000000013.jsonl",
    ]
    assert school.verify().ok


# --- the signing policy --------------------------------------------------------------------


def expected_checkpoints(signed: int, batches: list[int], limit: int) -> list[int]:
    """The policy's rule: after each write, sign everything when limit or more are unsigned."""
    size, out = signed, []
    for batch in batches:
        size += batch
        if size - signed >= limit:
            signed = size
            out.append(size)
    return out


def test_a_checkpoint_is_signed_when_max_unsigned_entries_are_reached(school: School) -> None:
    policy = SigningPolicy(max_unsigned_entries=10, background=False)
    with school.open(policy=policy) as feed:
        for _ in range(25):
            append_entries(feed, 1)
        assert checkpoint_sizes(school.feed_dir) == [1, 11, 21]
        assert feed.last_checkpoint is not None and feed.last_checkpoint.size == 21
    assert checkpoint_sizes(school.feed_dir) == [1, 11, 21, 26]  # close() signs the tail


def test_the_signing_policy_with_batches_of_any_size(school: School) -> None:
    batches = [3, 9, 1, 12, 4, 4, 4, 20, 2, 1, 1, 1, 1, 1, 1, 1, 1, 7]
    policy = SigningPolicy(max_unsigned_entries=10, background=False)
    with school.open(policy=policy) as feed:
        for batch in batches:
            append_entries(feed, batch, batch=batch)
        assert checkpoint_sizes(school.feed_dir) == [1, *expected_checkpoints(1, batches, 10)]
    sizes = checkpoint_sizes(school.feed_dir)
    assert sizes[-1] == 1 + sum(batches)
    assert school.verify().ok


def test_the_background_timer_signs_after_max_unsigned_seconds(school: School) -> None:
    policy = SigningPolicy(max_unsigned_entries=10**6, max_unsigned_seconds=0.2)
    with school.open(policy=policy) as feed:
        started = time.monotonic()
        append_entries(feed, 3, batch=3)
        if time.monotonic() - started < 0.15:
            assert checkpoint_sizes(school.feed_dir) == [1]
        deadline = started + 10
        while checkpoint_sizes(school.feed_dir) == [1] and time.monotonic() < deadline:
            time.sleep(0.01)
        waited = time.monotonic() - started
        assert checkpoint_sizes(school.feed_dir) == [1, 4]
        assert waited >= 0.2
        report = school.verify()
        assert report.feeds[0].live and report.feeds[0].unsigned_tail == 0


def test_close_signs_the_unsigned_tail(school: School) -> None:
    with school.open(policy=NO_SIGNING) as feed:
        append_entries(feed, 5)
        live = school.verify()
        assert live.ok, problem_text(live)  # a writer holds the feed: the tail is not a problem
        assert live.feeds[0].live and live.feeds[0].unsigned_tail == 5
    assert checkpoint_sizes(school.feed_dir) == [1, 6]
    closed = school.verify()
    assert closed.ok and not closed.feeds[0].live and closed.feeds[0].unsigned_tail == 0


def test_checkpoint_returns_the_newest_and_signs_only_when_something_is_new(
    school: School,
) -> None:
    with school.open(policy=NO_SIGNING) as feed:
        first = feed.checkpoint()
        append_entries(feed, 2)
        second = feed.checkpoint()
        again = feed.checkpoint()
    assert first is not None and second is not None
    assert (first.size, second.size) == (1, 3)
    assert again == second == Checkpoint(f"ejournal/feed/{school.feed_id}", 3, second.root)
    assert checkpoint_sizes(school.feed_dir) == [1, 3]


def test_reopening_continues_the_seq_numbers(school: School) -> None:
    for round_ in range(3):
        with school.open() as feed:
            assert feed.size == 1 + 7 * round_
            assert not feed.recovery.repaired and feed.recovery.signed_tail == 0
            written = append_entries(feed, 7, batch=2)
            assert written[0].seq == 1 + 7 * round_
    assert [e.seq for e in read_entries(school.feed_dir)] == list(range(22))
    report = school.verify()
    assert report.ok, problem_text(report)
    assert report.feeds[0].checkpoints == 4


# --- one writer per feed -------------------------------------------------------------------


def test_a_second_writer_in_the_same_process_is_refused(school: School) -> None:
    with school.open() as feed:
        append_entries(feed, 5)
        with pytest.raises(FeedLockedError) as caught:
            school.open()
        assert school.feed_id in str(caught.value)
        assert str(os.getpid()) in str(caught.value)
        assert caught.value.code == "feed_locked"
        append_entries(feed, 5)  # the first writer goes on undisturbed
    assert [e.seq for e in read_entries(school.feed_dir)] == list(range(11))
    assert school.verify().ok


SECOND_WRITER = """
import json, sys
from pathlib import Path
from ejournal.datadir import DataDir
from ejournal.log import FeedLockedError
try:
    DataDir(Path(sys.argv[1])).open_feed().close()
except FeedLockedError as e:
    print(json.dumps({"code": e.code, "message": str(e)}))
else:
    print(json.dumps({"code": None}))
"""


def test_a_second_writer_in_another_process_is_refused(school: School) -> None:
    with school.open() as feed:
        append_entries(feed, 5)
        child = subprocess.run(
            [sys.executable, "-c", SECOND_WRITER, str(school.path)],
            capture_output=True,
            text=True,
            timeout=60,
            check=True,
        )
        answer = json.loads(child.stdout)
        assert answer["code"] == "feed_locked"
        assert school.feed_id in answer["message"]
        assert f"process {os.getpid()}" in answer["message"]
        append_entries(feed, 5)
    assert [e.seq for e in read_entries(school.feed_dir)] == list(range(11))
    assert school.verify().ok


HOLDING_WRITER = """
import sys
from pathlib import Path
from ejournal.datadir import DataDir
from ejournal.log import SigningPolicy
with DataDir(Path(sys.argv[1])).open_feed(policy=SigningPolicy(background=False)) as feed:
    feed.append_one("mark.set", {"value": "5"}, "u-12")
    print("holding", flush=True)
    sys.stdin.readline()
"""


def test_a_writer_in_another_process_keeps_this_one_out(school: School) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", HOLDING_WRITER, str(school.path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert child.stdout is not None and child.stdin is not None
        assert child.stdout.readline() == "holding\n"
        with pytest.raises(FeedLockedError, match=f"{school.feed_id}.*process {child.pid}"):
            school.open()
        live = school.verify()
        assert live.ok and live.feeds[0].live
        child.stdin.write("done\n")
        child.stdin.close()
        assert child.wait(timeout=60) == 0
    finally:
        if child.poll() is None:
            child.kill()
            child.wait()
    with school.open() as feed:  # the lock went with the process
        assert feed.size == 2
    assert school.verify().ok


# --- witness cosignatures ------------------------------------------------------------------


def certify_witness(school: School, name: str = "ejournal/witness/rono") -> Ed25519Signer:
    """A witness key, certified by the school root in a ``key.certify`` entry."""
    witness = new_witness_key(name)
    root = load_private_key(school.data_dir.root_key)
    cert = Certificate(witness.verifier(), "witness", "*", format_time(school.clock.now()))
    with school.open() as feed:
        feed.append_one("key.certify", {"certificate": sign_statement(cert, root)}, "system")
        append_entries(feed, 3)
    return witness


def test_a_certified_witness_cosignature_is_counted(school: School) -> None:
    witness = certify_witness(school)
    note = latest_checkpoint_note(school.feed_dir)
    record_cosignature(school.feed_dir, cosign(note, witness, timestamp=1788226200))
    report = school.verify()
    assert report.ok, problem_text(report)
    assert report.feeds[0].cosignatures == 1


def test_a_cosignature_by_an_uncertified_key_is_reported(school: School) -> None:
    certify_witness(school)
    stranger = new_witness_key("ejournal/witness/stranger")
    note = latest_checkpoint_note(school.feed_dir)
    record_cosignature(school.feed_dir, cosign(note, stranger, timestamp=1788226200))
    report = school.verify()
    assert not report.ok
    [problem] = report.all_problems
    assert problem.code == "bad_signature"
    assert problem.place == f"{school.feed_id}/cosignatures line 1"
    assert report.feeds[0].cosignatures == 0


def test_a_cosignature_over_an_edited_checkpoint_is_reported(school: School) -> None:
    witness = certify_witness(school)
    note = latest_checkpoint_note(school.feed_dir)
    cp = parse_checkpoint(note.text)
    forged = Note(Checkpoint(cp.origin, cp.size + 1, cp.root).text(), note.signatures)
    record_cosignature(school.feed_dir, cosign(note, witness, timestamp=1788226200))
    record_cosignature(school.feed_dir, cosign(forged, witness, timestamp=1788226260))
    report = school.verify()
    [problem] = report.all_problems
    assert problem.code == "unknown_checkpoint"
    assert problem.place == f"{school.feed_id}/cosignatures line 8"
    assert report.feeds[0].cosignatures == 1


def test_an_edited_text_in_the_cosignatures_file_is_reported(school: School) -> None:
    witness = certify_witness(school)
    note = latest_checkpoint_note(school.feed_dir)
    path = school.feed_dir / "cosignatures"
    record_cosignature(school.feed_dir, cosign(note, witness, timestamp=1788226200))
    size_line = str(parse_checkpoint(note.text).size).encode()
    data = path.read_bytes()
    path.write_bytes(data.replace(b"\n" + size_line + b"\n", b"\n" + size_line + b"0\n", 1))
    report = school.verify()
    assert not report.ok
    assert {p.code for p in report.all_problems} == {"unknown_checkpoint"}
    assert report.feeds[0].cosignatures == 0
