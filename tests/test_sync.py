"""Replication between replicas and backups to a medium (issue #9, items 1–3 and 5)."""

from __future__ import annotations

import errno
import json
import shutil
from collections import namedtuple
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import (
    School,
    append_entries,
    copy_school,
    make_school,
    realistic_entry,
    snapshot,
)

import sync.durable as durable_mod
import sync.replica as replica_mod
from ejournal.cli import main
from ejournal.log import verify_data_dir
from sync.backup import BACKUP_DIR, read_records
from sync.replica import NotEnoughSpaceError, NotWritableError, replicate


def _grow(school: School, count: int) -> None:
    with school.open() as feed:
        append_entries(feed, count, batch=50)


def _lines(path: Path) -> int:
    return sum(p.read_bytes().count(b"\n") for p in (path / "feeds").rglob("seg-*.jsonl"))


@pytest.fixture
def grown(school: School) -> School:
    _grow(school, 300)
    return school


def test_first_copy_then_incremental(grown: School, tmp_path: Path) -> None:
    dest = tmp_path / "flash"
    first = replicate(grown.path, dest, grown.root)
    assert first.ok and first.feeds[0].status == "new"
    assert first.entries_copied == 301
    assert verify_data_dir(dest, grown.root).ok
    assert snapshot(dest / "feeds") == snapshot(grown.path / "feeds") | {}  # same bytes, modes

    again = replicate(grown.path, dest, grown.root)
    assert again.ok and again.feeds[0].status == "unchanged"
    assert again.entries_copied == 0 and again.bytes_written == 0

    _grow(grown, 57)
    third = replicate(grown.path, dest, grown.root)
    assert third.ok and third.entries_copied == 57
    assert third.bytes_copied > 0
    assert _lines(dest) == 358
    assert verify_data_dir(dest, grown.root).ok
    assert not (dest / replica_mod.STAGING).exists()


def test_copies_only_what_a_checkpoint_covers(grown: School, tmp_path: Path) -> None:
    """A live server's unsigned entries are not copied yet: the copy always verifies."""
    feed = grown.open()
    try:
        feed.append([realistic_entry(i) for i in range(3)])
        result = replicate(grown.path, tmp_path / "flash", grown.root)
        assert result.ok and result.feeds[0].entries == 301
        assert verify_data_dir(tmp_path / "flash", grown.root).ok
    finally:
        feed.close()
    assert replicate(grown.path, tmp_path / "flash", grown.root).entries_copied == 3


def test_fork_is_detected_and_destination_untouched(grown: School, tmp_path: Path) -> None:
    other = copy_school(grown, tmp_path / "other")
    _grow(grown, 5)
    grown.clock.move(seconds=1)  # different times: different lines at the same seq
    _grow(other, 5)
    before = snapshot(other.path)
    result = replicate(grown.path, other.path, grown.root)
    assert not result.ok
    assert [f.status for f in result.forks] == ["fork"]
    assert "FORK" in result.forks[0].problems[0]
    assert snapshot(other.path) == before
    # and the other way round
    before = snapshot(grown.path)
    assert not replicate(other.path, grown.path, grown.root).ok
    assert snapshot(grown.path) == before


def test_destination_ahead_is_not_a_fork(grown: School, tmp_path: Path) -> None:
    behind = copy_school(grown, tmp_path / "behind")
    _grow(grown, 10)
    result = replicate(behind.path, grown.path, grown.root)
    assert result.ok and result.feeds[0].status == "ahead" and result.entries_copied == 0


def test_forged_source_is_refused(grown: School, tmp_path: Path) -> None:
    dest = tmp_path / "flash"
    replicate(grown.path, dest, grown.root)
    _grow(grown, 5)
    seg = grown.segments()[-1]
    data = seg.read_bytes()
    cut = data.rindex(b"\n", 0, len(data) - 1) + 1  # the last entry: new to the copy
    seg.chmod(0o644)
    seg.write_bytes(data[:cut] + data[cut:].replace(b'"actor":"', b'"actor":"x', 1))
    before = snapshot(dest)
    result = replicate(grown.path, dest, grown.root)
    assert not result.ok and result.feeds[0].status == "invalid"
    assert "do not hash to the root" in result.feeds[0].problems[0]
    assert snapshot(dest) == before


def test_source_edited_where_the_copy_has_it_is_refused(grown: School, tmp_path: Path) -> None:
    """An entry the copy already holds, rewritten on the source: the two disagree; nothing is
    copied (the incremental check does not re-read old entries, the byte comparison of the
    segment being extended catches it)."""
    dest = tmp_path / "flash"
    replicate(grown.path, dest, grown.root)
    _grow(grown, 5)
    seg = grown.segments()[-1]
    seg.chmod(0o644)
    seg.write_bytes(seg.read_bytes().replace(b'"value":"3"', b'"value":"5"', 1))
    before = snapshot(dest)
    result = replicate(grown.path, dest, grown.root)
    assert not result.ok and result.feeds[0].failed
    assert snapshot(dest) == before


@pytest.mark.parametrize("when", ["staged", "renamed"])
def test_interrupted_copy_then_resume(grown: School, tmp_path: Path, when: str) -> None:
    dest = tmp_path / "flash"
    replicate(grown.path, dest, grown.root)
    _grow(grown, 40)

    class Pulled(Exception):
        pass

    def pull(stage: str, path: Path) -> None:
        if stage == when:
            if stage == "staged":
                path.write_bytes(path.read_bytes()[:-17])  # a torn temp file, then the drive goes
            raise Pulled

    with pytest.raises(Pulled):
        replicate(grown.path, dest, grown.root, hook=pull)
    report = verify_data_dir(dest, grown.root)
    if when == "staged":
        assert report.ok, report.all_problems  # the old copy is intact
        assert _lines(dest) == 301
    else:
        # Between renames: the new lines are in, their checkpoint not yet; nothing is lost.
        assert {p.code for p in report.all_problems} <= {"unsigned_tail"}
    result = replicate(grown.path, dest, grown.root)
    assert result.ok
    assert verify_data_dir(dest, grown.root).ok
    assert _lines(dest) == 341
    assert not (dest / replica_mod.STAGING).exists()


def test_read_only_medium_refused_before_writing(
    grown: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "flash"
    dest.mkdir()

    def refuse(path: Path) -> None:
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(durable_mod, "_open_probe", refuse)
    with pytest.raises(NotWritableError) as e:
        replicate(grown.path, dest, grown.root)
    assert "read-only" in str(e.value) and "защищён" in e.value.message_ru
    assert list(dest.iterdir()) == []


def test_too_little_space_refused_before_writing(
    grown: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dest = tmp_path / "flash"
    Usage = namedtuple("Usage", "total used free")
    monkeypatch.setattr(shutil, "disk_usage", lambda p: Usage(10**9, 10**9 - 1000, 1000))
    with pytest.raises(NotEnoughSpaceError) as e:
        replicate(grown.path, dest, grown.root)
    assert "not enough free space" in str(e.value) and "места" in e.value.message_ru
    assert list(dest.iterdir()) == []


def _backup(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["backup", *args])
    return result.exit_code, result.output


def test_backup_command(grown: School, tmp_path: Path) -> None:
    medium = tmp_path / "medium"
    medium.mkdir()
    code, out = _backup(str(grown.path), str(medium), "--label", "флешка в сейфе директора")
    assert code == 0, out
    assert "the last checkpoint covers all 301 entries" in out  # closed cleanly: all signed
    (folder,) = (medium / BACKUP_DIR).iterdir()
    assert folder.name == f"{grown.root.key_id:08x}"
    assert verify_data_dir(folder, grown.root).ok
    # public keys only, never a private key
    assert sorted(p.name for p in (folder / "keys").iterdir()) == ["device.vkey", "root.vkey"]
    assert not [p for p in folder.rglob("*") if p.is_file() and b"PRIVATE" in p.read_bytes()]
    (record,) = read_records(folder)
    assert record["label"] == "флешка в сейфе директора" and record["verified"] is True
    assert record["feeds"][grown.feed_id]["entries"] == 301
    # a second run copies nothing new and adds a record
    code, out = _backup(str(grown.path), str(medium), "--label", "флешка в сейфе директора")
    assert code == 0 and "0 entries copied" in out
    assert len(read_records(folder)) == 2
    json.dumps(read_records(folder))


def test_backup_with_a_running_server_skips_signing(grown: School, tmp_path: Path) -> None:
    with grown.open():
        code, out = _backup(str(grown.path), str(tmp_path), "--label", "x")
    assert code == 0, out
    assert "running journal server" in out


def test_backup_exit_codes(grown: School, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    code, out = _backup(str(grown.path), str(tmp_path / "absent"), "--label", "x")
    assert code == 2 and "not a folder" in out
    code, _ = _backup(str(tmp_path / "nothing"), str(tmp_path), "--label", "x")
    assert code == 2
    # a fork on the medium: exit 1
    other = make_school(tmp_path / "unused")  # a different school does not share the folder
    assert other.root.key_id != grown.root.key_id
    medium = tmp_path / "m"
    medium.mkdir()
    assert _backup(str(grown.path), str(medium), "--label", "x")[0] == 0
    folder = next((medium / BACKUP_DIR).iterdir())
    seg = sorted((folder / "feeds" / grown.feed_id).glob("seg-*"))[-1]
    seg.chmod(0o644)
    seg.write_bytes(seg.read_bytes().replace(b'"value":"3"', b'"value":"5"', 1))
    _grow(grown, 3)
    code, out = _backup(str(grown.path), str(medium), "--label", "x")
    assert code == 1 and "FORK" in out
    # read-only medium: exit 2
    monkeypatch.setattr(
        durable_mod, "_open_probe", lambda p: (_ for _ in ()).throw(OSError(errno.EROFS, "ro"))
    )
    code, out = _backup(str(grown.path), str(medium), "--label", "x")
    assert code == 2 and "read-only" in out


def test_foreign_feed_on_the_medium_is_refused(grown: School, tmp_path: Path) -> None:
    """A feed signed under another school's root key, carried in on a flash drive."""
    flash = tmp_path / "flash"
    replicate(grown.path, flash, grown.root)
    stranger = make_school(tmp_path / "stranger")
    shutil.copytree(stranger.feed_dir, flash / "feeds" / stranger.feed_id)
    before = snapshot(grown.path)
    result = replicate(flash, grown.path, grown.root)
    assert not result.ok
    bad = [f for f in result.feeds if f.status == "invalid"]
    assert [f.feed for f in bad] == [stranger.feed_id] and bad[0].problems
    assert snapshot(grown.path) == before


def test_pulled_drive_at_random_offsets(grown: School, tmp_path: Path) -> None:
    """The staged file is cut at random byte offsets (the drive pulled mid-write), many times:
    the medium's copy verifies every time and a run without interruption completes it."""
    import random

    rng = random.Random(9)
    dest = tmp_path / "flash"
    replicate(grown.path, dest, grown.root)
    _grow(grown, 30)
    for _ in range(12):
        entries_before = _lines(dest)

        def pull(stage: str, path: Path) -> None:
            if stage == "staged":
                data = path.read_bytes()
                path.write_bytes(data[: rng.randrange(len(data))])
                raise OSError(errno.EIO, "the drive was pulled out")

        with pytest.raises(OSError):
            replicate(grown.path, dest, grown.root, hook=pull)
        assert verify_data_dir(dest, grown.root).ok
        assert _lines(dest) == entries_before
    assert replicate(grown.path, dest, grown.root).entries_copied == 30
    assert verify_data_dir(dest, grown.root).ok


def test_backup_signs_an_unsigned_tail_first(grown: School, tmp_path: Path) -> None:
    """A server that stopped before signing its last entries (a crash): the backup signs them
    (FORMAT §8) and copies all of them."""
    feed = grown.open()
    try:
        feed.append([realistic_entry(i) for i in range(3)])
        crashed = copy_school(grown, tmp_path / "crashed")  # the files as a crash leaves them
    finally:
        feed.close()
    code, out = _backup(str(crashed.path), str(tmp_path), "--label", "x")
    assert code == 0, out
    assert "signed a checkpoint over 304 entries" in out and "304 on the copy" in out


def test_backup_result_counts_the_entries_on_the_medium(grown: School, tmp_path: Path) -> None:
    """``ejournal scheduled-backup`` (ops) reports ``result.verify.entries``: the incremental
    check counts what the medium holds, as the full one does."""
    from sync.backup import backup

    incremental = backup(grown.path, tmp_path, "x")
    full = backup(grown.path, tmp_path, "x", full_verify=True)
    assert incremental.ok and full.ok
    assert incremental.verify.entries == full.verify.entries == 301
