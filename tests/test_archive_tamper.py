"""The tamper suite (R-ARC-3): every way of damaging or forging a sealed package is found, with
exit code 1 and a report naming it, by the full tool and by the one-file verifier alone, run
with only `cryptography` and with no third-party package at all: the same verdict each time."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from archive_fixture import (
    PURE_PYTHON,
    ArchiveYear,
    flip_byte,
    recompute_manifests,
    run_onefile,
    tiny_pdf,
)
from click.testing import CliRunner

from archive_tools import verify_package as vp
from archive_tools.cli import archive
from archive_tools.keys import MLDSA65, MLDSASigner, certify, sign_text
from archive_tools.verify import verify_packages
from ejournal.log.keys import load_private_key, new_root_key
from ejournal.log.note import b64encode, sign_note

pytest_plugins = ["school", "archive_fixture"]
VECTORS = Path(__file__).resolve().parents[1] / "docs" / "vectors" / "feeds"


def _feed_dir(pkg: Path) -> Path:
    return next((pkg / "data" / "feeds").iterdir())


def change_csv_cell(pkg: Path, y: ArchiveYear) -> str:
    sheet = pkg / "data" / "summary" / f"{y.ids.c5a}.csv"
    text = sheet.read_bytes().decode("utf-8")
    line = next(x for x in text.split("\r\n") if x.startswith("5А," + y.ids.students_5a[0]))
    cells = line.split(",")
    cells[-3] = "3"  # the year mark 5 becomes 3
    sheet.write_bytes(text.replace(line, ",".join(cells)).encode("utf-8"))
    recompute_manifests(pkg)
    return "summary_mismatch"


def change_pdf(pkg: Path, y: ArchiveYear) -> str:
    (pkg / "data" / "documents" / "summary" / "5A.pdf").write_bytes(tiny_pdf("forged sheet"))
    recompute_manifests(pkg)
    return "seal_file"


def remove_file(pkg: Path, y: ArchiveYear) -> str:
    (pkg / "data" / "summary" / f"{y.ids.c10a}.csv").unlink()
    return "file_missing"


def add_payload_file(pkg: Path, y: ArchiveYear) -> str:
    (pkg / "data" / "summary" / "extra.csv").write_text("класс\r\n")
    return "file_unlisted"


def add_tag_file(pkg: Path, y: ArchiveYear) -> str:
    (pkg / "notes.txt").write_text("added later")
    return "file_unlisted"


def replace_public_key(pkg: Path, y: ArchiveYear) -> str:
    (pkg / "data" / "keys" / "root.vkey").write_text(new_root_key().verifier().vkey() + "\n")
    recompute_manifests(pkg)
    return "seal_signature"


def resign_with_foreign_key(pkg: Path, y: ArchiveYear) -> str:
    """A forger's whole job: change a mark, then re-sign everything with keys of their own."""
    change_csv_cell(pkg, y)
    root = new_root_key()
    companion = MLDSASigner.generate(f"{root.name}/ml-dsa-65", MLDSA65)
    keys = pkg / "data" / "keys"
    (keys / "root.vkey").write_text(root.verifier().vkey() + "\n")
    (keys / "root-mldsa65.vkey").write_text(companion.vkey().text + "\n")
    (keys / "root-mldsa65.cert").write_text(
        certify(companion.vkey().text, "root-companion", [root, companion])
    )
    desc = json.loads((pkg / vp.DESCRIPTION).read_text())
    desc.update(root_key=root.verifier().vkey(), root_mldsa65=companion.vkey().text)
    (pkg / vp.DESCRIPTION).write_text(json.dumps(desc, ensure_ascii=False))
    recompute_manifests(pkg)
    seal = (pkg / vp.SEAL_FILE).read_text()
    text = seal[: seal.rfind("\n\n") + 1]
    lines = []
    for line in text[:-1].split("\n"):
        if line.startswith("file "):
            path = line.split(" ", 2)[2]
            line = f"file {hashlib.sha256((pkg / path).read_bytes()).hexdigest()} {path}"
        elif line.startswith("tagmanifest-sha256 "):
            digest = hashlib.sha256((pkg / vp.TAG_MANIFEST).read_bytes()).hexdigest()
            line = f"tagmanifest-sha256 {digest}"
        lines.append(line)
    (pkg / vp.SEAL_FILE).write_text(sign_text("\n".join(lines) + "\n", [root, companion]))
    return "key_statement"  # the log's own certificates were signed by the school's root


def checkpoint_of_another_feed(pkg: Path, y: ArchiveYear) -> str:
    (other,) = VECTORS.iterdir()
    path = _feed_dir(pkg) / "checkpoints"
    path.write_bytes(path.read_bytes() + (other / "checkpoints").read_bytes())
    recompute_manifests(pkg)
    return "checkpoint_other_feed"


def shortened_log(pkg: Path, y: ArchiveYear) -> str:
    """Rollback: the last entries cut off and the manifests made to fit."""
    path = _feed_dir(pkg) / "entries.jsonl"
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\n".join(lines[:-4]) + b"\n")
    recompute_manifests(pkg)
    return "entry_count"


def fork(pkg: Path, y: ArchiveYear) -> str:
    """A second checkpoint of the last size with another root, signed by the device key."""
    device = load_private_key(y.school / "keys" / "device.key")
    path = _feed_dir(pkg) / "checkpoints"
    data = path.read_bytes()
    last = data.rstrip(b"\n").rsplit(b"\n\n", 2)
    size = int(last[-2].split(b"\n")[-2]) if last[-2].count(b"\n") else 0
    text = f"{device.name}\n{size}\n{b64encode(hashlib.sha256(b'rewritten').digest())}\n"
    path.write_bytes(data + sign_note(text, [device]).encode() + b"\n")
    recompute_manifests(pkg)
    return "fork"


def _a_blob(pkg: Path) -> Path:
    return min(p for p in (pkg / "data" / "blobs").rglob("*") if p.is_file())


def blob_changed(pkg: Path, y: ArchiveYear) -> str:
    """An attached file (a diploma scan) replaced, the manifests made to fit (R-DST-1)."""
    _a_blob(pkg).write_bytes(tiny_pdf("forged diploma"))
    recompute_manifests(pkg)
    return "blob_mismatch"


def blob_removed(pkg: Path, y: ArchiveYear) -> str:
    _a_blob(pkg).unlink()
    recompute_manifests(pkg)
    return "blob_missing"


CASES: dict[str, Callable[[Path, ArchiveYear], str]] = {
    f.__name__: f
    for f in (
        change_csv_cell,
        change_pdf,
        remove_file,
        add_payload_file,
        add_tag_file,
        replace_public_key,
        resign_with_foreign_key,
        checkpoint_of_another_feed,
        shortened_log,
        fork,
        blob_changed,
        blob_removed,
    )
}


def _codes(report: vp.Report) -> list[str]:
    return sorted({p["code"] for p in report.problems})


# Problems only an ML-DSA check can find (a damaged ML-DSA signature line whose key is known).
_MLDSA_ONLY = {"cosignature", "seal_signature", "renewal_signature"}


def _same_verdict(verdict: dict, report: vp.Report, runner: str) -> None:
    """The one-file verifier's verdict equals the full tool's; without `cryptography` it may
    only miss what needs ML-DSA, and then it says "not checked here"."""
    assert verdict["ok"] is report.ok, (runner, verdict["report"])
    full, got = set(_codes(report)), set(verdict["codes"])
    if runner == "cryptography":
        assert got == full, (runner, verdict["report"])
    else:
        assert got <= full and full - got <= _MLDSA_ONLY, (runner, verdict["report"])
        if full != got:
            assert vp.NOT_CHECKED in verdict["report"]


@pytest.fixture(scope="module")
def tampered(
    archive_year: ArchiveYear, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, tuple[Path, str, str]]:
    """Every tamper case applied to its own copy: name → (package, expected code, file)."""
    base = tmp_path_factory.mktemp("tampered")
    out = {}
    for name, case in CASES.items():
        pkg = base / name
        shutil.copytree(archive_year.package, pkg)
        out[name] = (pkg, case(pkg, archive_year), "")
    for path in sorted(p for p in archive_year.package.rglob("*") if p.is_file()):
        rel = path.relative_to(archive_year.package).as_posix()
        pkg = base / ("byte-" + rel.replace("/", "_"))
        shutil.copytree(archive_year.package, pkg)
        flip_byte(pkg / rel)
        out["byte " + rel] = (pkg, "", rel)
    return out


@pytest.fixture(scope="module")
def one_file_verdicts(
    tampered: dict[str, tuple[Path, str, str]], crypto_python: list[str]
) -> dict[str, dict[str, dict]]:
    names = sorted(tampered)
    packages = [tampered[n][0] for n in names]
    return {
        runner: dict(zip(names, run_onefile(python, packages), strict=True))
        for runner, python in (("cryptography", crypto_python), ("pure", PURE_PYTHON))
    }


@pytest.mark.parametrize("name", sorted(CASES))
def test_tamper_case_is_found_and_named(
    name: str, tampered: dict[str, tuple[Path, str, str]], one_file_verdicts: dict
) -> None:  # R-ARC-3
    pkg, code, _ = tampered[name]
    (report,) = verify_packages([str(pkg)])
    assert not report.ok
    assert code in _codes(report), vp.render_text([report])
    for runner in ("cryptography", "pure"):
        _same_verdict(one_file_verdicts[runner][name], report, runner)


def test_a_changed_cell_is_named_with_what_was_expected_and_found(
    tampered: dict[str, tuple[Path, str, str]], archive_year: ArchiveYear
) -> None:
    (report,) = verify_packages([str(tampered["change_csv_cell"][0])])
    (p,) = [p for p in report.problems if p["code"] == "summary_mismatch"]
    assert p["file"] == f"data/summary/{archive_year.ids.c5a}.csv"
    assert p["entry"].endswith("column годовая") and (p["expected"], p["found"]) == ("5", "3")
    (p,) = [p for p in report.problems if p["code"] == "seal_file"]
    assert p["file"] == f"data/summary/{archive_year.ids.c5a}.csv"


def test_a_changed_byte_in_any_file_is_found_and_the_file_named(
    tampered: dict[str, tuple[Path, str, str]], one_file_verdicts: dict
) -> None:
    byte_cases = [n for n in tampered if n.startswith("byte ")]
    assert len(byte_cases) > 20
    for name in byte_cases:
        pkg, _, rel = tampered[name]
        (report,) = verify_packages([str(pkg)])
        assert not report.ok, name
        named = {p["file"] for p in report.problems}
        # The seal's and the tag manifest's damage is reported against what they protect.
        assert rel in named or (rel == vp.SEAL_FILE and named & {vp.SEAL_FILE}), (name, named)
        for runner in ("cryptography", "pure"):
            _same_verdict(one_file_verdicts[runner][name], report, runner)


def test_cli_exit_codes_and_reports(
    tampered: dict[str, tuple[Path, str, str]], archive_year: ArchiveYear, tmp_path: Path
) -> None:
    runner = CliRunner()
    good = runner.invoke(archive, ["verify", str(archive_year.package)])
    assert good.exit_code == 0, good.output
    assert "OK: whole and authentic" in good.output
    html = tmp_path / "r.html"
    bad = runner.invoke(archive, ["verify", str(tampered["fork"][0]), "--html", str(html)])
    assert bad.exit_code == 1
    assert "FAIL [fork]" in bad.output
    assert "fork" in html.read_text(encoding="utf-8")
    as_json = runner.invoke(archive, ["verify", "--json", str(tampered["shortened_log"][0])])
    assert as_json.exit_code == 1
    assert "entry_count" in {
        p["code"] for p in json.loads(as_json.output)["packages"][0]["problems"]
    }
    assert runner.invoke(archive, ["verify", str(tmp_path / "none")]).exit_code == 2
    assert (
        runner.invoke(archive, ["verify", str(archive_year.package), "--root-key", "x"]).exit_code
        == 2
    )


def test_a_root_key_known_out_of_band_catches_a_wholly_re_signed_package(
    archive_year: ArchiveYear, tampered: dict[str, tuple[Path, str, str]]
) -> None:
    pinned = archive_year.root.verifier().vkey()
    (report,) = verify_packages([str(tampered["resign_with_foreign_key"][0])], root_key=pinned)
    assert "root_key_replaced" in _codes(report)
    (report,) = verify_packages([str(archive_year.package)], root_key=pinned)
    assert report.ok


@pytest.mark.parametrize("name", ["blob_changed", "blob_removed"])
def test_a_changed_or_removed_blob_names_the_entry_and_the_file(
    name: str, tampered: dict[str, tuple[Path, str, str]], archive_year: ArchiveYear
) -> None:  # R-DST-1, R-ARC-3
    pkg, code, _ = tampered[name]
    blob = _a_blob(archive_year.package)
    (report,) = verify_packages([str(pkg)])
    (p,) = [p for p in report.problems if p["code"] == code]
    assert p["file"] == blob.relative_to(archive_year.package).as_posix()
    assert p["entry"].startswith(f"feed {archive_year.feed} seq ") and "entries.jsonl" in p["entry"]
    assert blob.name in p["expected"]
    seq = int(p["entry"].split(" ")[3])
    line = archive_year.package / "data" / "feeds" / archive_year.feed / "entries.jsonl"
    entry = json.loads(line.read_bytes().split(b"\n")[seq])  # the first year starts at 0
    assert entry["type"] == "achievement.added" and blob.name in json.dumps(entry["data"])
