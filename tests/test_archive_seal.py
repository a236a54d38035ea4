"""Sealing a closed year into an archive package and verifying it (R-ARC-1..3): the round trip
on the small fixture school, the summary sheets by hand, BagIt validity, the package layout."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import bagit
import pytest
from archive_fixture import PURE_PYTHON, VERIFIER, ArchiveYear, run_main, run_onefile
from conftest import reference_path_only
from school import YEAR

from archive_tools import verify as av
from archive_tools import verify_package as vp
from archive_tools.verify import verify_packages

pytest_plugins = ["school", "archive_fixture"]


def _codes(report: vp.Report) -> set[str]:
    return {p["code"] for p in report.problems}


def test_sealed_year_verifies_and_is_a_valid_bagit_bag(package: Path) -> None:  # R-ARC-3
    (report,) = verify_packages([str(package)])
    assert report.ok, vp.render_text([report])
    bag = bagit.Bag(str(package))
    bag.validate()  # fixity, completeness, Payload-Oxum, by the Library of Congress package
    assert bag.info["Ejournal-School-Year"] == YEAR
    assert bag.info["Ejournal-Root-Key"] == report.data["root_key"]
    assert "Ejournal-Final-Checkpoint" in bag.info


def test_package_holds_the_year_its_keys_docs_and_the_verifier(
    package: Path, archive_year: ArchiveYear
) -> None:
    data = package / "data"
    assert (data / "verify_package.py").read_bytes() == VERIFIER.read_bytes()
    assert (data / "docs" / "FORMAT.md").is_file() and (data / "docs" / "ARCHIVE.md").is_file()
    assert (data / "keys" / "root.vkey").read_text().strip() == archive_year.root.verifier().vkey()
    desc = json.loads((data / "package.json").read_text())
    (feed,) = desc["feeds"]
    feed_dir = archive_year.school / "feeds" / archive_year.feed
    all_lines = b"".join(p.read_bytes() for p in sorted(feed_dir.glob("seg-*.jsonl")))
    # The first year of a school: the package starts at entry 0 and holds every entry up to
    # the checkpoint that covers the closing (signed when the journal was closed).
    assert feed["start"] == 0 and feed["frontier"] == []
    assert feed["end"] == all_lines.count(b"\n")
    assert (data / "feeds" / archive_year.feed / "entries.jsonl").read_bytes() == all_lines
    assert desc["documents"] == ["documents/journals/5A.pdf", "documents/summary/5A.pdf"]


def _sheet(package: Path, klass: str) -> list[dict[str, str]]:
    text = (package / "data" / "summary" / f"{klass}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))


def test_summary_sheets_hold_the_marks_given(package: Path, archive_year: ArchiveYear) -> None:
    # R-ARC-1, R-MRK-3: by hand from the fixture: 5А math, student 0: Q1 4, year 5;
    # student 1: year 4 corrected to 5 (the latest wins); 10А math, student 0: H2 3, year 3.
    i = archive_year.ids
    five_a = {row["ученик_id"]: row for row in _sheet(package, i.c5a)}
    assert set(five_a) == {i.students_5a[0], i.students_5a[1]}
    first = five_a[i.students_5a[0]]
    assert first["ученик"] == "Иванов Артём Сергеевич" and first["класс"] == "5А"
    assert (first["предмет_id"], first["годовая"], first["итоговая"]) == (i.math, "5", "")
    header = list(first)
    assert len(header) == 5 + 4 + 3  # grades 1–9 have quarters
    assert first[header[5]] == "4" and first[header[6]] == ""
    assert five_a[i.students_5a[1]]["годовая"] == "5"
    (ten_a,) = _sheet(package, i.c10a)
    assert len(ten_a) == 5 + 2 + 3  # grades 10–11 have halves
    assert (ten_a["ученик_id"], ten_a["годовая"], ten_a[list(ten_a)[6]]) == (
        i.students_10a[0],
        "3",
        "3",
    )
    assert sorted(p.name for p in (package / "data" / "summary").iterdir()) == sorted(
        [f"{i.c5a}.csv", f"{i.c10a}.csv"]
    )


def test_witness_cosignatures_are_shown(package: Path) -> None:  # C2SP tlog-cosignature
    (report,) = verify_packages([str(package)])
    seen = {(w["witness"], w["algorithm"], w["verdict"]) for w in report.data["witnessed"]}
    assert seen == {
        ("witness.roo.example/test", "Ed25519 cosignature/v1", "good"),
        ("witness.roo.example/test", "ML-DSA-44 subtree/v1", "good"),
    }
    when = datetime.fromtimestamp(1_814_000_000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    assert {w["time"] for w in report.data["witnessed"]} == {when}  # the fixture's cosign time
    assert "witnessed: feed" in vp.render_text([report])


def test_the_one_file_verifier_agrees_with_and_without_cryptography(
    package: Path, crypto_python: list[str]
) -> None:
    (with_crypto,) = run_onefile(crypto_python, [package])
    (pure,) = run_onefile(PURE_PYTHON, [package])
    assert with_crypto["ok"] and pure["ok"], pure["report"]
    assert with_crypto["backend"] == {"ed25519": "cryptography", "ml-dsa": "cryptography"}
    assert pure["backend"] == {"ed25519": "pure Python (RFC 8032)", "ml-dsa": vp.NOT_CHECKED}
    # Where ML-DSA cannot be checked it is said, never reported good.
    assert "ML-DSA-65 not checked here" in pure["report"]
    assert "ML-DSA-65 good" not in pure["report"]


def test_the_one_file_verifier_command_line(package: Path, tmp_path: Path) -> None:
    html = tmp_path / "report.html"
    done = run_main(PURE_PYTHON, str(package), "--html", str(html))
    assert done.returncode == 0, done.stdout + done.stderr
    assert "OK: whole and authentic" in done.stdout
    assert "Пакет цел и подлинен" in html.read_text(encoding="utf-8")
    as_json = run_main(PURE_PYTHON, str(package), "--json")
    assert json.loads(as_json.stdout)["ok"] is True
    assert run_main(PURE_PYTHON, str(tmp_path / "nowhere")).returncode == 2
    assert run_main(PURE_PYTHON, str(package), "--no-such-option").returncode == 2


def test_fixity_only_checks_the_manifests(package: Path) -> None:
    (report,) = verify_packages([str(package)], fixity=True)
    assert report.ok and report.data["fixity_files"] > 10
    (package / "data" / "summary").joinpath("extra.csv").write_text("x")
    (report,) = verify_packages([str(package)], fixity=True)
    assert _codes(report) == {"file_unlisted"}


def test_the_full_tool_vouches_for_a_clean_feed_natively_with_the_same_report(
    package: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The full tool's native path (archive_tools.verify.clean_feed, ADR 0009) gives the very
    report of the one-file verifier's own parsing, and does run on a clean package (this one
    has a feed's first entry, key statements, final marks and blob references)."""
    vouched = []

    def spy(*args: Any) -> Any:
        found = av.clean_feed(*args)
        vouched.append(found is not None)
        return found

    monkeypatch.setattr(av.fast_parse_lines, "clean_feed", spy)
    native = verify_packages([str(package)])[0]
    assert vouched == [True]
    with reference_path_only():
        reference = verify_packages([str(package)])[0]
    assert vouched == [True, False]
    assert native.ok and native.as_json() == reference.as_json()
    entries = (package / "data" / "feeds").glob("*/entries.jsonl")
    assert native.data["entries"] == sum(f.read_bytes().count(b"\n") for f in entries)
