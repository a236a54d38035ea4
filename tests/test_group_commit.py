"""Group commit across commands (issues #4, #11): many threads' commands share fsyncs, every
one answered only once its entry is durable, all in one order; rules are still checked against
every entry written before (no two commands interleave); and a crash between the write and the
fsync leaves a journal that reopens consistent."""

from __future__ import annotations

import errno
import os
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from conftest import School as SchoolFeed
from conftest import realistic_entry

from ejournal.journal import Journal
from ejournal.log import FeedClosedError, SigningPolicy
from ejournal.log import feed as feed_module
from ejournal.log.reader import read_entries
from ejournal.model import events as ev
from ejournal.model.commands import quiz, teaching
from ejournal.model.errors import RuleViolation

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]
TODAY = "2026-11-16"
THREADS = 6


def log_of(j: Journal) -> list[Any]:
    return list(read_entries(j.data_dir.feeds / j.feed.id))


@pytest.fixture
def slow_disk(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[int]]:
    """An fsync of 10 ms (a slow disk, so that commands pile up behind it); counts them."""
    real, calls = os.fsync, []

    def fsync(fd: int) -> None:
        calls.append(fd)
        time.sleep(0.010)  # long beside the 2 ms apply: robust on a loaded machine
        real(fd)

    monkeypatch.setattr(feed_module.os, "fsync", fsync)
    yield calls


def slow_projection(j: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
    """Applying entries takes 2 ms: a command that checked its rules before another one's
    entry reached the projection would see a stale state in that window."""
    real = j.projection.apply

    def apply(entries: Any) -> None:
        time.sleep(0.002)
        real(entries)

    monkeypatch.setattr(j.projection, "apply", apply)


def race(n: int, work: Callable[[int], Any]) -> list[Any]:
    """Run ``work(i)`` in ``n`` threads released together; each result or the error raised."""
    start = threading.Barrier(n)
    results: list[Any] = [None] * n

    def run(i: int) -> None:
        start.wait()
        try:
            results[i] = work(i)
        except Exception as e:  # compared by the test
            results[i] = e

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    return results


# --- many threads, one order, each durable before its answer -------------------------------


def test_concurrent_commands_share_fsyncs_and_are_durable_in_one_order(
    sch: Sch, slow_disk: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    i, j = sch.ids, sch.j
    lesson = sch.lesson(i.math_5a, TODAY, topic="Дроби")
    slow_projection(j, monkeypatch)
    first, per_thread = j.feed.size, 8
    slow_disk.clear()

    def teacher(n: int) -> list[tuple[str, int]]:
        given = []
        for k in range(per_thread):
            student = i.students_5a[(n + k) % len(i.students_5a)]
            mark = teaching.give_mark(
                j, i.math_teacher, lesson=lesson, student=student, value="5", kind="У"
            )
            given.append((mark, j.feed.size))  # what the feed counts durable on the answer
        return given

    results = race(THREADS, teacher)
    assert not [r for r in results if isinstance(r, Exception)], results
    given = [g for r in results for g in r]
    assert len(given) == THREADS * per_thread

    entries = log_of(j)
    assert [e.seq for e in entries] == list(range(len(entries)))
    assert len(entries) == first + len(given)
    seq_of = {e.data["mark"]: e.seq for e in entries[first:] if e.type == ev.MarkGiven.TYPE}
    assert sorted(seq_of) == sorted(mark for mark, _ in given)  # each exactly once
    for mark, durable in given:  # answered only once its entry was fsynced
        assert durable > seq_of[mark]
    # The projection applied them in the log's order.
    refs = [r for (r,) in sch.all("SELECT ref FROM marks WHERE lesson = ? ORDER BY rowid", lesson)]
    assert refs == [f"{j.feed.id}#{seq_of[m]}" for m in sorted(seq_of, key=seq_of.get)]
    # Group commit: far fewer fsyncs than commands (each waited for its own otherwise).
    assert len(slow_disk) < len(given) * 2 // 3, (len(slow_disk), len(given))
    assert sch.size == len(entries)


def test_a_command_inside_a_reading_block_is_durable_when_the_block_ends(sch: Sch) -> None:
    i, j = sch.ids, sch.j
    lesson = sch.lesson(i.math_5a, TODAY)
    with j.command():  # as a page does: the command, then the fragment read under the lock
        mark = teaching.give_mark(
            j, i.math_teacher, lesson=lesson, student=i.students_5a[0], value="4", kind="У"
        )
        assert sch.one("SELECT value FROM marks WHERE mark = ?", mark) == ("4",)
        written = j.feed.size
    assert j.feed.size == written + 1  # the fsync is waited for after the lock is let go
    assert log_of(j)[-1].data["mark"] == mark


# --- rules checked against the current state -------------------------------------------------


def _quiz(sch: Sch) -> str:
    i = sch.ids
    lesson = sch.lesson(i.math_10a, TODAY, topic="Срезовая работа")
    question = quiz.add_question(
        sch.j,
        i.math_teacher,
        subject=i.math,
        kind="single",
        text="2 + 2 = ?",
        options=[ev.QuizOption("3"), ev.QuizOption("4", True)],
    )
    return quiz.publish_quiz(
        sch.j,
        i.math_teacher,
        course=i.math_10a,
        title="Срез",
        questions=[question],
        minutes=20,
        opens=TODAY,
        closes=TODAY,
        scale=[("5", 1), ("2", 0)],
        control="spot_check",
        lesson=lesson,
    )


def entries_of(j: Journal, type_: str, since: int) -> list[Any]:
    return [e for e in log_of(j)[since:] if e.type == type_]


def test_a_student_starting_a_test_in_many_tabs_at_once_gets_one_attempt(
    sch: Sch, slow_disk: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:  # R-DST-2: the one attempt a student has per test
    test, student = _quiz(sch), sch.ids.students_10a[0]
    slow_projection(sch.j, monkeypatch)
    since = sch.size
    attempts = race(THREADS, lambda _: quiz.start(sch.j, student, quiz=test))
    assert len(set(attempts)) == 1 and isinstance(attempts[0], str), attempts
    started = entries_of(sch.j, ev.QuizStarted.TYPE, since)
    assert [e.data["attempt"] for e in started] == attempts[:1]


def test_a_test_finished_twice_at_once_is_finished_once(
    sch: Sch, slow_disk: list[int], monkeypatch: pytest.MonkeyPatch
) -> None:
    test, student = _quiz(sch), sch.ids.students_10a[0]
    attempt = quiz.start(sch.j, student, quiz=test)
    slow_projection(sch.j, monkeypatch)
    since = sch.size
    outcomes = race(THREADS, lambda _: quiz.finish(sch.j, student, attempt=attempt))
    assert outcomes.count(None) == 1, outcomes
    assert all(isinstance(o, RuleViolation) for o in outcomes if o is not None)
    assert len(entries_of(sch.j, ev.QuizFinished.TYPE, since)) == 1
    assert sch.size == since + 1


@pytest.mark.parametrize("change", ["correct", "revoke"])
def test_two_teachers_changing_the_same_mark_at_once_change_it_once(
    sch: Sch, slow_disk: list[int], monkeypatch: pytest.MonkeyPatch, change: str
) -> None:  # R-MRK-2: the rules see the other's correction, never the state before it
    i, j = sch.ids, sch.j
    lesson = sch.lesson(i.math_5a, TODAY)
    mark = teaching.give_mark(
        j, i.math_teacher, lesson=lesson, student=i.students_5a[1], value="3", kind="У"
    )
    slow_projection(j, monkeypatch)
    since = sch.size

    def work(_: int) -> None:
        if change == "correct":
            teaching.correct_mark(j, i.math_teacher, mark=mark, value="4", reason="описка")
        else:
            teaching.revoke_mark(j, i.math_teacher, mark=mark, reason="не тот ученик")

    outcomes = race(THREADS, work)
    assert outcomes.count(None) == 1, outcomes
    assert all(isinstance(o, RuleViolation) for o in outcomes if o is not None)
    assert sch.size == since + 1
    current = sch.one("SELECT current FROM marks WHERE mark = ?", mark)[0]
    assert current == ("4" if change == "correct" else None)


# --- a crash between the write and the fsync ---------------------------------------------


class HeldFsync:
    """Holds the next fsync of the feed's segment until released: the moment between a
    command's write(2) (already in the projection) and its fsync."""

    def __init__(self, j: Journal, monkeypatch: pytest.MonkeyPatch) -> None:
        self.entered, self.release = threading.Event(), threading.Event()
        real = os.fsync
        feed = j.feed

        def fsync(fd: int) -> None:
            if fd == feed._seg_fd and not self.entered.is_set():
                self.entered.set()
                assert self.release.wait(30)
            real(fd)

        monkeypatch.setattr(feed_module.os, "fsync", fsync)


def copy_at_power_cut(j: Journal, to: Path, durable_bytes: int | None) -> None:
    """What the disk holds after a power cut now: the files as they are, but the segment cut
    back to ``durable_bytes`` (what the kernel had not written out is gone), or kept whole
    (``None``: a process crash, the kernel keeps what was written)."""
    shutil.copytree(j.data_dir.path, to)
    if durable_bytes is not None:
        segment = sorted((to / "feeds" / j.feed.id).glob("seg-*.jsonl"))[-1]
        os.truncate(segment, durable_bytes)


@pytest.mark.parametrize("lost", [True, False], ids=["power-cut", "process-killed"])
def test_a_crash_between_write_and_fsync_reopens_consistent(
    sch: Sch, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lost: bool
) -> None:
    i, j = sch.ids, sch.j
    lesson = sch.lesson(i.math_5a, TODAY)
    kept = teaching.give_mark(
        j, i.math_teacher, lesson=lesson, student=i.students_5a[0], value="5", kind="У"
    )
    segment = sorted((j.data_dir.feeds / j.feed.id).glob("seg-*.jsonl"))[-1]
    durable, size = segment.stat().st_size, j.feed.size
    held = HeldFsync(j, monkeypatch)
    answered: list[str] = []
    writer = threading.Thread(
        target=lambda: answered.append(
            teaching.give_mark(
                j, i.math_teacher, lesson=lesson, student=i.students_5a[1], value="2", kind="У"
            )
        )
    )
    writer.start()
    assert held.entered.wait(30)
    # Written and in the projection, not yet durable, not yet answered.
    assert sch.one("SELECT count(*) FROM marks WHERE lesson = ?", lesson) == (2,)
    assert not answered and j.feed.size == size
    copy_at_power_cut(j, tmp_path / "after", durable if lost else None)
    held.release.set()
    writer.join(30)
    assert len(answered) == 1 and j.feed.size == size + 1
    monkeypatch.undo()

    with Journal.open(
        tmp_path / "after", clock=sch.clock, policy=SigningPolicy(background=False)
    ) as after:
        expected = {kept} if lost else {kept, answered[0]}
        marks = {
            m for (m,) in after.db.execute("SELECT mark FROM marks WHERE lesson = ?", (lesson,))
        }
        assert marks == expected
        assert after.feed.size == size + (0 if lost else 1)
        assert after.projection.position(after.feed.id) == after.feed.size
        assert after.upgrade.rebuilt == lost  # the projection was ahead of the log: rebuilt
        # The journal goes on from there: the next command gets the next number.
        again = teaching.give_mark(
            after, i.math_teacher, lesson=lesson, student=i.students_5a[1], value="3", kind="У"
        )
        assert log_of(after)[-1].data["mark"] == again
        assert [e.seq for e in log_of(after)] == list(range(after.feed.size))


# --- the feed's write / sync split ---------------------------------------------------------


def test_concurrent_writes_across_segment_rollovers_stay_whole_and_in_order(
    school: SchoolFeed, slow_disk: list[int]
) -> None:
    policy = SigningPolicy(max_unsigned_entries=25, background=False)
    results: list[Any] = []
    with school.open(policy=policy, segment_limit=4096) as feed:
        start = feed.size

        def writer(n: int) -> list[list[Any]]:
            return [feed.append([realistic_entry(n * 100 + k)] * (1 + k % 3)) for k in range(12)]

        results = race(THREADS, writer)
        assert not [r for r in results if isinstance(r, Exception)], results
    calls = [batch for r in results for batch in r]
    on_disk = {e.seq: e for e in read_entries(school.feed_dir)}
    assert sorted(on_disk) == list(range(len(on_disk)))
    assert len(on_disk) == start + sum(len(b) for b in calls)
    for batch in calls:  # each call's entries contiguous and as returned
        assert [e.seq for e in batch] == list(range(batch[0].seq, batch[0].seq + len(batch)))
        assert all(on_disk[e.seq] == e for e in batch)
    assert len(school.segments()) > 3
    assert school.verify().ok


def test_a_failed_fsync_fails_the_waiters_and_closes_the_feed(
    school: SchoolFeed, monkeypatch: pytest.MonkeyPatch
) -> None:
    with school.open(policy=SigningPolicy(background=False)) as feed:
        kept = feed.append([realistic_entry(1)])[0]
        written = feed.write([realistic_entry(2), realistic_entry(3)])
        assert feed.size == kept.seq + 1  # written, not yet durable

        def broken_disk(fd: int) -> None:
            raise OSError(errno.EIO, "Input/output error")

        monkeypatch.setattr(feed_module.os, "fsync", broken_disk)
        with pytest.raises(OSError, match="Input/output"):
            feed.sync(written[-1].seq + 1)
        monkeypatch.undo()
        assert feed.size == kept.seq + 1
        with pytest.raises(FeedClosedError):
            feed.append([realistic_entry(4)])
    # What the feed had made durable is there, the failed writes were cut back; closed as by a
    # crash (no final checkpoint): reopening signs the tail and goes on.
    assert [e.seq for e in read_entries(school.feed_dir)] == list(range(kept.seq + 1))
    with school.open() as feed:
        assert feed.append([realistic_entry(5)])[0].seq == kept.seq + 1
    assert school.verify().ok


def test_sync_to_an_entry_never_written_is_refused(school: SchoolFeed) -> None:
    with school.open() as feed, pytest.raises(ValueError, match="never written"):
        feed.sync(feed.size + 1)
