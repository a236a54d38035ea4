"""Files attached to entries (R-DST-1, R-PRT-1): the content-addressed blob store, the school's
limits (a clear Russian message, nothing written), `ejournal verify` catching a blob changed on
disk, backups carrying the blobs, names and media types."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from hashlib import sha256
from pathlib import Path
from typing import TYPE_CHECKING

from click.testing import CliRunner

from ejournal.blobs import BlobStore, referenced_blobs, verify_blobs
from ejournal.cli import main
from ejournal.model import files
from ejournal.model.commands import distance
from ejournal.model.errors import PermissionDenied, RuleViolation
from ejournal.model.files import Upload
from sync.backup import BACKUP_DIR

if TYPE_CHECKING:
    from school import Sch

pytest_plugins = ["school"]
DUE = datetime(2026, 11, 18, 18, 0, tzinfo=timezone(timedelta(hours=7)))


def blobs_on_disk(root: Path) -> list[Path]:
    return sorted(p for p in (root / "blobs").glob("??/*") if not p.name.startswith("."))


def _assignment(sch: Sch) -> str:
    i = sch.ids
    return distance.publish_assignment(
        sch.j,
        i.math_teacher,
        course=i.math_10a,
        title="ДЗ",
        text="Решите задачи.",
        due=DUE,
        kind="ДЗ",
    )


def test_a_file_is_stored_once_by_its_hash(sch: Sch) -> None:
    asg = _assignment(sch)
    student = sch.ids.students_10a[0]
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 100
    distance.submit(sch.j, student, assignment=asg, uploads=[Upload("фото.jpg", photo)])
    distance.submit(sch.j, student, assignment=asg, uploads=[Upload("фото (1).jpg", photo)])
    digest = sha256(photo).hexdigest()
    (only,) = blobs_on_disk(sch.j.data_dir.path)
    assert only == sch.j.data_dir.path / "blobs" / digest[:2] / digest
    assert only.read_bytes() == photo
    assert files.used_bytes(sch.j.db) == len(photo)  # counted once against the school's space
    assert sch.all("SELECT name FROM file_refs WHERE sha256 = ? ORDER BY id", digest) == [
        ("фото.jpg",),
        ("фото (1).jpg",),
    ]


def test_upload_over_the_limit_is_refused_with_a_clear_message_and_nothing_written(
    sch: Sch,
) -> None:
    i = sch.ids
    distance.set_file_limits(sch.j, i.admin, file_max=1000, school_max=1500)
    asg = _assignment(sch)
    student = i.students_10a[0]
    with sch.refused(RuleViolation):
        distance.submit(
            sch.j,
            student,
            assignment=asg,
            text="работа",
            uploads=[Upload("скан.pdf", b"%PDF-" + b"x" * 1000)],
        )
    assert blobs_on_disk(sch.j.data_dir.path) == []
    try:
        distance.submit(
            sch.j, student, assignment=asg, uploads=[Upload("скан.pdf", b"%PDF-" + b"x" * 1000)]
        )
    except RuleViolation as e:
        assert "слишком большой" in e.message_ru and "не больше 1000 Б" in e.message_ru
    distance.submit(sch.j, student, assignment=asg, uploads=[Upload("a.txt", b"a" * 900)])
    with sch.refused(RuleViolation):  # 900 + 700 > 1500: the school's space is full
        distance.submit(sch.j, student, assignment=asg, uploads=[Upload("b.txt", b"b" * 700)])
    assert len(blobs_on_disk(sch.j.data_dir.path)) == 1
    with sch.refused(PermissionDenied):
        distance.set_file_limits(sch.j, i.math_teacher, file_max=10, school_max=10)


def test_names_and_media_types_are_decided_by_the_content() -> None:
    assert files.clean_name("C:\\Users\\Маша\\работа.docx") == "работа.docx"
    assert files.clean_name("../../etc/passwd") == "passwd"
    assert files.clean_name('a"b<c>.txt\r\n') == "a_b_c_.txt"
    assert files.media_type_of("x.png", b"\x89PNG\r\n\x1a\n...") == "image/png"
    assert files.media_type_of("x.pdf", b"<html><script>") == "application/octet-stream"
    assert files.media_type_of("x.html", b"<html>") == "text/html"
    assert files.media_type_of("x.svg", b"<svg onload=alert(1)>") == "image/svg+xml"
    assert files.human_size(20 * 1024 * 1024) == "20 МБ"


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def test_verify_catches_a_blob_changed_on_disk(sch: Sch) -> None:
    asg = _assignment(sch)
    distance.submit(
        sch.j, sch.ids.students_10a[0], assignment=asg, uploads=[Upload("работа.txt", b"x = 42\n")]
    )
    sch.j.feed.checkpoint()
    path = str(sch.j.data_dir.path)
    code, out = _run("verify", path)
    assert code == 0, out
    assert len(referenced_blobs(sch.j.data_dir.path)) == 1
    (blob,) = blobs_on_disk(sch.j.data_dir.path)
    blob.chmod(0o644)
    blob.write_bytes(b"x = 43\n")  # same size, another content
    code, out = _run("verify", path)
    assert code == 1 and "blob_mismatch" in out and "changed on disk" in out
    blob.unlink()
    report = verify_blobs(sch.j.data_dir.path)
    assert [p.code for p in report.problems] == ["blob_missing"]
    assert sch.j.feed.size  # the log itself is untouched and still verifies
    code, out = _run("verify", path)
    assert code == 1 and "blob_missing" in out


def test_backup_carries_the_blobs_and_verifies_them(sch: Sch, tmp_path: Path) -> None:
    asg = _assignment(sch)
    for n in range(3):
        distance.submit(
            sch.j,
            sch.ids.students_10a[0],
            assignment=asg,
            uploads=[Upload(f"часть{n}.txt", f"часть {n}".encode())],
        )
    BlobStore.of(sch.j.data_dir.path).put(b"stored for a refused entry: not referenced")
    sch.j.close()  # the backup signs a checkpoint itself when no server holds the feed
    medium = tmp_path / "flash"
    medium.mkdir()
    code, out = _run("backup", str(sch.j.data_dir.path), str(medium), "--label", "флешка")
    assert code == 0, out
    (folder,) = (medium / BACKUP_DIR).iterdir()
    copied = blobs_on_disk(folder)
    assert len(copied) == 3  # the referenced ones only
    for blob in copied:
        assert sha256(blob.read_bytes()).hexdigest() == blob.name
    assert verify_blobs(folder).ok
    # A copy whose blob was damaged on the medium is not a verified backup.
    copied[0].chmod(0o644)
    copied[0].write_bytes(b"damaged")
    code, out = _run("backup", str(sch.j.data_dir.path), str(medium), "--label", "флешка")
    assert code == 1 and "blob_mismatch" in out
    # The source's blob missing: reported, and the backup is not ok.
    copied[0].unlink()
    for blob in blobs_on_disk(sch.j.data_dir.path):
        if blob.name == copied[0].name:
            blob.chmod(0o644)
            blob.unlink()
    code, out = _run("backup", str(sch.j.data_dir.path), str(medium), "--label", "флешка")
    assert code == 1 and "not copied" in out
