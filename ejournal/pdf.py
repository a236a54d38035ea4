"""Printed documents as PDF/A: an HTML page in, archival PDF bytes out (R-ARC-1, R-ARC-2, R-ARC-5).

Every document the school prints, signs and keeps (the summary sheet, the class journal, reports
to parents) goes through :func:`render_pdf`. The PDF is PDF/A-3b (ISO 19005-3: fonts embedded,
colour profile, XMP metadata), made by WeasyPrint, and names in its metadata the school, what the
document is, when it was made and the signed checkpoints of the log it was built from, so that a
printout can be traced to the exact state of the log (``ejournal verify`` proves that state).

The fonts are Debian's DejaVu and PT (fonts-dejavu-core, fonts-paratype): both cover Cyrillic.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING

from .log.checkpoint import parse_checkpoint, read_notes
from .log.note import b64encode
from .log.storage import CHECKPOINTS

if TYPE_CHECKING:
    from .journal import Journal

PDF_VARIANT = "pdf/a-3b"

# The page every document starts from: A4, Cyrillic serif text, "page N of M" at the foot, and
# the classes for the signature-and-seal block. A document adds its own CSS after this.
BASE_CSS = """
@page {
  size: A4;
  margin: 15mm 12mm 18mm 15mm;
  @bottom-center {
    content: "Страница " counter(page) " из " counter(pages);
    font: 8pt "DejaVu Sans", sans-serif;
    color: #333;
  }
}
@page landscape { size: A4 landscape; }
html { font: 10pt/1.3 "PT Serif", "DejaVu Serif", serif; color: #000; }
h1 { font-size: 14pt; margin: 0 0 4mm; }
h2 { font-size: 12pt; margin: 5mm 0 2mm; }
table { border-collapse: collapse; width: 100%; }
th, td { border: 0.5pt solid #000; padding: 1pt 3pt; vertical-align: top; }
th { font-weight: bold; text-align: center; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
.num { text-align: center; }
.page-break { break-before: page; }
.signatures { margin-top: 10mm; break-inside: avoid; }
.signatures p { margin: 6mm 0 0; }
.seal { display: inline-block; margin-left: 20mm; color: #555; }
.trace { margin-top: 6mm; font: 7pt "DejaVu Sans Mono", monospace; color: #444; }
"""


@dataclass(frozen=True)
class DocumentMeta:
    """What a printed document says about itself in its PDF metadata.

    Attributes:
        title: the document's title, e.g. «Сводная ведомость 5А, 2025/2026».
        school: the school's name (the PDF's author).
        generated: when the document was made (the school's local time, with its offset).
        checkpoints: the signed log state the document was built from, one
            ``"<origin> <size> <root hash base64>"`` per feed (see :func:`log_state`).
        subject: a longer description.
        keywords: words to find the document by (class, year, kind of document).
    """

    title: str
    school: str
    generated: datetime
    checkpoints: Sequence[str] = ()
    subject: str = ""
    keywords: Sequence[str] = field(default_factory=tuple)

    def _keywords(self) -> list[str]:
        return [*self.keywords, *(f"checkpoint {cp}" for cp in self.checkpoints)]

    def head_tags(self) -> str:
        """The ``<title>`` and ``<meta>`` tags WeasyPrint turns into PDF metadata."""
        esc = html.escape
        tags = [
            f"<title>{esc(self.title)}</title>",
            f'<meta name="author" content="{esc(self.school)}">',
            f'<meta name="description" content="{esc(self.subject or self.title)}">',
            f'<meta name="keywords" content="{esc(", ".join(self._keywords()))}">',
            '<meta name="generator" content="ejournal">',
            f'<meta name="dcterms.created" content="{self.generated.isoformat()}">',
        ]
        if self.checkpoints:
            # The PDF's Info key /ejournalcheckpoints (WeasyPrint keeps letters only); the
            # keywords carry them too, so they are also in the XMP metadata readers show.
            tags.append(
                f'<meta name="ejournal-checkpoints" content="{esc("; ".join(self.checkpoints))}">'
            )
        return "\n".join(tags)


def log_state(journal: Journal) -> list[str]:
    """Sign a checkpoint over this device's feed now, and name every feed's signed state.

    A document built right after this call shows exactly what those checkpoints cover: the
    projection holds no entry of this feed beyond them, and other feeds reach the projection
    only up to their signed checkpoints (replication copies nothing unsigned).

    Returns:
        ``"<origin> <size> <root hash base64>"`` per feed, sorted by origin.
    """
    journal.feed.checkpoint()
    states = []
    for path in sorted(journal.data_dir.feeds.glob(f"*/{CHECKPOINTS}")):
        records = read_notes(path.read_bytes()).records
        if records:
            cp = parse_checkpoint(records[-1].note.text)
            states.append(f"{cp.origin} {cp.size} {b64encode(cp.root)}")
    return sorted(states)


def render_pdf(document_html: str, meta: DocumentMeta, *, base_url: str | None = None) -> bytes:
    """Turn a whole HTML document into PDF/A-3b bytes with ``meta`` in its metadata.

    Args:
        document_html: a complete HTML document with a ``<head>``; its own ``<title>`` and
            metadata tags are replaced by ``meta``'s. :data:`BASE_CSS` is applied first.
        meta: what the PDF says about itself.
        base_url: where relative links and images are resolved (none by default).

    Returns:
        The PDF. The same HTML and metadata give the same bytes.

    Raises:
        ValueError: the HTML has no ``<head>``.
    """
    from weasyprint import CSS, HTML  # heavy import: only where a PDF is made

    if "<head>" not in document_html:
        raise ValueError("document HTML has no <head>")
    page = document_html.replace("<head>", "<head>\n" + meta.head_tags(), 1)
    result = HTML(string=page, base_url=base_url).write_pdf(
        stylesheets=[CSS(string=BASE_CSS)],
        pdf_variant=PDF_VARIANT,
        custom_metadata=True,
        pdf_identifier=_identifier(meta),
    )
    assert isinstance(result, bytes)
    return result


def _identifier(meta: DocumentMeta) -> bytes:
    """A stable PDF /ID from the metadata, so regenerating a document gives the same bytes."""
    import hashlib

    seed = "\n".join([meta.title, meta.school, meta.generated.isoformat(), *meta.checkpoints])
    return hashlib.sha256(seed.encode()).hexdigest()[:32].encode()
