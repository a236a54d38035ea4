"""Archive packages for the tests: a small closed year of the fixture school, sealed once.

The school of tests/school.py (built through the public commands) gets its year 2026/2027
finished at the end of May 2027: period and year marks for a few students, one year mark
corrected with a reason, a witness that cosigns, the year closed by the director. That year is
sealed into a package once per session (with two tiny PDFs made here, standing in for the
reports of ejournal.reports); every test gets its own copy. Also: the ways to run the one-file
verifier as an archivist in 2051 would: ``python3 -I`` in a fresh venv holding only
`cryptography`, and ``python3 -I -S`` with no third-party package at all.

Use it with ``pytest_plugins = ["school", "archive_fixture"]``.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import shutil
import subprocess
import sys
import venv
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest
from school import KRASNOYARSK, YEAR, SchoolClock, SchoolIds, open_journal

from archive_tools import verify_package as vp
from archive_tools.keys import MLDSASigner, root_companion
from archive_tools.seal import seal_year
from archive_tools.witness import certify_witness, cosign, make_witness_key
from ejournal.log.keys import load_private_key
from ejournal.log.note import Ed25519Signer
from ejournal.model.commands import portfolio, structure, teaching
from ejournal.model.files import Upload

VERIFIER = Path(vp.__file__)


def tiny_pdf(text: str) -> bytes:
    """A minimal one-page PDF (correct cross-reference table) showing ``text``."""
    stream = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out, offsets = bytearray(b"%PDF-1.7\n"), []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def test_documents(year: str) -> list[tuple[str, bytes]]:
    """The documents hook of the tests: a printed journal and a summary sheet PDF."""
    return [
        ("journals/5A.pdf", tiny_pdf(f"Class journal 5A {year}")),
        ("summary/5A.pdf", tiny_pdf(f"Summary sheet 5A {year}")),
    ]


test_documents.__test__ = False  # type: ignore[attr-defined]  # not a test, a hook


@dataclass(frozen=True)
class ArchiveYear:
    """The sealed small year: the school's data directory, its package, keys, marks given."""

    school: Path
    package: Path
    ids: SchoolIds
    root: Ed25519Signer
    companion: MLDSASigner
    witness_key: Path
    feed: str


@pytest.fixture(scope="session")
def archive_year(
    school_template: tuple[Path, SchoolIds], tmp_path_factory: pytest.TempPathFactory
) -> ArchiveYear:
    template, i = school_template
    base = tmp_path_factory.mktemp("archive")
    school = base / "school"
    shutil.copytree(template, school)
    clock = SchoolClock(datetime(2027, 5, 26, 10, 0, tzinfo=KRASNOYARSK))
    with open_journal(school, clock) as j:
        t = i.math_teacher
        s5a, s10a = i.students_5a, i.students_10a
        fm = teaching.give_final_mark
        fm(j, t, course=i.math_5a, student=s5a[0], kind="period", value="4", period=i.quarters[0])
        fm(j, t, course=i.math_5a, student=s5a[0], kind="year", value="5")
        fm(j, t, course=i.math_5a, student=s5a[1], kind="year", value="4")
        clock.move(hours=1)
        fm(j, t, course=i.math_5a, student=s5a[1], kind="year", value="5", reason="пересдача")
        fm(j, t, course=i.math_10a, student=s10a[0], kind="period", value="3", period=i.halves[1])
        fm(j, t, course=i.math_10a, student=s10a[0], kind="year", value="3")
        # files attached to an entry (R-DST-1): the package carries them (ARCHIVE.md §11)
        portfolio.add_achievement(
            j,
            i.parent_5a,
            student=s5a[0],
            kind="olympiad",
            title="Олимпиада по математике",
            level="school",
            date="2027-05-20",
            result="победитель",
            uploads=[Upload("диплом.pdf", tiny_pdf("Diploma")), Upload("фото.txt", b"photo")],
        )
        clock.move(days=30)
        structure.close_year(j, i.director, year=YEAR)
    root = load_private_key(school / "keys" / "root.key")
    companion = root_companion(root, school / "keys" / "root.key", school / "archive" / "keys")
    witness_key = base / "witness.key"
    make_witness_key(witness_key, "witness.roo.example/test")
    certify_witness(school / "archive", base / "witness.key.pub", [root, companion])
    cosign(school, witness_key, now=1_814_000_000)
    packages = base / "packages"
    packages.mkdir()
    result = seal_year(school, YEAR, packages, root, companion, documents=test_documents)
    feed = next(p.name for p in (school / "feeds").iterdir())
    return ArchiveYear(school, result.path, i, root, companion, witness_key, feed)


@pytest.fixture
def package(archive_year: ArchiveYear, tmp_path: Path) -> Path:
    """A fresh copy of the sealed small year's package."""
    target = tmp_path / archive_year.package.name
    shutil.copytree(archive_year.package, target)
    return target


# --- tampering helpers ---------------------------------------------------------------------


def recompute_manifests(pkg: Path) -> None:
    """What a forger does after an edit: fresh payload and tag manifests (the seal, which only
    the root key can make, is left as it was)."""
    payload = sorted(p for p in (pkg / "data").rglob("*") if p.is_file())
    lines = [
        f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.relative_to(pkg)}\n" for p in payload
    ]
    (pkg / vp.PAYLOAD_MANIFEST).write_text("".join(lines))
    size = sum(p.stat().st_size for p in payload)
    info = (pkg / "bag-info.txt").read_text().splitlines()
    info = [
        f"Payload-Oxum: {size}.{len(payload)}" if x.startswith("Payload-Oxum") else x for x in info
    ]
    (pkg / "bag-info.txt").write_text("\n".join(info) + "\n")
    tags = ["bagit.txt", "bag-info.txt", vp.PAYLOAD_MANIFEST]
    (pkg / vp.TAG_MANIFEST).write_text(
        "".join(f"{hashlib.sha256((pkg / t).read_bytes()).hexdigest()}  {t}\n" for t in tags)
    )


def flip_byte(path: Path, at: int | None = None) -> None:
    data = bytearray(path.read_bytes() or b"\n")  # an empty file gets a byte instead
    where = len(data) // 2 if at is None else at
    data[where] ^= 0x01
    path.write_bytes(bytes(data))


# --- running the one-file verifier as an archivist would ------------------------------------


def _crypto_dists() -> list[Path]:
    """`cryptography` and what it imports at run time (cffi), as installed here."""
    paths = []
    for name in ("cryptography", "cffi", "_cffi_backend", "pycparser"):
        spec = importlib.util.find_spec(name)
        if spec is None or spec.origin is None:
            continue
        origin = Path(spec.origin)
        paths.append(origin.parent if origin.name == "__init__.py" else origin)
    return paths


@pytest.fixture(scope="session")
def crypto_python(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """``python -I`` of a fresh venv whose only third-party package is `cryptography`.

    Offline and fast: the venv is made without pip and the installed `cryptography` (with
    cffi, which it loads) is linked into its site-packages, as an archivist's
    ``pip install cryptography`` would put it.
    """
    where = tmp_path_factory.mktemp("venv") / "crypto"
    venv.EnvBuilder(with_pip=False, symlinks=True).create(where)
    (site,) = where.glob("lib/python3*/site-packages")
    for path in _crypto_dists():
        os.symlink(path, site / path.name)
    python = str(where / "bin" / "python")
    check = "import cryptography.hazmat.primitives.asymmetric.mldsa, sys; print(sys.prefix)"
    out = subprocess.run([python, "-I", "-c", check], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == str(where)
    return [python, "-I"]


PURE_PYTHON = [sys.executable, "-I", "-S"]  # -S: no site-packages, the standard library alone

_DRIVER = """
import importlib.util, json, sys
spec = importlib.util.spec_from_file_location("verify_package", sys.argv[1])
vp = importlib.util.module_from_spec(spec)
spec.loader.exec_module(vp)
for path in sys.argv[2:]:
    r = vp.audit(vp.DirSource(path), name=path)
    print(json.dumps({"ok": r.ok, "codes": sorted({p["code"] for p in r.problems}),
                      "backend": r.data["backend"], "report": vp.render_text([r])}))
"""


def run_onefile(python: list[str], packages: list[Path], verifier: Path = VERIFIER) -> list[dict]:
    """Audit packages with the one-file verifier alone, in one process: a verdict each."""
    out = subprocess.run(
        [*python, "-c", _DRIVER, str(verifier), *map(str, packages)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert out.returncode == 0, out.stderr
    return [json.loads(line) for line in out.stdout.splitlines()]


def run_main(
    python: list[str], *args: str, verifier: Path = VERIFIER
) -> subprocess.CompletedProcess:
    """The one-file verifier's own command line."""
    return subprocess.run(
        [*python, str(verifier), *args], capture_output=True, text=True, timeout=600
    )
