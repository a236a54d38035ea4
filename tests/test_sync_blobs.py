"""Attached files (blobs) on backup media and back (issue #9, R-SEC-4, R-DST-1): on an
encrypted copy they are encrypted like the feeds (no plaintext and no hash of a file on the
medium), checked after decryption at every run, and a restore brings them back verified; a
weekly run reads only the new entries for their references."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from click.testing import CliRunner
from school import open_journal

from ejournal.blobs import verify_blobs
from ejournal.cli import main
from ejournal.datadir import DataDir
from ejournal.model.commands import distance
from ejournal.model.files import Upload
from sync import blobs as sync_blobs
from sync.backup import BACKUP_DIR, backup
from sync.crypto import MAGIC
from sync.restore import restore

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]
DUE = datetime(2026, 11, 18, 18, 0, tzinfo=timezone(timedelta(hours=7)))
PASSPHRASE = "конь педальный батарейка"
# what the students hand in: easy to find on a medium if it were there in clear
WORKS = [f"Контрольная работа № {n}: ответ {n * 17} — Алексеев\n".encode() for n in range(3)]


def _hand_in(sch: Sch, works: list[bytes]) -> None:
    i = sch.ids
    assignment = distance.publish_assignment(
        sch.j, i.math_teacher, course=i.math_10a, title="ДЗ", text="Решите.", due=DUE, kind="ДЗ"
    )
    for n, work in enumerate(works):
        distance.submit(
            sch.j,
            i.students_10a[0],
            assignment=assignment,
            uploads=[Upload(f"работа{n}.txt", work)],
        )


def _medium_bytes(medium: Path) -> list[tuple[Path, bytes]]:
    return [(p, p.read_bytes()) for p in sorted(medium.rglob("*")) if p.is_file()]


def test_blobs_on_an_encrypted_copy_are_encrypted_checked_and_restored(
    sch: Sch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _hand_in(sch, WORKS[:2])
    sch.j.close()
    path = sch.j.data_dir.path
    medium = tmp_path / "flash"
    medium.mkdir()
    first = backup(path, medium, "флешка в филиал", passphrase=PASSPHRASE)
    assert first.ok, first.verify.all_problems
    folder = next((medium / BACKUP_DIR).iterdir())
    stored = [p for p in (folder / "blobs").rglob("*") if p.is_file()]
    assert len(stored) == 2
    # no plaintext of a file, nor its hash, anywhere on the medium
    digests = [sha256(w).hexdigest() for w in WORKS[:2]]
    for file, data in _medium_bytes(medium):
        for work, digest in zip(WORKS[:2], digests, strict=True):
            assert work not in data and work[:24] not in data, file
            assert digest.encode() not in data and digest not in file.name, file
    assert all(p.read_bytes().startswith(MAGIC) for p in stored)

    # a week later: one more file; the run reads only the new entries for references
    with open_journal(path, sch.clock) as j:
        sch.j = j
        _hand_in(sch, WORKS[2:])
    scanned: list[tuple[str, int, int]] = []
    real_scan = sync_blobs.scan_references

    def spy(feed_dir: Path, start: int, end: int) -> dict[str, sync_blobs.Reference]:
        scanned.append((feed_dir.name, start, end))
        return real_scan(feed_dir, start, end)

    monkeypatch.setattr(sync_blobs, "scan_references", spy)
    weekly = backup(path, medium, "флешка в филиал", passphrase=PASSPHRASE)
    monkeypatch.undo()
    assert weekly.ok, weekly.verify.all_problems
    feed = DataDir(path).device_feed_id()
    ((name, start, end),) = scanned
    assert name == feed and start == first.sync.feeds[0].entries and end > start
    assert len([p for p in (folder / "blobs").rglob("*") if p.is_file()]) == 3
    assert all(WORKS[2] not in data for _, data in _medium_bytes(medium))

    # restored with the passphrase: the files are back, each of its hash
    target = tmp_path / "restored"
    result = restore(medium, target, DataDir(path).root_verifier(), passphrase=PASSPHRASE)
    assert result.ok, result.verify.all_problems
    assert result.blobs == 3
    report = verify_blobs(target)
    assert report.ok and report.references == 3
    back = sorted((target / "blobs").rglob("*"))
    contents = sorted(p.read_bytes() for p in back if p.is_file())
    assert contents == sorted(WORKS)

    # a stored file changed on the medium does not decrypt: the next run says so
    victim = next(p for p in (folder / "blobs").rglob("*") if p.is_file())
    victim.chmod(0o644)
    data = bytearray(victim.read_bytes())
    data[-1] ^= 1
    victim.write_bytes(bytes(data))
    result = CliRunner().invoke(
        main,
        ["backup", str(path), str(medium), "--label", "флешка в филиал", "--passphrase-file",
         str(_secret(tmp_path))],
    )  # fmt: skip
    assert result.exit_code == 1 and "blob_mismatch" in result.output, result.output
    # and a restore from it reports the damaged file
    bad = restore(medium, tmp_path / "again", DataDir(path).root_verifier(), passphrase=PASSPHRASE)
    assert not bad.ok and [p.code for p in bad.verify.all_problems] == ["blob_mismatch"]


def _secret(tmp_path: Path) -> Path:
    secret = tmp_path / "pass"
    secret.write_text(PASSPHRASE + "\n", encoding="utf-8")
    return secret


def test_a_medium_without_room_for_the_new_files_is_refused_before_one_is_written(
    sch: Sch, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """#9 item 2: free space is checked before anything is written, the files too."""
    from collections import namedtuple

    from sync import durable
    from sync.durable import SPACE_MARGIN, NotEnoughSpaceError

    _hand_in(sch, WORKS[:1])
    sch.j.close()
    path, medium = sch.j.data_dir.path, tmp_path / "flash"
    medium.mkdir()
    assert backup(path, medium, "флешка").ok
    folder = next((medium / BACKUP_DIR).iterdir())
    with open_journal(path, sch.clock) as j:
        sch.j = j
        _hand_in(sch, [b"x" * (2 << 20)])  # a 2 MiB scan of a work
    before = sorted(p.relative_to(folder / "blobs") for p in (folder / "blobs").rglob("*"))
    # room for the new entries (a few KiB) but not for the new file
    usage = namedtuple("usage", "total used free")
    monkeypatch.setattr(
        durable.shutil, "disk_usage", lambda _: usage(1 << 30, 0, SPACE_MARGIN + (512 << 10))
    )
    with pytest.raises(NotEnoughSpaceError) as refused:
        backup(path, medium, "флешка")
    assert "not enough free space" in str(refused.value) and "2.0 MiB" in str(refused.value)
    assert sorted(p.relative_to(folder / "blobs") for p in (folder / "blobs").rglob("*")) == before
    monkeypatch.undo()
    again = backup(path, medium, "флешка")  # with room, the next run completes
    assert again.ok, again.verify.all_problems
    assert len([p for p in (folder / "blobs").rglob("*") if p.is_file()]) == 2
