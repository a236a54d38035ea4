"""The SQLite projection is disposable: applying is idempotent and in order, and a rebuild from
the feeds alone gives the same tables and the same query results as the database the commands
kept up to date (issue #3, STYLE habit 9)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
import school_fixture as sf

from ejournal.log.entry import Entry
from ejournal.log.reader import read_chunks, read_entries
from ejournal.projection.batch import BatchedWriter
from ejournal.projection.db import Projection, ProjectionError, rebuild
from ejournal.queries import averages, diary, grid, history, lesson, overview, periods, teacher

Dump = dict[str, list[tuple[object, ...]]]


def dump(conn: sqlite3.Connection) -> Dump:
    """Every table's rows, ordered by all their columns, and the schema (sqlite_master without
    its root page numbers: where a table or index sits in the file is not content)."""
    tables = [
        r[0]
        for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
    ]
    result: Dump = {
        "sqlite_master": conn.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY 1, 2, 3, 4"
        ).fetchall()
    }
    for table in tables:
        width = len(conn.execute(f"PRAGMA table_info({table})").fetchall())
        order = ", ".join(str(n) for n in range(1, width + 1))
        result[table] = conn.execute(f"SELECT * FROM {table} ORDER BY {order}").fetchall()
    return result


def entries_of(built: sf.Built) -> list[Entry]:
    (feed_dir,) = (built.path / "feeds").iterdir()
    return list(read_entries(feed_dir))


MONDAYS = [
    "2026-08-31",
    "2026-09-07",
    "2026-09-14",
    "2026-09-21",
    "2026-10-19",
    "2026-10-26",
    "2026-11-09",
]
DAYS = [f"2026-09-{d:02d}" for d in range(1, 19)] + ["2026-10-23", "2026-10-27"]


def query_results(db: sqlite3.Connection) -> list[str]:
    """The repr of every query of ejournal.queries over everything the school holds: the
    administration's and everyone's views alike."""

    def column(sql: str) -> list[str]:
        return [r[0] for r in db.execute(sql)]

    courses = column("SELECT course FROM courses ORDER BY course")
    terms = column("SELECT period FROM periods ORDER BY period")
    students = column("SELECT DISTINCT student FROM memberships ORDER BY student")
    teachers = column("SELECT DISTINCT teacher FROM course_teachers ORDER BY teacher")
    out: list[object] = []
    for year in column("SELECT year FROM years ORDER BY year"):
        out += [periods.periods_of_year(db, year, grade) for grade in (1, 5, 10)]
        out += [teacher.my_courses(db, t, year) for t in teachers]
    out += [periods.current_period(db, grade, day) for grade in (5, 10) for day in DAYS]
    for course in courses:
        out.append(periods.course_periods(db, course))
        for term in terms:
            out.append(grid.journal_grid(db, course, term))
            out.append(grid.journal_grid(db, course, term, include_invalid=True))
            out += [averages.student_average(db, s, course, term) for s in students]
        out += [history.marks_of_student(db, s, course) for s in students]
    for les in column("SELECT lesson FROM lessons ORDER BY lesson"):
        out.append(lesson.lesson_detail(db, les, include_invalid=True))
    for les in column("SELECT lesson FROM lessons WHERE invalid = 0 ORDER BY lesson"):
        out.append(lesson.lesson_detail(db, les))
    out += [diary.diary_week(db, s, monday) for s in students for monday in MONDAYS]
    for class_ in column("SELECT grp FROM groups WHERE kind = 'class' ORDER BY grp"):
        out += [overview.class_overview(db, class_, term) for term in terms]
    out += [
        history.mark_history(db, mark) for mark in column("SELECT mark FROM marks ORDER BY mark")
    ]
    out += [teacher.teacher_day(db, t, day) for t in teachers for day in DAYS]
    return [repr(result) for result in out]


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> sf.Built:
    """The school as the commands left it: journal.sqlite kept entry by entry."""
    return sf.build(tmp_path_factory.mktemp("projection") / "school")


@pytest.fixture(scope="module")
def rebuilt(built: sf.Built) -> Path:
    """The same school's projection rebuilt from the feeds alone, into another file."""
    path = built.path.parent / "rebuilt.sqlite"
    count = rebuild(built.path / "feeds", path)
    assert count == len(entries_of(built))
    return path


def connect(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


def test_rebuild_gives_the_same_tables(built: sf.Built, rebuilt: Path) -> None:
    kept, again = connect(built.path / "journal.sqlite"), connect(rebuilt)
    kept_dump, again_dump = dump(kept), dump(again)
    assert list(kept_dump) == list(again_dump)
    for table in kept_dump:
        assert kept_dump[table] == again_dump[table], table
    assert sum(len(rows) for rows in kept_dump.values()) > 200  # the school is not empty
    assert any(row[10] == 1 for row in kept_dump["marks"])  # R-SEC-3: invalid marks are there


def test_rebuild_gives_the_same_query_results(built: sf.Built, rebuilt: Path) -> None:
    kept = query_results(connect(built.path / "journal.sqlite"))
    again = query_results(connect(rebuilt))
    assert len(kept) > 300
    assert kept == again


def test_the_comparison_sees_a_changed_mark(built: sf.Built, rebuilt: Path, tmp_path: Path) -> None:
    """The equality above has teeth: one mark changed behind the log's back shows."""
    changed = tmp_path / "changed.sqlite"
    with connect(rebuilt) as source, sqlite3.connect(changed) as target:
        source.backup(target)
        target.execute(
            "UPDATE marks SET current = '4' WHERE mark = ?",
            (built.ids.marks["math 09-02 yolkina"],),
        )
    assert query_results(connect(changed)) != query_results(connect(rebuilt))


@pytest.mark.parametrize("which", ["kept", "rebuilt"])
def test_compromise_invalidates_and_reissue_restores(
    built: sf.Built, rebuilt: Path, which: str
) -> None:
    # R-SEC-3: Смирнова's entries since 2026-09-10 00:00 (+07:00) are invalid, in the
    # incrementally kept database and in the rebuilt one alike; the log is untouched.
    db = connect(built.path / "journal.sqlite" if which == "kept" else rebuilt)
    i = built.ids
    mark = lambda key: db.execute(  # noqa: E731
        "SELECT value, invalid, current, changed FROM marks WHERE mark = ?", (i.marks[key],)
    ).fetchone()
    assert mark("russian 09-10 alekseev") == ("2", 1, None, 0)
    assert mark("russian 09-10 yolkina") == ("5", 1, None, 0)
    assert mark("russian 09-08 alekseev") == ("5", 0, "5", 0)  # before the reported time
    assert mark("russian 09-17 alekseev") == ("5", 0, "5", 0)  # after new credentials
    # R-MRK-2: a correction later declared invalid: the current value reverts to the one given.
    assert mark("russian 09-01 borisova") == ("3", 0, "3", 0)
    assert db.execute(
        "SELECT value, invalid FROM mark_changes WHERE mark = ?",
        (i.marks["russian 09-01 borisova"],),
    ).fetchall() == [("4", 1)]
    # The valid correction by another teacher stays.
    assert mark("math 09-07 yolkina") == ("2", 0, "3", 1)
    # They drop out of averages and grids, and stay visible to the administration.
    g = grid.journal_grid(db, i.russian_5a, i.quarters[0])
    alekseev = next(r for r in g.rows if r.student.person == i.alekseev)
    assert (alekseev.average.average, alekseev.average.forecast) == (4.8, "5")
    assert [m.value for c in alekseev.cells for m in c.marks] == ["4", "5", "5"]
    admin = grid.journal_grid(db, i.russian_5a, i.quarters[0], include_invalid=True)
    alekseev = next(r for r in admin.rows if r.student.person == i.alekseev)
    assert [(m.value, m.invalid) for c in alekseev.cells for m in c.marks] == [
        ("4", False),
        ("5", False),
        ("2", True),
        ("5", False),
    ]
    assert db.execute(
        "SELECT invalid FROM comments WHERE lesson = ?", (i.lessons["russian 09-10"],)
    ).fetchall() == [(1,)]
    assert db.execute(
        "SELECT homework FROM lessons WHERE lesson = ?", (i.lessons["russian 09-10"],)
    ).fetchone() == ("упр. 12",)


def test_applying_the_same_entries_twice_changes_nothing(built: sf.Built, tmp_path: Path) -> None:
    entries = entries_of(built)
    projection = Projection(tmp_path / "p.sqlite")
    projection.apply(entries)
    once = dump(projection.conn)
    projection.apply(entries)
    projection.apply(entries[:40])
    projection.apply(entries[100:120])
    assert dump(projection.conn) == once
    assert projection.position(entries[0].feed) == len(entries)
    projection.close()


def test_applying_in_pieces_equals_applying_at_once(built: sf.Built, tmp_path: Path) -> None:
    entries = entries_of(built)
    whole = Projection(tmp_path / "whole.sqlite")
    whole.apply(entries)
    pieces = Projection(tmp_path / "pieces.sqlite")
    for start in range(0, len(entries), 7):
        pieces.apply(entries[max(0, start - 3) : start + 7])  # overlapping: the overlap is skipped
    assert dump(pieces.conn) == dump(whole.conn)
    whole.close()
    pieces.close()


def test_an_out_of_order_entry_raises_and_the_batch_is_rolled_back(
    built: sf.Built, tmp_path: Path
) -> None:
    entries = entries_of(built)
    projection = Projection(tmp_path / "p.sqlite")
    projection.apply(entries[:50])
    before = dump(projection.conn)
    with pytest.raises(ProjectionError, match="out of order"):
        projection.apply([entries[52]])
    # One transaction per batch: the good entries before the gap are not kept either.
    with pytest.raises(ProjectionError, match="out of order"):
        projection.apply(entries[50:55] + entries[56:60])
    assert dump(projection.conn) == before
    assert projection.position(entries[0].feed) == 50
    projection.apply(entries[50:])  # and it goes on from where it was
    assert projection.position(entries[0].feed) == len(entries)
    projection.close()


def test_reopening_catches_up_without_changing_anything(built: sf.Built, tmp_path: Path) -> None:
    school = sf.copy(built, tmp_path / "school")
    with connect(school.path / "journal.sqlite") as conn:
        before = dump(conn)
    with sf.open_journal(school.path) as j:
        assert j.projection.catch_up(school.path / "feeds") == 0
        assert dump(j.db) == before


def test_bulk_reading_gives_what_the_log_reader_gives(built: sf.Built, tmp_path: Path) -> None:
    feeds = tmp_path / "feeds"
    shutil.copytree(built.path / "feeds", feeds)
    (feed_dir,) = feeds.iterdir()
    everything = list(read_entries(feed_dir))
    for start in (0, 1, 57, len(everything) - 1, len(everything)):
        chunks = list(read_chunks(feed_dir, start, 10))
        assert all(len(chunk) <= 10 for chunk in chunks)
        assert [e for chunk in chunks for e in chunk] == everything[start:]
    # A line being written (no newline yet) is left out, as the log's reader leaves it.
    last = sorted(feed_dir.glob("seg-*.jsonl"))[-1]
    last.chmod(0o644)
    with last.open("ab") as f:
        f.write(b'{"v":1,"feed":')
    assert list(read_entries(feed_dir)) == everything
    assert [e for chunk in read_chunks(feed_dir, 0, 1000) for e in chunk] == everything


def test_batched_writer_runs_held_inserts_before_a_statement_that_names_their_table(
    tmp_path: Path,
) -> None:
    conn = sqlite3.connect(tmp_path / "w.sqlite", isolation_level=None)
    conn.executescript("CREATE TABLE lessons (x); CREATE TABLE notes (x)")
    writer = BatchedWriter(conn)
    writer.execute("INSERT INTO lessons VALUES (?)", (1,))
    writer.execute("INSERT INTO notes VALUES (?)", (2,))
    writer.execute("INSERT INTO lessons VALUES (?)", (3,))
    assert conn.execute("SELECT count(*) FROM lessons").fetchone() == (0,)  # held
    cursor = writer.execute("SELECT x FROM lessons ORDER BY rowid")
    assert cursor is not None and cursor.fetchall() == [(1,), (3,)]  # in order
    assert conn.execute("SELECT count(*) FROM notes").fetchone() == (
        0,
    )  # notes not named: still held
    writer.execute("UPDATE notes SET x = x + 1")
    assert conn.execute("SELECT x FROM notes").fetchall() == [(3,)]
    writer.execute("INSERT INTO lessons SELECT x FROM notes")  # not a plain insert: runs at once
    writer.flush()
    assert conn.execute("SELECT x FROM lessons ORDER BY rowid").fetchall() == [(1,), (3,), (3,)]


def test_rebuilt_projection_is_left_in_wal_mode(rebuilt: Path) -> None:
    assert connect(rebuilt).execute("PRAGMA journal_mode").fetchone() == ("wal",)
