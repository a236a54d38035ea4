"""Server → flash drive → empty server (issue #9): backups, restore, encrypted copies, records.

The school is the small one of ``school_fixture.py`` (a month of 5А's journal), built through
the public commands; the "flash drive" is a folder.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import school_fixture as sf
from click.testing import CliRunner
from conftest import snapshot

from ejournal.cli import main
from ejournal.datadir import DataDir
from ejournal.log import verify_data_dir
from ejournal.projection.db import Projection
from ejournal.queries import grid, periods
from sync.backup import BACKUP_DIR
from sync.crypto import MAGIC, EncryptionError
from sync.records import read_alarms, read_backups

SOCIAL_TABLES = ("meta", "positions", "receipts", "unknown_entries")


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, [str(a) for a in args])
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> sf.Built:
    return sf.build(tmp_path_factory.mktemp("restore") / "school")


@pytest.fixture
def school(built: sf.Built, tmp_path: Path) -> sf.Built:
    return sf.copy(built, tmp_path / "school")


def root_line(path: Path) -> str:
    return DataDir(path).root_verifier().vkey()


def grids(path: Path) -> dict[tuple[str, str], grid.Grid]:
    """The journal grid of every course for every one of its periods."""
    projection = Projection(path / "journal.sqlite")
    try:
        db = projection.conn
        out = {}
        for (course,) in db.execute("SELECT course FROM courses ORDER BY course"):
            for p in periods.course_periods(db, course):
                out[(course, p.period)] = grid.journal_grid(
                    db, course, p.period, include_invalid=True
                )
        return out
    finally:
        projection.close()


def tables(path: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of the projection but the bookkeeping tables, in a fixed order."""
    conn = sqlite3.connect(path / "journal.sqlite")
    try:
        names = [
            r[0]
            for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
            if r[0] not in SOCIAL_TABLES
        ]
        return {n: sorted(conn.execute(f"SELECT * FROM {n}").fetchall(), key=repr) for n in names}
    finally:
        conn.close()


@pytest.fixture
def medium(school: sf.Built, tmp_path: Path) -> Iterator[Path]:
    flash = tmp_path / "flash"
    flash.mkdir()
    code, out = run("backup", school.path, flash, "--label", "флешка в сейфе директора")
    assert code == 0, out
    yield flash


def test_round_trip_gives_identical_feeds_and_the_same_journal(
    school: sf.Built, medium: Path, tmp_path: Path
) -> None:
    """R-ARC-4: server → flash → empty server: identical feeds (bytes), a verified data
    directory, and the same journal grid for every course and period."""
    target = tmp_path / "restored"
    code, out = run("restore", medium, target, "--root-key", root_line(school.path))
    assert code == 0, out
    assert snapshot(target / "feeds") == snapshot(school.path / "feeds")
    assert verify_data_dir(target, DataDir(target).root_verifier()).ok
    assert grids(target) == grids(school.path)
    assert len(grids(target)) >= 8  # three courses × four quarters (and halves)
    assert tables(target) == tables(school.path)
    assert "no device key yet" in out
    assert not DataDir(target).device_key.exists()


def test_restore_with_the_root_key_gives_the_new_server_its_own_feed(
    school: sf.Built, medium: Path, tmp_path: Path
) -> None:
    """docs/adr/0002: a restored server never writes the old server's feed; it gets a new
    device key certified by the root key, and the journal opens and writes."""
    target = tmp_path / "restored"
    code, out = run("restore", medium, target, "--root-private-key", school.path / "keys/root.key")
    assert code == 0, out
    old = DataDir(school.path).device_feed_id()
    new = DataDir(target).device_feed_id()
    assert new != old and f"new feed: {new}" in out
    assert snapshot(target / "feeds" / old) == snapshot(school.path / "feeds" / old)
    old_size = sum(p.read_bytes().count(b"\n") for p in (target / "feeds" / old).glob("seg-*"))
    with sf.open_journal(target) as j:
        # the new server records that it holds the old feed (the conflicts query reads it)
        assert j.projection.query("SELECT feed, other, size FROM receipts") == [
            (new, old, old_size)
        ]
    assert verify_data_dir(target, DataDir(target).root_verifier()).ok
    assert grids(target) == grids(school.path)


def test_restore_refuses_a_folder_that_is_not_empty(medium: Path, school: sf.Built) -> None:
    code, out = run("restore", medium, school.path, "--root-key", root_line(school.path))
    assert code == 2 and "not empty" in out


def test_restore_needs_a_root_key_from_the_safe(medium: Path, tmp_path: Path) -> None:
    code, out = run("restore", medium, tmp_path / "x")
    assert code == 2 and "--root-key" in out


def test_restore_against_another_schools_root_refuses(
    medium: Path, tmp_path: Path, school: sf.Built
) -> None:
    """The medium's own root.vkey is not trusted: a copy of another school (or one signed by
    a forged root) does not restore under this school's root key."""
    other = sf.build(tmp_path / "other")
    code, out = run("restore", medium, tmp_path / "x", "--root-key", root_line(other.path))
    assert code == 2 and "no copy of the school" in out
    # the copy's folder named directly: every entry is checked against the given root
    folder = next((medium / BACKUP_DIR).iterdir())
    code, out = run("restore", folder, tmp_path / "y", "--root-key", root_line(other.path))
    assert code == 1, out
    assert not (tmp_path / "y" / "feeds").exists()


def test_backup_records_are_kept_in_the_data_dir(school: sf.Built, medium: Path) -> None:
    (record,) = read_backups(school.path)
    assert record["label"] == "флешка в сейфе директора" and record["verified"] is True
    assert record["verification"] == "incremental" and record["encrypted"] is False
    folder = next((medium / BACKUP_DIR).iterdir())
    assert json.loads((folder / "backups.jsonl").read_text().splitlines()[0]) == record
    code, out = run(
        "backup", school.path, medium, "--label", "флешка в сейфе директора", "--full-verify"
    )
    assert code == 0 and "the whole copy verified" in out
    assert read_backups(school.path)[-1]["verification"] == "full"
    assert read_alarms(school.path) == []


def test_a_fork_on_the_medium_raises_an_alarm_in_the_data_dir(
    school: sf.Built, medium: Path
) -> None:
    folder = next((medium / BACKUP_DIR).iterdir())
    notes = next((folder / "feeds").iterdir()) / "checkpoints"
    data = bytearray(notes.read_bytes())
    at = data.rindex("—".encode()) + 30  # inside the last signature's base64
    data[at] = ord("A") if data[at] != ord("A") else ord("B")
    notes.write_bytes(bytes(data))
    code, out = run("backup", school.path, medium, "--label", "флешка в сейфе директора")
    assert code == 1, out
    (alarm,) = read_alarms(school.path)
    assert alarm["operation"] == "backup" and alarm["kind"] in ("fork", "invalid")
    code, out = run("alarms", school.path)
    assert code == 0 and alarm["feed"] in out
    code, out = run("alarms", school.path, "--clear")
    assert read_alarms(school.path) == [] and list(school.path.glob("alarms-*.jsonl"))


# --- encrypted copies (R-SEC-4) --------------------------------------------------------------


def test_encrypted_backup_restores_with_its_passphrase(school: sf.Built, tmp_path: Path) -> None:
    flash = tmp_path / "flash"
    flash.mkdir()
    secret = tmp_path / "pass"
    secret.write_text("конь педальный батарейка\n", encoding="utf-8")
    code, out = run(
        "backup",
        school.path,
        flash,
        "--label",
        "флешка в филиал",
        "--encrypt",
        "--passphrase-file",
        secret,
    )
    assert code == 0 and "encrypted" in out, out
    folder = next((flash / BACKUP_DIR).iterdir())
    for path in (folder / "feeds").rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            assert data.startswith(MAGIC) and "Алексеев".encode() not in data
    # a second run keeps it encrypted and copies nothing new
    code, out = run(
        "backup", school.path, flash, "--label", "флешка в филиал", "--passphrase-file", secret
    )
    assert code == 0 and "0 entries copied" in out, out
    # without the passphrase, or with a wrong one: refused before anything is written
    code, out = run("backup", school.path, flash, "--label", "флешка в филиал")
    assert code == 2 and "encrypted" in out
    wrong = tmp_path / "wrong"
    wrong.write_text("не тот пароль", encoding="utf-8")
    code, out = run(
        "restore",
        flash,
        tmp_path / "bad",
        "--root-key",
        root_line(school.path),
        "--passphrase-file",
        wrong,
    )
    assert code == 2 and "wrong passphrase" in out
    assert not (tmp_path / "bad").exists()
    code, out = run(
        "restore",
        flash,
        tmp_path / "restored",
        "--root-key",
        root_line(school.path),
        "--passphrase-file",
        secret,
    )
    assert code == 0, out
    assert snapshot(tmp_path / "restored" / "feeds") == snapshot(school.path / "feeds")
    assert grids(tmp_path / "restored") == grids(school.path)


def test_an_encrypted_file_moved_or_changed_does_not_open(school: sf.Built, tmp_path: Path) -> None:
    """The file's path is bound as associated data: swapping two files is caught."""
    flash = tmp_path / "flash"
    flash.mkdir()
    key = tmp_path / "backup.key"
    assert run("backup-key", key)[0] == 0
    code, out = run("backup", school.path, flash, "--label", "x", "--encrypt", "--key-file", key)
    assert code == 0, out
    folder = next((flash / BACKUP_DIR).iterdir())
    feed = next((folder / "feeds").iterdir())
    notes, segment = feed / "checkpoints", next(feed.glob("seg-*"))
    a, b = notes.read_bytes(), segment.read_bytes()
    notes.write_bytes(b)
    segment.write_bytes(a)
    code, out = run(
        "restore", flash, tmp_path / "r", "--root-key", root_line(school.path), "--key-file", key
    )
    assert code == 2 and "does not decrypt" in out
    with pytest.raises(EncryptionError):
        from sync.crypto import AeadCodec

        AeadCodec(bytes(32)).decode("feeds/x/checkpoints", b)


def test_a_plain_copy_is_never_half_encrypted(
    school: sf.Built, medium: Path, tmp_path: Path
) -> None:
    key = tmp_path / "backup.key"
    run("backup-key", key)
    code, out = run("backup", school.path, medium, "--label", "x", "--encrypt", "--key-file", key)
    assert code == 2 and "not encrypted" in out
