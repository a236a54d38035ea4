"""A sealed year carries its printed documents: the summary sheets and the class journals as
PDF/A from ejournal.reports, under plain ASCII names, covered by the seal (R-ARC-1, R-ARC-2)."""

from __future__ import annotations

import shutil
from pathlib import Path

import bagit
import pikepdf
from click.testing import CliRunner
from school import TEST_TIME, YEAR, SchoolClock, SchoolIds, open_journal

from archive_tools.cli import archive
from ejournal.model.commands import structure
from ejournal.reports import _ascii_path

pytest_plugins = ["school"]


def test_class_names_become_plain_ascii_file_names() -> None:
    assert _ascii_path("summary/5А.pdf") == "summary/5A.pdf"
    assert _ascii_path("journals/10Б.pdf") == "journals/10B.pdf"
    assert _ascii_path("summary/11Щ «спорт».csv") == "summary/11Shch__sport_.csv"


def test_a_sealed_year_carries_its_pdfa_documents_and_the_register_lists_the_journals(
    school_template: tuple[Path, SchoolIds], tmp_path: Path
) -> None:
    template, ids = school_template
    path = tmp_path / "school"
    shutil.copytree(template, path)
    j = open_journal(path, SchoolClock(TEST_TIME))
    try:
        structure.close_year(j, ids.deputy, year=YEAR)
        j.feed.checkpoint()  # a year is sealed once a signature covers its closing
    finally:
        j.close()
    out = path / "archive" / "packages"  # where the retention register looks
    runner = CliRunner()
    done = runner.invoke(archive, ["seal", str(path), "--year", YEAR, "--out", str(out)])
    assert done.exit_code == 0, done.output
    (package,) = out.iterdir()
    bagit.Bag(str(package)).validate()
    documents = package / "data" / "documents"
    names = sorted(str(p.relative_to(documents)) for p in documents.rglob("*") if p.is_file())
    classes = ("1A", "5A", "5B", "10A")
    assert names == sorted(
        [f"summary/{c}.pdf" for c in classes]
        + [f"summary/{c}.csv" for c in classes]
        + [f"journals/{c}.pdf" for c in classes]
    )
    with pikepdf.open(documents / "summary" / "5A.pdf") as pdf:
        assert pdf.open_metadata()["pdfaid:part"] == "3"
    # A changed document is caught by the seal even with the bag's manifests recomputed.
    sheet = documents / "summary" / "5A.pdf"
    sheet.write_bytes(sheet.read_bytes().replace(b"%PDF-", b"%PDF-", 1) + b"\n% changed\n")
    bag = bagit.Bag(str(package))
    bag.save(manifests=True)
    verdict = runner.invoke(archive, ["verify", str(package)])
    assert verdict.exit_code == 1 and "5A.pdf" in verdict.output
    # The printed journals are in the register with their 5-year term (R-ARC-2).
    listed = runner.invoke(archive, ["register", str(path), "--today", "2027-09-01"])
    assert listed.exit_code == 0, listed.output
    assert listed.output.count("2032-08-31") == len(classes)
