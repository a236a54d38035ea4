"""The fast rebuild (ejournal/projection/rebuild.py) is only a faster way to the same database:
its decoding of lines gives what the strict reader and the model give, its other processes
change nothing in the result, and a line the strict reader refuses still makes it refuse the
whole rebuild, leaving the projection as it was (issue #3)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import msgspec
import pytest
import school_fixture as sf
from test_projection import dump

from ejournal.log.entry import Entry, parse_line
from ejournal.log.errors import FormatError
from ejournal.log.storage import list_segments
from ejournal.model import events as ev
from ejournal.projection.db import Projection
from ejournal.projection.handlers_journal import _ATTENDANCE
from ejournal.projection.handlers_journal import _CLEAR_ATTENDANCE as _CLEAR
from ejournal.projection.lines import WINDOW, decode_line, decode_lines, type_windows
from ejournal.projection.offload import OffloadError, OffloadingWriter
from ejournal.projection.rebuild import rebuild
from ejournal.projection.schema import SCHEMA
from ejournal.projection.split_writer import SplitUnsafe, SplitWriter


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> sf.Built:
    return sf.build(tmp_path_factory.mktemp("fast-rebuild") / "school")


def feed_lines(feeds: Path) -> list[bytes]:
    (feed_dir,) = feeds.iterdir()
    return [line for _, path in list_segments(feed_dir) for line in path.read_bytes().splitlines()]


def copy_feeds(built: sf.Built, dest: Path) -> Path:
    shutil.copytree(built.path / "feeds", dest / "feeds", ignore=shutil.ignore_patterns("lock"))
    return dest / "feeds"


def _kept_value(built: sf.Built, sql: str) -> str:
    """The one value ``sql`` finds in the fixture school's kept database."""
    return str(sqlite3.connect(built.path / "journal.sqlite").execute(sql).fetchone()[0])


def _applied(feeds: Path, tmp_path: Path) -> sqlite3.Connection:
    """The feeds applied entry by entry into a new projection, opened."""
    applied = Projection(tmp_path / "applied.sqlite")
    applied.catch_up(feeds)
    applied.close()
    return sqlite3.connect(tmp_path / "applied.sqlite")


def last_segment(feeds: Path) -> Path:
    (feed_dir,) = feeds.iterdir()
    return list_segments(feed_dir)[-1][1]


def kept_dump(built: sf.Built) -> dict[str, list[tuple[object, ...]]]:
    return dump(sqlite3.connect(f"file:{built.path / 'journal.sqlite'}?mode=ro", uri=True))


def test_decoding_a_line_gives_the_strict_entry_and_its_event(built: sf.Built) -> None:
    lines = feed_lines(built.path / "feeds")
    assert len(lines) > 100
    fast = decode_lines(lines)
    for line, found in zip(lines, fast, strict=True):
        entry = parse_line(line)
        cls = ev.REGISTRY.get(entry.type)
        expected = None if cls is None else msgspec.convert(entry.data, cls)
        assert (found.actor, found.feed, found.seq, found.time) == (
            entry.actor,
            entry.feed,
            entry.seq,
            entry.time,
        )
        assert (found.kind, found.data) == (entry.type, expected)
        assert decode_line(line) == found


def test_a_lines_last_bytes_name_its_type_or_nothing() -> None:
    # Every type of the model, and names that end like them, on canonical lines: the window
    # (lines.WINDOW) gives the line's own type or nothing (then the search finds it).
    windows = type_windows()
    names = [*ev.REGISTRY, "xmark.given", "final_mark.given.x", "a.mark.given", "plan.set"]
    found = 0
    for name in names:
        line = Entry("f" * 32, 1, "2026-09-01T08:30:00.000+07:00", "p-1", name, {}).encode()
        named = windows.get(line[-WINDOW:])
        assert named in (None, name.encode())
        found += named is not None
    assert windows[b'"type":"mark.given","v":1}'] == b"mark.given"
    assert found >= len(windows) > 10


@pytest.mark.parametrize("parallel", [False, True])
def test_rebuild_in_one_or_three_processes_equals_the_kept_database(
    built: sf.Built, tmp_path: Path, parallel: bool
) -> None:
    target = tmp_path / "journal.sqlite"
    count = rebuild(built.path / "feeds", target, parallel=parallel)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.sqlite"]  # nothing left over
    assert count == len(feed_lines(built.path / "feeds"))
    assert dump(sqlite3.connect(target)) == kept_dump(built)


def _append(feeds: Path, data: dict[str, object], kind: str = "mark.given") -> str:
    """Append an entry the feed writer would not write, canonical but not signed."""
    last = parse_line(feed_lines(feeds)[-1])
    entry = Entry(last.feed, last.seq + 1, last.time, last.actor, kind, data)
    segment = last_segment(feeds)
    segment.chmod(0o644)
    with segment.open("ab") as f:
        f.write(entry.encode() + b"\n")
    return f"{entry.feed}#{entry.seq}"


@pytest.mark.parametrize("parallel", [False, True])
def test_runs_of_messages_read_rebuild_to_what_applying_gives(
    built: sf.Built, tmp_path: Path, parallel: bool
) -> None:
    # message.read is applied a run at a time (apply.BULK): a second reading keeps the first
    # time, a reading by someone the message was not sent to changes nothing.
    feeds = copy_feeds(built, tmp_path)
    ids = built.ids
    last = parse_line(feed_lines(feeds)[-1])
    lines = []
    sent = {
        "message": "msg-run",
        "to": [ids.alekseev, ids.borisova],
        "subject": "Тема",
        "text": "т",
    }
    reads = [
        (ids.alekseev, "2026-11-16T10:00:00.000+07:00"),
        (ids.alekseev, "2026-11-16T10:05:00.000+07:00"),  # again: the first time stays
        (ids.math_teacher, "2026-11-16T10:06:00.000+07:00"),  # not a recipient
        (ids.borisova, "2026-11-16T10:07:00.000+07:00"),
    ]
    entries = [(last.actor, last.time, "message.sent", sent)]
    entries += [(who, at, "message.read", {"message": "msg-run"}) for who, at in reads]
    for n, (actor, at, kind, data) in enumerate(entries, start=1):
        lines.append(Entry(last.feed, last.seq + n, at, actor, kind, data).encode() + b"\n")
    segment = last_segment(feeds)
    segment.chmod(0o644)
    with segment.open("ab") as f:
        f.write(b"".join(lines))
    rebuild(feeds, tmp_path / "rebuilt.sqlite", parallel=parallel)
    applied = _applied(feeds, tmp_path)
    rebuilt = sqlite3.connect(tmp_path / "rebuilt.sqlite")
    assert rebuilt.execute(
        "SELECT person, read_at FROM message_recipients WHERE message = 'msg-run' ORDER BY 1"
    ).fetchall() == sorted(
        [(ids.alekseev, "2026-11-16T03:00:00.000Z"), (ids.borisova, "2026-11-16T03:07:00.000Z")]
    )
    assert dump(rebuilt) == dump(applied)


@pytest.mark.parametrize("parallel", [False, True])
def test_entries_the_model_does_not_accept_are_kept_as_unknown_as_when_applied(
    built: sf.Built, tmp_path: Path, parallel: bool
) -> None:
    feeds = copy_feeds(built, tmp_path)
    refused = _append(feeds, {"mark": "mrk-x", "lesson": "les-x"})  # no student, no value
    unknown = _append(feeds, {"what": 1}, kind="future.event")
    target = tmp_path / "rebuilt.sqlite"
    rebuild(feeds, target, parallel=parallel)
    applied = _applied(feeds, tmp_path)  # entry by entry, the way the server applies them
    rebuilt = sqlite3.connect(target)
    assert rebuilt.execute("SELECT ref, type FROM unknown_entries ORDER BY ref").fetchall() == [
        (refused, "mark.given"),
        (unknown, "future.event"),
    ]
    assert dump(rebuilt) == dump(applied)


@pytest.mark.parametrize("parallel", [False, True])
def test_a_line_the_strict_reader_refuses_refuses_the_rebuild(
    built: sf.Built, tmp_path: Path, parallel: bool
) -> None:
    feeds = copy_feeds(built, tmp_path)
    segment = last_segment(feeds)
    lines = segment.read_bytes().splitlines()
    # A space after a colon: plain JSON that decodes to the same entry, but not the canonical
    # line (FORMAT §3), which only the strict reader sees.
    assert lines[-1].count(b'"actor":"') == 1
    lines[-1] = lines[-1].replace(b'"actor":"', b'"actor": "')
    segment.chmod(0o644)
    segment.write_bytes(b"\n".join(lines) + b"\n")
    target = tmp_path / "journal.sqlite"
    target.write_bytes(b"the projection before")
    with pytest.raises(FormatError, match="canonical"):
        rebuild(feeds, target, parallel=parallel)
    assert target.read_bytes() == b"the projection before"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds", "journal.sqlite"]


def test_a_statement_naming_offloaded_and_other_tables_is_refused() -> None:
    writer = OffloadingWriter(sqlite3.connect(":memory:"), worker=None)  # type: ignore[arg-type]
    with pytest.raises(OffloadError):
        writer.execute("SELECT m.mark FROM marks m JOIN lessons l ON l.lesson = m.lesson")
    # submission_marks is not the marks table
    assert not writer._is_remote("SELECT 1 FROM submission_marks")


# --- the rebuild split by entry type (ejournal/projection/split.py) ----------------------------


def _split_outcomes(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """What each split of the rebuilds that follow came to: "split" or "unsafe: …"."""
    import ejournal.projection.rebuild as rebuild_module

    outcomes: list[str] = []
    original = rebuild_module._load_split

    def spy(*args: object, **kwargs: object) -> int:
        try:
            count = original(*args, **kwargs)  # type: ignore[arg-type]
        except SplitUnsafe as e:
            outcomes.append(f"unsafe: {e}")
            raise
        outcomes.append("split")
        return count

    monkeypatch.setattr(rebuild_module, "_load_split", spy)
    return outcomes


def _split_and_applied(
    feeds: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> tuple[sqlite3.Connection, sqlite3.Connection]:
    """The feeds rebuilt by the split (which must not give way) and applied entry by entry."""
    outcomes = _split_outcomes(monkeypatch)
    rebuild(feeds, tmp_path / "rebuilt.sqlite", parallel=True)
    assert outcomes == ["split"]
    return sqlite3.connect(tmp_path / "rebuilt.sqlite"), _applied(feeds, tmp_path)


def test_the_split_rebuild_equals_the_kept_database(
    built: sf.Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The fixture school has corrections, a revocation, final marks and a compromise (R-SEC-3)
    # whose invalidation reaches both processes' tables.
    outcomes = _split_outcomes(monkeypatch)
    target = tmp_path / "journal.sqlite"
    rebuild(built.path / "feeds", target, parallel=True)
    assert outcomes == ["split"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.sqlite"]
    assert dump(sqlite3.connect(target)) == kept_dump(built)


def test_the_split_keeps_unknown_entries_of_both_processes_in_order(
    built: sf.Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    feeds = copy_feeds(built, tmp_path)
    first = _append(feeds, {"what": 1}, kind="future.event")  # the main process's
    second = _append(feeds, {"mark": "mrk-x", "lesson": "les-x"})  # the worker's
    third = _append(feeds, {"what": 2}, kind="future.event")
    rebuilt, applied = _split_and_applied(feeds, tmp_path, monkeypatch)
    assert rebuilt.execute("SELECT ref FROM unknown_entries ORDER BY rowid").fetchall() == [
        (first,),
        (second,),
        (third,),
    ]
    assert dump(rebuilt) == dump(applied)


def test_a_mark_for_a_lesson_never_recorded_makes_the_split_give_way(
    built: sf.Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker knows lessons only from its cache: a mark for a lesson it never saw would
    # have it read the lessons table, which it does not keep. It gives up, and the rebuild
    # starts again the usual way, to the same database as applying entry by entry.
    feeds = copy_feeds(built, tmp_path)
    mark = {"mark": "mrk-y", "lesson": "les-never", "student": built.ids.alekseev}
    _append(feeds, mark | {"value": "5", "kind": "У"})
    outcomes = _split_outcomes(monkeypatch)
    rebuild(feeds, tmp_path / "rebuilt.sqlite", parallel=True)
    assert len(outcomes) == 1 and "unsafe: mark.given: SELECT course" in outcomes[0]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["feeds", "rebuilt.sqlite"]
    applied = _applied(feeds, tmp_path)
    rebuilt = sqlite3.connect(tmp_path / "rebuilt.sqlite")
    assert rebuilt.execute("SELECT course FROM marks WHERE mark = 'mrk-y'").fetchall() == [("",)]
    assert dump(rebuilt) == dump(applied)


def test_a_lesson_the_model_refuses_makes_the_split_give_way(
    built: sf.Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The worker decodes a lesson's line into its course and date alone (split.SEEN), so it
    # would take a lesson the model refuses (here: a field no lesson has). The main process,
    # which decodes the whole line, gives way; the usual way keeps the lesson as unknown and
    # the mark on it gets no course, as when applied entry by entry.
    feeds = copy_feeds(built, tmp_path)
    course = _kept_value(built, "SELECT course FROM courses ORDER BY course LIMIT 1")
    lesson = {"lesson": "les-odd", "course": course, "date": "2026-11-16", "colour": "red"}
    refused = _append(feeds, lesson, kind="lesson.recorded")
    mark = {"mark": "mrk-odd", "lesson": "les-odd", "student": built.ids.alekseev}
    _append(feeds, mark | {"value": "5", "kind": "У"})
    outcomes = _split_outcomes(monkeypatch)
    rebuild(feeds, tmp_path / "rebuilt.sqlite", parallel=True)
    assert outcomes == [f"unsafe: entry #{refused.split('#')[1]}: a lesson.recorded the model "
                        "does not accept"]  # fmt: skip
    applied = _applied(feeds, tmp_path)
    rebuilt = sqlite3.connect(tmp_path / "rebuilt.sqlite")
    assert rebuilt.execute("SELECT ref FROM unknown_entries").fetchall() == [(refused,)]
    assert rebuilt.execute("SELECT course FROM marks WHERE mark = 'mrk-odd'").fetchall() == [("",)]
    assert dump(rebuilt) == dump(applied)


def test_attendance_changed_and_cleared_rebuilds_to_what_applying_gives(
    built: sf.Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # R-ATT-1: codes replaced and cleared after the fixture's own; the split keeps the cells in
    # memory while their index is late (split_writer._CELL_WRITES).
    feeds = copy_feeds(built, tmp_path)
    lesson = _kept_value(built, "SELECT lesson FROM attendance ORDER BY rowid LIMIT 1")
    ids = built.ids
    for student, code in [
        (ids.alekseev, "Н"),
        (ids.alekseev, "Б"),  # replaced
        (ids.borisova, "У"),
        (ids.borisova, ""),  # cleared
        (ids.yolkina, ""),  # cleared, whatever it was
        (ids.yolkina, "Н"),  # and set again
    ]:
        _append(feeds, {"lesson": lesson, "student": student, "code": code}, "attendance.marked")
    rebuilt, applied = _split_and_applied(feeds, tmp_path, monkeypatch)
    cells = rebuilt.execute(
        "SELECT student, code FROM attendance WHERE lesson = ? ORDER BY rowid", (lesson,)
    ).fetchall()
    assert cells[-2:] == [(ids.alekseev, "Б"), (ids.yolkina, "Н")]
    assert ids.borisova not in [student for student, _ in cells]
    in_order = "SELECT lesson, student, code FROM attendance ORDER BY rowid"
    assert rebuilt.execute(in_order).fetchall() == applied.execute(in_order).fetchall()
    assert dump(rebuilt) == dump(applied)


def test_lessons_and_absences_in_any_order_rebuild_to_what_applying_gives(
    built: sf.Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # R-ATT-1: a new lesson's line goes ahead of a run of absences only when none of them is
    # on it (split._ON_LESSONS): an absence before its lesson's line, and a lesson recorded
    # again in the middle of a run, give what applying them in turn gives.
    feeds = copy_feeds(built, tmp_path)
    course = _kept_value(built, "SELECT course FROM lessons ORDER BY rowid LIMIT 1")
    other = _kept_value(built, "SELECT course FROM lessons ORDER BY rowid DESC LIMIT 1")
    old = _kept_value(built, "SELECT lesson FROM attendance ORDER BY rowid LIMIT 1")
    ids = built.ids

    def absent(lesson: str, student: str) -> None:
        _append(feeds, {"lesson": lesson, "student": student, "code": "Н"}, "attendance.marked")

    def lesson(lesson: str, course: str, day: str) -> None:
        _append(feeds, {"lesson": lesson, "course": course, "date": day}, "lesson.recorded")

    absent(old, ids.alekseev)
    absent("les-early", ids.borisova)  # before its lesson's line
    lesson("les-early", course, "2026-12-01")
    absent("les-early", ids.alekseev)
    absent(old, ids.borisova)
    lesson("les-new", course, "2026-12-02")  # ahead of the run
    absent("les-new", ids.yolkina)
    absent("les-again", ids.yolkina)
    lesson("les-again", course, "2026-12-03")
    absent("les-again", ids.alekseev)
    lesson("les-again", other, "2026-12-04")  # recorded again, on the run: applied first
    absent("les-again", ids.borisova)
    rebuilt, applied = _split_and_applied(feeds, tmp_path, monkeypatch)
    courses = rebuilt.execute(
        "SELECT lesson, student, course FROM attendance "
        "WHERE lesson IN ('les-early', 'les-new', 'les-again') ORDER BY rowid"
    ).fetchall()
    assert (
        courses
        == applied.execute(
            "SELECT lesson, student, course FROM attendance WHERE lesson LIKE 'les-%' "
            "AND lesson IN ('les-early', 'les-new', 'les-again') ORDER BY rowid"
        ).fetchall()
    )
    assert ("les-again", ids.borisova, other) in courses and len(courses) == 6
    assert dump(rebuilt) == dump(applied)


def test_the_split_writers_keep_each_process_to_its_tables() -> None:
    main = SplitWriter(sqlite3.connect(":memory:"), worker=False)
    worker = SplitWriter(sqlite3.connect(":memory:"), worker=True)
    mark_insert = "INSERT OR REPLACE INTO marks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
    main.kind = "attendance.marked"  # a main process's handler naming the marks: give way
    with pytest.raises(SplitUnsafe):
        main.execute("UPDATE marks SET current = NULL")
    main.kind = "student.left"  # nor one changing what the worker keeps a copy of
    with pytest.raises(SplitUnsafe):
        main.execute("UPDATE courses SET teacher = ?", ["x"])
    assert main._judge("SELECT end FROM courses WHERE course = ?", shared=False) == 0
    main.kind = "credentials.compromised"  # shared: runs on the main process's empty marks
    assert main._judge("UPDATE marks SET invalid = 1 WHERE by = ?", shared=True) == 0
    assert main._judge(mark_insert, shared=True) == 2  # but never fills them
    worker.kind = "lesson.recorded"  # shared: the worker drops the main process's rows
    assert worker.execute("INSERT INTO lesson_originals VALUES (?, ?, ?, ?, ?, ?)", [1] * 6) is None
    assert worker._held == {}
    worker.kind = "mark.given"  # a marks handler: its own tables, and reads of the kept ones
    assert worker._judge(mark_insert, shared=False) == 0
    assert worker._judge("SELECT end FROM courses WHERE course = ?", shared=False) == 0
    with pytest.raises(SplitUnsafe):
        worker.execute("UPDATE courses SET teacher = ?", ["x"])
    with pytest.raises(SplitUnsafe):
        worker.execute("SELECT course, date FROM lessons WHERE lesson = ?", ["les-x"])
    # remarks and submission_marks are not the marks table
    assert main._judge("UPDATE remarks SET fixed_at = ?", shared=False) == 0
    assert main._judge("INSERT INTO submission_marks VALUES (?, ?, ?, ?)", shared=False) == 0


def test_when_the_split_gives_way_the_usual_three_processes_give_the_kept_database(
    built: sf.Built, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import ejournal.projection.rebuild as rebuild_module

    def unsure(*args: object, **kwargs: object) -> int:
        raise SplitUnsafe("for the test")

    monkeypatch.setattr(rebuild_module, "_load_split", unsure)
    target = tmp_path / "journal.sqlite"
    rebuild(built.path / "feeds", target, parallel=True)  # the marks' rows sent: offload.py
    assert sorted(p.name for p in tmp_path.iterdir()) == ["journal.sqlite"]
    assert dump(sqlite3.connect(target)) == kept_dump(built)
    assert set(rebuild_module.CPU) == {"main", "checker", "worker"}


# --- the worker's marks index made at the end (split_writer.py, LATE_INDEXES) ------------------

_MARK_INSERT = "INSERT OR REPLACE INTO marks VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)"
_CORRECTION = "UPDATE marks SET current = ?, changed = 1 WHERE mark = ?"
_CELL_CODE = "SELECT code FROM attendance WHERE lesson = ? AND student = ?"


def _marks_writer(*, deferred: bool) -> SplitWriter:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA)
    writer = SplitWriter(conn, worker=True)
    writer.kind = "mark.given"
    if deferred:
        writer.make_late("marks")
    return writer


def _mark(mark: str, value: str) -> tuple[object, ...]:
    return (mark, "les-1", "crs-1", "p-1", "У", value, "t", "p-t", 0, f"f#{mark}", 0, value)


def _marks(writer: SplitWriter) -> list[tuple[object, ...]]:
    writer.flush()
    writer.make_indexes()
    return writer.conn.execute(
        "SELECT rowid, mark, current, changed FROM marks ORDER BY rowid"
    ).fetchall()


def test_the_marks_index_made_at_the_end_gives_what_keeping_it_gives() -> None:
    # A correction waits for the index and then changes exactly the row it would have changed
    # at once: not a row inserted after it with the same id, nor a row of another batch.
    results = []
    for deferred in (False, True):
        w = _marks_writer(deferred=deferred)
        w.execute(_MARK_INSERT, _mark("mrk-a", "4"))
        w.execute(_CORRECTION, ("5", "mrk-a"))
        w.execute(_CORRECTION, ("3", "mrk-b"))  # not given yet: changes nothing
        w.execute(_MARK_INSERT, _mark("mrk-b", "2"))
        w.flush()  # the end of a batch
        w.execute(_MARK_INSERT, _mark("mrk-c", "5"))
        w.execute(_CORRECTION, (None, "mrk-c"))  # a revocation
        w.execute(_CORRECTION, ("4", "mrk-c"))
        results.append(_marks(w))
    assert (
        results[0]
        == results[1]
        == [
            (1, "mrk-a", "5", 1),
            (2, "mrk-b", "2", 0),
            (3, "mrk-c", "4", 1),
        ]
    )


def test_a_statement_reading_the_marks_makes_their_index_first() -> None:
    w = _marks_writer(deferred=True)
    w.execute(_MARK_INSERT, _mark("mrk-a", "4"))
    w.execute(_CORRECTION, ("5", "mrk-a"))
    assert "marks" in w.late
    row = w.execute("SELECT current FROM marks WHERE mark = ?", ("mrk-a",)).fetchone()
    assert row == ("5",) and w.late == {}
    indexes = w.conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'marks'").fetchall()
    assert ("marks_mark",) in indexes


def _cell(lesson: str, student: str, code: str) -> tuple[object, ...]:
    return (lesson, student, "crs-1", code, "t", "p-t", 0)


def _attendance_writes(w: SplitWriter, *, read_between: bool = False) -> list[tuple[object, ...]]:
    w.kind = "attendance.marked"
    w.executemany(_ATTENDANCE, [_cell("l1", "s1", "Н"), _cell("l1", "s2", "Б")])
    w.execute(_ATTENDANCE, _cell("l1", "s1", "У"))  # the cell's code replaced
    w.flush()  # the end of a batch
    w.execute(_CLEAR, ("l1", "s2"))  # a cell cleared
    if read_between:
        found = w.execute(_CELL_CODE, ("l1", "s1")).fetchone()
        assert found == ("У",) and "attendance" not in w.late
    w.execute(_ATTENDANCE, _cell("l2", "s1", "Н"))
    w.execute(_CLEAR, ("l3", "s3"))  # never set: nothing to clear
    w.execute(_ATTENDANCE, _cell("l1", "s2", "Н"))  # set again after it was cleared
    w.executemany(_ATTENDANCE, [_cell("l2", "s2", "Б"), _cell("l2", "s2", "Н")])
    w.flush()
    w.make_indexes()
    return w.conn.execute("SELECT lesson, student, code FROM attendance ORDER BY rowid").fetchall()


def test_the_attendance_index_made_at_the_end_gives_what_keeping_it_gives() -> None:
    # R-ATT-1: a cell holds its latest code; while its index is late the writer keeps the cells
    # in memory, and the rows left are the same, in the same order, as when it is kept.
    results = []
    for late, read_between in ((False, False), (True, False), (True, True)):
        conn = sqlite3.connect(":memory:", isolation_level=None)
        conn.executescript(SCHEMA)
        writer = SplitWriter(conn, worker=False)
        if late:
            writer.make_late("attendance")
        results.append(_attendance_writes(writer, read_between=read_between))
        indexes = conn.execute("SELECT name FROM sqlite_master WHERE tbl_name = 'attendance'")
        assert ("attendance_cell",) in indexes.fetchall()
    expected = [("l1", "s1", "У"), ("l2", "s1", "Н"), ("l1", "s2", "Н"), ("l2", "s2", "Н")]
    assert results == [expected, expected, expected]


def test_past_so_many_cells_the_attendance_index_is_made_at_once(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ejournal.projection.split_writer as split_module

    monkeypatch.setattr(split_module, "_MAX_CELLS", 1)
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA)
    w = SplitWriter(conn, worker=False)
    w.make_late("attendance")
    w.kind = "attendance.marked"
    w.executemany(_ATTENDANCE, [_cell("l1", "s1", "Н"), _cell("l1", "s1", "Б")])
    assert "attendance" in w.late  # one cell: still in memory
    w.execute(_ATTENDANCE, _cell("l1", "s2", "У"))
    assert "attendance" not in w.late  # two: the index now, and the usual way from here
    w.execute(_ATTENDANCE, _cell("l1", "s2", "Н"))
    w.flush()
    rows = conn.execute("SELECT lesson, student, code FROM attendance ORDER BY rowid").fetchall()
    assert rows == [("l1", "s1", "Б"), ("l1", "s2", "Н")]


def test_a_mark_id_given_twice_makes_the_split_give_way() -> None:
    w = _marks_writer(deferred=True)
    w.execute(_MARK_INSERT, _mark("mrk-a", "4"))
    w.execute(_MARK_INSERT, _mark("mrk-a", "5"))
    with pytest.raises(SplitUnsafe, match="twice"):
        _marks(w)


def test_a_feed_giving_a_mark_id_twice_rebuilds_to_what_applying_gives(
    built: sf.Built, tmp_path: Path
) -> None:
    feeds = copy_feeds(built, tmp_path)
    lesson = _kept_value(
        built, "SELECT lesson FROM lessons WHERE invalid = 0 ORDER BY rowid LIMIT 1"
    )
    mark = {"mark": "mrk-twice", "lesson": lesson, "student": built.ids.alekseev, "kind": "У"}
    _append(feeds, mark | {"value": "3"})
    _append(feeds, {"mark": "mrk-twice", "value": "4", "reason": "пересчёт"}, "mark.corrected")
    _append(feeds, mark | {"value": "5"})
    rebuild(feeds, tmp_path / "rebuilt.sqlite", parallel=True)
    applied = _applied(feeds, tmp_path)
    rebuilt = sqlite3.connect(tmp_path / "rebuilt.sqlite")
    assert rebuilt.execute(
        "SELECT value, current FROM marks WHERE mark = 'mrk-twice'"
    ).fetchall() == [("5", "5")]
    assert dump(rebuilt) == dump(applied)


def test_the_main_process_makes_the_lessons_index_at_the_end_or_when_read() -> None:
    conn = sqlite3.connect(":memory:", isolation_level=None)
    conn.executescript(SCHEMA)
    main = SplitWriter(conn, worker=False)
    main.kind = "lesson.recorded"
    main.make_late("lessons", "attendance_events")
    insert = "INSERT OR REPLACE INTO lessons VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
    lesson = ["les-1", "crs-1", "2026-09-01", 1, "", "", "[]", "", 0, "t", "p", "t", "f#1", 0]
    main.execute(insert, lesson)
    main.kind = "lesson.updated"
    assert set(main.late) == {"lessons", "attendance_events"}
    main.execute("UPDATE lessons SET topic = ? WHERE lesson = ?", ("Дроби", "les-1"))
    assert set(main.late) == {"attendance_events"}  # made before the update ran
    assert conn.execute("SELECT topic FROM lessons").fetchall() == [("Дроби",)]
    twice = SplitWriter(sqlite3.connect(":memory:", isolation_level=None), worker=False)
    twice.conn.executescript(SCHEMA)
    twice.kind = "lesson.recorded"
    twice.make_late("lessons")
    twice.execute(insert, lesson)
    twice.execute(insert, lesson)
    twice.flush()
    with pytest.raises(SplitUnsafe, match="twice"):
        twice.make_indexes()


_UNLOCKED = """
import ctypes, ctypes.util, json, sqlite3
from ejournal.projection.split import unlocked_sqlite
lib = ctypes.CDLL(ctypes.util.find_library("sqlite3") or "libsqlite3.so.0")
lib.sqlite3_memory_used.restype = ctypes.c_int64
conn = sqlite3.connect(":memory:")
conn.execute("CREATE TABLE t (x)")
counted = lib.sqlite3_memory_used()  # the sqlite3 module's library: it counts what it holds
conn.close()
done = unlocked_sqlite()
conn = sqlite3.connect(":memory:", isolation_level=None)
conn.execute("CREATE TABLE t (x)")
conn.executemany("INSERT INTO t VALUES (?)", [(str(i) * 20,) for i in range(5000)])
found = conn.execute("SELECT count(*), min(x) FROM t").fetchone()
print(json.dumps([done, counted, lib.sqlite3_memory_used(), found]))
"""


def test_the_worker_runs_sqlite_without_its_locks() -> None:
    # split.unlocked_sqlite, in a process of its own as in the worker: the library the sqlite3
    # module uses stops counting its memory (its statistics' mutex is off with them), and works.
    import json
    import subprocess
    import sys

    done = subprocess.run(
        [sys.executable, "-c", _UNLOCKED], capture_output=True, text=True, check=True
    )
    unlocked, counted, after, found = json.loads(done.stdout)
    assert unlocked is True
    assert counted > 0
    assert after == 0
    assert found == [5000, "0" * 20]


def test_where_sqlites_library_is_not_to_be_had_the_worker_goes_on_as_it_is(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import ctypes.util

    from ejournal.projection import split

    for name in ("libno-such-library.so.9", "libc.so.6"):  # not there; not SQLite's
        monkeypatch.setattr(ctypes.util, "find_library", lambda _, name=name: name)
        assert split.unlocked_sqlite() is False
