"""Upgrades (issue #10): a data directory made by the previous version (format 1, projection
schema 1: tests/data/upgrade/v1, made by main at b5bb358 with make_fixture.py) opens with this
one, its projection rebuilt and the feeds byte for byte as they were; a data directory from a
newer version is refused with a clear message and left alone."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from ejournal.cli import main
from ejournal.datadir import FORMAT_VERSION, DataDir
from ejournal.journal import Journal
from ejournal.log import SigningPolicy
from ejournal.projection.schema import SCHEMA_VERSION
from ejournal.upgrade import NewerDataError, projection_version, read_format

FIXTURE = Path(__file__).parent / "data" / "upgrade" / "v1"


def snapshot(path: Path) -> dict[str, bytes]:
    """Every file of the record (feeds and keys), the writer's lock and resume point aside."""
    return {
        str(p.relative_to(path)): p.read_bytes()
        for p in sorted(path.rglob("*"))
        if p.is_file()
        and p.parts[len(path.parts)] in ("feeds", "keys")
        and p.name not in ("lock", "resume")
    }


@pytest.fixture
def old(tmp_path: Path) -> Path:
    path = tmp_path / "v1"
    shutil.copytree(FIXTURE, path)
    for key in (path / "keys").glob("*.key"):
        key.chmod(0o600)  # git keeps no file modes beyond the executable bit
    return path


def test_the_fixture_is_what_the_previous_version_made(old: Path) -> None:
    assert not (old / "FORMAT").exists()
    assert read_format(DataDir(old)) == 1
    assert projection_version(old / "journal.sqlite") == 1
    assert SCHEMA_VERSION > 1 and FORMAT_VERSION > 1


def test_opening_an_old_directory_rebuilds_the_projection_and_keeps_the_feeds(old: Path) -> None:
    before = snapshot(old)
    with Journal.open(old, policy=SigningPolicy(background=False)) as j:
        report = j.upgrade
        assert (report.format_before, report.format_after) == (1, FORMAT_VERSION)
        assert report.projection_before == 1 and report.rebuilt
        # the rebuilt projection holds the old school: its marks and people
        marks = j.db.execute("SELECT value FROM marks ORDER BY value").fetchall()
        assert marks == [("2",), ("3",), ("4",), ("5",)]
        # school.py: 4 administration, 6 teachers, 10 students, 2 parents
        assert j.db.execute("SELECT count(*) FROM persons").fetchone() == (22,)
        assert j.db.execute("SELECT count(*) FROM imports").fetchone() == (0,)  # new table
    assert snapshot(old) == before  # the feeds and keys, byte for byte
    assert (old / "FORMAT").read_text() == f"ejournal data directory format {FORMAT_VERSION}\n"
    assert projection_version(old / "journal.sqlite") == SCHEMA_VERSION
    with Journal.open(old, policy=SigningPolicy(background=False)) as j:
        assert not j.upgrade.changed  # upgraded once


def test_a_directory_from_a_newer_version_is_refused(old: Path) -> None:
    (old / "FORMAT").write_text(f"ejournal data directory format {FORMAT_VERSION + 1}\n")
    before = snapshot(old)
    db = (old / "journal.sqlite").read_bytes()
    with pytest.raises(NewerDataError, match="written by a newer ejournal"):
        Journal.open(old)
    for command in (
        ["serve", str(old)],
        ["rebuild", str(old)],
        ["export", str(old), "staff", str(old / "x.csv")],
    ):
        result = CliRunner().invoke(main, command)
        assert result.exit_code == 2, (command, result.output)
        assert "newer ejournal" in result.output and "Traceback" not in result.output
    assert snapshot(old) == before and (old / "journal.sqlite").read_bytes() == db


def test_a_garbled_format_file_is_a_clear_error(old: Path) -> None:
    (old / "FORMAT").write_text("version two\n")
    result = CliRunner().invoke(main, ["serve", str(old)])
    assert result.exit_code == 2 and "not an ejournal FORMAT file" in result.output
