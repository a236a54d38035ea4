"""The same thing done on two sites before they met (issue #9, multi-site): two new marks in one
cell, the attendance of a student at a lesson set on both, the same lesson's topic changed on
both, the same lesson recorded on both. Whatever order the feeds arrive in, every site ends
with the same projection, the same mark in force and the same list of conflicts."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import school_fixture as sf

from ejournal.datadir import DataDir
from ejournal.journal import Journal
from ejournal.log import SigningPolicy
from ejournal.log.keys import load_private_key
from ejournal.model.commands import people, teaching
from ejournal.projection.db import Projection
from ejournal.projection.rebuild import rebuild
from ejournal.queries.history import mark_history
from ejournal.queries.sites import Conflict, conflicts
from sync.backup import backup
from sync.replica import replicate
from sync.restore import restore


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> sf.Built:
    return sf.build(tmp_path_factory.mktemp("concurrent") / "school")


def _tables(db: sqlite3.Connection) -> dict[str, list[tuple[object, ...]]]:
    names = [
        r[0]
        for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        if r[0] != "meta"
    ]
    return {n: sorted(db.execute(f"SELECT * FROM {n}").fetchall(), key=repr) for n in names}


def _pull(into: Journal, source: Journal) -> None:
    """What a flash drive carried between the sites does: copy, then take the entries in."""
    source.feed.checkpoint()
    root = DataDir(into.data_dir.path).root_verifier()
    assert replicate(source.data_dir.path, into.data_dir.path, root).ok
    into.refresh()


def _take_in(path: Path) -> Projection:
    """A replica without a journal server (a third site's folder): its projection brought up
    to date the way Journal.refresh does it (in place, or rebuilt when out of the merged order)."""
    db = path / "journal.sqlite"
    projection = Projection(db)
    if not projection.in_merged_order(path / "feeds"):
        projection.close()
        # parallel: the marks written by the offload worker, as for a large school
        rebuild(path / "feeds", db, parallel=True)
        projection = Projection(db)
    projection.catch_up(path / "feeds")
    return projection


def _slot(db: sqlite3.Connection, lesson: str, student: str, kind: str) -> list[tuple[str, ...]]:
    return db.execute(
        "SELECT value, current FROM marks WHERE lesson = ? AND student = ? AND kind = ? "
        "ORDER BY at",
        (lesson, student, kind),
    ).fetchall()


def _summary(found: tuple[Conflict, ...]) -> list[tuple[str, str, str]]:
    return sorted((c.kind, c.earlier.value, c.later.value) for c in found)


def test_the_same_thing_done_on_two_sites_resolves_the_same_whatever_the_order(
    built: sf.Built, tmp_path: Path
) -> None:
    """R-MRK-1, R-ATT-1, R-LES-1 on two sites: the later entry in the merged order is in force,
    the earlier new mark is superseded (kept, shown in its history), both lessons recorded
    twice stay; two third sites that receive the feeds in opposite orders agree with each other
    and with both sites, and so do their conflict lists."""
    i = built.ids
    main = sf.copy(built, tmp_path / "main")
    flash = tmp_path / "flash"
    flash.mkdir()
    assert backup(main.path, flash, "для филиала").ok
    root_signer = load_private_key(main.path / "keys" / "root.key")
    branch = tmp_path / "branch"
    restored = restore(
        flash,
        branch,
        root_signer.verifier(),
        root_signer=root_signer,
        feed_options={"clock": sf.Clock("2026-10-28 08:00")},
    )
    assert restored.ok
    # Third sites: copies of the main school's server as it was before the day's work.
    third_ab, third_ba = tmp_path / "third-ab", tmp_path / "third-ba"
    for third in (third_ab, third_ba):
        assert replicate(main.path, third, root_signer.verifier()).ok

    m = i.math_teacher
    lesson, student = i.lessons["math 09-02"], i.alekseev
    other_lesson = i.lessons["math 09-04"]
    options = {"policy": SigningPolicy(background=False)}
    clock_a = sf.Clock("2026-10-28 09:00")
    a = Journal.open(main.path, clock=clock_a, **options)
    b = Journal.open(branch, clock=sf.Clock("2026-10-28 09:05"), **options)  # 5 min later
    try:
        # the main school, then the branch, neither having seen the other's work
        for site, value, code, topic in ((a, "5", "Н", "Дроби"), (b, "3", "Б", "Доли")):
            teaching.give_mark(site, m, lesson=lesson, student=student, value=value, kind="У")
            teaching.mark_attendance(site, m, lesson=other_lesson, student=i.yolkina, code=code)
            teaching.update_lesson(site, m, lesson=other_lesson, topic=topic)
            teaching.record_lesson(site, m, course=i.math_5a, date="2026-10-27", number=3)
        # not conflicts: another work kind in the same cell; two marks on one site
        teaching.give_mark(a, m, lesson=lesson, student=i.borisova, value="4", kind="ДЗ")
        teaching.give_mark(a, m, lesson=lesson, student=i.borisova, value="5", kind="ДЗ")
        teaching.give_mark(b, m, lesson=lesson, student=i.borisova, value="4", kind="У")

        # the two third sites get the feeds in opposite orders (in place, then rebuilt)
        a.feed.checkpoint()
        b.feed.checkpoint()
        projections = {}
        for third, order in ((third_ab, (a, b)), (third_ba, (b, a))):
            for site in order:
                assert replicate(site.data_dir.path, third, root_signer.verifier()).ok
                _take_in(third).close()
            projections[third] = _take_in(third)
        first, second = projections[third_ab], projections[third_ba]
        try:
            assert _tables(first.conn) == _tables(second.conn)
            found = conflicts(first.conn)
            assert found == conflicts(second.conn)
            assert _summary(found) == [
                ("attendance", "Н", "Б"),
                ("lesson", "Дроби / ", "Доли / "),
                ("lesson_recorded", "", ""),
                ("new_mark", "5", "3"),
            ]
            assert all(c.earlier.ref.split("#")[0] == a.feed.dir.name for c in found)
            assert all(c.later.ref.split("#")[0] == b.feed.dir.name for c in found)
            # the branch's mark (later) counts; the main school's is superseded, not lost
            assert _slot(first.conn, lesson, student, "У") == [("5", None), ("3", "3")]
            assert _slot(first.conn, lesson, i.borisova, "ДЗ") == [("4", "4"), ("5", "5")]
            assert _slot(first.conn, lesson, i.borisova, "У") == [("4", "4")]
            attendance = first.conn.execute(
                "SELECT code FROM attendance WHERE lesson = ? AND student = ?",
                (other_lesson, i.yolkina),
            ).fetchall()
            assert attendance == [("Б",)]
            (new_mark,) = [c for c in found if c.kind == "new_mark"]
            loser = first.conn.execute(
                "SELECT mark FROM marks WHERE ref = ?", (new_mark.earlier.ref,)
            ).fetchone()[0]
            history = mark_history(first.conn, loser)
            assert history.current is None
            assert [(c.change, c.ref) for c in history.changes] == [
                ("superseded", new_mark.later.ref)
            ]
        finally:
            first.close()
            second.close()

        # the two sites exchange their feeds: both show the same, and list the same conflicts
        for _ in range(2):
            _pull(a, b)
            _pull(b, a)
        assert _tables(a.db) == _tables(b.db)
        assert conflicts(a.db) == conflicts(b.db)
        assert _summary(conflicts(a.db)) == _summary(found)
        # a mark given after seeing the other site's is a second mark, not a conflict
        clock_a.set("2026-10-28 10:00")
        teaching.give_mark(a, m, lesson=lesson, student=student, value="4", kind="У")
        for _ in range(2):
            _pull(b, a)
            _pull(a, b)
        assert _slot(b.db, lesson, student, "У") == [("5", None), ("3", "3"), ("4", "4")]
        assert _summary(conflicts(b.db)) == _summary(found)
        assert _tables(a.db) == _tables(b.db)
        # R-SEC-3: the teacher's login was stolen at 09:03; what it did since stops counting,
        # the branch's supersession too: the main school's first mark is back in force
        clock_a.set("2026-10-28 11:00")
        people.report_compromise(
            a, i.admin, person=m, since="2026-10-28T09:03:00.000+07:00", reason="утечка"
        )
        assert _slot(a.db, lesson, student, "У") == [("5", "5"), ("3", None), ("4", None)]
        assert "new_mark" not in {c.kind for c in conflicts(a.db)}
    finally:
        a.close()
        b.close()
