"""Printed documents are PDF/A with embedded Cyrillic fonts and trace the log state (R-ARC-5)."""

from __future__ import annotations

import shutil
import subprocess
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pikepdf
import pytest
from conftest import School

from ejournal.journal import Journal
from ejournal.log import SigningPolicy
from ejournal.log.checkpoint import parse_checkpoint, read_notes
from ejournal.log.note import b64encode
from ejournal.pdf import DocumentMeta, log_state, render_pdf

WHEN = datetime(2027, 5, 30, 14, 0, tzinfo=timezone(timedelta(hours=7)))
PAGE = """<!doctype html><html lang="ru"><head><meta charset="utf-8"></head><body>
<h1>Сводная ведомость 5А</h1>
<table><tr><th>Обучающийся</th><th>Математика</th></tr>
<tr><td>Ёлкина Фёкла Щукиновна</td><td class="num">5</td></tr></table>
<div class="signatures"><p>Директор ____________ <span class="seal">М.П.</span></p></div>
</body></html>"""
CHECKPOINT = "school.example/feed/abc 42 " + "A" * 43 + "="


def meta(**changes: object) -> DocumentMeta:
    fields: dict[str, object] = {
        "title": "Сводная ведомость 5А, 2026/2027",
        "school": "МБОУ «Сосновская СОШ»",
        "generated": WHEN,
        "checkpoints": [CHECKPOINT],
        "keywords": ["5А", "2026/2027", "сводная ведомость"],
    }
    fields.update(changes)
    return DocumentMeta(**fields)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def pdf(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("pdf") / "sheet.pdf"
    path.write_bytes(render_pdf(PAGE, meta()))
    return path


def test_pdf_declares_pdfa_3b_in_its_xmp_metadata(pdf: Path) -> None:
    with pikepdf.open(pdf) as doc:
        xmp = doc.open_metadata()
        assert xmp["pdfaid:part"] == "3"
        assert xmp["pdfaid:conformance"] == "B"
        assert xmp["dc:title"] == "Сводная ведомость 5А, 2026/2027"


def test_every_font_is_embedded(pdf: Path) -> None:
    with pikepdf.open(pdf) as doc:
        fonts = [
            font
            for page in doc.pages
            for font in page.Resources.Font.values()  # type: ignore[attr-defined]
        ]
        assert fonts
        for font in fonts:
            descendant = font.DescendantFonts[0] if "/DescendantFonts" in font else font
            descriptor = descendant.FontDescriptor
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3"))


def test_names_are_text_and_the_checkpoint_is_in_the_metadata(pdf: Path) -> None:
    text = subprocess.run(["pdftotext", pdf, "-"], capture_output=True, text=True, check=True)
    assert "Ёлкина Фёкла Щукиновна" in text.stdout
    assert "Страница 1 из 1" in text.stdout
    with pikepdf.open(pdf) as doc:
        assert str(doc.docinfo["/Author"]) == "МБОУ «Сосновская СОШ»"
        assert str(doc.docinfo["/ejournalcheckpoints"]) == CHECKPOINT
        assert f"checkpoint {CHECKPOINT}" in str(doc.open_metadata()["pdf:Keywords"])


def test_pdf_structure_passes_qpdf_check(pdf: Path) -> None:
    if shutil.which("qpdf") is None:
        pytest.fail("qpdf is missing: make test installs it (Debian package qpdf)")
    subprocess.run(["qpdf", "--check", pdf], capture_output=True, check=True)


def test_same_document_gives_same_bytes_and_other_state_other_bytes(pdf: Path) -> None:
    assert render_pdf(PAGE, meta()) == pdf.read_bytes()
    other = render_pdf(PAGE, meta(checkpoints=[CHECKPOINT.replace("42", "43")]))
    assert other != pdf.read_bytes()


def test_html_without_head_is_refused() -> None:
    with pytest.raises(ValueError, match="<head>"):
        render_pdf("<p>нет заголовка</p>", meta())


def test_log_state_signs_the_feed_and_names_its_newest_checkpoint(school: School) -> None:
    journal = Journal.open(school.path, clock=school.clock, policy=SigningPolicy(background=False))
    try:
        journal.feed.append_one("test.noted", {"n": 1}, "system")
        state = log_state(journal)
        size = journal.feed.size
    finally:
        journal.close()
    records = read_notes((school.feed_dir / "checkpoints").read_bytes()).records
    newest = parse_checkpoint(records[-1].note.text)
    assert newest.size == size  # the entry just written is covered by a signature
    assert state == [f"{newest.origin} {newest.size} {b64encode(newest.root)}"]
