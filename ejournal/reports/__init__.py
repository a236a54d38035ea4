"""Reports and printed documents: what the deputy head and the director read (R-CTL-1,
R-CTL-3), and what the school prints, signs, seals and keeps (R-ARC-1, R-ARC-2, R-ARC-5).

Each control report is a query returning a :class:`~.table.Table` (typed columns, rows,
totals), rendered three ways from that one table: the web page, CSV (:func:`.table.csv_bytes`)
and PDF/A (:func:`.documents.report_pdf`). The modules:

- :mod:`.scope` — the filter (year, period or dates, class, course, teacher) and what it covers;
  :mod:`.options` — the choices the filter offers;
- :mod:`.density` — mark density; :mod:`.filling` — topics, homework, program completion;
  :mod:`.teachers` — timeliness and teachers' activity; :mod:`.participation` — parents and
  students; :mod:`.attendance`; :mod:`.performance` — period results and the preliminary
  report; :mod:`.corrections` — corrections and invalidated entries; :mod:`.catalog` — all of
  them by name;
- :mod:`.summary` — the summary sheet; :mod:`.class_journal` — the printed class journal;
  :mod:`.destruction` — the act of destruction; :mod:`.documents` — their print HTML and PDF/A,
  and :func:`.documents.year_documents` for the archive package of a year.
"""

from __future__ import annotations

from pathlib import Path

from ..translit import latin


def archive_documents(data_dir: Path, year: str) -> list[tuple[str, bytes]]:
    """The documents hook of ``ejournal archive seal``: :func:`.documents.year_documents` of a
    closed year, with the school's data directory opened for it (the server must not hold it).

    Raises:
        FeedLockedError: a running server holds the data directory.
        NotFound, RuleViolation: as :func:`.documents.year_documents`.
    """
    from ..journal import Journal
    from .documents import year_documents

    with Journal.open(Path(data_dir)) as journal:
        documents = year_documents(journal, year)
    seen: set[str] = set()
    named = []
    for path, content in documents:
        ascii_path = _ascii_path(path)
        while ascii_path in seen:  # two class names that read alike in Latin letters
            stem, dot, ext = ascii_path.rpartition(".")
            ascii_path = f"{stem}-2{dot}{ext}"
        seen.add(ascii_path)
        named.append((ascii_path, content))
    return named


def _ascii_path(path: str) -> str:
    """A document's path with its class name in Latin letters and nothing but ASCII."""
    return "".join(
        ch if ch.isascii() and (ch.isalnum() or ch in "._-/") else "_" for ch in latin(path)
    )
