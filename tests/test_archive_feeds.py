"""A school with a branch (two servers, two feeds exchanged by sync/, issue #9): its year's
package carries every feed of the year, verification covers each feed, and damage to the
second feed is found by the full tool and by the one-file verifier alone (R-ARC-1, R-ARC-3)."""

from __future__ import annotations

import csv
import io
import json
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from archive_fixture import PURE_PYTHON, recompute_manifests, run_onefile
from school import KRASNOYARSK, YEAR, SchoolClock, SchoolIds, open_journal

from archive_tools import verify_package as vp
from archive_tools.keys import root_companion
from archive_tools.seal import seal_year
from archive_tools.verify import verify_packages
from ejournal.log.keys import load_private_key
from ejournal.model.commands import structure, teaching
from sync.backup import backup
from sync.replica import replicate
from sync.restore import restore

pytest_plugins = ["school", "archive_fixture"]


@dataclass(frozen=True)
class TwoFeeds:
    school: Path
    package: Path
    ids: SchoolIds
    main_feed: str
    branch_feed: str


@pytest.fixture(scope="module")
def two_feeds(
    school_template: tuple[Path, SchoolIds], tmp_path_factory: pytest.TempPathFactory
) -> TwoFeeds:
    """The fixture school's year finished on two servers: the main school gives a year mark,
    the branch (set up from a backup with the root key, a feed of its own) gives two, the
    branch's feed is replicated to the main server, the director closes the year there."""
    template, i = school_template
    base = tmp_path_factory.mktemp("two-feeds")
    main = base / "main"
    shutil.copytree(template, main)
    (main_feed,) = (p.name for p in (main / "feeds").iterdir())
    t, fm = i.math_teacher, teaching.give_final_mark
    clock = SchoolClock(datetime(2027, 5, 20, 10, 0, tzinfo=KRASNOYARSK))
    with open_journal(main, clock) as j:
        fm(j, t, course=i.math_5a, student=i.students_5a[0], kind="year", value="5")
    flash = base / "flash"
    flash.mkdir()
    assert backup(main, flash, "флешка для филиала").ok
    root = load_private_key(main / "keys" / "root.key")
    branch = base / "branch"
    branch_clock = SchoolClock(datetime(2027, 5, 21, 9, 0, tzinfo=KRASNOYARSK))
    restored = restore(
        flash, branch, root.verifier(), root_signer=root, feed_options={"clock": branch_clock}
    )
    assert restored.ok and restored.device_feed
    with open_journal(branch, branch_clock) as j:
        branch_clock.move(hours=1)
        fm(j, t, course=i.math_5a, student=i.students_5a[1], kind="year", value="3")
        fm(j, t, course=i.math_10a, student=i.students_10a[0], kind="year", value="4")
    assert replicate(branch, main, root.verifier()).ok
    clock.move(days=30)
    with open_journal(main, clock) as j:
        structure.close_year(j, i.director, year=YEAR)
    companion = root_companion(root, main / "keys" / "root.key", main / "archive" / "keys")
    packages = base / "packages"
    packages.mkdir()
    result = seal_year(main, YEAR, packages, root, companion)
    return TwoFeeds(main, result.path, i, main_feed, restored.device_feed)


def _lines(school: Path, feed: str) -> bytes:
    return b"".join(p.read_bytes() for p in sorted((school / "feeds" / feed).glob("seg-*.jsonl")))


def _year_marks(package: Path, klass: str) -> dict[str, str]:
    text = (package / "data" / "summary" / f"{klass}.csv").read_text(encoding="utf-8")
    return {r["ученик_id"]: r["годовая"] for r in csv.DictReader(io.StringIO(text))}


def test_a_two_feed_year_carries_and_verifies_both_feeds(
    two_feeds: TwoFeeds, crypto_python: list[str]
) -> None:  # R-ARC-1
    y, i = two_feeds, two_feeds.ids
    desc = json.loads((y.package / vp.DESCRIPTION).read_text())
    assert {f["feed"] for f in desc["feeds"]} == {y.main_feed, y.branch_feed}
    for feed in (y.main_feed, y.branch_feed):
        whole = _lines(y.school, feed)
        (d,) = [f for f in desc["feeds"] if f["feed"] == feed]
        assert (d["start"], d["end"]) == (0, whole.count(b"\n"))  # the first year: all of it
        assert (y.package / "data" / "feeds" / feed / "entries.jsonl").read_bytes() == whole
    (report,) = verify_packages([str(y.package)])
    assert report.ok, vp.render_text([report])
    checked = {f["feed"]: f["entries"] for f in report.data["feeds"]}
    assert checked == {
        y.main_feed: _lines(y.school, y.main_feed).count(b"\n"),
        y.branch_feed: _lines(y.school, y.branch_feed).count(b"\n"),
    }
    assert all(f["checkpoints"] >= 1 for f in report.data["feeds"])
    # The summary sheets merge the marks of both feeds: 5 given at the school, 3 and 4 at the
    # branch.
    assert _year_marks(y.package, i.c5a) == {i.students_5a[0]: "5", i.students_5a[1]: "3"}
    assert _year_marks(y.package, i.c10a) == {i.students_10a[0]: "4"}
    for python in (crypto_python, PURE_PYTHON):
        (verdict,) = run_onefile(python, [y.package])
        assert verdict["ok"], verdict["report"]


def _change_branch_mark(pkg: Path, feed: str) -> None:
    """The branch's year mark 4 made a 5, and the manifests made to fit."""
    path = pkg / "data" / "feeds" / feed / "entries.jsonl"
    lines = path.read_bytes().split(b"\n")
    (n,) = [n for n, x in enumerate(lines) if b'"kind":"year"' in x and b'"value":"4"' in x]
    lines[n] = lines[n].replace(b'"value":"4"', b'"value":"5"')
    path.write_bytes(b"\n".join(lines))
    recompute_manifests(pkg)


def _remove_branch_feed(pkg: Path, feed: str) -> None:
    shutil.rmtree(pkg / "data" / "feeds" / feed)
    recompute_manifests(pkg)


@pytest.mark.parametrize(
    ("damage", "code", "what"),
    [
        (_change_branch_mark, "root_mismatch", "entries.jsonl"),
        (_remove_branch_feed, "file_missing", "entries.jsonl"),
    ],
)
def test_damage_to_the_second_feed_is_found_and_named(
    two_feeds: TwoFeeds,
    tmp_path: Path,
    crypto_python: list[str],
    damage: object,
    code: str,
    what: str,
) -> None:  # R-ARC-3
    pkg = tmp_path / two_feeds.package.name
    shutil.copytree(two_feeds.package, pkg)
    damage(pkg, two_feeds.branch_feed)  # type: ignore[operator]
    (report,) = verify_packages([str(pkg)])
    assert not report.ok
    named = [p for p in report.problems if p["code"] == code]
    assert [p["file"] for p in named] == [f"data/feeds/{two_feeds.branch_feed}/{what}"]
    assert not [p for p in report.problems if two_feeds.main_feed in p["file"]]
    codes = sorted({p["code"] for p in report.problems})
    for python in (crypto_python, PURE_PYTHON):
        (verdict,) = run_onefile(python, [pkg])
        assert not verdict["ok"] and verdict["codes"] == codes, verdict["report"]
