"""Archive packages carry the files the year's entries reference (R-DST-1, R-ARC-1, issue #11
item 1): sealed into data/blobs/ under their SHA-256, listed in the manifests and the seal,
each checked against the hash and size its entry names; a package of format v1, made before
blobs were carried, still verifies."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from archive_fixture import PURE_PYTHON, ArchiveYear, recompute_manifests, run_onefile
from school import YEAR

from archive_tools import verify_package as vp
from archive_tools.errors import ArchiveError
from archive_tools.keys import sign_text
from archive_tools.seal import seal_year
from archive_tools.verify import verify_packages
from ejournal.blobs import BlobStore

pytest_plugins = ["school", "archive_fixture"]


def _references(school: Path, feed: str) -> dict[str, int]:
    """Digest → size of every file referenced by the feed's entries, read by hand."""
    out = {}
    for seg in sorted((school / "feeds" / feed).glob("seg-*.jsonl")):
        for line in seg.read_bytes().splitlines():
            entry = json.loads(line)
            for ref in entry["data"].get("files", []):
                out[ref["sha256"]] = ref["size"]
    return out


def test_the_package_carries_every_referenced_blob(
    package: Path, archive_year: ArchiveYear
) -> None:  # R-DST-1
    refs = _references(archive_year.school, archive_year.feed)
    assert len(refs) == 2  # the diploma and the photo of the fixture's achievement
    store = BlobStore.of(archive_year.school)
    manifest = (package / vp.PAYLOAD_MANIFEST).read_text()
    seal = (package / vp.SEAL_FILE).read_text()
    desc = json.loads((package / vp.DESCRIPTION).read_text())
    assert desc["format"] == "ejournal-archive/v2"
    assert desc["blobs"] == sorted(f"blobs/{d[:2]}/{d}" for d in refs)
    for digest, size in refs.items():
        rel = f"data/blobs/{digest[:2]}/{digest}"
        data = (package / rel).read_bytes()
        assert data == store.read(digest) and len(data) == size
        assert hashlib.sha256(data).hexdigest() == digest
        assert f"{digest}  {rel}\n" in manifest and f"file {digest} {rel}\n" in seal
    (report,) = verify_packages([str(package)])
    assert report.ok, vp.render_text([report])
    blobs_fact = [f for f in report.facts if f.startswith("blobs:")]
    total = sum(refs.values())
    assert blobs_fact == [
        f"blobs: 2 referenced, checked against their SHA-256 and size ({total} bytes)"
    ]


def test_a_blob_of_another_size_than_its_entry_says_is_found(
    package: Path, archive_year: ArchiveYear
) -> None:
    """A blob named by its true hash but referenced with another size cannot be sealed by the
    school; checked on the verifier's core with a package in memory."""
    files = {
        p.relative_to(package).as_posix(): p.read_bytes() for p in package.rglob("*") if p.is_file()
    }
    refs = [
        (d, n + 1, "feed f seq 1")
        for d, n in _references(archive_year.school, archive_year.feed).items()
    ]
    report = vp.Report("mem")
    desc = json.loads(files[vp.DESCRIPTION])
    vp.check_blobs(vp.MemorySource(files), set(files), desc, refs, report)
    assert {p["code"] for p in report.problems} == {"blob_size"}
    assert {p["entry"] for p in report.problems} == {"feed f seq 1"}


def _as_v1(pkg: Path, y: ArchiveYear) -> None:
    """The package as the tool of format v1 sealed it: no blobs, signed by the school's keys."""
    shutil.rmtree(pkg / "data" / "blobs")
    desc = json.loads((pkg / vp.DESCRIPTION).read_text())
    desc["format"] = "ejournal-archive/v1"
    del desc["blobs"]
    (pkg / vp.DESCRIPTION).write_text(json.dumps(desc, ensure_ascii=False, indent=1) + "\n")
    recompute_manifests(pkg)
    seal = (pkg / vp.SEAL_FILE).read_text()
    lines = [x for x in seal[: seal.rfind("\n\n")].split("\n") if "data/blobs/" not in x]
    for n, line in enumerate(lines):
        if line.startswith("file "):
            rel = line.split(" ", 2)[2]
            lines[n] = f"file {hashlib.sha256((pkg / rel).read_bytes()).hexdigest()} {rel}"
        elif line.startswith("tagmanifest-sha256 "):
            digest = hashlib.sha256((pkg / vp.TAG_MANIFEST).read_bytes()).hexdigest()
            lines[n] = f"tagmanifest-sha256 {digest}"
    text = sign_text("\n".join(lines) + "\n", [y.root, y.companion])
    (pkg / vp.SEAL_FILE).write_text(text)
    fixity = f"{vp.SEAL_FIXITY_HEADER}\nseal-sha256 {hashlib.sha256(text.encode()).hexdigest()}\n"
    (pkg / vp.SEAL_FIXITY).write_text(sign_text(fixity, [y.root]))


def test_a_package_of_format_v1_without_blobs_still_verifies(
    package: Path, archive_year: ArchiveYear, crypto_python: list[str]
) -> None:
    _as_v1(package, archive_year)
    (report,) = verify_packages([str(package)])
    assert report.ok, vp.render_text([report])
    assert "blobs: 2 referenced by the entries; not carried by a package of format v1" in (
        report.facts
    )
    for python in (crypto_python, PURE_PYTHON):
        (verdict,) = run_onefile(python, [package])
        assert verdict["ok"], verdict["report"]


@pytest.mark.parametrize("damage", ["missing", "changed"])
def test_sealing_refuses_a_missing_or_damaged_blob(
    archive_year: ArchiveYear, tmp_path: Path, damage: str
) -> None:
    school = tmp_path / "school"
    shutil.copytree(archive_year.school, school)
    digest = min(_references(school, archive_year.feed))
    path = BlobStore.of(school).path(digest)
    path.chmod(0o644)
    if damage == "missing":
        path.unlink()
    else:
        path.write_bytes(b"not the diploma")
    out = tmp_path / "out"
    out.mkdir()
    with pytest.raises(ArchiveError, match=f"{archive_year.feed}#[0-9]+") as e:
        seal_year(school, YEAR, out, archive_year.root, archive_year.companion)
    assert str(path) in str(e.value)
    assert list(out.iterdir()) == []  # nothing left behind
